/**
 * Ranges of the model's tokens inside each pre-tokenised piece, as Hugging Face tokenizers computes them:
 * a token covers the bytes of the piece its text stands for (without the "##" / continuing-subword prefix
 * or end-of-word suffix; <0xNN> byte-fallback tokens cover one byte), and its range is the original range
 * of the first to the last character it touches. Then the ByteLevel / RoBERTa post-processor's
 * trim_offsets, and QKV Lens's two stated policies: ranges widened to whole grapheme clusters, and
 * special tokens added by the post-processor get an empty range where they stand.
 */
import type { TokenSpan } from '../trace';
import { NormalizedString, isWhitespace } from './normalizedString';
import { graphemeSegmenter, Piece } from './pipeline';

type Json = Record<string, unknown>;
const utf8 = new TextEncoder();
const BYTE_TOKEN = /^<0x([0-9A-Fa-f]{2})>$/;

export interface ModelSpec {
  type: string;
  /** "##" for WordPiece, BPE's continuing_subword_prefix. */
  prefix: string | null;
  suffix: string | null;
  byteFallback: boolean;
  unk: string | null;
  /** BPE's fuse_unk: consecutive unknown characters of a word make one unknown token. */
  fuseUnk: boolean;
  /** Unigram's unk_id (its unknown token's id, even where an added token has the same text). */
  unkId: number | null;
}

export function modelSpec(model: Json): ModelSpec {
  const type = String(model.type);
  const s = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    type,
    prefix: type === 'WordPiece' ? (s(model.continuing_subword_prefix) ?? '##') : type === 'BPE' ? s(model.continuing_subword_prefix) : null,
    suffix: type === 'BPE' ? s(model.end_of_word_suffix) : null,
    byteFallback: model.byte_fallback === true,
    fuseUnk: type === 'BPE' && model.fuse_unk === true,
    unkId: type === 'Unigram' && Number.isSafeInteger(model.unk_id) ? (model.unk_id as number) : null,
    unk: typeof model.unk_token === 'string' ? model.unk_token : type === 'Unigram' && Array.isArray(model.vocab) && Number.isSafeInteger(model.unk_id) ? String(((model.vocab as unknown[])[model.unk_id as number] as unknown[] | undefined)?.[0] ?? '') || null : null,
  };
}

/** A token with its range before the grapheme policy. */
export interface RawSpan {
  token: string;
  id: number;
  start: number;
  end: number;
  special: boolean;
  /** Covers only some bytes of its first or last character. */
  partialBytes: boolean;
  /** Its text could not be found where the tokenizer put it: the range is a guess. */
  approximate: boolean;
}

/** The bytes a token stands for inside its piece. */
function contentBytes(token: string, index: number, last: boolean, spec: ModelSpec): Uint8Array {
  const byte = spec.byteFallback ? BYTE_TOKEN.exec(token) : null;
  if (byte) return Uint8Array.of(parseInt(byte[1], 16));
  let s = token;
  if (spec.prefix && index > 0 && s.startsWith(spec.prefix) && s.length > spec.prefix.length) s = s.slice(spec.prefix.length);
  if (spec.suffix && last && s.endsWith(spec.suffix)) s = s.slice(0, s.length - spec.suffix.length);
  return utf8.encode(s);
}

function matchAt(hay: Uint8Array, needle: Uint8Array, at: number): boolean {
  if (at + needle.length > hay.length) return false;
  for (let j = 0; j < needle.length; j++) if (hay[at + j] !== needle[j]) return false;
  return true;
}

