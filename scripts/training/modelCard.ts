/** The teaching model's model card (media/models/teaching/README.md), written from the run's own numbers. */
import * as fs from 'fs';
import * as path from 'path';
import type { Gpt2Dims } from './model';
import type { AttentionFigures, HeadFigure } from './attentionFigures';

export interface CheckpointInfo {
  step: number;
  label: string;
  file: string;
  loss: number;
  heldout_loss: number;
}

export interface TrainingLog {
  settings: Record<string, unknown>;
  unigram_baseline: number;
  train: Array<{ step: number; loss: number; lr: number; seconds: number }>;
  heldout: Array<{ step: number; loss: number }>;
  tokens: Record<string, number>;
  wall_seconds?: number;
  train_seconds?: number;
}

export interface CardInput {
  dims: Gpt2Dims;
  params: number;
  vocab: number;
  checkpoints: CheckpointInfo[];
  log: TrainingLog;
  final: { loss: number; heldout: number };
  corpusDocs: { train: number; heldout: number };
  outDir: string;
  /** Attention figures of each checkpoint (same order as `checkpoints`). */
  attention?: AttentionFigures[];
}

/** A small ASCII chart of the training loss (one column per point, log-spaced rows are not needed here). */
export function asciiChart(points: Array<{ step: number; loss: number }>, width = 60, height = 14, baseline?: number): string {
  if (points.length === 0) return '';
  const cols = Math.min(width, points.length);
  const per = points.length / cols;
  const values: number[] = [];
  for (let c = 0; c < cols; c++) {
    const slice = points.slice(Math.floor(c * per), Math.max(Math.floor((c + 1) * per), Math.floor(c * per) + 1));
    values.push(slice.reduce((a, p) => a + p.loss, 0) / slice.length);
  }
  const all = baseline !== undefined ? [...values, baseline] : values;
  const hi = Math.ceil(Math.max(...all));
  const lo = Math.floor(Math.min(...all));
  const row = (v: number) => Math.round(((hi - v) / (hi - lo || 1)) * (height - 1));
  const grid = Array.from({ length: height }, () => new Array<string>(cols).fill(' '));
  if (baseline !== undefined) for (let c = 0; c < cols; c++) grid[row(baseline)][c] = '-';
  values.forEach((v, c) => (grid[row(v)][c] = '*'));
  const lines = grid.map((r, i) => {
    const label = i === 0 ? hi.toFixed(1) : i === height - 1 ? lo.toFixed(1) : '';
    return `${label.padStart(5)} |${r.join('')}`;
  });
  lines.push(`      +${'-'.repeat(cols)}`);
  const last = points[points.length - 1].step;
  lines.push(`       step ${points[0].step}${' '.repeat(Math.max(1, cols - 10 - String(points[0].step).length - String(last).length))}${last}`);
  return lines.join('\n');
}

function sizeOf(file: string): number {
  return fs.existsSync(file) ? fs.statSync(file).size : 0;
}

/** The card's sentence on copy-back windows, or nothing when the run had none. */
function copyBackText(s: Record<string, unknown>): string {
  const fraction = Number(s.copyBackFraction ?? 0);
  if (!(fraction > 0)) return '';
  return `${Math.round(fraction * 100)}% of the training windows are synthetic "copy-back" windows: tokens drawn from the ${s.copyBackAlphabet} most frequent,
where each token from the third on repeats the one two places before it with probability ${s.copyBackP} (x[i+1] = x[i-1]). Only the
previous position predicts those, and they are what grew the previous-token head (scripts/training/sweep/RESULTS.md has the recipes tried).
`;
}

