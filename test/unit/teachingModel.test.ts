/**
 * The built-in teaching model (media/models/teaching) against the claims of its model card, on held-out text
 * only (data/corpus/heldout: packages never trained on) and on sequences generated afresh for each run.
 * Every figure is printed, pass or fail.
 *
 *   npm run test:teaching                       (this file alone)
 *   QKV_TEACHING_DIR=DIR npm run test:teaching  (another model folder, e.g. a training run in progress)
 *   QKV_SEED=N                                  (repeat a run's generated sequences)
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, headOffset } from '../../src/engine/trace';
import { HELD_OUT_SENTENCE } from '../../scripts/training/corpus';
import { dimsFromConfig, loadWeights } from '../../scripts/training/checkpoint';
import { toTensors } from '../../scripts/training/model';
import { bitsPerByte, documentStream, gzipBitsPerByte, loadHeldoutSample, streamNll } from '../../scripts/training/heldoutText';
import { bracketPairs } from '../../scripts/training/attentionFigures';
import { Prng } from '../../scripts/training/prng';
import { inductionText, inductionWords } from '../../scripts/training/inductionProbe';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.resolve(process.env.QKV_TEACHING_DIR ?? path.join(ROOT, 'media', 'models', 'teaching'));
const SEED = Number(process.env.QKV_SEED ?? Date.now() % 1_000_000);

type Json = Record<string, unknown>;
interface Checkpoint {
  step: number;
  label: string;
  file: string;
}

function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Json;
}

function checkpoints(): Checkpoint[] {
  return (readJson('config.json').qkv_lens as { checkpoints: Checkpoint[] }).checkpoints;
}

function weight(trace: AttentionTrace, l: number, h: number, i: number, j: number): number {
  const t = trace.tokens.length;
  return trace.weights[headOffset(trace, l, h, t, t) + i * t + j];
}

function heads(trace: AttentionTrace): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let l = 0; l < trace.model.layers; l++) for (let h = 0; h < trace.model.heads; h++) out.push([l, h]);
  return out;
}

function dirSize(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return total;
}

/** Mean over heads of a per-head sum, as a printed table and the best head. */
function bestHead(sums: Map<string, number>, n: number): { l: number; h: number; mean: number; table: string } {
  let best = { l: -1, h: -1, mean: -1 };
  const parts: string[] = [];
  for (const [key, s] of sums) {
    const [l, h] = key.split('.').map(Number);
    const mean = s / n;
    parts.push(`L${l}H${h} ${mean.toFixed(3)}`);
    if (mean > best.mean) best = { l, h, mean };
  }
  return { ...best, table: parts.join(', ') };
}

