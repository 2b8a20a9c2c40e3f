/**
 * Writes the built-in model's card (media/models/teaching/README.md) from the folder itself: config.json,
 * training-log.json, the corpus sources (scripts/training/builtin/sources.json), and figures measured through the
 * extension's engine with the same definitions as the model test (scripts/training/headFigures.ts).
 * Also prints the figures as JSON (for the lesson and the closing note).
 *
 *   npx tsx scripts/training/builtin/modelCard.ts [modelDir]
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../../src/engine/loadModel';
import { runTrace } from '../../../src/engine/runTrace';
import { parseModelConfig } from '../../../src/engine/config';
import { folderBytes } from '../checkpoint';
import { openScoringModel } from '../scoringModel';
import { asciiChart } from '../modelCard';
import { bitsPerByte, gzipBitsPerByte, loadHeldoutSample } from '../heldoutText';
import { HeadScore, HeadTable, bracketTopTargetScores, inductionScores, pairRatios, previousTokenScores } from '../headFigures';
import { HELD_OUT_SENTENCE } from '../corpus';

interface Log {
  recipe: Record<string, number | string>;
  phases?: Array<{ from: number; recipe: Record<string, number | string> }>;
  mix: Record<string, number>;
  losses: Array<[number, number]>;
  evals: Array<{ step: number; heldout: Record<string, number>; seconds: number }>;
  seconds: number;
}
interface Source { package?: string; path?: string; version?: string; licence: string; use: string; held_out_whole?: string }

const head = (s: HeadScore) => `L${s.layer}H${s.head}`;
const LANG_NAME: Record<string, string> = { 'code-ts': 'TypeScript', 'code-js': 'JavaScript', 'code-py': 'Python', en: 'English', zh: 'Chinese' };
/** Characters per token of the previous built-in model (WordPiece, 2791 tokens), as measured for issue 15. */
const PREVIOUS_CHARS_PER_TOKEN: Record<string, number> = { code: 2.5, en: 3.4, zh: 1.0 };
const INDUCTION_SEED = 20261204;

/** The row mix of each phase of the run (a run continued from a checkpoint with another mix), as a table. */
function phaseText(log: Log): string {
  const phases = log.phases ?? [{ from: 0, recipe: log.recipe }];
  const pct = (x: number | string | undefined) => `${Math.round(100 * Number(x ?? 0))}%`;
  const rows = phases.map((p, i) => {
    const to = i + 1 < phases.length ? phases[i + 1].from : Number(log.recipe.steps);
    const r = p.recipe;
    const text = 1 - Number(r.induction ?? 0) - Number(r.brackets ?? 0) - Number(r.copy_back ?? 0);
    return `| ${p.from}–${to} | ${pct(text)} | ${pct(r.induction)} | ${pct(r.brackets)} | ${pct(r.copy_back)} |`;
  });
  const why = phases.length > 1
    ? `The run was continued from its own checkpoints (fresh optimiser, 20-step re-warm-up, the same learning-rate
schedule), each time with more synthetic rows: no previous-token or induction head had formed yet, and this machine's
time allowed no longer run.

`
    : '';
  return `Row mix by phase:

| steps | real text | induction | brackets | copy-back |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

${why}`;
}

