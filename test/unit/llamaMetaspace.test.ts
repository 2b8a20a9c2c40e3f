/**
 * A LLaMA-family checkpoint with a Metaspace tokenizer (and one with LLaMA-2's legacy Prepend/Replace form):
 * the trace's token ranges, which the editor paints (baseOffset + start/end), are the characters Python
 * `tokenizers` gives for the same text. Uses test/fixtures/hf/llama-tiny with its tokenizer.json replaced
 * by a trained SentencePiece-style tokenizer from test/fixtures/tokenizers.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { fixtureTexts, tokenizerFamilies } from '../support/tokenizerFixtures';

describe('a LLaMA model with a Metaspace tokenizer paints the right characters', function () {
  this.timeout(120_000);
  const texts = fixtureTexts();
  const text = 'x = [1, 2, (3)]; // ok';
  const index = texts.indexOf(text);
  before(async () => {
    await initWasmBackend(defaultWasmDir(__dirname));
  });

  for (const family of ['metaspace-first-nosplit', 'metaspace-always-split', 'sp-legacy']) {
    it(`${family}: the trace's ranges are Python's offsets, token by token`, () => {
      const fixture = tokenizerFamilies().find((f) => f.family === family);
      assert.ok(fixture && index >= 0);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-llama-metaspace-'));
      try {
        const source = path.join(__dirname, '..', 'fixtures', 'hf', 'llama-tiny');
        for (const f of fs.readdirSync(source)) fs.copyFileSync(path.join(source, f), path.join(dir, f));
        fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(fixture.tokenizer));
        fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{}');
        const before = tf.memory().numTensors;
        const loaded = loadModelFromDir(dir);
        const trace = runTrace(loaded, text);
        assert.deepStrictEqual(trace.tokens.map((t) => t.id), fixture.ids[index]);
        trace.tokens.forEach((t, k) => {
          const [ps, pe] = [fixture.offsets[index][2 * k], fixture.offsets[index][2 * k + 1]];
          if (t.special) assert.strictEqual(t.start, t.end, 'special tokens have an empty range');
          else assert.deepStrictEqual([t.start, t.end], [ps, pe], `token ${k} "${t.text}"`);
          assert.ok(!t.approximate);
        });
        // The example: x, =, [ and 3 are painted on themselves.
        for (const ch of ['x', '=', '[', '3']) {
          const at = text.indexOf(ch);
          const owner = trace.tokens.find((t) => !t.special && t.start <= at && at < t.end);
          assert.ok(owner && text.slice(owner.start, owner.end).includes(ch), `${ch} → ${owner ? text.slice(owner.start, owner.end) : 'nothing'}`);
        }
        loaded.model.dispose();
        assert.strictEqual(tf.memory().numTensors, before, 'the model left tensors behind');
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