describe('teaching model (media/models/teaching)', function () {
  this.timeout(300_000);
  const loaded = new Map<string, LoadedModel>();
  const model = (file: string): LoadedModel => {
    let m = loaded.get(file);
    if (!m) {
      m = loadModelFromDir(DIR, { weightsFile: file, name: `teaching ${file}` });
      loaded.set(file, m);
    }
    return m;
  };
  const finalFile = () => 'model.safetensors';
  const held = () => loadHeldoutSample(ROOT);

  before(async () => {
    await initWasmBackend(defaultWasmDir(__dirname));
    console.log(`      model folder ${DIR}; generated sequences use seed ${SEED} (QKV_SEED=${SEED} repeats them)`);
  });
  after(() => {
    for (const m of loaded.values()) m.model.dispose();
  });

  it('is a Hugging Face GPT-2 folder: ≥ 4 layers, 512 positions, ≥ 6 checkpoints from step 0, byte-level BPE of 8k–16k tokens, ≤ 40 MB', () => {
    const config = readJson('config.json');
    assert.strictEqual(config.model_type, 'gpt2');
    assert.deepStrictEqual(config.architectures, ['GPT2LMHeadModel']);
    assert.ok((config.n_layer as number) >= 4, `${config.n_layer} layers`);
    assert.ok((config.n_positions as number) >= 512, `${config.n_positions} positions`);
    const vocab = config.vocab_size as number;
    assert.ok(vocab >= 8000 && vocab <= 16384, `vocabulary ${vocab}`);
    const tokenizer = readJson('tokenizer.json') as { model: { type: string }; pre_tokenizer: unknown };
    assert.strictEqual(tokenizer.model.type, 'BPE');
    assert.ok(JSON.stringify(tokenizer.pre_tokenizer).includes('"ByteLevel"'), 'byte-level pre-tokenizer');
    const cps = checkpoints();
    assert.ok(cps.length >= 6, `${cps.length} checkpoints`);
    assert.strictEqual(cps[0].step, 0);
    assert.ok(cps.every((c, i) => i === 0 || c.step > cps[i - 1].step), 'checkpoint steps increase');
    for (const c of cps) assert.ok(fs.existsSync(path.join(DIR, c.file)), `${c.file} exists`);
    const size = dirSize(DIR);
    console.log(`      ${config.n_layer} layers × ${config.n_head} heads, d ${config.n_embd}, ${config.n_positions} positions, vocabulary ${vocab}; folder ${(size / 1e6).toFixed(2)} MB; checkpoints at steps ${cps.map((c) => c.step).join(', ')}`);
    assert.ok(size <= 40e6, `folder is ${size} bytes`);
  });

  it('tokenizes every held-out text without loss, 员 apart from 程序, and measures characters per token', () => {
    const m = model(finalFile());
    const byLang = new Map<string, { chars: number; tokens: number }>();
    for (const d of held()) {
      const { ids, spans } = m.tokenizer.encode(d.text);
      assert.ok(spans.every((s) => !s.approximate), `${d.path}: approximate ranges`);
      assert.strictEqual(spans.map((s) => d.text.slice(s.start, s.end)).join(''), d.text, `${d.path}: the token ranges rebuild the text`);
      const s = byLang.get(d.lang) ?? { chars: 0, tokens: 0 };
      s.chars += [...d.text].length;
      s.tokens += ids.length;
      byLang.set(d.lang, s);
    }
    console.log('      characters per token on held-out text: ' + [...byLang].map(([l, s]) => `${l} ${(s.chars / s.tokens).toFixed(2)}`).join(', '));
    const texts = runTrace(m, HELD_OUT_SENTENCE).tokens.map((t) => t.text);
    console.log(`      ${HELD_OUT_SENTENCE} → ${texts.join(' · ')}`);
    assert.deepStrictEqual(texts.slice(-2), ['程序', '员']);
  });

  it('held-out bits per byte per language: below the previous built-in model and below gzip -9 on the same bytes', () => {
    const config = readJson('config.json');
    const dims = dimsFromConfig(config);
    const m = model(finalFile());
    const eos = m.tokenizer.idOf('<|endoftext|>');
    assert.ok(eos !== undefined, 'the tokenizer has <|endoftext|>');
    const previous = (JSON.parse(fs.readFileSync(path.join(ROOT, 'data', 'corpus', 'heldout', 'previous-model.json'), 'utf8')) as { bitsPerByte: Record<string, number> }).bitsPerByte;
    const weights = toTensors(dims, loadWeights(path.join(DIR, finalFile()), dims));
    const failures: string[] = [];
    try {
      for (const lang of [...new Set(held().map((d) => d.lang))]) {
        const texts = held().filter((d) => d.lang === lang).map((d) => d.text);
        const bpb = bitsPerByte(weights, dims, texts.map((t) => m.tokenizer.encode(t).ids), texts, eos, dims.positions);
        const gz = gzipBitsPerByte(texts);
        console.log(`      ${lang}: ${bpb.toFixed(3)} bits/byte; previous model ${previous[lang].toFixed(3)}; gzip -9 ${gz.toFixed(3)} (${texts.length} documents)`);
        if (!(bpb < previous[lang] && bpb < gz)) failures.push(lang);
      }
    } finally {
      tf.dispose([...weights.values()]);
    }
    assert.deepStrictEqual(failures, [], 'languages not below both bars');
  });

  it('has an induction head: on random common words repeated twice, the best head puts ≥ 0.4 on the token after the earlier occurrence', () => {
    const m = model(finalFile());
    const words = inductionWords(m.tokenizer, 400);
    const rng = new Prng(SEED);
    const sums = new Map<string, number>();
    let n = 0;
    for (let s = 0; s < 6; s++) {
      const { text, length } = inductionText(words, 40, rng);
      const trace = runTrace(m, text);
      assert.strictEqual(trace.tokens.length, 2 * length, 'every word is one token');
      for (let i = length; i < 2 * length; i++) {
        for (const [l, h] of heads(trace)) sums.set(`${l}.${h}`, (sums.get(`${l}.${h}`) ?? 0) + weight(trace, l, h, i, i - length + 1));
        n++;
      }
    }
    const best = bestHead(sums, n);
    console.log(`      weight on the token after the earlier occurrence (${n} queries): ${best.table}`);
    console.log(`      induction head: layer ${best.l} head ${best.h} (${best.mean.toFixed(3)})`);
    assert.ok(best.mean >= 0.4, `best induction head L${best.l}H${best.h}: ${best.mean}`);
  });

  it('has a previous-token head (mean weight on the previous token ≥ 0.5 on held-out text)', () => {
    const m = model(finalFile());
    const sums = new Map<string, number>();
    let n = 0;
    for (const d of held()) {
      const trace = runTrace(m, d.text, { maxTokens: 256 });
      const t = trace.tokens.length;
      for (const [l, h] of heads(trace)) {
        let s = 0;
        for (let i = 1; i < t; i++) s += weight(trace, l, h, i, i - 1);
        sums.set(`${l}.${h}`, (sums.get(`${l}.${h}`) ?? 0) + s);
      }
      n += t - 1;
    }
    const best = bestHead(sums, n);
    console.log(`      mean weight on the previous token (${n} queries): ${best.table}`);
    console.log(`      previous-token head: layer ${best.l} head ${best.h} (${best.mean.toFixed(3)})`);
    assert.ok(best.mean >= 0.5, `best previous-token head L${best.l}H${best.h}: ${best.mean}`);
  });

  it('a head picks the matching ( as its top target for ≥ 60% of ) in held-out code', () => {
    const m = model(finalFile());
    const hits = new Map<string, number>();
    let pairs = 0;
    for (const d of held().filter((x) => x.lang.startsWith('code'))) {
      const trace = runTrace(m, d.text);
      const toks = trace.tokens.map((t) => t.text);
      const t = toks.length;
      for (const { close: i, open: j } of bracketPairs(toks)) {
        pairs++;
        for (const [l, h] of heads(trace)) {
          const row = trace.weights.subarray(headOffset(trace, l, h, t, t) + i * t, headOffset(trace, l, h, t, t) + i * t + i + 1);
          let top = 0;
          for (let k = 1; k <= i; k++) if (row[k] > row[top]) top = k;
          if (top === j) hits.set(`${l}.${h}`, (hits.get(`${l}.${h}`) ?? 0) + 1);
          else if (!hits.has(`${l}.${h}`)) hits.set(`${l}.${h}`, 0);
        }
      }
    }
    assert.ok(pairs >= 100, `only ${pairs} bracket pairs in the held-out code`);
    const best = bestHead(hits, pairs);
    console.log(`      share of ) whose top target is the matching ( (${pairs} pairs): ${best.table}`);
    console.log(`      bracket head: layer ${best.l} head ${best.h} (${(100 * best.mean).toFixed(1)}%)`);
    assert.ok(best.mean >= 0.6, `best bracket head L${best.l}H${best.h}: ${best.mean}`);
  });

  it('员 gives 程序 ≥ 5× uniform in some final head, and ≤ 1.5× in every head at random init', () => {
    const ratios = (file: string) => {
      const trace = runTrace(model(file), HELD_OUT_SENTENCE);
      const texts = trace.tokens.map((t) => t.text);
      const i = texts.lastIndexOf('员');
      const c = texts.lastIndexOf('程序');
      assert.ok(i > 0 && c === i - 1, 'the sentence ends 程序 · 员');
      const uniform = 1 / (i + 1);
      const rows = heads(trace).map(([l, h]) => ({ l, h, ratio: weight(trace, l, h, i, c) / uniform }));
      console.log(`      ${file}: 员 → 程序 as a multiple of uniform (${uniform.toFixed(4)}): ` + rows.map((r) => `L${r.l}H${r.h} ${r.ratio.toFixed(2)}`).join(', '));
      return Math.max(...rows.map((r) => r.ratio));
    };
    const final = ratios(finalFile());
    const random = ratios(checkpoints()[0].file);
    assert.ok(final >= 5, `best final head gives ${final.toFixed(2)}× uniform`);
    assert.ok(random <= 1.5, `a random-init head already gives ${random.toFixed(2)}× uniform`);
  });

  it('long context: held-out loss at positions 384–511 is no higher than at positions 0–127', () => {
    const config = readJson('config.json');
    const dims = dimsFromConfig(config);
    const m = model(finalFile());
    const eos = m.tokenizer.idOf('<|endoftext|>') ?? -1;
    const t = 512;
    const stream = documentStream(held().map((d) => m.tokenizer.encode(d.text).ids), eos);
    const full = stream.subarray(0, Math.floor((stream.length - 1) / t) * t + 1);
    const weights = toTensors(dims, loadWeights(path.join(DIR, finalFile()), dims));
    try {
      const { nll, position } = streamNll(weights, dims, full, t);
      const mean = (lo: number, hi: number) => {
        let s = 0;
        let n = 0;
        for (let i = 0; i < nll.length; i++) if (position[i] >= lo && position[i] < hi) (s += nll[i]), n++;
        return s / n;
      };
      const early = mean(0, 128);
      const late = mean(384, 512);
      console.log(`      ${(full.length - 1) / t} windows of ${t}: loss ${early.toFixed(3)} nats/token at positions 0–127, ${mean(128, 256).toFixed(3)} at 128–255, ${mean(256, 384).toFixed(3)} at 256–383, ${late.toFixed(3)} at 384–511`);
      assert.ok(late <= early, `loss at 384–511 (${late}) is above 0–127 (${early})`);
    } finally {
      tf.dispose([...weights.values()]);
    }
  });

  it('never saw the held-out sentence: it is in none of the project corpus files and none of the held-out sample', () => {
    const squash = (s: string) => s.replace(/\s+/g, '');
    const dir = path.join(ROOT, 'data', 'corpus');
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.txt'))) {
      assert.ok(!squash(fs.readFileSync(path.join(dir, f), 'utf8')).includes(HELD_OUT_SENTENCE), f);
    }
    assert.ok(!held().some((d) => squash(d.text).includes(HELD_OUT_SENTENCE)));
  });
});