/** What the card says about the architecture (the trainer writes GPT-2 or LLaMA format). */
function describeArchitecture(raw: Record<string, unknown>): { family: string; hfClass: string; vocab: number; positions: number; rows: string; init: string } {
  const m = parseModelConfig(raw);
  const llama = m.architecture === 'llama';
  const common = (width: string, context: string) => [
    `| Layers × heads | ${m.layers} × ${m.heads} (head size ${m.headDim}) |`,
    `| ${width} | ${m.hidden} / ${m.intermediate} |`,
    `| Context (${context}) | ${m.maxPositions} tokens |`,
    `| Vocabulary | ${m.vocabSize} tokens (byte-level BPE) |`,
  ];
  if (llama) {
    return {
      family: 'LLaMA', hfClass: 'LlamaForCausalLM', vocab: m.vocabSize, positions: m.maxPositions,
      rows: [
        `| Architecture | LLaMA (\`LlamaForCausalLM\`): decoder-only, causal, pre-RMSNorm blocks, rotary position embeddings (RoPE, θ ${m.ropeTheta}), SwiGLU MLP, LM head tied to \`embed_tokens\` |`,
        ...common('hidden_size / intermediate_size', 'max_position_embeddings'),
      ].join('\n'),
      init: "Hugging Face's LLaMA initialisation (N(0, 0.02)). Positions are rotations of each head's query and key (RoPE), so \"one token back\" is the same rotation at every position: the previous-token head formed within 200 updates, where the GPT-2 runs with learned positions needed thousands and never formed an induction head.",
    };
  }
  return {
    family: 'GPT-2', hfClass: 'GPT2LMHeadModel', vocab: m.vocabSize, positions: m.maxPositions,
    rows: [
      '| Architecture | GPT-2 (`GPT2LMHeadModel`): decoder-only, causal, pre-LN blocks, learned position embeddings, gelu_new, LM head tied to `wte` |',
      ...common('n_embd / n_inner', 'n_positions'),
    ].join('\n'),
    init: "Hugging Face's GPT-2 initialisation, except that the learned position embeddings start as the Transformer's sinusoids (a linear map of a position's sines and cosines can turn it into a fixed offset, so a head can learn \"one token back\" for all positions at once).",
  };
}

