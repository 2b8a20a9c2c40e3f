/**
 * Dumps what the Python cross-check (scripts/training/crosscheck.py) compares against Hugging Face
 * transformers and tokenizers: token ids from the JS tokenizer, the TS loss on held-out windows, and
 * the engine's attention weights for the held-out sentence.
 *
 *   npx tsx scripts/training/crosscheck.ts [modelDir] > /tmp/crosscheck.json
 *   .venv/bin/python scripts/training/crosscheck.py [modelDir] /tmp/crosscheck.json
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { HELD_OUT_SENTENCE, loadCorpus } from './corpus';
import { EOS, PAD, encodeIds, loadTokenizer, JsonObject } from './tokenizer';
import { evalWindows, evaluateLoss, packStream } from './data';
import { dimsFromConfig, loadWeights } from './checkpoint';
import { toTensors } from './model';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'media', 'models', 'teaching'));
  await initWasmBackend(defaultWasmDir(__dirname));
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as JsonObject;
  const config = read('config.json');
  const dims = dimsFromConfig(config);
  const tok = loadTokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
  const corpus = loadCorpus(root);
  const texts = [
    HELD_OUT_SENTENCE,
    'Hello, World! The engineer checked the logs.',
    'const y = max(a, min(b, (c + d) * 2));\nprint(len([x for x in xs]))',
    '我在北京工作，今年三十岁。她是设计师。Unicode: café naïve 東京 😀',
    ...corpus.heldout.slice(0, 40).map((d) => d.text),
  ];
  const eos = tok.token_to_id(EOS) ?? -1;
  const pad = tok.token_to_id(PAD) ?? -1;
  const windows = evalWindows(packStream(corpus.heldout.map((d) => encodeIds(tok, d.text)), eos, dims.positions), dims.positions, pad);
  const batch = windows[0];
  const weights = toTensors(dims, loadWeights(path.join(dir, 'model.safetensors'), dims));
  const loss = evaluateLoss(weights, dims, [batch]);
  tf.dispose([...weights.values()]);
  const loaded = loadModelFromDir(dir);
  const trace = runTrace(loaded, HELD_OUT_SENTENCE);
  loaded.model.dispose();
  const out = {
    texts: texts.map((text) => ({ text, ids: encodeIds(tok, text) })),
    batch: { inputs: Array.from(batch.inputs), targets: Array.from(batch.targets), batch: batch.batch, t: batch.t },
    ts_loss: loss,
    attention: { ids: trace.tokens.map((t) => t.id), layers: dims.layers, heads: dims.heads, weights: Array.from(trace.weights) },
  };
  process.stdout.write(JSON.stringify(out));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
