/**
 * Tokenizes text with a Hugging Face tokenizer.json and gives every token its UTF-16 range in the original
 * text, equal to Python `tokenizers`' offsets (apart from the policies in finishSpans: grapheme clusters,
 * special tokens added by the post-processor).
 *
 * @huggingface/tokenizers runs the model (BPE, WordPiece, Unigram...) and the post-processor but gives no
 * offsets, and its pre-tokenisers differ from Python's in places (Split behaviours, Metaspace split,
 * Punctuation, BERT's cleaning). So added tokens, the normaliser and the pre-tokeniser run here, ported
 * from the Rust library with its alignment rules (./offsets/), and the library's model tokenises each piece.
 * A tokenizer with a component that is not ported still runs (the library's own normaliser, per grapheme
 * cluster, or the old left-to-right matching of token bytes), and its tokens are flagged `approximate`.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenSpan } from './trace';
import { OffsetPipeline } from './offsets/pipeline';
import { ModelSpec, finishSpans, insertSpecials, modelSpec, piecesToSpans, trimOffsets, trimSettings } from './offsets/tokenRanges';

export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}

type Json = Record<string, unknown>;

/** GPT-2's reversible byte ↔ printable-unicode table. */
function byteLevelDecoder(): Map<string, number> {
  const bytes: number[] = [];
  for (let b = 33; b <= 126; b++) bytes.push(b);
  for (let b = 161; b <= 172; b++) bytes.push(b);
  for (let b = 174; b <= 255; b++) bytes.push(b);
  const chars = bytes.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bytes.includes(b)) {
      bytes.push(b);
      chars.push(256 + n++);
    }
  }
  const map = new Map<string, number>();
  bytes.forEach((b, i) => map.set(String.fromCodePoint(chars[i]), b));
  return map;
}
const BYTE_LEVEL = byteLevelDecoder();
const utf8 = new TextEncoder();

/** Whether any object under `node` has this "type"; iterative, so a hostile file nested a million deep cannot overflow the stack. */
function mentionsType(node: unknown, type: string): boolean {
  const stack: unknown[] = [node];
  while (stack.length) {
    const n = stack.pop();
    if (Array.isArray(n)) stack.push(...n);
    else if (typeof n === 'object' && n !== null) {
      if ((n as Json).type === type) return true;
      stack.push(...Object.values(n as Json));
    }
  }
  return false;
}

/**
 * The tokenizer library keeps its vocabulary in an array indexed by id and walks all of it, so one token
 * with id 2^31 in a hostile tokenizer.json cost minutes. Real vocabularies are dense: ids stay below a
 * few times their size.
 */
function checkTokenIds(json: Json, model: Json): void {
  let count = 0;
  let maxId = -1;
  const see = (id: unknown, what: string) => {
    if (!Number.isSafeInteger(id) || (id as number) < 0) throw new TokenizerError(`tokenizer.json: ${what} has id ${typeof id === 'number' ? id : `of type ${Array.isArray(id) ? 'array' : typeof id}`}, not a non-negative integer`);
    count++;
    maxId = Math.max(maxId, id as number);
  };
  if (Array.isArray(model.vocab)) {
    // Unigram: [piece, score] pairs whose ids are their positions; anything else here is read as ids.
    for (const entry of model.vocab as unknown[]) {
      if (Array.isArray(entry)) count++;
      else see(entry, 'a vocabulary entry');
    }
  } else if (typeof model.vocab === 'object' && model.vocab !== null) for (const [token, id] of Object.entries(model.vocab as Json)) see(id, `token "${token.slice(0, 40)}"`);
  if (Array.isArray(json.added_tokens)) for (const t of json.added_tokens as unknown[]) if (typeof t === 'object' && t !== null) see((t as Json).id, 'an added token');
  const limit = Math.min(4 * count + 65_536, 1 << 22);
  if (maxId >= limit) throw new TokenizerError(`tokenizer.json: token id ${maxId} is far beyond the ${count} tokens of the vocabulary; the file is corrupt`);
}

