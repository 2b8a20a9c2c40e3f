/**
 * The attention figures that the model card reports for every checkpoint, measured through the
 * extension's own engine (src/engine) with the same definitions as test/teachingModel.test.ts:
 *  - 员 → 程/序: the largest weight from the last 员 of the held-out sentence on 程 or 序, as a multiple of uniform;
 *  - previous-token head: the head with the largest mean weight on token i-1 (the held-out sentence and the first 60 held-out documents);
 *  - `)` → matching `(`: the head with the largest mean weight on the matching bracket (held-out code and three extra lines), vs uniform.
 *
 *   npx tsx scripts/training/attentionFigures.ts [modelDir]     # prints the figures of every checkpoint
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, headOffset } from '../../src/engine/trace';
import { Doc, HELD_OUT_SENTENCE, loadCorpus } from './corpus';

export interface HeadFigure {
  layer: number;
  head: number;
  value: number;
  /** The uniform (chance) value it is compared with. */
  uniform: number;
}

export interface AttentionFigures {
  file: string;
  /** 员 → 程 or 序 (whichever is larger), best head. */
  yuan: HeadFigure;
  /** Mean weight on the previous token, best head. */
  previous: HeadFigure;
  /** Mean weight from `)` on its matching `(`, best head; `pairs` bracket pairs. */
  bracket: HeadFigure & { pairs: number };
}

export const BRACKET_EXTRA = [
  'const y = max(a, min(b, (c + d) * 2), sum(xs.map((x) => x * x)));',
  '(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))',
  'print(len([f(x) for x in range(10) if (x % 2 == 0)]))',
];

function weight(trace: AttentionTrace, l: number, h: number, i: number, j: number): number {
  const t = trace.tokens.length;
  return trace.weights[headOffset(trace, l, h, t, t) + i * t + j];
}

function best(values: number[][], uniform: number): HeadFigure {
  let out: HeadFigure = { layer: -1, head: -1, value: -Infinity, uniform };
  values.forEach((row, l) => row.forEach((v, h) => { if (v > out.value) out = { layer: l, head: h, value: v, uniform }; }));
  return out;
}

/** Measures one weights file of a model folder (config.json and tokenizer.json must be there). */
export function measureCheckpoint(dir: string, file: string, heldout: Doc[]): AttentionFigures {
  const m = loadModelFromDir(dir, { weightsFile: file, name: `teaching ${file}` });
  try {
    const L = m.config.layers;
    const H = m.config.heads;
    const zeros = () => Array.from({ length: L }, () => new Array<number>(H).fill(0));

    const s = runTrace(m, HELD_OUT_SENTENCE);
    const texts = s.tokens.map((t) => t.text);
    const i = texts.lastIndexOf('员');
    const cheng = texts.lastIndexOf('程');
    const xu = texts.lastIndexOf('序');
    const yuanRows = zeros().map((row, l) => row.map((_, h) => Math.max(weight(s, l, h, i, cheng), weight(s, l, h, i, xu))));
    const yuan = best(yuanRows, 1 / (i + 1));

    const prev = zeros();
    let n = 0;
    let uniformSum = 0;
    for (const text of [HELD_OUT_SENTENCE, ...heldout.slice(0, 60).map((d) => d.text)]) {
      const tr = runTrace(m, text);
      for (let q = 1; q < tr.tokens.length; q++) {
        n++;
        uniformSum += 1 / (q + 1);
        for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) prev[l][h] += weight(tr, l, h, q, q - 1);
      }
    }
    const previous = best(prev.map((r) => r.map((v) => v / n)), uniformSum / n);

    const match = zeros();
    let chance = 0;
    let pairs = 0;
    for (const text of [...heldout.filter((d) => d.lang === 'code').map((d) => d.text), ...BRACKET_EXTRA]) {
      const tr = runTrace(m, text);
      for (const { close: q, open: j } of bracketPairs(tr.tokens.map((t) => t.text))) {
        chance += 1 / (q + 1);
        pairs++;
        for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) match[l][h] += weight(tr, l, h, q, j);
      }
    }
    const bracket = { ...best(match.map((r) => r.map((v) => v / pairs)), chance / pairs), pairs };
    return { file, yuan, previous, bracket };
  } finally {
    m.model.dispose();
  }
}

/** Every `)` with the `(` it closes (a stack over the tokens; a `)` with no open `(` is left out), in order of the `)`. */
export function bracketPairs(tokens: string[]): Array<{ close: number; open: number }> {
  const stack: number[] = [];
  const pairs: Array<{ close: number; open: number }> = [];
  tokens.forEach((tok, i) => {
    if (tok === '(') stack.push(i);
    else if (tok === ')' && stack.length) pairs.push({ close: i, open: stack.pop() as number });
  });
  return pairs;
}

export function describeFigures(f: AttentionFigures): string {
  const head = (x: HeadFigure) => `L${x.layer}H${x.head}`;
  return `${f.file}: 员→程/序 ${head(f.yuan)} ${f.yuan.value.toFixed(3)} (${(f.yuan.value / f.yuan.uniform).toFixed(1)}× uniform); ` +
    `previous token ${head(f.previous)} ${f.previous.value.toFixed(3)} (uniform ${f.previous.uniform.toFixed(3)}); ` +
    `) → ( ${head(f.bracket)} ${f.bracket.value.toFixed(3)} (${(f.bracket.value / f.bracket.uniform).toFixed(1)}× chance, ${f.bracket.pairs} pairs)`;
}

if (require.main === module) {
  void (async () => {
    const { defaultWasmDir, initWasmBackend } = await import('../../src/engine/backend');
    const root = path.resolve(__dirname, '..', '..');
    const dir = path.resolve(process.argv[2] ?? path.join(root, 'media', 'models', 'teaching'));
    await initWasmBackend(defaultWasmDir(__dirname));
    const heldout = loadCorpus(root).heldout;
    const files = fs.readdirSync(path.join(dir, 'checkpoints')).filter((f) => f.endsWith('.safetensors')).sort().map((f) => `checkpoints/${f}`);
    for (const f of files) console.log(describeFigures(measureCheckpoint(dir, f, heldout)));
  })();
}
