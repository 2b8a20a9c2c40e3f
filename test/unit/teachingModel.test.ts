/**
 * The built-in teaching model (media/models/teaching) against the claims of its model card:
 * it beats the unigram baseline on held-out text, one of its heads ties 员 to 程/序 in the held-out
 * sentence (and the random-init checkpoint has no such head), it has a previous-token head, and a head
 * attends from `)` to its matching `(` more than chance. Every figure is printed, pass or fail.
 *
 *   npm run test:teaching      (all of it, including the previous-token head the shipped model lacks)
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, headOffset } from '../../src/engine/trace';
import { SafetensorsFile, floatToHalfBits, writeSafetensorsF16 } from '../../src/engine/safetensors';
import { HELD_OUT_SENTENCE, loadCorpus } from '../../scripts/training/corpus';
import { EOS, PAD, encodeIds, loadTokenizer } from '../../scripts/training/tokenizer';
import { evalWindows, evaluateLoss, packStream, unigramLoss } from '../../scripts/training/data';
import { dimsFromConfig, folderBytes, loadWeights } from '../../scripts/training/checkpoint';
import { toTensors } from '../../scripts/training/model';
import { bracketPairs } from '../../scripts/training/attentionFigures';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.resolve(process.env.QKV_TEACHING_DIR ?? path.join(ROOT, 'media', 'models', 'teaching'));
/** "More than uniform" must be clearly more: at random init every head is within a hair of uniform. */
const CLEAR_MARGIN = 2;

type Json = Record<string, unknown>;
interface Checkpoint {
  step: number;
  label: string;
  file: string;
  loss: number;
  heldout_loss: number;
}

function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8')) as Json;
}

function checkpoints(): Checkpoint[] {
  const extras = readJson('config.json').qkv_lens as { checkpoints: Checkpoint[] };
  return extras.checkpoints;
}

/** weights[layer][head][i][j] of a trace. */
function weight(trace: AttentionTrace, l: number, h: number, i: number, j: number): number {
  const t = trace.tokens.length;
  return trace.weights[headOffset(trace, l, h, t, t) + i * t + j];
}

function heads(trace: AttentionTrace): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let l = 0; l < trace.model.layers; l++) for (let h = 0; h < trace.model.heads; h++) out.push([l, h]);
  return out;
}