/** Issue 15's targets (the model test's bars) that these figures miss, in one sentence. */
function missedText(fin: { induction: HeadTable; previous: HeadTable; bracket: HeadTable; yuan: HeadTable }, bpb: Record<string, number>, gzip: Record<string, number>, previous: Record<string, number>): string {
  const missed: string[] = [];
  for (const lang of Object.keys(bpb)) {
    if (!(bpb[lang] < previous[lang])) missed.push(`${LANG_NAME[lang]} bits per byte not below the previous model`);
    if (!(bpb[lang] < gzip[lang])) missed.push(`${LANG_NAME[lang]} bits per byte ${bpb[lang].toFixed(2)}, not below \`gzip -9\` (${gzip[lang].toFixed(2)})`);
  }
  if (fin.induction.best.value < 0.4) missed.push(`induction ${fin.induction.best.value.toFixed(2)} (bar 0.4)`);
  if (fin.previous.best.value < 0.5) missed.push(`previous token ${fin.previous.best.value.toFixed(2)} (bar 0.5)`);
  if (fin.bracket.best.value < 0.6) missed.push(`brackets ${(100 * fin.bracket.best.value).toFixed(1)}% (bar 60%)`);
  if (fin.yuan.best.value < 5) missed.push(`员 → 程序 ${fin.yuan.best.value.toFixed(1)}× (bar 5×)`);
  return missed.length ? `Issue 15's targets it misses: ${missed.join('; ')}.` : "It meets every one of issue 15's targets.";
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..', '..');
  const dir = path.resolve(process.argv[2] ?? path.join(root, 'data', 'models', 'teaching-v2'));
  await initWasmBackend(defaultWasmDir(path.join(root, 'src', 'engine')));
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;
  const config = read('config.json');
  const log = read('training-log.json') as unknown as Log;
  const cps = (config.qkv_lens as { checkpoints: Array<{ step: number; label: string; file: string; heldout_loss: Record<string, number> }> }).checkpoints;
  const arch = describeArchitecture(config);
  const sources = JSON.parse(fs.readFileSync(path.join(root, 'scripts', 'training', 'builtin', 'sources.json'), 'utf8')) as Record<string, Source[]>;
  const held = loadHeldoutSample(root);
  const code = held.filter((d) => d.lang.startsWith('code')).map((d) => d.text);
  const previous = (JSON.parse(fs.readFileSync(path.join(root, 'data', 'corpus', 'heldout', 'previous-model.json'), 'utf8')) as { bitsPerByte: Record<string, number> }).bitsPerByte;

  // Attention figures of every checkpoint.
  const rows: string[] = [];
  const figures: Record<string, { induction: HeadTable; previous: HeadTable; bracket: HeadTable; yuan: HeadTable & { weights: HeadScore[] } }> = {};
  const stages = cps[cps.length - 1].file === 'model.safetensors' ? cps : [...cps, { step: cps[cps.length - 1].step, label: 'final (float32)', file: 'model.safetensors', heldout_loss: {} }];
  for (const c of stages) {
    const m: LoadedModel = loadModelFromDir(dir, { weightsFile: c.file, name: c.file });
    try {
      const f = {
        induction: inductionScores(m, INDUCTION_SEED),
        previous: previousTokenScores(m, held.map((d) => d.text)),
        bracket: bracketTopTargetScores(m, code),
        yuan: pairRatios(m, HELD_OUT_SENTENCE, '员', '程序'),
      };
      figures[c.file] = f;
      const yw = f.yuan.weights.find((w) => w.layer === f.yuan.best.layer && w.head === f.yuan.best.head) as HeadScore;
      rows.push(`| ${c.step} | ${c.label} | ${head(f.induction.best)} ${f.induction.best.value.toFixed(2)} | ${head(f.previous.best)} ${f.previous.best.value.toFixed(2)} | ${head(f.bracket.best)} ${(100 * f.bracket.best.value).toFixed(1)}% | ${head(f.yuan.best)} ${yw.value.toFixed(2)} (${f.yuan.best.value.toFixed(1)}×) |`);
    } finally {
      m.model.dispose();
    }
  }
  const fin = figures['model.safetensors'];

  // Bits per byte and characters per token on the held-out sample.
  const m = loadModelFromDir(dir, { name: 'final' });
  const eos = m.tokenizer.idOf('<|endoftext|>') ?? -1;
  const scoring = openScoringModel(dir);
  const bpbRows: string[] = [];
  const cptRows: string[] = [];
  const bpb: Record<string, number> = {};
  const gzip: Record<string, number> = {};
  for (const lang of [...new Set(held.map((d) => d.lang))]) {
    const docs = held.filter((d) => d.lang === lang);
    const texts = docs.map((d) => d.text);
    const ids = texts.map((t) => m.tokenizer.encode(t).ids);
    bpb[lang] = bitsPerByte(scoring, ids, texts, eos);
    const chars = texts.reduce((a, t) => a + [...t].length, 0);
    const tokens = ids.reduce((a, x) => a + x.length, 0);
    const bytes = texts.reduce((a, t) => a + Buffer.byteLength(t), 0);
    bpbRows.push(`| ${LANG_NAME[lang]} | ${[...new Set(docs.map((d) => d.source))].join(', ')} | ${bytes} | **${bpb[lang].toFixed(3)}** | ${previous[lang].toFixed(3)} | ${(gzip[lang] = gzipBitsPerByte(texts)).toFixed(3)} |`);
    const prev = PREVIOUS_CHARS_PER_TOKEN[lang.startsWith('code') ? 'code' : lang];
    cptRows.push(`| ${LANG_NAME[lang]} | ${(chars / tokens).toFixed(2)} | ${prev.toFixed(1)} |`);
  }
  const params = scoring.parameters;
  scoring.dispose();
  const sentenceTokens = runTrace(m, HELD_OUT_SENTENCE).tokens.map((t) => t.text);
  m.model.dispose();

  const size = folderBytes(dir, ['README.md']);
  const r = log.recipe;
  const losses = log.losses.map(([step, loss]) => ({ step, loss }));
  const sourceRows = [...sources.debian.map((s) => ({ ...s, kind: 'Debian' })), ...sources.npm.map((s) => ({ ...s, kind: 'npm' })), ...sources.project.map((s) => ({ ...s, kind: 'this project' }))]
    .map((s) => `| ${s.package ?? s.path} | ${s.kind} | ${s.version ?? '—'} | ${LANG_NAME[{ python: 'code-py', ts: 'code-ts', js: 'code-js', en: 'en', zh: 'zh' }[s.use] ?? s.use]} | ${s.licence} | ${s.held_out_whole ? `\`${s.held_out_whole}\` held out whole` : 'every 20th document held out'} |`);
  const stageRows = cps.map((c) => `| ${c.step} | ${c.label} | \`${c.file}\` | ${Object.entries(c.heldout_loss).map(([k, v]) => `${LANG_NAME[k]} ${v.toFixed(2)}`).join(', ')} |`);

  const card = `# QKV Lens built-in teaching model (v2)

A small ${arch.family}-format model that QKV Lens shows first, offline. It was trained for this project on real code (TypeScript,
JavaScript, Python) and real English and Chinese documentation taken from Debian and npm packages, so that its heads
do things a learner can name on the text people select in an editor: a previous-token head, an induction head
(copying from context), a bracket head, and 员 looking back at 程序. ${cps.length} checkpoints from random initialisation to
the end let the panel show the same text at every stage of training.

Measured on the final weights, on text it never saw (figures from the engine, \`npx tsx scripts/training/builtin/modelCard.ts\`):
- induction head **${head(fin.induction.best)}**: ${fin.induction.best.value.toFixed(2)} of its attention on the token after the earlier occurrence (random common words repeated twice);
- previous-token head **${head(fin.previous.best)}**: ${fin.previous.best.value.toFixed(2)} on the previous token, on average over held-out text;
- bracket head **${head(fin.bracket.best)}**: the matching \`(\` is the strongest target of ${(100 * fin.bracket.best.value).toFixed(1)}% of the \`)\` in held-out code (${fin.bracket.count} pairs);
- 员 → 程序 in the panel's sentence: **${head(fin.yuan.best)}**, ${fin.yuan.best.value.toFixed(1)}× uniform.

${missedText(fin, bpb, gzip, previous)}

## Model

| | |
| --- | --- |
${arch.rows}
| Parameters | ${params.toLocaleString('en-US')} (${(params / 1e6).toFixed(2)} M) |
| Weights | \`model.safetensors\` float32 (${(fs.statSync(path.join(dir, 'model.safetensors')).size / 1e6).toFixed(2)} MB); checkpoints float16 |
| Folder size | ${(size / 1e6).toFixed(2)} MB (without this README) |

Tensor names are Hugging Face ${arch.family}'s, so \`${arch.hfClass}.from_pretrained("media/models/teaching")\` loads it;
\`test/unit/teachingReference.test.ts\` checks that the extension's engine gives the same attention as \`transformers\` on
these weights to 1e-5 (fixture from \`scripts/training/builtin/reference_attention.py\`).

## Tokenizer

\`tokenizer.json\` is byte-level BPE as in GPT-2 (every string round-trips, there is no unknown token, and every token's
character range is exact), ${arch.vocab} tokens, trained with Python \`tokenizers\` on the training split
(\`scripts/training/builtin/train_tokenizer.py\`). Two choices for teaching:
- Brackets \`( ) [ ] { }\` are always tokens of their own (a \`Split\` before GPT-2's regex), so a bracket head has one token to look at.
- Byte-level BPE spends two merges on every Chinese character and the Chinese part of the corpus is the smallest, so every
  CJK character seen at least 3 times is also shown to the trainer on its own: common characters are whole tokens, and
  frequent words still merge (程序, 代码, 一个). 程序员 may not become one token, so that 员 stays a token after 程序.

The panel's sentence: ${sentenceTokens.map((t) => `\`${t}\``).join(' ')} (${sentenceTokens.length} tokens).

