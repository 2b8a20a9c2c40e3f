/**
 * The FIRST built-in teaching model's trainer (v1, stop 9; the shipped model is now v2, trained by
 * scripts/training/builtin/train.sh, which `npm run train-model` runs). Kept as the TypeScript/tfjs reference trainer
 * that scripts/training/sweep replicates. --out is required so that it never overwrites the shipped model.
 *
 * Trains a small GPT-2 (decoder-only, causal, multi-head) on the
 * project's own corpus (data/corpus), with a fixed seed, on TensorFlow.js's wasm backend.
 *
 *   npm run train-model:v1 -- --out /tmp/teaching-v1
 *   npm run train-model:v1 -- --steps 200 --out /tmp/teaching   # a quick trial
 *
 * Output (Hugging Face GPT-2 layout): config.json (with a `qkv_lens.checkpoints` list), model.safetensors
 * (final weights, F32), tokenizer.json, tokenizer_config.json, checkpoints/step-XXXX.safetensors (F16) at
 * step 0 (random init), an early, a middle and the final step, training-log.json and README.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { HELD_OUT_SENTENCE, loadCorpus } from './training/corpus';
import { EOS, PAD, UNK, buildVocab, encodeIds, loadTokenizer, tokenizerConfig, tokenizerJson } from './training/tokenizer';
import { AdamW, Gpt2Dims, crossEntropy, forwardLogits, initialWeights, parameterCount, readWeights, toTensors, toVariables } from './training/model';
import { Prng } from './training/prng';
import { Batch, CopyBackWindows, evalWindows, evaluateLoss, frequentTokens, packStream, sampleBatch, unigramLoss } from './training/data';
import { loadWeights, saveWeights } from './training/checkpoint';
import { CheckpointInfo, TrainingLog, modelCard } from './training/modelCard';
import { AttentionFigures, describeFigures, measureCheckpoint } from './training/attentionFigures';
import { SETTINGS } from './training/settings';

const ROOT = path.resolve(__dirname, '..');

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** Linear warm-up, then cosine decay to minLrFraction of the peak. */
function learningRate(step: number, steps: number): number {
  const { peakLr, warmup, minLrFraction } = SETTINGS;
  if (step < warmup) return (peakLr * (step + 1)) / warmup;
  const p = (step - warmup) / Math.max(1, steps - warmup);
  return peakLr * (minLrFraction + (1 - minLrFraction) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

function checkpointPlan(steps: number): Array<{ step: number; label: string }> {
  const custom = arg('--checkpoints');
  if (custom) {
    // For trial runs: save at these steps too (step 0 and the last step are always saved).
    const list = [...new Set([0, ...custom.split(',').map(Number).filter((n) => n > 0 && n < steps), steps])].sort((a, b) => a - b);
    return list.map((step) => ({ step, label: step === 0 ? 'random init' : step === steps ? 'final' : `step ${step}` }));
  }
  return [
    { step: 0, label: 'random init' },
    { step: Math.round(steps * 0.05), label: 'early' },
    { step: Math.round(steps * 0.25), label: 'middle' },
    { step: steps, label: 'final' },
  ];
}

const fmt = (x: number) => x.toFixed(4);
const stepName = (s: number) => `step-${String(s).padStart(4, '0')}.safetensors`;

async function main(): Promise<void> {
  const started = Date.now();
  const steps = Number(arg('--steps') ?? SETTINGS.steps);
  // Overrides for trial runs only; the shipped model uses SETTINGS as written.
  if (arg('--batch')) SETTINGS.batch = Number(arg('--batch'));
  if (arg('--lr')) SETTINGS.peakLr = Number(arg('--lr'));
  if (arg('--repeat')) SETTINGS.repeatFraction = Number(arg('--repeat'));
  if (arg('--pairs')) SETTINGS.pairFraction = Number(arg('--pairs'));
  if (arg('--copy-back')) SETTINGS.copyBackFraction = Number(arg('--copy-back'));
  if (arg('--copy-back-p')) SETTINGS.copyBackP = Number(arg('--copy-back-p'));
  if (arg('--pos-scale')) SETTINGS.positionScale = Number(arg('--pos-scale'));
  if (arg('--pos-base')) SETTINGS.positionBase = Number(arg('--pos-base'));
  const posInit = arg('--pos-init');
  if (posInit === 'normal' || posInit === 'sinusoidal') SETTINGS.positionInit = posInit;
  const outArg = arg('--out');
  if (!outArg) throw new Error('--out DIR is required (the shipped model is v2: npm run train-model)');
  const out = path.resolve(outArg);
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm')) + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not start');
  await tf.ready();

  // ---- data and tokenizer
  const corpus = loadCorpus(ROOT);
  const vocab = buildVocab(corpus.train.map((d) => d.text), SETTINGS.vocab);
  const tokJson = tokenizerJson(vocab);
  const tokConfig = tokenizerConfig(SETTINGS.positions);
  const tok = loadTokenizer(tokJson, tokConfig);
  const eos = vocab.indexOf(EOS);
  const pad = vocab.indexOf(PAD);
  const unk = vocab.indexOf(UNK);
  const sentence = tok.encode(HELD_OUT_SENTENCE, { add_special_tokens: false });
  if (sentence.ids.length !== [...HELD_OUT_SENTENCE].length || sentence.ids.includes(unk)) {
    throw new Error(`the held-out sentence must be one known token per character, got ${sentence.tokens.join(' ')}`);
  }
  const trainIds = corpus.train.map((d) => encodeIds(tok, d.text));
  const heldIds = corpus.heldout.map((d) => encodeIds(tok, d.text));
  const trainStream = packStream(trainIds, eos, SETTINGS.context / 2);
  const heldStream = packStream(heldIds, eos, SETTINGS.context);
  const heldBatches = evalWindows(heldStream, SETTINGS.context, pad);
  const evalRng = new Prng(SETTINGS.seed + 1);
  const trainEvalBatches: Batch[] = [0, 1].map(() => sampleBatch(trainStream, SETTINGS.batch, SETTINGS.context, evalRng));
  const baseline = unigramLoss(trainStream, vocab.length, heldBatches);
  const copyBack: CopyBackWindows | undefined = SETTINGS.copyBackFraction > 0
    ? { fraction: SETTINGS.copyBackFraction, p: SETTINGS.copyBackP, alphabet: frequentTokens(trainStream, vocab.length, SETTINGS.copyBackAlphabet) }
    : undefined;
  const byLang = (lang: string, docs: number[][], meta: typeof corpus.train) => docs.filter((_, i) => meta[i].lang === lang).reduce((a, d) => a + d.length, 0);
  const tokenCounts = {
    train: trainStream.tokens.length,
    heldout: heldStream.tokens.length,
    zh: byLang('zh', trainIds, corpus.train),
    en: byLang('en', trainIds, corpus.train),
    code: byLang('code', trainIds, corpus.train),
  };
  console.log(`corpus: ${corpus.train.length} training documents (${tokenCounts.train} tokens: zh ${tokenCounts.zh}, en ${tokenCounts.en}, code ${tokenCounts.code}), ${corpus.heldout.length} held-out (${tokenCounts.heldout} tokens)`);
  console.log(`vocabulary: ${vocab.length} tokens; held-out sentence → ${sentence.tokens.join(' ')}`);
  console.log(`unigram baseline on held-out: ${fmt(baseline)} nats/token`);

  const dims: Gpt2Dims = { vocab: vocab.length, positions: SETTINGS.positions, layers: SETTINGS.layers, heads: SETTINGS.heads, embd: SETTINGS.embd, eps: SETTINGS.eps };
  const params = toVariables(dims, initialWeights(dims, new Prng(SETTINGS.seed), SETTINGS.positionInit, SETTINGS.positionScale, SETTINGS.positionBase));
  const optimizer = new AdamW(params, 0.9, 0.98, 1e-8, SETTINGS.weightDecay);
  console.log(`model: GPT-2, ${dims.layers} layers × ${dims.heads} heads, n_embd ${dims.embd}, n_positions ${dims.positions}, ${parameterCount(dims)} parameters`);

  fs.mkdirSync(path.join(out, 'checkpoints'), { recursive: true });
  for (const f of fs.readdirSync(path.join(out, 'checkpoints'))) if (f.endsWith('.safetensors')) fs.rmSync(path.join(out, 'checkpoints', f));
  fs.writeFileSync(path.join(out, 'tokenizer.json'), JSON.stringify(tokJson, null, 1) + '\n');
  fs.writeFileSync(path.join(out, 'tokenizer_config.json'), JSON.stringify(tokConfig, null, 2) + '\n');

  const plan = checkpointPlan(steps);
  const checkpoints: CheckpointInfo[] = [];
  const log: TrainingLog = { settings: { ...SETTINGS, steps }, unigram_baseline: baseline, train: [], heldout: [], tokens: tokenCounts };
  let trainSeconds = 0;
  let recent: number[] = [];
  const batchRng = new Prng(SETTINGS.seed + 2);

  const evaluateFile = (file: string): { loss: number; heldout: number } => {
    const vars = toTensors(dims, loadWeights(file, dims));
    try {
      return { loss: evaluateLoss(vars, dims, trainEvalBatches), heldout: evaluateLoss(vars, dims, heldBatches) };
    } finally {
      for (const v of vars.values()) v.dispose();
    }
  };

  for (let step = 0; ; step++) {
    const mark = plan.find((p) => p.step === step);
    if (mark) {
      const file = `checkpoints/${stepName(step)}`;
      saveWeights(path.join(out, file), dims, readWeights(params), 'F16', { step: String(step), label: mark.label });
      const { loss, heldout } = evaluateFile(path.join(out, file));
      checkpoints.push({ step, label: mark.label, file, loss, heldout_loss: heldout });
      console.log(`checkpoint ${file} (${mark.label}): loss ${fmt(loss)}, held-out ${fmt(heldout)}`);
    }
    if (step > 0 && (step % SETTINGS.evalEvery === 0 || step === steps)) {
      const heldout = evaluateLoss(params, dims, heldBatches);
      log.heldout.push({ step, loss: heldout });
      console.log(`step ${step}: held-out loss ${fmt(heldout)} (unigram ${fmt(baseline)})`);
    }
    if (step === steps) break;
    const t0 = Date.now();
    const batch = sampleBatch(trainStream, SETTINGS.batch, SETTINGS.context, batchRng, SETTINGS.repeatFraction, SETTINGS.pairFraction, copyBack);
    const lr = learningRate(step, steps);
    const { value, grads } = tf.variableGrads(() => crossEntropy(forwardLogits(params, dims, batch.inputs, batch.batch, batch.t), batch.targets, dims.vocab).loss);
    const loss = value.dataSync()[0];
    optimizer.apply(grads, lr, SETTINGS.clip);
    tf.dispose([value, ...Object.values(grads)]);
    trainSeconds += (Date.now() - t0) / 1000;
    if (!Number.isFinite(loss)) throw new Error(`loss became ${loss} at step ${step}`);
    recent.push(loss);
    if ((step + 1) % SETTINGS.logEvery === 0) {
      const mean = recent.reduce((a, b) => a + b, 0) / recent.length;
      log.train.push({ step: step + 1, loss: mean, lr, seconds: Math.round(trainSeconds) });
      recent = [];
      if ((step + 1) % 50 === 0) console.log(`step ${step + 1}/${steps}: loss ${fmt(mean)}, lr ${lr.toExponential(2)}, ${trainSeconds.toFixed(0)} s`);
    }
  }

  saveWeights(path.join(out, 'model.safetensors'), dims, readWeights(params), 'F32', { step: String(steps), label: 'final' });
  const final = evaluateFile(path.join(out, 'model.safetensors'));
  console.log(`model.safetensors: loss ${fmt(final.loss)}, held-out ${fmt(final.heldout)} (unigram ${fmt(baseline)})`);

  const config = {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: vocab.length,
    n_positions: dims.positions,
    n_ctx: dims.positions,
    n_embd: dims.embd,
    n_layer: dims.layers,
    n_head: dims.heads,
    n_inner: null,
    activation_function: 'gelu_new',
    resid_pdrop: 0.0,
    embd_pdrop: 0.0,
    attn_pdrop: 0.0,
    layer_norm_epsilon: dims.eps,
    initializer_range: 0.02,
    scale_attn_weights: true,
    use_cache: true,
    tie_word_embeddings: true,
    bos_token_id: eos,
    eos_token_id: eos,
    pad_token_id: pad,
    torch_dtype: 'float32',
    qkv_lens: {
      description: 'QKV Lens teaching model: a small GPT-2 trained on the project corpus (Chinese, English, code).',
      held_out_sentence: HELD_OUT_SENTENCE,
      unigram_baseline: baseline,
      final_heldout_loss: final.heldout,
      checkpoints,
    },
  };
  fs.writeFileSync(path.join(out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  // Attention figures of every checkpoint, through the extension's engine (the same measures as the tests).
  const attention: AttentionFigures[] = [];
  for (const c of checkpoints) {
    attention.push(measureCheckpoint(out, c.file, corpus.heldout));
    console.log(describeFigures(attention[attention.length - 1]));
  }
  log.wall_seconds = Math.round((Date.now() - started) / 1000);
  log.train_seconds = Math.round(trainSeconds);
  fs.writeFileSync(path.join(out, 'training-log.json'), JSON.stringify(log, null, 1) + '\n');
  fs.writeFileSync(path.join(out, 'README.md'), modelCard({ attention, dims, params: parameterCount(dims), vocab: vocab.length, checkpoints, log, final, corpusDocs: { train: corpus.train.length, heldout: corpus.heldout.length }, outDir: out }));
  console.log(`done in ${log.wall_seconds} s (${log.train_seconds} s of training steps) → ${out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});
