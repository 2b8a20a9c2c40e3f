import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { CaptureCollector, attend } from '../../src/engine/models/model';
import { seededRandom } from '../support/randomModel';

/** Attention in float64 JavaScript: weights[h][i][j] and context[i][h*D + e]. */
function reference(q: Float32Array, k: Float32Array, v: Float32Array, heads: number, t: number, d: number, causal: boolean) {
  const weights = new Float64Array(heads * t * t);
  const context = new Float64Array(t * heads * d);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < t; i++) {
      const row: number[] = [];
      for (let j = 0; j < t; j++) {
        let s = 0;
        for (let e = 0; e < d; e++) s += q[(h * t + i) * d + e] * k[(h * t + j) * d + e];
        row.push(causal && j > i ? -Infinity : s / Math.sqrt(d));
      }
      const max = Math.max(...row);
      const exp = row.map((s) => Math.exp(s - max));
      const sum = exp.reduce((a, b) => a + b, 0);
      exp.forEach((x, j) => (weights[(h * t + i) * t + j] = x / sum));
      for (let e = 0; e < d; e++) {
        let c = 0;
        for (let j = 0; j < t; j++) c += weights[(h * t + i) * t + j] * v[(h * t + j) * d + e];
        context[i * heads * d + h * d + e] = c;
      }
    }
  }
  return { weights, context };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.strictEqual(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('attention on long inputs (per-head path) equals the short-input path and a float64 reference', function () {
  this.timeout(60_000);
  before(() => initWasmBackend(defaultWasmDir(__dirname)));

  // 16·16·8 uses one batched matmul; 96·96·64 and 130·130·32 go head by head.
  for (const [heads, t, d, causal] of [
    [3, 16, 8, true],
    [2, 96, 64, true],
    [3, 130, 32, false],
  ] as Array<[number, number, number, boolean]>) {
    it(`${heads} heads, ${t} tokens, head size ${d}, ${causal ? 'causal' : 'bidirectional'}`, () => {
      const rnd = seededRandom(t * 31 + d);
      const make = () => Float32Array.from({ length: heads * t * d }, () => (rnd() - 0.5) * 2);
      const [q, k, v] = [make(), make(), make()];
      const capture = new CaptureCollector();
      const before = tf.memory().numTensors;
      let context: Float32Array = new Float32Array(0);
      tf.tidy(() => {
        const out = attend(tf.tensor3d(q, [heads, t, d]), tf.tensor3d(k, [heads, t, d]), tf.tensor3d(v, [heads, t, d]), causal, capture);
        assert.deepStrictEqual(out.shape, [t, heads * d]);
        context = out.dataSync() as Float32Array;
        const got = capture.read();
        const ref = reference(q, k, v, heads, t, d, causal);
        assert.ok(maxDiff(got.weights, ref.weights) < 1e-5, 'weights');
        assert.deepStrictEqual(Array.from(got.q), Array.from(q));
        assert.deepStrictEqual(Array.from(got.k), Array.from(k));
        for (let h = 0; h < heads; h++) {
          for (let i = 0; i < t; i++) {
            let s = 0;
            for (let e = 0; e < d; e++) s += q[(h * t + i) * d + e] * k[(h * t + 1) * d + e];
            assert.ok(Math.abs(got.scores[(h * t + i) * t + 1] - s / Math.sqrt(d)) < 1e-4, 'scores are q·k/√d before the mask');
          }
        }
        assert.ok(maxDiff(context, ref.context) < 1e-4, 'context');
      });
      capture.dispose();
      assert.strictEqual(tf.memory().numTensors, before, 'no tensor outlives the tidy');
    });
  }
});