describe('teaching model (media/models/teaching)', function () {
  this.timeout(120_000);
  const loaded = new Map<string, LoadedModel>();
  const model = (file: string): LoadedModel => {
    let m = loaded.get(file);
    if (!m) {
      m = loadModelFromDir(DIR, { weightsFile: file, name: `teaching ${file}` });
      loaded.set(file, m);
    }
    return m;
  };
  const finalFile = () => checkpoints()[checkpoints().length - 1].file;
  const heldoutDocs = () => loadCorpus(ROOT).heldout;

  before(async () => {
    await initWasmBackend(defaultWasmDir(__dirname));
  });
  after(() => {
    for (const m of loaded.values()) m.model.dispose();
  });

  it('is a Hugging Face GPT-2 folder with four checkpoints (step 0 first), under 8 MB', () => {
    const config = readJson('config.json');
    assert.strictEqual(config.model_type, 'gpt2');
    assert.deepStrictEqual(config.architectures, ['GPT2LMHeadModel']);
    const cps = checkpoints();
    assert.strictEqual(cps.length, 4);
    assert.strictEqual(cps[0].step, 0);
    assert.ok(cps.every((c, i) => i === 0 || c.step > cps[i - 1].step), 'checkpoint steps increase');
    for (const c of cps) assert.ok(fs.existsSync(path.join(DIR, c.file)), `${c.file} exists`);
    const bytes = fs.readFileSync(path.join(DIR, 'model.safetensors'));
    const names = new SafetensorsFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)).names();
    for (const n of ['transformer.wte.weight', 'transformer.wpe.weight', 'transformer.h.0.attn.c_attn.weight', 'transformer.h.0.mlp.c_proj.bias', 'transformer.ln_f.weight']) {
      assert.ok(names.includes(n), `model.safetensors has ${n}`);
    }
    const size = folderBytes(DIR);
    console.log(`      folder: ${(size / 1e6).toFixed(2)} MB; checkpoints: ${cps.map((c) => `${c.step} (${c.label}) loss ${c.loss.toFixed(3)} held-out ${c.heldout_loss.toFixed(3)}`).join('; ')}`);
    assert.ok(size < 8e6, `folder is ${size} bytes`);
  });

  it('writes F16 that reads back as the nearest half', () => {
    const data = Float32Array.from([0, -0, 1, -2.5, 0.1, 65504, 1e-7, 3.14159]);
    const st = new SafetensorsFile(writeSafetensorsF16({ x: { shape: [2, 4], data } }));
    const back = st.float32('x');
    data.forEach((v, i) => assert.ok(Math.abs(back[i] - v) <= Math.abs(v) * 2 ** -11 + 2 ** -24, `${v} → ${back[i]}`));
    assert.strictEqual(floatToHalfBits(1), 0x3c00);
    assert.strictEqual(floatToHalfBits(1e6), 0x7c00);
  });

  it('tokenizes the held-out sentence one character per token, all in the vocabulary', () => {
    const trace = runTrace(model(finalFile()), HELD_OUT_SENTENCE);
    assert.deepStrictEqual(trace.tokens.map((t) => t.text), [...HELD_OUT_SENTENCE]);
    const tok = loadTokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'));
    assert.ok(!encodeIds(tok, HELD_OUT_SENTENCE).includes(tok.token_to_id('[UNK]') ?? -1));
  });

  it('never trains on the held-out sentence', () => {
    // loadCorpus throws if any document contains it; the held-out split must not either.
    const corpus = loadCorpus(ROOT);
    const squash = (s: string) => s.replace(/\s+/g, '');
    assert.ok(![...corpus.train, ...corpus.heldout].some((d) => squash(d.text).includes(HELD_OUT_SENTENCE)));
  });

  it('held-out loss of the final checkpoint is clearly below the unigram baseline', () => {
    const config = readJson('config.json');
    const dims = dimsFromConfig(config);
    const tok = loadTokenizer(readJson('tokenizer.json'), readJson('tokenizer_config.json'));
    const eos = tok.token_to_id(EOS) ?? -1;
    const pad = tok.token_to_id(PAD) ?? -1;
    const corpus = loadCorpus(ROOT);
    const context = dims.positions;
    const train = packStream(corpus.train.map((d) => encodeIds(tok, d.text)), eos, context);
    const held = evalWindows(packStream(corpus.heldout.map((d) => encodeIds(tok, d.text)), eos, context), context, pad);
    const baseline = unigramLoss(train, dims.vocab, held);
    const weights = toTensors(dims, loadWeights(path.join(DIR, finalFile()), dims));
    const random = toTensors(dims, loadWeights(path.join(DIR, checkpoints()[0].file), dims));
    try {
      const loss = evaluateLoss(weights, dims, held);
      const loss0 = evaluateLoss(random, dims, held);
      console.log(`      held-out loss: final ${loss.toFixed(4)} nats/token, random init ${loss0.toFixed(4)}, unigram baseline ${baseline.toFixed(4)} (${held.reduce((a, b) => a + b.targets.filter((x) => x >= 0).length, 0)} tokens)`);
      assert.ok(loss < 0.75 * baseline, `final held-out loss ${loss} is not clearly below the unigram baseline ${baseline}`);
      assert.ok(loss0 > baseline, 'the random init is worse than the unigram baseline');
    } finally {
      tf.dispose([...weights.values(), ...random.values()]);
    }
  });

  it('a final-checkpoint head attends from 员 to 程 or 序 more than uniform; no random-init head does', () => {
    const report = (file: string) => {
      const trace = runTrace(model(file), HELD_OUT_SENTENCE);
      const texts = trace.tokens.map((t) => t.text);
      const i = texts.lastIndexOf('员');
      const cheng = texts.lastIndexOf('程');
      const xu = texts.lastIndexOf('序');
      assert.ok(i > 0 && cheng >= 0 && xu >= 0, 'the sentence has 程, 序 and 员');
      const uniform = 1 / (i + 1);
      const rows = heads(trace).map(([l, h]) => ({ l, h, cheng: weight(trace, l, h, i, cheng), xu: weight(trace, l, h, i, xu) }));
      console.log(`      ${file}: 员 (position ${i}) → 程 / 序, uniform ${uniform.toFixed(4)}: ` + rows.map((r) => `L${r.l}H${r.h} ${r.cheng.toFixed(3)}/${r.xu.toFixed(3)}`).join(', '));
      return rows.filter((r) => Math.max(r.cheng, r.xu) > CLEAR_MARGIN * uniform);
    };
    const cps = checkpoints();
    const finalHits = report(cps[cps.length - 1].file);
    const randomHits = report(cps[0].file);
    assert.ok(finalHits.length > 0, `no final head puts more than ${CLEAR_MARGIN}× uniform attention from 员 on 程 or 序`);
    assert.strictEqual(randomHits.length, 0, `random-init heads ${randomHits.map((r) => `L${r.l}H${r.h}`).join(', ')} already do`);
  });

  it('has a previous-token head', () => {
    const texts = [HELD_OUT_SENTENCE, ...heldoutDocs().slice(0, 60).map((d) => d.text)];
    const m = model(finalFile());
    let best = { l: -1, h: -1, mean: 0 };
    const sums = new Map<string, { sum: number; n: number }>();
    let uniformSum = 0;
    let uniformN = 0;
    for (const text of texts) {
      const trace = runTrace(m, text);
      const t = trace.tokens.length;
      for (let i = 1; i < t; i++) {
        uniformSum += 1 / (i + 1);
        uniformN++;
      }
      for (const [l, h] of heads(trace)) {
        const key = `${l}.${h}`;
        const s = sums.get(key) ?? { sum: 0, n: 0 };
        for (let i = 1; i < t; i++) s.sum += weight(trace, l, h, i, i - 1);
        s.n += t - 1;
        sums.set(key, s);
      }
    }
    const table = [...sums].map(([key, s]) => {
      const [l, h] = key.split('.').map(Number);
      return { l, h, mean: s.sum / s.n };
    });
    for (const r of table) if (r.mean > best.mean) best = r;
    console.log(`      mean weight on the previous token over ${texts.length} texts (uniform ${(uniformSum / uniformN).toFixed(3)}): ` + table.map((r) => `L${r.l}H${r.h} ${r.mean.toFixed(3)}`).join(', '));
    console.log(`      previous-token head: layer ${best.l} head ${best.h} (mean ${best.mean.toFixed(3)})`);
    assert.ok(best.mean > 0.5, `best previous-token head L${best.l}H${best.h} has mean weight ${best.mean}`);
  });

  it('a head attends from ) to its matching ( more than chance', () => {
    const code = heldoutDocs().filter((d) => d.lang === 'code').map((d) => d.text);
    const extra = [
      'const y = max(a, min(b, (c + d) * 2), sum(xs.map((x) => x * x)));',
      '(define (fact n) (if (= n 0) 1 (* n (fact (- n 1)))))',
      'print(len([f(x) for x in range(10) if (x % 2 == 0)]))',
    ];
    const m = model(finalFile());
    const perHead = new Map<string, { match: number; other: number; otherN: number }>();
    let chance = 0;
    let pairs = 0;
    for (const text of [...code, ...extra]) {
      const trace = runTrace(m, text);
      const toks = trace.tokens.map((t) => t.text);
      for (const { close: i, open: j } of bracketPairs(toks)) {
        const others = toks.slice(0, i).map((tk, k) => (tk === '(' && k !== j ? k : -1)).filter((k) => k >= 0);
        chance += 1 / (i + 1);
        pairs++;
        for (const [l, h] of heads(trace)) {
          const key = `${l}.${h}`;
          const s = perHead.get(key) ?? { match: 0, other: 0, otherN: 0 };
          s.match += weight(trace, l, h, i, j);
          for (const k of others) s.other += weight(trace, l, h, i, k);
          s.otherN += others.length;
          perHead.set(key, s);
        }
      }
    }
    assert.ok(pairs > 50, `only ${pairs} bracket pairs in the held-out code`);
    const table = [...perHead].map(([key, s]) => {
      const [l, h] = key.split('.').map(Number);
      return { l, h, match: s.match / pairs, other: s.otherN ? s.other / s.otherN : 0 };
    });
    const best = table.reduce((a, b) => (b.match > a.match ? b : a));
    const chanceMean = chance / pairs;
    console.log(`      ) → matching ( over ${pairs} pairs; chance (uniform) ${chanceMean.toFixed(4)}: ` + table.map((r) => `L${r.l}H${r.h} ${r.match.toFixed(3)} (other '(' ${r.other.toFixed(3)})`).join(', '));
    console.log(`      best: layer ${best.l} head ${best.h}: ${best.match.toFixed(4)} on the matching ( vs ${chanceMean.toFixed(4)} chance (${(best.match / chanceMean).toFixed(1)}×), ${best.other.toFixed(4)} on each other (`);
    assert.ok(best.match > chanceMean, `no head attends from ) to its matching ( more than chance`);
  });
});