/** Ranges of `tokens` (what the model made of this piece). */
export function pieceSpans(ns: NormalizedString, tokens: string[], idOf: (t: string) => number | undefined, spec: ModelSpec): RawSpan[] {
  const parts = ns.chars.map((c) => utf8.encode(String.fromCodePoint(c)));
  const total = parts.reduce((n, p) => n + p.length, 0);
  const bytes = new Uint8Array(total);
  const charOf = new Int32Array(total);
  const charStart = new Uint8Array(total + 1);
  let o = 0;
  parts.forEach((p, i) => {
    bytes.set(p, o);
    charStart[o] = 1;
    charOf.fill(i, o, o + p.length);
    o += p.length;
  });
  charStart[total] = 1;
  const out: RawSpan[] = [];
  let cursor = 0;
  if (spec.fuseUnk && spec.unk !== null) tokens = tokens.filter((t, k) => !(t === spec.unk && tokens[k - 1] === spec.unk));
  if (spec.type === 'Unigram') {
    // The library's Unigram returns unknown characters as themselves, one by one; Rust fuses them into one <unk>.
    const fused: string[] = [];
    for (const t of tokens) {
      if (idOf(t) === undefined && fused.length > 0 && idOf(fused[fused.length - 1]) === undefined) fused[fused.length - 1] += t;
      else fused.push(t);
    }
    tokens = fused;
  }
  tokens.forEach((token, k) => {
    // The library's Unigram returns an unknown character as itself: it stands for that text, with the unknown id.
    const id = idOf(token) ?? spec.unkId ?? (spec.unk !== null ? idOf(spec.unk) : undefined);
    if (id === undefined) throw new Error(`the model produced "${token}", which has no id`);
    const last = k === tokens.length - 1;
    let start = cursor;
    let end: number;
    let approximate = false;
    if (token === spec.unk && !(spec.byteFallback && BYTE_TOKEN.test(token))) {
      // An unknown token covers the characters up to where the next token's text starts (all the rest
      // when it is the last one: WordPiece's unknown word); two unknowns in a row take one character each.
      if (last) end = total;
      else if (tokens[k + 1] === spec.unk) {
        end = cursor + 1;
        while (end < total && !charStart[end]) end++;
      } else {
        const next = contentBytes(tokens[k + 1], k + 1, k + 1 === tokens.length - 1, spec);
        end = cursor + 1;
        while (end < total && !(charStart[end] && matchAt(bytes, next, end))) end++;
      }
    } else {
      const content = contentBytes(token, k, last, spec);
      if (!matchAt(bytes, content, cursor)) {
        approximate = true;
        let q = cursor + 1;
        while (q < total && !matchAt(bytes, content, q)) q++;
        start = q < total ? q : cursor;
        end = q < total ? q + content.length : cursor;
      } else end = cursor + content.length;
    }
    if (end <= start) {
      const at = start < total ? ns.starts[charOf[start]] : ns.originalEnd;
      out.push({ token, id, start: at, end: at, special: false, partialBytes: false, approximate: true });
    } else {
      out.push({ token, id, start: ns.starts[charOf[start]], end: ns.ends[charOf[end - 1]], special: false, partialBytes: !charStart[start] || !charStart[end], approximate });
      cursor = end;
    }
  });
  return out;
}

/** Rust's process_offsets (ByteLevel and RoBERTa post-processors with trim_offsets), in code points as Python counts. */
export function trimOffsets(text: string, spans: RawSpan[], addPrefixSpace: boolean): void {
  const isSpace = (c: string) => c === '\u0120' || isWhitespace(c.codePointAt(0) ?? 0);
  const toCp = new Int32Array(text.length + 1);
  const toUnit: number[] = [];
  for (let i = 0, k = 0; i <= text.length; k++) {
    toCp[i] = k;
    toUnit.push(i);
    if (i === text.length) break;
    if ((text.codePointAt(i) ?? 0) > 0xffff) {
      toCp[i + 1] = k;
      i += 2;
    } else i++;
  }
  spans.forEach((span, i) => {
    const s = { start: toCp[span.start], end: toCp[span.end] };
    const chars = Array.from(span.token);
    let leading = 0;
    while (leading < chars.length && isSpace(chars[leading])) leading++;
    let trailing = 0;
    while (trailing < chars.length && isSpace(chars[chars.length - 1 - trailing])) trailing++;
    if (leading > 0) {
      if ((i === 0 || s.start === 0) && addPrefixSpace && leading === 1) leading = 0;
      s.start = Math.min(s.start + leading, s.end);
    }
    if (trailing > 0 && s.end >= trailing) s.end = Math.max(s.end - trailing, s.start);
    span.start = toUnit[s.start];
    span.end = toUnit[s.end];
  });
}