export interface Encoded {
  ids: number[];
  spans: TokenSpan[];
}

/** Splits text into grapheme-like clusters: a base code point followed by its combining marks / joiners. */
function clusters(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  // Variation selectors (U+FE0F) are marks (\p{M}) already; the joiner U+200D is not.
  const re = /\P{M}[\p{M}\u200d]*|\p{M}+/gsu;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) out.push([m.index, m.index + m[0].length]);
  return out;
}

export class TextTokenizer {
  private readonly tok: Tokenizer;
  private readonly byteLevel: boolean;
  private readonly wordPiecePrefix: string | null;
  private readonly metaspace: boolean;
  private readonly specialIds: Set<number>;
  private readonly unkToken: string | null;
  private readonly pipeline: OffsetPipeline;
  private readonly spec: ModelSpec;
  private readonly trim: { addPrefixSpace: boolean } | null;
  readonly description: string;

  constructor(tokenizerJson: unknown, tokenizerConfig: unknown = {}) {
    if (typeof tokenizerJson !== 'object' || tokenizerJson === null) throw new TokenizerError('tokenizer.json is not a JSON object');
    const json = tokenizerJson as Json;
    const model = json.model as Json | undefined;
    if (!model || typeof model.type !== 'string') {
      throw new TokenizerError('tokenizer.json has no "model" section with a "type"');
    }
    checkTokenIds(json, model);
    try {
      this.tok = new Tokenizer(json, (tokenizerConfig ?? {}) as Json);
    } catch (err) {
      throw new TokenizerError(`tokenizer.json could not be loaded: ${(err as Error).message}`);
    }
    this.byteLevel = mentionsType(json.pre_tokenizer, 'ByteLevel') || mentionsType(json.decoder, 'ByteLevel');
    this.wordPiecePrefix = model.type === 'WordPiece' ? (typeof model.continuing_subword_prefix === 'string' ? model.continuing_subword_prefix : '##') : null;
    this.metaspace = mentionsType(json.pre_tokenizer, 'Metaspace') || mentionsType(json.normalizer, 'Prepend') || mentionsType(json.decoder, 'Metaspace');
    this.unkToken = typeof model.unk_token === 'string' ? model.unk_token : null;
    this.specialIds = new Set<number>();
    const added = Array.isArray(json.added_tokens) ? (json.added_tokens as Json[]) : [];
    for (const t of added) if (t.special === true && typeof t.id === 'number') this.specialIds.add(t.id);
    const normalizer = this.tok.normalizer;
    this.pipeline = new OffsetPipeline(json, normalizer, this.tok.pre_tokenizer, normalizer ? (s) => normalizer.normalize(s) : null);
    this.spec = modelSpec(model);
    this.trim = trimSettings(json.post_processor);
    const kind = this.byteLevel ? 'byte-level BPE' : String(model.type);
    this.description = `${kind} (tokenizer.json, ${this.vocabSize} tokens)`;
  }

  /** The tokenizer.json components QKV Lens does not model exactly (their tokens get `approximate` ranges); empty when exact. */
  get approximateComponents(): readonly string[] {
    return this.pipeline.unsupported;
  }

  get vocabSize(): number {
    return this.guard('read the vocabulary', () => this.tok.get_vocab(true).size);
  }

