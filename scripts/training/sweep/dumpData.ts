/**
 * Writes the teaching model's training data as token ids for sweep.py (a fast PyTorch replica of the
 * recipe, used to explore recipes; the shipped model is still trained by `npm run train-model`).
 *
 *   npx tsx scripts/training/sweep/dumpData.ts [out.json]     # default: bench/out/sweep-data.json
 *
 * Same corpus, vocabulary, tokenizer and window starts as scripts/train-model.ts; `probe` is what the
 * teaching-model test measures the previous-token head on (the held-out sentence and the first 60
 * held-out documents, cut to the context), `code` the held-out code documents for the bracket figure.
 */
import * as fs from 'fs';
import * as path from 'path';
import { HELD_OUT_SENTENCE, loadCorpus } from '../corpus';
import { EOS, PAD, buildVocab, encodeIds, loadTokenizer, tokenizerConfig, tokenizerJson } from '../tokenizer';
import { packStream } from '../data';
import { SETTINGS } from '../settings';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'bench', 'out', 'sweep-data.json'));
const corpus = loadCorpus(ROOT);
const vocab = buildVocab(corpus.train.map((d) => d.text), SETTINGS.vocab);
const tok = loadTokenizer(tokenizerJson(vocab), tokenizerConfig(SETTINGS.positions));
const eos = vocab.indexOf(EOS);
const encode = (text: string) => encodeIds(tok, text);
const train = packStream(corpus.train.map((d) => encode(d.text)), eos, SETTINGS.context / 2);
const held = packStream(corpus.heldout.map((d) => encode(d.text)), eos, SETTINGS.context);
const cut = (ids: number[]) => ids.slice(0, SETTINGS.context);
const data = {
  vocab: vocab.length,
  eos,
  pad: vocab.indexOf(PAD),
  open: vocab.indexOf('('),
  close: vocab.indexOf(')'),
  context: SETTINGS.context,
  train: Array.from(train.tokens),
  starts: train.starts,
  held: Array.from(held.tokens),
  probe: [HELD_OUT_SENTENCE, ...corpus.heldout.slice(0, 60).map((d) => d.text)].map((t) => cut(encode(t))),
  code: corpus.heldout.filter((d) => d.lang === 'code').map((d) => cut(encode(d.text))),
};
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, JSON.stringify(data));
console.log(`${out}: vocabulary ${data.vocab}, ${data.train.length} training tokens, ${data.held.length} held-out, ${data.probe.length} probe texts, ${data.code.length} code documents`);
