/**
 * Builds the teaching model's tokenizer: BERT-style WordPiece (Chinese one character per token,
 * case kept, accents kept), as a Hugging Face tokenizer.json that both the Python `tokenizers`
 * library and the JS `@huggingface/tokenizers` load. No [CLS]/[SEP] post-processor: this is a decoder.
 */
import { Tokenizer } from '@huggingface/tokenizers';

export const PAD = '[PAD]';
export const UNK = '[UNK]';
export const EOS = '<|endoftext|>';
export const SPECIALS = [PAD, UNK, EOS];

function isCjk(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b820 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

function isPunctuation(ch: string): boolean {
  const cp = ch.codePointAt(0) ?? 0;
  if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) return true;
  return /\p{P}/u.test(ch);
}

/**
 * What BertNormalizer(clean_text, handle_chinese_chars) + BertPreTokenizer make of a text: words,
 * single punctuation marks and single CJK characters. Used only to choose the vocabulary; encoding
 * always goes through the real tokenizer.
 */
export function preTokenize(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  const flush = () => {
    if (cur) words.push(cur);
    cur = '';
  };
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (/\s/u.test(ch)) flush();
    else if (cp === 0 || cp === 0xfffd || /\p{Cc}|\p{Cf}/u.test(ch)) continue;
    else if (isCjk(cp) || isPunctuation(ch)) {
      flush();
      words.push(ch);
    } else cur += ch;
  }
  flush();
  return words;
}

export interface VocabOptions {
  /** Whole words seen at least this often join the vocabulary. */
  minWordCount: number;
  /** At most this many whole words. */
  maxWords: number;
  /** At most this many extra prefixes / ##suffixes for rarer words. */
  maxPieces: number;
}

/**
 * Vocabulary: special tokens, every character of the corpus (and its ## form unless it is CJK or
 * punctuation, which always stand alone), frequent whole words, then frequent word pieces.
 */
export function buildVocab(texts: string[], options: VocabOptions): string[] {
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of preTokenize(t)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const vocab: string[] = [...SPECIALS];
  const seen = new Set(vocab);
  const add = (tok: string) => {
    if (!seen.has(tok)) {
      seen.add(tok);
      vocab.push(tok);
    }
  };
  const chars = new Map<string, number>();
  for (const [w, n] of counts) for (const ch of w) chars.set(ch, (chars.get(ch) ?? 0) + n);
  const sortedChars = [...chars.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const ch of sortedChars) add(ch);
  for (const ch of sortedChars) {
    const cp = ch.codePointAt(0) ?? 0;
    if (!isCjk(cp) && !isPunctuation(ch)) add('##' + ch);
  }
  const byCount = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const words = [...counts].filter(([w, n]) => [...w].length > 1 && n >= options.minWordCount).sort(byCount);
  const kept = new Set(words.slice(0, options.maxWords).map(([w]) => w));
  for (const w of kept) add(w);
  // Pieces for the words left out: frequent prefixes and ##suffixes of 2-6 characters.
  const pieces = new Map<string, number>();
  for (const [w, n] of counts) {
    const chs = [...w];
    if (chs.length < 3 || kept.has(w)) continue;
    for (let len = 2; len <= Math.min(6, chs.length - 1); len++) {
      const pre = chs.slice(0, len).join('');
      const suf = '##' + chs.slice(chs.length - len).join('');
      pieces.set(pre, (pieces.get(pre) ?? 0) + n * len);
      pieces.set(suf, (pieces.get(suf) ?? 0) + n * len);
    }
  }
  const sortedPieces = [...pieces].filter(([p]) => !seen.has(p)).sort(byCount);
  for (const [p] of sortedPieces.slice(0, options.maxPieces)) add(p);
  return vocab;
}

export type JsonObject = Record<string, unknown>;

export function tokenizerJson(vocab: string[]): JsonObject {
  const map: Record<string, number> = {};
  vocab.forEach((t, i) => (map[t] = i));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content) => ({
      id: map[content],
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: false, lowercase: false },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: UNK, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: map },
  };
}

export function tokenizerConfig(maxLength: number): JsonObject {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: maxLength,
    bos_token: EOS,
    eos_token: EOS,
    unk_token: UNK,
    pad_token: PAD,
    clean_up_tokenization_spaces: false,
    add_bos_token: false,
    add_eos_token: false,
  };
}

/** The real tokenizer (the same library the extension uses). */
export function loadTokenizer(json: JsonObject, config: JsonObject): Tokenizer {
  return new Tokenizer(json, config);
}

export function encodeIds(tok: Tokenizer, text: string): number[] {
  return tok.encode(text, { add_special_tokens: false }).ids;
}