/** The trim_offsets settings of a post_processor config (ByteLevel, RobertaProcessing, or inside a Sequence). */
export function trimSettings(config: unknown): { addPrefixSpace: boolean } | null {
  if (typeof config !== 'object' || config === null) return null;
  const c = config as Json;
  if (c.type === 'Sequence' && Array.isArray(c.processors)) {
    for (const p of c.processors) {
      const t = trimSettings(p);
      if (t) return t;
    }
    return null;
  }
  if (c.type === 'ByteLevel' && c.trim_offsets === true) return { addPrefixSpace: c.add_prefix_space !== false };
  if (c.type === 'RobertaProcessing' && c.trim_offsets !== false) return { addPrefixSpace: c.add_prefix_space !== false };
  return null;
}

/** Spans of the pieces' tokens (and of added tokens found in the text). */
export function piecesToSpans(pieces: Piece[], encodePiece: (s: string) => string[], idOf: (t: string) => number | undefined, tokenOf: (id: number) => string, isSpecial: (id: number) => boolean, spec: ModelSpec): RawSpan[] {
  const spans: RawSpan[] = [];
  for (const p of pieces) {
    if (p.addedId !== undefined) {
      spans.push({ token: tokenOf(p.addedId), id: p.addedId, start: p.ns.originalStart, end: p.ns.originalEnd, special: isSpecial(p.addedId), partialBytes: false, approximate: false });
      continue;
    }
    spans.push(...pieceSpans(p.ns, encodePiece(p.ns.text), idOf, spec));
  }
  return spans;
}

/**
 * The post-processor's special tokens around the content tokens: `withSpecials` is what it returned for
 * `spans`' tokens. They get an empty range where they stand (Python gives them (0, 0)).
 */
export function insertSpecials(spans: RawSpan[], withSpecials: string[], idOf: (t: string) => number | undefined, textLength: number): RawSpan[] {
  const extra = withSpecials.length - spans.length;
  if (extra <= 0) return spans;
  for (let before = 0; before <= extra; before++) {
    if (!spans.every((s, i) => withSpecials[before + i] === s.token)) continue;
    const special = (token: string, at: number): RawSpan => {
      const id = idOf(token);
      if (id === undefined) throw new Error(`the post-processor added "${token}", which has no id`);
      return { token, id, start: at, end: at, special: true, partialBytes: false, approximate: false };
    };
    const head = withSpecials.slice(0, before).map((t) => special(t, 0));
    const tail = withSpecials.slice(before + spans.length).map((t) => special(t, spans.length ? Math.max(...spans.map((s) => s.end)) : textLength));
    return [...head, ...spans, ...tail];
  }
  throw new Error('the post-processor changed the tokens it was given');
}

/** Grapheme cluster [start, end) for every UTF-16 index of the text ("\r\n" counts as two: tokens split it). */
function clusterBounds(text: string): { startOf: Int32Array; endOf: Int32Array } {
  const startOf = new Int32Array(text.length);
  const endOf = new Int32Array(text.length);
  const mark = (s: number, e: number) => {
    startOf.fill(s, s, e);
    endOf.fill(e, s, e);
  };
  for (const { segment, index } of graphemeSegmenter().segment(text)) {
    if (segment === '\r\n') {
      mark(index, index + 1);
      mark(index + 1, index + 2);
    } else mark(index, index + segment.length);
  }
  return { startOf, endOf };
}

/** Applies the grapheme policy and sets `partial` / `approximate`; gives every span its display text. */
export function finishSpans(text: string, raw: RawSpan[], allApproximate: boolean): TokenSpan[] {
  const { startOf, endOf } = clusterBounds(text);
  const spans = raw.map((r) => {
    let { start, end } = r;
    if (!r.special && end > start) {
      start = startOf[start];
      end = endOf[end - 1];
    }
    return { r, start, end };
  });
  const overlaps = (a: { start: number; end: number; r: RawSpan } | undefined, b: { start: number; end: number; r: RawSpan } | undefined) =>
    !!a && !!b && !a.r.special && !b.r.special && a.start < b.end && b.start < a.end;
  return spans.map((s, i) => {
    const partial = !s.r.special && (s.r.partialBytes || overlaps(s, spans[i - 1]) || overlaps(s, spans[i + 1]));
    const approximate = !s.r.special && (allApproximate || s.r.approximate);
    return {
      text: s.r.special || s.end === s.start ? s.r.token : text.slice(s.start, s.end),
      id: s.r.id,
      start: s.start,
      end: s.end,
      special: s.r.special,
      ...(partial ? { partial: true } : {}),
      ...(approximate ? { approximate: true } : {}),
    };
  });
}
