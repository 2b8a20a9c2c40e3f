/**
 * Rewrites a trained teaching model's README.md (model card) from the folder itself: config.json,
 * training-log.json, the checkpoints (losses re-measured where the log does not keep them) and the
 * attention figures measured through the engine. `npm run train-model` writes the same card at the end
 * of a run; this is for changing the card's text without training again.
 *
 *   npx tsx scripts/training/writeCard.ts [modelDir]
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { loadCorpus } from './corpus';
import { EOS, JsonObject, encodeIds, loadTokenizer } from './tokenizer';
import { evaluateLoss, packStream, sampleBatch } from './data';
import { dimsFromConfig, loadWeights } from './checkpoint';
import { parameterCount, toTensors } from './model';
import { Prng } from './prng';
import { AttentionFigures, describeFigures, measureCheckpoint } from './attentionFigures';
import { CheckpointInfo, TrainingLog, modelCard } from './modelCard';

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'media', 'models', 'teaching'));
  await initWasmBackend(defaultWasmDir(__dirname));
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as JsonObject;
  const config = read('config.json');
  const log = read('training-log.json') as unknown as TrainingLog;
  const extras = config.qkv_lens as { final_heldout_loss: number; checkpoints: CheckpointInfo[] };
  const dims = dimsFromConfig(config);
  const s = log.settings as { seed: number; batch: number; context: number };

  // The final (float32) model's loss on the same two training windows as the run's checkpoints.
  const tok = loadTokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
  const corpus = loadCorpus(root);
  const eos = tok.token_to_id(EOS) ?? -1;
  const trainStream = packStream(corpus.train.map((d) => encodeIds(tok, d.text)), eos, s.context / 2);
  const evalRng = new Prng(s.seed + 1);
  const batches = [0, 1].map(() => sampleBatch(trainStream, s.batch, s.context, evalRng));
  const weights = toTensors(dims, loadWeights(path.join(dir, 'model.safetensors'), dims));
  const finalLoss = evaluateLoss(weights, dims, batches);
  tf.dispose([...weights.values()]);

  const attention: AttentionFigures[] = extras.checkpoints.map((c) => measureCheckpoint(dir, c.file, corpus.heldout));
  for (const a of attention) console.log(describeFigures(a));
  fs.writeFileSync(
    path.join(dir, 'README.md'),
    modelCard({
      attention,
      dims,
      params: parameterCount(dims),
      vocab: dims.vocab,
      checkpoints: extras.checkpoints,
      log,
      final: { loss: finalLoss, heldout: extras.final_heldout_loss },
      corpusDocs: { train: corpus.train.length, heldout: corpus.heldout.length },
      outDir: dir,
    }),
  );
  console.log(`final loss ${finalLoss.toFixed(4)}, held-out ${extras.final_heldout_loss.toFixed(4)}; wrote ${path.join(dir, 'README.md')}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