export function modelCard(input: CardInput): string {
  const { dims, params, vocab, checkpoints, log, final, corpusDocs, outDir, attention } = input;
  const s = log.settings;
  const copyBack = copyBackText(s);
  const f4 = (x: number) => x.toFixed(4);
  const files = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'training-log.json', ...checkpoints.map((c) => c.file)];
  const total = files.reduce((a, f) => a + sizeOf(path.join(outDir, f)), 0);
  const heldoutRows = log.heldout.map((h) => `| ${h.step} | ${f4(h.loss)} |`).join('\n');
  const trainTable = log.train.filter((p) => p.step % 100 === 0 || p.step === log.train[log.train.length - 1].step).map((p) => `| ${p.step} | ${f4(p.loss)} | ${p.lr.toExponential(2)} | ${p.seconds} |`).join('\n');
  return `# QKV Lens teaching model

A deliberately small GPT-2 that QKV Lens shows first, offline. It was trained for this project on the
project's own corpus of modern Chinese, English and source code, so that its attention means something
and so that a learner can compare the same text at four training stages: random init, early, middle and final.
${patterns(attention)}

## Model

| | |
| --- | --- |
| Architecture | GPT-2 (\`GPT2LMHeadModel\`): decoder-only, causal, pre-LN blocks, learned position embeddings, gelu_new, LM head tied to \`wte\` |
| Layers × heads | ${dims.layers} × ${dims.heads} (head size ${dims.embd / dims.heads}) |
| n_embd / n_inner | ${dims.embd} / ${4 * dims.embd} |
| Context (n_positions) | ${dims.positions} tokens |
| Vocabulary | ${vocab} tokens |
| Parameters | ${params.toLocaleString('en-US')} (${(params / 1e6).toFixed(2)} M) |
| Weights | \`model.safetensors\` float32 (${(sizeOf(path.join(outDir, 'model.safetensors')) / 1e6).toFixed(2)} MB); checkpoints float16 |
| Folder size | ${(total / 1e6).toFixed(2)} MB (without this README) |

Tensor names are Hugging Face GPT-2's (\`transformer.wte.weight\`, \`transformer.h.0.attn.c_attn.weight\` [n_embd, 3·n_embd], …;
\`lm_head.weight\` is tied and omitted), so \`GPT2LMHeadModel.from_pretrained("media/models/teaching")\` loads it.

## Tokenizer

\`tokenizer.json\` is a BERT-style WordPiece tokenizer built from the training split: BertNormalizer
(clean_text, handle_chinese_chars, no lowercasing, accents kept), BertPreTokenizer, WordPiece with \`##\`
continuations and \`[UNK]\`. Every Chinese character is its own token; English and code words are whole
tokens when frequent and word pieces or single characters otherwise. Whitespace and line breaks are not tokens.
There is no \`[CLS]\`/\`[SEP]\` post-processor; \`<|endoftext|>\` (bos and eos in config.json) separates documents in training.

## Data

The corpus is in \`data/corpus/\` (source and licence of every file in \`data/corpus/README.md\`; all MIT, the
project's own text and code): hand-written and template-generated modern Chinese sentences about people, jobs,
cities and work (程序员, 设计师, 工程师, 福州, 北京, 来自, 住在…), English sentences, and source code
(TypeScript/JavaScript, Python, Lisp, JSON; generated snippets with nested brackets and a few files of this repository).

- Training split: ${corpusDocs.train} documents, ${log.tokens.train} tokens (Chinese ${log.tokens.zh}, English ${log.tokens.en}, code ${log.tokens.code}; each document followed by \`<|endoftext|>\`).
- Held-out split: ${corpusDocs.heldout} documents (every 20th of each file), ${log.tokens.heldout} tokens, never trained on.
- The sentence “我来自福州,现在住在北京,是一个正值壮年的牛马程序员” is in neither split (the scripts refuse a corpus that contains it); its characters all occur in other sentences.

## Training

\`npm run train-model\` (scripts/train-model.ts), TensorFlow.js ${tfVersion()} on the wasm backend, one thread.
Seed ${s.seed}; ${s.steps} steps of ${s.batch} windows × ${s.context} tokens (windows start at document starts);
AdamW (β = 0.9, 0.98; weight decay ${s.weightDecay} on matrices), learning rate warm-up over ${s.warmup} steps to ${s.peakLr},
cosine decay to ${(Number(s.minLrFraction) * Number(s.peakLr)).toExponential(1)}; gradients clipped to norm ${s.clip}; no dropout.
GPT-2 initialisation (N(0, 0.02), residual projections scaled by 1/√(2·n_layer)), except that the learned position
embeddings start as the Transformer's sinusoids with amplitude ${s.positionScale} (they stay learned parameters).
${copyBack}${Math.round(Number(s.repeatFraction) * 100)}% of the ${copyBack ? 'other' : 'training'} windows are synthetic "repeat" windows instead of plain corpus text: ${Math.round(Number(s.pairFraction ?? 0) * 100)}% of them
repeat two consecutive corpus tokens (a b a b …) and the rest repeat a span of 8-40 corpus tokens (for an induction head).
The training loss in the log includes the synthetic windows; the checkpoint losses below are on plain corpus windows.
Time: ${log.train_seconds ?? '?'} s of training steps, ${log.wall_seconds ?? '?'} s in all, on a shared 2-core machine.

## Checkpoints

The panel's training-stage control switches among these on the same text. Losses are nats per token,
measured on the stored (float16) weights: “loss” on a fixed sample of ${2 * Number(s.batch)} training windows, “held-out” on the whole held-out split.

| step | stage | file | loss | held-out loss |
| --- | --- | --- | --- | --- |
${checkpoints.map((c) => `| ${c.step} | ${c.label} | \`${c.file}\` | ${f4(c.loss)} | ${f4(c.heldout_loss)} |`).join('\n')}
| ${s.steps} | final (float32) | \`model.safetensors\` | ${f4(final.loss)} | ${f4(final.heldout)} |

**Unigram baseline** (token frequencies of the training split, add-one smoothing) on the held-out split:
**${f4(log.unigram_baseline)}** nats/token. The final model's held-out loss is ${f4(final.heldout)}.

${attentionSection(checkpoints, attention)}## Loss curve

Training loss (mean of every ${s.logEvery} steps); \`-\` is the unigram baseline.

\`\`\`
${asciiChart(log.train, 60, 14, log.unigram_baseline)}
\`\`\`

| step | training loss | learning rate | seconds |
| --- | --- | --- | --- |
${trainTable}

| step | held-out loss |
| --- | --- |
${heldoutRows}

The full log is \`training-log.json\`.

## Use

\`\`\`python
from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast
model = GPT2LMHeadModel.from_pretrained("media/models/teaching", attn_implementation="eager")
tok = PreTrainedTokenizerFast.from_pretrained("media/models/teaching")
\`\`\`

It is a teaching model: it has seen a few hundred thousand tokens of narrow text, writes plausible but
repetitive sentences about jobs and cities, and knows nothing else. Do not use it for anything but looking at attention.

## Licence

MIT (the same as QKV Lens): the weights, the tokenizer and the corpus they were trained on.
`;
}

