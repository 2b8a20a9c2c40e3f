/**
 * Writes a small GPT-2 checkpoint with fixed-seed random weights and a WordPiece tokenizer (Chinese one
 * character per token) into a temp folder, in exactly the Hugging Face layout the real loader reads.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TensorToWrite, writeSafetensors } from '../../src/engine/safetensors';

export const SAMPLE_ZH = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员';
export const SAMPLE_CODE = 'def add(a, b):\n    return (a + b)';

export interface RandomGpt2 {
  dir: string;
  layers: number;
  heads: number;
  hidden: number;
  positions: number;
  weights: Record<string, TensorToWrite>;
}

/** Park–Miller generator: the same weights on every machine. */
export function seededRandom(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

/**
 * A GPT-2-style byte-level BPE tokenizer.json: every UTF-8 byte is its own token unless `merges` join some;
 * `endOfText` adds <|endoftext|> (id 256) as a special token.
 */
export function byteLevelTokenizerJson(merges: string[] = [], endOfText = false): Record<string, unknown> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.map((b) => String.fromCodePoint(b));
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bytes.includes(b)) chars.push(String.fromCodePoint(256 + n++));
  const vocab: Record<string, number> = {};
  chars.forEach((c, i) => (vocab[c] = i));
  if (endOfText) vocab['<|endoftext|>'] = 256;
  return {
    version: '1.0',
    added_tokens: endOfText ? [{ id: 256, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }] : [],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null, fuse_unk: false, byte_fallback: false, vocab, merges },
  };
}

export function wordPieceTokenizerJson(words: string[]): object {
  const vocab: Record<string, number> = { '[UNK]': 0, '[PAD]': 1 };
  const add = (w: string) => {
    if (!(w in vocab)) vocab[w] = Object.keys(vocab).length;
  };
  for (const w of words) add(w);
  for (const ch of words.join('')) {
    add(ch);
    add('##' + ch);
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '[UNK]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      { id: 1, content: '[PAD]', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: false },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
  };
}

export function makeRandomGpt2(options: { layers?: number; heads?: number; hidden?: number; positions?: number; seed?: number } = {}): RandomGpt2 {
  const { layers = 2, heads = 4, hidden = 32, positions = 64, seed = 42 } = options;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-random-gpt2-'));
  const words = ['def', 'add', 'return', 'hello', 'world', ...SAMPLE_ZH.split(''), ...'abcdefghijklmnopqrstuvwxyz()[]{}:,.+-=*/_0123456789'.split('')];
  const tokenizer = wordPieceTokenizerJson(words) as { model: { vocab: Record<string, number> } };
  const vocabSize = Object.keys(tokenizer.model.vocab).length;
  const rnd = seededRandom(seed);
  const tensor = (shape: number[], fill: () => number = () => (rnd() - 0.5) * 0.4): TensorToWrite => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, fill) });
  const c = hidden;
  const weights: Record<string, TensorToWrite> = {
    'transformer.wte.weight': tensor([vocabSize, c]),
    'transformer.wpe.weight': tensor([positions, c]),
    'transformer.ln_f.weight': tensor([c], () => 1),
    'transformer.ln_f.bias': tensor([c], () => 0),
  };
  for (let i = 0; i < layers; i++) {
    const p = `transformer.h.${i}.`;
    weights[p + 'ln_1.weight'] = tensor([c], () => 1 + (rnd() - 0.5) * 0.2);
    weights[p + 'ln_1.bias'] = tensor([c]);
    weights[p + 'attn.c_attn.weight'] = tensor([c, 3 * c]);
    weights[p + 'attn.c_attn.bias'] = tensor([3 * c]);
    weights[p + 'attn.c_proj.weight'] = tensor([c, c]);
    weights[p + 'attn.c_proj.bias'] = tensor([c]);
    weights[p + 'ln_2.weight'] = tensor([c], () => 1);
    weights[p + 'ln_2.bias'] = tensor([c], () => 0);
    weights[p + 'mlp.c_fc.weight'] = tensor([c, 4 * c]);
    weights[p + 'mlp.c_fc.bias'] = tensor([4 * c]);
    weights[p + 'mlp.c_proj.weight'] = tensor([4 * c, c]);
    weights[p + 'mlp.c_proj.bias'] = tensor([c]);
  }
  fs.writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(weights));
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  fs.writeFileSync(
    path.join(dir, 'config.json'),
    JSON.stringify({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_layer: layers, n_head: heads, n_embd: c, n_positions: positions, n_ctx: positions, vocab_size: vocabSize, layer_norm_epsilon: 1e-5, activation_function: 'gelu_new' }),
  );
  return { dir, layers, heads, hidden, positions, weights };
}
