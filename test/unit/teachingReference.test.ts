/**
 * The built-in teaching model (media/models/teaching: 4 layers, 512 positions, byte-level BPE) through
 * the extension's engine (tfjs, wasm) against Hugging Face `transformers` (eager attention, float32) and `tokenizers`
 * on the same weights: token ids, and the attention weights of every layer and head on selected rows (a full
 * 512-token context among them), to 1e-5; and the held-out scoring's next-token costs (scripts/training/scoringModel.ts,
 * which the model test's bits per byte use) against transformers' LM head, to 3e-4 nats. The fixture comes from scripts/training/builtin/reference_attention.py.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { headOffset } from '../../src/engine/trace';
import { openScoringModel } from '../../scripts/training/scoringModel';
import { streamNll } from '../../scripts/training/heldoutText';
import * as tf from '@tensorflow/tfjs-core';

const ROOT = path.resolve(__dirname, '..', '..');
const TOLERANCE = 1e-5;

interface Case {
  text: string;
  ids: number[];
  rows: number[];
  shape: [number, number, number, number];
  weights_f32_base64: string;
  /** transformers' cost (nats) of each next token: ids[i + 1] given ids[0..i]. */
  nll: number[];
}

describe('built-in teaching model: engine vs transformers (test/fixtures/teaching-reference.json)', function () {
  this.timeout(120_000);
  let m: LoadedModel;
  const ref = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'teaching-reference.json'), 'utf8')) as { cases: Case[] };

  before(async () => {
    await initWasmBackend(defaultWasmDir(__dirname));
    m = loadModelFromDir(path.join(ROOT, 'media', 'models', 'teaching'), { name: 'teaching' });
  });
  after(() => m.model.dispose());

  for (const [n, c] of ref.cases.entries()) {
    it(`text ${n} (${c.ids.length} tokens): same ids, attention within ${TOLERANCE}`, () => {
      const trace = runTrace(m, c.text);
      assert.deepStrictEqual(trace.tokens.map((t) => t.id).slice(0, c.ids.length), c.ids);
      const bytes = Buffer.from(c.weights_f32_base64, 'base64');
      const w = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      const [layers, heads, rows, t] = c.shape;
      let max = 0;
      for (let l = 0; l < layers; l++) {
        for (let h = 0; h < heads; h++) {
          for (let r = 0; r < rows; r++) {
            const i = c.rows[r];
            for (let j = 0; j < t; j++) {
              const got = trace.weights[headOffset(trace, l, h, t, t) + i * t + j];
              max = Math.max(max, Math.abs(got - w[((l * heads + h) * rows + r) * t + j]));
            }
          }
        }
      }
      console.log(`      ${layers}×${heads} heads, ${rows} rows of ${t}: max |engine − transformers| = ${max.toExponential(2)}`);
      assert.ok(max <= TOLERANCE, `max difference ${max}`);
    });
  }

  it('held-out scoring (scripts/training/scoringModel.ts) gives transformers\' next-token costs within 3e-4 nats (float32 log-sum-exp over the vocabulary), without leaking tensors', () => {
    const scoring = openScoringModel(path.join(ROOT, 'media', 'models', 'teaching'));
    try {
      let max = 0;
      const before = tf.memory().numTensors;
      for (const c of ref.cases) {
        const { nll } = streamNll(scoring, Int32Array.from(c.ids), c.ids.length);
        c.nll.forEach((x, i) => (max = Math.max(max, Math.abs(nll[i] - x))));
      }
      console.log(`      ${ref.cases.length} texts: max |scoring − transformers| = ${max.toExponential(2)} nats`);
      assert.strictEqual(tf.memory().numTensors, before, 'tensors left behind');
      assert.ok(max <= 3e-4, `max difference ${max}`);
    } finally {
      scoring.dispose();
    }
  });
});