/** What the final checkpoint's heads do, from the measured figures (only what was measured). */
function patterns(attention: AttentionFigures[] | undefined): string {
  if (!attention || attention.length === 0) return '';
  const f = attention[attention.length - 1];
  const head = (x: HeadFigure) => `layer ${x.layer} head ${x.head}`;
  const has: string[] = [];
  const lacks: string[] = [];
  const yuan = f.yuan.value / f.yuan.uniform;
  (yuan > 2 ? has : lacks).push(`a head that ties 员 to 程/序 in the held-out sentence (${head(f.yuan)}: ${f.yuan.value.toFixed(2)}, ${yuan.toFixed(1)}× uniform)`);
  (f.previous.value > 0.5 ? has : lacks).push(`a previous-token head (best: ${head(f.previous)}, mean weight ${f.previous.value.toFixed(2)} on the previous token; uniform ${f.previous.uniform.toFixed(2)})`);
  const br = f.bracket.value / f.bracket.uniform;
  (br > 1 ? has : lacks).push(`a head that attends from \`)\` to its matching \`(\` (${head(f.bracket)}: ${br.toFixed(1)}× chance)`);
  return (has.length ? `\nThe final checkpoint has ${has.join('; ')}.` : '') + (lacks.length ? `\nIt has no ${lacks.map((x) => x.replace(/^an? /, '')).join(' and no ')}.` : '');
}

function attentionSection(checkpoints: CheckpointInfo[], attention: AttentionFigures[] | undefined): string {
  if (!attention || attention.length === 0) return '';
  const head = (x: HeadFigure) => `L${x.layer}H${x.head}`;
  const times = (x: HeadFigure) => `${(x.value / x.uniform).toFixed(1)}×`;
  const rows = attention.map((a, k) => {
    const c = checkpoints[k];
    return `| ${c.step} | ${c.label} | ${head(a.yuan)} ${a.yuan.value.toFixed(3)} (${times(a.yuan)}) | ${head(a.previous)} ${a.previous.value.toFixed(3)} | ${head(a.bracket)} ${a.bracket.value.toFixed(3)} (${times(a.bracket)}) |`;
  });
  const a0 = attention[0];
  return `## Attention, measured

Measured on each checkpoint through the extension's own engine by \`scripts/training/attentionFigures.ts\`, with the
same definitions as \`test/teachingModel.test.ts\` (layer L, head H, both from 0). Best head in each column:

- 员 → 程/序: weight from the last 员 of the held-out sentence on 程 or 序 (uniform ${a0.yuan.uniform.toFixed(4)}; the test asks for more than 2× uniform in the final checkpoint and no head above 2× at random init).
- previous token: mean weight on the previous token over the held-out sentence and the first 60 held-out documents (uniform ${a0.previous.uniform.toFixed(3)}; the test asks for more than 0.5).
- \`)\` → \`(\`: mean weight from \`)\` on its matching \`(\` over ${a0.bracket.pairs} bracket pairs of held-out code (chance ${a0.bracket.uniform.toFixed(4)}).

| step | stage | 员 → 程/序 | previous token | \`)\` → matching \`(\` |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

`;
}

function tfVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(require.resolve('@tensorflow/tfjs-core/package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '';
  } catch {
    return '';
  }
}
