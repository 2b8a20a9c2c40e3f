/**
 * Every tiny checkpoint in test/fixtures/hf against what Python `transformers` (eager attention,
 * output_attentions=True) and `tokenizers` computed for it (scripts/make_reference_fixtures.py):
 * token ids, token ranges (Python offsets in UTF-16), attention weights of every layer and head,
 * and q, k, v of layer 0 head 0, all to 1e-5.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, headOffset } from '../../src/engine/trace';

const ROOT = path.resolve(__dirname, '../fixtures/hf');
const TOLERANCE = 1e-5;

interface ReferenceCase {
  text: string;
  input_ids: number[];
  tokens: string[];
  offsets_utf16: Array<[number, number]>;
  attentions: number[][][][];
  q_layer0_head0: number[][];
  k_layer0_head0: number[][];
  v_layer0_head0?: number[][];
}

interface Reference {
  add_special_tokens: boolean;
  config_summary: { model_type: string; num_hidden_layers: number; num_attention_heads: number; head_dim: number; causal: boolean };
  cases: ReferenceCase[];
}

function fixtures(): string[] {
  if (!fs.existsSync(ROOT)) return [];
  return fs
    .readdirSync(ROOT)
    .filter((name) => fs.existsSync(path.join(ROOT, name, 'reference.json')))
    .sort();
}

function maxDiffAttention(trace: AttentionTrace, ref: number[][][][]): number {
  const t = trace.tokens.length;
  let max = 0;
  ref.forEach((layer, l) =>
    layer.forEach((head, h) =>
      head.forEach((row, i) =>
        row.forEach((w, j) => {
          max = Math.max(max, Math.abs(w - trace.weights[headOffset(trace, l, h, t, t) + i * t + j]));
        }),
      ),
    ),
  );
  return max;
}

/** Largest difference between rows [T][D] of layer 0 head 0 of a captured tensor and the reference. */
function maxDiffHead0(trace: AttentionTrace, part: Float32Array, ref: number[][]): number {
  const d = trace.model.headDim;
  let max = 0;
  ref.forEach((row, i) => row.forEach((v, e) => (max = Math.max(max, Math.abs(v - part[i * d + e])))));
  return max;
}

const summary: string[] = [];

describe('Hugging Face fixtures equal Python transformers (test/fixtures/hf)', function () {
  this.timeout(120_000);
  before(() => initWasmBackend(defaultWasmDir(__dirname)));
  after(() => {
    if (summary.length && process.env.QKV_REFERENCE_SUMMARY) console.log(summary.join('\n'));
  });

  it('has the fixtures of every architecture', () => {
    const names = fixtures();
    for (const required of ['gpt2-tiny', 'bert-tiny-chinese', 'llama-tiny', 'qwen2-tiny', 'gpt2-tiny-f16', 'llama-tiny-bf16', 'gpt2-tiny-sharded']) {
      assert.ok(names.includes(required), `missing fixture ${required}`);
    }
  });

  for (const name of fixtures()) {
    describe(name, () => {
      const dir = path.join(ROOT, name);
      const reference = JSON.parse(fs.readFileSync(path.join(dir, 'reference.json'), 'utf8')) as Reference;
      let loaded: LoadedModel;
      let tensorsBefore = 0;
      before(() => {
        tensorsBefore = tf.memory().numTensors;
        loaded = loadModelFromDir(dir);
      });
      after(() => {
        loaded?.model.dispose();
        assert.strictEqual(tf.memory().numTensors, tensorsBefore, 'the model left tensors behind');
      });

      it('reads the architecture from config.json', () => {
        const c = reference.config_summary;
        assert.strictEqual(loaded.config.modelType, c.model_type);
        assert.strictEqual(loaded.config.layers, c.num_hidden_layers);
        assert.strictEqual(loaded.config.heads, c.num_attention_heads);
        assert.strictEqual(loaded.config.headDim, c.head_dim);
        assert.strictEqual(loaded.config.causal, c.causal);
      });

      reference.cases.forEach((ref, n) => {
        const label = `case ${n} ${JSON.stringify(ref.text.slice(0, 12))}`;

        it(`${label}: token ids and character ranges equal the Python tokenizer's`, () => {
          const { ids, spans } = loaded.tokenizer.encode(ref.text, reference.add_special_tokens);
          assert.deepStrictEqual(ids, ref.input_ids);
          spans.forEach((span, i) => {
            if (span.special) {
              // Python puts special tokens at (0, 0); QKV Lens gives them an empty range where they stand.
              assert.strictEqual(span.start, span.end, `special token ${i} must have an empty range`);
              assert.deepStrictEqual(ref.offsets_utf16[i], [0, 0]);
            } else {
              assert.deepStrictEqual([span.start, span.end], ref.offsets_utf16[i], `token ${i} ${JSON.stringify(ref.tokens[i])}`);
            }
          });
        });

        it(`${label}: attention weights of every layer and head, and q, k, v of layer 0 head 0, within ${TOLERANCE}`, () => {
          const trace = runTrace(loaded, ref.text);
          assert.deepStrictEqual(trace.tokens.map((t) => t.id), ref.input_ids, 'the product path tokenizes like Python');
          const t = ref.input_ids.length;
          assert.strictEqual(trace.weights.length, loaded.config.layers * loaded.config.heads * t * t);
          const diffs = {
            attention: maxDiffAttention(trace, ref.attentions),
            q: maxDiffHead0(trace, trace.q, ref.q_layer0_head0),
            k: maxDiffHead0(trace, trace.k, ref.k_layer0_head0),
            v: ref.v_layer0_head0 ? maxDiffHead0(trace, trace.v, ref.v_layer0_head0) : 0,
          };
          summary.push(`${name.padEnd(24)} ${label.padEnd(28)} attn ${diffs.attention.toExponential(2)}  q ${diffs.q.toExponential(2)}  k ${diffs.k.toExponential(2)}  v ${diffs.v.toExponential(2)}`);
          for (const [what, diff] of Object.entries(diffs)) assert.ok(diff < TOLERANCE, `${what}: max difference ${diff}`);
        });
      });
    });
  }
});