  /** Runs a call into the tokenizer library; whatever it throws on a malformed tokenizer.json becomes a TokenizerError. */
  private guard<T>(what: string, call: () => T): T {
    try {
      return call();
    } catch (err) {
      if (err instanceof TokenizerError) throw err;
      throw new TokenizerError(`the tokenizer could not ${what}: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  idOf(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  /** Token ids and character ranges. Special tokens added by the post-processor (e.g. [CLS]) get an empty range. */
  encode(text: string, addSpecialTokens = true): Encoded {
    const exact = this.encodeByPieces(text, addSpecialTokens);
    if (exact) return exact;
    const enc = this.guard('tokenize the text', () => this.tok.encode(text, { add_special_tokens: addSpecialTokens }));
    if (enc.ids.length !== enc.tokens.length || !enc.ids.every((id) => Number.isSafeInteger(id) && id >= 0) || !enc.tokens.every((t) => typeof t === 'string')) {
      throw new TokenizerError('the tokenizer produced tokens without an id or text; its vocabulary is broken');
    }
    return { ids: enc.ids, spans: this.align(text, enc.ids, enc.tokens).map((s) => (s.special ? s : { ...s, approximate: true })) };
  }

  /**
   * Python's pipeline: added tokens, normaliser and pre-tokeniser here (with alignments), the library's model
   * on each piece, its post-processor for the special tokens. Null when the library's model cannot be called
   * this way or fails on a piece: the caller falls back to matching the library's own encoding.
   */
  private encodeByPieces(text: string, addSpecialTokens: boolean): Encoded | null {
    const model = this.tok.model;
    if (!model) return null;
    const idOf = (t: string) => this.tok.token_to_id(t);
    try {
      const pieces = this.pipeline.run(text);
      let raw = piecesToSpans(pieces, (s) => model.encode([s]), idOf, (id) => this.tok.id_to_token(id) ?? '', (id) => this.specialIds.has(id), this.spec);
      if (this.trim) trimOffsets(text, raw, this.trim.addPrefixSpace);
      const post = this.tok.post_processor;
      if (addSpecialTokens && post) raw = insertSpecials(raw, post.post_process(raw.map((r) => r.token), null, addSpecialTokens).tokens, idOf, text.length);
      return { ids: raw.map((r) => r.id), spans: finishSpans(text, raw, !this.pipeline.exact) };
    } catch {
      return null;
    }
  }

  /** Spans for given ids (e.g. from --ids), aligned against their own decoded text. */
  spansForIds(ids: number[]): { text: string; spans: TokenSpan[] } {
    if (ids.length === 0) return { text: '', spans: [] };
    const tokens = ids.map((id) => {
      const t = this.guard('look up a token id', () => this.tok.id_to_token(id));
      if (typeof t !== 'string') throw new TokenizerError(`token id ${id} is not in the vocabulary`);
      return t;
    });
    const text = this.guard('decode the ids', () => this.tok.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }));
    // When the decoded text tokenises back to the same ids, its ranges are exact; otherwise they are matched
    // token by token and flagged approximate.
    const again = this.encode(text, false);
    if (again.ids.length === ids.length && again.ids.every((id, i) => id === ids[i])) return { text, spans: again.spans };
    return { text, spans: this.align(text, ids, tokens).map((s) => (s.special ? s : { ...s, approximate: true })) };
  }

  /** The bytes a vocabulary token stands for, or null when it stands for none (special / unknown). */
  private tokenBytes(token: string, id: number): Uint8Array | null {
    if (this.specialIds.has(id) || token === this.unkToken) return null;
    if (this.byteLevel) {
      const out: number[] = [];
      for (const ch of token) {
        const b = BYTE_LEVEL.get(ch);
        if (b === undefined) return utf8.encode(token);
        out.push(b);
      }
      return Uint8Array.from(out);
    }
    if (this.metaspace) {
      const byte = /^<0x([0-9A-Fa-f]{2})>$/.exec(token);
      if (byte) return Uint8Array.of(parseInt(byte[1], 16));
      return utf8.encode(token.replace(/\u2581/g, ' '));
    }
    if (this.wordPiecePrefix && token.startsWith(this.wordPiecePrefix) && token.length > this.wordPiecePrefix.length) {
      return utf8.encode(token.slice(this.wordPiecePrefix.length));
    }
    return utf8.encode(token);
  }

  private normalizeCluster(s: string): string {
    const n = this.tok.normalizer;
    return n ? n.normalize(s) : s;
  }

  private align(text: string, ids: number[], tokens: string[]): TokenSpan[] {
    // Normalised bytes, each remembering the original UTF-16 range it came from.
    const bytes: number[] = [];
    const from: number[] = [];
    const to: number[] = [];
    for (const [s, e] of clusters(text)) {
      const encoded = utf8.encode(this.normalizeCluster(text.slice(s, e)));
      for (const b of encoded) {
        bytes.push(b);
        from.push(s);
        to.push(e);
      }
    }
    const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
    const findAt = (needle: Uint8Array, start: number): number => {
      outer: for (let p = start; p + needle.length <= bytes.length; p++) {
        for (let j = 0; j < needle.length; j++) if (bytes[p + j] !== needle[j]) continue outer;
        return p;
      }
      return -1;
    };
    const isHan = (p: number) => /\p{Script=Han}/u.test(String.fromCodePoint(text.codePointAt(from[p]) ?? 0));
    /** Ends an unknown token that starts at byte `start` after its word; returns the byte after it. */
    const closeUnknownAtWord = (span: TokenSpan, start: number): number => {
      let q = start;
      if (q < bytes.length && isHan(q)) {
        while (q < bytes.length && from[q] === from[start]) q++;
      } else {
        while (q < bytes.length && !isSpace(bytes[q]) && !isHan(q)) q++;
      }
      if (q > start) {
        span.end = to[q - 1];
        span.text = text.slice(span.start, span.end) || span.text;
      }
      return q;
    };
    const spans: TokenSpan[] = [];
    let cursor = 0;
    let pendingUnknown: TokenSpan | null = null;
    const original = (p: number) => (p < bytes.length ? from[p] : text.length);
    for (let i = 0; i < ids.length; i++) {
      let needle = this.tokenBytes(tokens[i], ids[i]);
      if (needle === null) {
        const special = this.specialIds.has(ids[i]) && tokens[i] !== this.unkToken;
        const span: TokenSpan = { text: tokens[i], id: ids[i], start: original(cursor), end: original(cursor), special };
        spans.push(span);
        if (!special) {
          // Two unknowns in a row: the first one takes one word (or one Han character, which BERT-style
          // tokenizers split off on their own) and the next starts after it.
          if (pendingUnknown) cursor = closeUnknownAtWord(pendingUnknown, cursor);
          while (cursor < bytes.length && isSpace(bytes[cursor])) cursor++;
          span.start = span.end = original(cursor);
          pendingUnknown = span;
        }
        continue;
      }
      let p = findAt(needle, cursor);
      if (p < 0 && needle.length > 0 && isSpace(needle[0])) {
        // SentencePiece prepends "▁" to the first word although the text has no space there.
        let k = 0;
        while (k < needle.length && isSpace(needle[k])) k++;
        needle = needle.subarray(k);
        p = findAt(needle, cursor);
      }
      if (p < 0 || needle.length === 0) {
        spans.push({ text: tokens[i], id: ids[i], start: original(cursor), end: original(cursor), special: false });
        continue;
      }
      if (pendingUnknown) {
        let q = p;
        while (q > cursor && isSpace(bytes[q - 1])) q--;
        pendingUnknown.end = q > 0 ? to[q - 1] : 0;
        pendingUnknown.text = text.slice(pendingUnknown.start, pendingUnknown.end) || pendingUnknown.text;
        pendingUnknown = null;
      }
      const last = p + needle.length - 1;
      const start = from[p];
      const end = to[last];
      // A byte-level token that covers only part of a character (e.g. one of the 3 bytes of 程).
      const continuation = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;
      const partial = continuation(bytes[p]) || continuation(bytes[last + 1]);
      spans.push({ text: text.slice(start, end), id: ids[i], start, end, special: false, ...(partial ? { partial: true } : {}) });
      cursor = last + 1;
    }
    if (pendingUnknown) {
      let q = bytes.length;
      while (q > cursor && isSpace(bytes[q - 1])) q--;
      pendingUnknown.end = q > 0 ? to[q - 1] : 0;
      pendingUnknown.text = text.slice(pendingUnknown.start, pendingUnknown.end) || pendingUnknown.text;
    }
    return spans;
  }
}
