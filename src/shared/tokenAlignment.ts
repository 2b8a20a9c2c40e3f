/**
 * Two tokenizations of the same text, aligned so that two models' attention can be compared cell by
 * cell: tokens of A and B that share a (non-space) character are joined, and each connected group is
 * one segment (a word that A splits in two and B keeps whole is one segment). Attention is then
 * pooled per segment: a query segment reads the row of its last token (the one that has seen the whole
 * segment), a key segment gets the sum of the weights on its tokens. Special tokens and tokens that
 * cover no character ([CLS], <|endoftext|>, whitespace-only) belong to no segment; their weight is left
 * out and `unaligned` says how much. Pure: no DOM, no vscode.
 */

export interface SpanLike {
  text: string;
  start: number;
  end: number;
  special: boolean;
}

export interface Segment {
  /** [start, end) in the text. */
  start: number;
  end: number;
  /** Token indices of A and of B in this segment, in order. */
  a: number[];
  b: number[];
}

export type Alignment = { ok: true; segments: Segment[]; identical: boolean } | { ok: false; reason: 'different-text' | 'no-overlap' };

/** Characters of `text` covered by the token (whitespace does not count: WordPiece drops it, byte-level BPE keeps it). */
function covered(text: string, t: SpanLike): number[] {
  if (t.special || t.end <= t.start) return [];
  const out: number[] = [];
  for (let i = t.start; i < t.end; i++) if (!/\s/.test(text[i] ?? ' ')) out.push(i);
  return out;
}

/** Aligns A's and B's tokens of `text` (both tokenized the same text; `textB` must equal it). */
export function alignTokens(text: string, a: readonly SpanLike[], b: readonly SpanLike[], textB = text): Alignment {
  if (textB !== text) return { ok: false, reason: 'different-text' };
  const owner = new Map<number, number>();
  // Union-find over A's tokens (0…) and B's (a.length…).
  const parent = Array.from({ length: a.length + b.length }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const union = (x: number, y: number) => {
    parent[find(x)] = find(y);
  };
  const charsA = a.map((t) => covered(text, t));
  const charsB = b.map((t) => covered(text, t));
  charsA.forEach((chars, i) => chars.forEach((c) => {
    const o = owner.get(c);
    if (o !== undefined) union(o, i);
    else owner.set(c, i);
  }));
  let shared = false;
  charsB.forEach((chars, j) => chars.forEach((c) => {
    const o = owner.get(c);
    if (o !== undefined) {
      union(o, a.length + j);
      shared = true;
    }
  }));
  if (!shared) return { ok: false, reason: 'no-overlap' };
  const groups = new Map<number, Segment>();
  const add = (node: number, chars: number[], side: 'a' | 'b', index: number) => {
    if (!chars.length) return;
    const root = find(node);
    let g = groups.get(root);
    if (!g) {
      g = { start: Infinity, end: -Infinity, a: [], b: [] };
      groups.set(root, g);
    }
    g[side].push(index);
    g.start = Math.min(g.start, chars[0]);
    g.end = Math.max(g.end, chars[chars.length - 1] + 1);
  };
  charsA.forEach((chars, i) => add(i, chars, 'a', i));
  charsB.forEach((chars, j) => add(a.length + j, chars, 'b', j));
  // A segment both sides do not reach (a character only one tokenizer kept) cannot be compared.
  const segments = [...groups.values()].filter((g) => g.a.length && g.b.length).sort((x, y) => x.start - y.start);
  if (!segments.length) return { ok: false, reason: 'no-overlap' };
  const identical = segments.length === a.length && segments.length === b.length && segments.every((s) => s.a.length === 1 && s.b.length === 1);
  return { ok: true, segments, identical };
}

/**
 * One head's [T][T] weights pooled to segments [S][S]: row = the segment's last token's row, column =
 * the sum over the segment's tokens. `side` picks A's or B's token lists.
 */
export function pooledAttention(weights: Float32Array, t: number, segments: readonly Segment[], side: 'a' | 'b'): Float32Array {
  const s = segments.length;
  const out = new Float32Array(s * s);
  segments.forEach((qs, i) => {
    const query = qs[side][qs[side].length - 1];
    const row = weights.subarray(query * t, (query + 1) * t);
    segments.forEach((ks, j) => {
      let sum = 0;
      for (const k of ks[side]) sum += row[k];
      out[i * s + j] = sum;
    });
  });
  return out;
}

/** Per segment row: the weight that fell on tokens outside every segment (special tokens, unshared characters). */
export function unalignedWeight(pooled: Float32Array, s: number): Float32Array {
  const out = new Float32Array(s);
  for (let i = 0; i < s; i++) {
    let sum = 0;
    for (let j = 0; j < s; j++) sum += pooled[i * s + j];
    out[i] = Math.max(0, 1 - sum);
  }
  return out;
}

/**
 * True when `tokens` were cut from `text`: the token texts (spaces and WordPiece's ## removed) equal
 * the text under their spans for at least 90% of the tokens that cover characters (byte-level tokens
 * that split a character cannot be compared one by one and are skipped).
 */
export function tokensMatchText(tokens: readonly (SpanLike & { partial?: boolean })[], text: string): boolean {
  const norm = (s: string) => s.replace(/^##/, '').replace(/\s+/g, '');
  let checked = 0;
  let same = 0;
  for (const t of tokens) {
    if (t.special || t.partial || t.end <= t.start) continue;
    if (t.end > text.length) return false;
    checked++;
    if (norm(t.text) === norm(text.slice(t.start, t.end))) same++;
  }
  return checked > 0 && same >= 0.9 * checked;
}