Characters per token on the held-out sample:

| | this model | previous model (WordPiece, 2791 tokens) |
| --- | --- | --- |
${cptRows.join('\n')}

## Data

Built by \`scripts/training/builtin/build_corpus.py\` from pinned packages (version and sha256 in
\`scripts/training/builtin/sources.json\`), downloaded with \`apt-get download\` and \`npm pack\`; nothing of it is committed
except a small held-out sample (\`data/corpus/heldout/\`). The sentence “${HELD_OUT_SENTENCE}” is in no document (the
script refuses a corpus that contains it).

| source | from | version | language | licence | held out |
| --- | --- | --- | --- | --- | --- |
${sourceRows.join('\n')}

**What the licences mean for these weights.** The weights are numbers fitted to the text, not copies of it, and the
model is far too small to reproduce documents; the project ships them under its MIT licence with this card as the
attribution of what they were trained on. MIT, Apache-2.0 and the PSF licence allow any use with attribution (this
card). The Debian FAQ's licence allows copies and modified versions with its notice. Debian Reference, the New
Maintainers' Guide and the Debian Edu manual are GPL-2+: whether weights trained on GPL text are a work based on it is
not settled; if they were, the GPL's terms would apply to redistributing the weights. Nothing of those texts ships in the
extension, and a build without them is one edit of \`sources.json\` away (the Chinese part would then be this project's own
sentences and the Debian FAQ).

## Training

\`scripts/training/builtin/train_model.py\` (PyTorch on the CPU, ${r.threads} thread${Number(r.threads) === 1 ? '' : 's'}, on a shared 2-core machine), seed ${r.seed}:
${r.steps} steps of 2048 tokens (three in four: ${r.batch} windows × ${r.short}; the fourth: ${Number(r.batch) * Number(r.short) / Number(r.context)} × ${r.context}), AdamW (β = 0.9, 0.98; weight decay ${r.wd} on matrices),
learning rate warm-up over ${r.warmup} steps to ${r.lr}, cosine decay to a tenth; gradients clipped to norm 1; no dropout;
${arch.init} Time: ${Math.round(log.seconds / 60)} minutes.

Each batch row is one of:
- **real text**: a random ${r.context}-token span of one language's training stream
  (documents separated by \`<|endoftext|>\`), the language drawn with weights ${Object.entries(log.mix).map(([k, v]) => `${LANG_NAME[k]} ${v}`).join(', ')};
- **induction rows**: spans of 6–64 random frequent tokens, each followed by an exact repeat: only a head that
  finds the earlier occurrence and copies the token after it predicts the repeat;
- **bracket rows**: nested \`(\`, \`[\`, \`{\` with frequent code tokens between: only the partner tells which closing bracket comes;
- **copy-back rows**: frequent tokens where each repeats the one two places back with probability 0.7: only the previous position predicts those.

${phaseText(log)}The figures in this card are on real held-out text only (and on freshly drawn random words for the induction head).

Training loss (mean over 10 steps; all row kinds):

\`\`\`
${asciiChart(losses)}
\`\`\`

## Checkpoints

The panel's training-stage control switches among these on the same text. Held-out loss in nats per token on the
first ${4 * arch.positions} held-out tokens of each language, as the trainer measured it.

| step | stage | file | held-out loss |
| --- | --- | --- | --- |
${stageRows.join('\n')}

## Held-out bits per byte

On \`data/corpus/heldout/sample.jsonl\` (whole files of the packages held out: never trained on, nor seen by the tokenizer
trainer), with the same bytes for the previous built-in model (\`data/corpus/heldout/previous-model.json\`; its tokenizer
dropped whitespace and unknown characters, which flatters it) and for \`gzip -9\`:

| language | source | bytes | this model | previous model | gzip -9 |
| --- | --- | --- | --- | --- | --- |
${bpbRows.join('\n')}

## Attention, measured

Best head in each column (layer L, head H, both from 0), as \`test/unit/teachingModel.test.ts\` defines them:
induction = mean weight on the token after the earlier occurrence, over the second half of 6 texts of 40 random common
words repeated (seed ${INDUCTION_SEED} here; the test draws new words every run); previous token = mean weight on the previous
token over the held-out sample; brackets = share of \`)\` in held-out code whose strongest key is the \`(\` it closes;
员 → 程序 = weight in the panel's sentence (multiple of uniform).

| step | stage | induction | previous token | brackets | 员 → 程序 |
| --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
  fs.writeFileSync(path.join(dir, 'README.md'), card);
  const summary = Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, {
    induction: f.induction.best, previous: f.previous.best, bracket: f.bracket.best, yuan: f.yuan.best,
    yuanWeights: f.yuan.weights, previousAll: f.previous.scores, inductionAll: f.induction.scores, bracketAll: f.bracket.scores,
  }]));
  console.log(JSON.stringify({ bitsPerByte: bpb, figures: summary }, null, 1));
}

void main();
