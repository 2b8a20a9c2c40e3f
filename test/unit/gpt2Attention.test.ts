import * as assert from 'assert';
import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { headOffset } from '../../src/engine/trace';
import { RandomGpt2, SAMPLE_CODE, SAMPLE_ZH, makeRandomGpt2 } from '../support/randomModel';

/** GPT-2 attention in plain float64 JavaScript, written independently of the tfjs engine. */
function referenceGpt2Attention(m: RandomGpt2, ids: number[]): number[][][][] {
  const c = m.hidden;
  const d = c / m.heads;
  const W = (name: string) => m.weights['transformer.' + name].data;
  const t = ids.length;
  let x = ids.map((id, p) => Array.from({ length: c }, (_, j) => W('wte.weight')[id * c + j] + W('wpe.weight')[p * c + j]));
  const ln = (rows: number[][], g: Float32Array, b: Float32Array) =>
    rows.map((r) => {
      const mean = r.reduce((a, v) => a + v, 0) / c;
      const variance = r.reduce((a, v) => a + (v - mean) ** 2, 0) / c;
      return r.map((v, j) => ((v - mean) / Math.sqrt(variance + 1e-5)) * g[j] + b[j]);
    });
  const mm = (rows: number[][], w: Float32Array, bias: Float32Array, out: number) => rows.map((r) => Array.from({ length: out }, (_, o) => r.reduce((a, v, i) => a + v * w[i * out + o], bias[o])));
  const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
  const result: number[][][][] = [];
  for (let l = 0; l < m.layers; l++) {
    const p = `h.${l}.`;
    const h = ln(x, W(p + 'ln_1.weight'), W(p + 'ln_1.bias'));
    const qkv = mm(h, W(p + 'attn.c_attn.weight'), W(p + 'attn.c_attn.bias'), 3 * c);
    const layerWeights: number[][][] = [];
    const context = Array.from({ length: t }, () => new Array<number>(c).fill(0));
    for (let head = 0; head < m.heads; head++) {
      const rows: number[][] = [];
      for (let i = 0; i < t; i++) {
        const scores = Array.from({ length: t }, (_, j) => {
          if (j > i) return -Infinity;
          let s = 0;
          for (let e = 0; e < d; e++) s += qkv[i][head * d + e] * qkv[j][c + head * d + e];
          return s / Math.sqrt(d);
        });
        const max = Math.max(...scores);
        const exp = scores.map((s) => Math.exp(s - max));
        const sum = exp.reduce((a, v) => a + v, 0);
        const w = exp.map((v) => v / sum);
        rows.push(w);
        for (let e = 0; e < d; e++) context[i][head * d + e] = w.reduce((a, wj, j) => a + wj * qkv[j][2 * c + head * d + e], 0);
      }
      layerWeights.push(rows);
    }
    result.push(layerWeights);
    const attnOut = mm(context, W(p + 'attn.c_proj.weight'), W(p + 'attn.c_proj.bias'), c);
    x = x.map((r, i) => r.map((v, j) => v + attnOut[i][j]));
    const h2 = ln(x, W(p + 'ln_2.weight'), W(p + 'ln_2.bias'));
    const up = mm(h2, W(p + 'mlp.c_fc.weight'), W(p + 'mlp.c_fc.bias'), 4 * c).map((r) => r.map(gelu));
    const down = mm(up, W(p + 'mlp.c_proj.weight'), W(p + 'mlp.c_proj.bias'), c);
    x = x.map((r, i) => r.map((v, j) => v + down[i][j]));
  }
  return result;
}

describe('GPT-2 attention on the wasm backend', function () {
  this.timeout(60_000);
  let random: RandomGpt2;
  let loaded: LoadedModel;

  before(async () => {
    await initWasmBackend(defaultWasmDir(__dirname));
    random = makeRandomGpt2();
    loaded = loadModelFromDir(random.dir);
  });
  after(() => {
    loaded.model.dispose();
    fs.rmSync(random.dir, { recursive: true, force: true });
  });

  it('runs on wasm', () => {
    assert.strictEqual(tf.getBackend(), 'wasm');
  });

  for (const text of [SAMPLE_ZH, SAMPLE_CODE]) {
    it(`rows sum to 1 and the causal mask is exactly zero above the diagonal (${JSON.stringify(text.slice(0, 8))})`, () => {
      const trace = runTrace(loaded, text);
      const t = trace.tokens.length;
      assert.ok(t > 5);
      for (let l = 0; l < trace.model.layers; l++) {
        for (let h = 0; h < trace.model.heads; h++) {
          const base = headOffset(trace, l, h, t, t);
          for (let i = 0; i < t; i++) {
            let sum = 0;
            for (let j = 0; j < t; j++) {
              const w = trace.weights[base + i * t + j];
              if (j > i) assert.strictEqual(w, 0, `weight[${l}][${h}][${i}][${j}] must be masked`);
              sum += w;
            }
            assert.ok(Math.abs(sum - 1) < 1e-5, `row ${i} sums to ${sum}`);
          }
        }
      }
    });

    it(`matches an independent float64 reference to 1e-5 (${JSON.stringify(text.slice(0, 8))})`, () => {
      const trace = runTrace(loaded, text);
      const ref = referenceGpt2Attention(random, trace.tokens.map((t) => t.id));
      const t = trace.tokens.length;
      let maxDiff = 0;
      ref.forEach((layer, l) => layer.forEach((head, h) => head.forEach((row, i) => row.forEach((w, j) => {
        maxDiff = Math.max(maxDiff, Math.abs(w - trace.weights[headOffset(trace, l, h, t, t) + i * t + j]));
      }))));
      assert.ok(maxDiff < 1e-5, `max difference ${maxDiff}`);
    });
  }

  it('scores are q·k/√dk of the captured q and k', () => {
    const trace = runTrace(loaded, SAMPLE_ZH);
    const t = trace.tokens.length;
    const d = trace.model.headDim;
    const l = 1, h = 2, i = 7, j = 3;
    const qBase = headOffset(trace, l, h, t, d);
    let dot = 0;
    for (let e = 0; e < d; e++) dot += trace.q[qBase + i * d + e] * trace.k[qBase + j * d + e];
    assert.ok(Math.abs(dot / Math.sqrt(d) - trace.scores[headOffset(trace, l, h, t, t) + i * t + j]) < 1e-4);
  });

  it('leaves no tensors behind over 50 runs', () => {
    runTrace(loaded, SAMPLE_ZH);
    const before = tf.memory().numTensors;
    for (let n = 0; n < 50; n++) runTrace(loaded, n % 2 ? SAMPLE_ZH : SAMPLE_CODE);
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('cuts long input to the context and says from how many tokens', () => {
    const trace = runTrace(loaded, SAMPLE_ZH.repeat(10));
    assert.strictEqual(trace.tokens.length, random.positions);
    assert.strictEqual(trace.truncatedFrom, 260);
  });

  it('frees its tensors when disposed', () => {
    const before = tf.memory().numTensors;
    const other = loadModelFromDir(random.dir);
    assert.ok(tf.memory().numTensors > before);
    other.model.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
  });
});
