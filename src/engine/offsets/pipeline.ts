/**
 * The part of a Hugging Face tokenizer that decides where tokens come from: added tokens, the normaliser
 * and the pre-tokeniser, ported from the Rust library with its alignment rules (./normalizedString.ts).
 * Built from tokenizer.json; components it does not know are listed in `unsupported` and the token
 * ranges of such a tokenizer are then marked approximate by the caller.
 *
 * Regular expressions are taken from the tokenizer library's own compiled objects where it has them
 * (it rewrites Oniguruma syntax to JavaScript), so that both sides split on the same matches.
 */
import { Behavior, Matches, NormalizedString, charMatches, invert, isWhitespace, regexMatches } from './normalizedString';

type Json = Record<string, unknown>;

/** A piece of the text after pre-tokenisation; `addedId` is set for an added token found in the text. */
export interface Piece {
  ns: NormalizedString;
  addedId?: number;
}

export interface AddedTokenSpec {
  id: number;
  content: string;
  singleWord: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

const obj = (v: unknown): Json | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : null);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const bool = (v: unknown, fallback: boolean): boolean => (typeof v === 'boolean' ? v : fallback);
const cps = (s: string): number[] => Array.from(s, (c) => c.codePointAt(0) ?? 0);

/** The compiled RegExp the tokenizer library holds for a Split / Replace component, if any. */
function libraryPattern(instance: unknown): RegExp | null {
  const o = obj(instance) ?? (typeof instance === 'function' ? (instance as unknown as Json) : null);
  const p = o?.pattern;
  return p instanceof RegExp ? p : null;
}
function libraryChildren(instance: unknown, key: string): unknown[] {
  const o = obj(instance) ?? (typeof instance === 'function' ? (instance as unknown as Json) : null);
  return arr(o?.[key]);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

function patternOf(config: Json, instance: unknown): RegExp | null {
  const pattern = obj(config.pattern);
  if (!pattern) return null;
  if (typeof pattern.String === 'string') return new RegExp(escapeRegExp(pattern.String), 'gu');
  const fromLibrary = libraryPattern(instance);
  if (fromLibrary) return fromLibrary;
  if (typeof pattern.Regex === 'string') {
    try {
      return new RegExp(pattern.Regex, 'gu');
    } catch {
      return null;
    }
  }
  return null;
}

const RE_PUNCT = /\p{P}/u;
const isAsciiPunct = (c: number) => (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x40) || (c >= 0x5b && c <= 0x60) || (c >= 0x7b && c <= 0x7e);
const isPunct = (c: number) => isAsciiPunct(c) || RE_PUNCT.test(String.fromCodePoint(c));
const RE_NUMERIC = /\p{N}/u;
const isNumeric = (c: number) => RE_NUMERIC.test(String.fromCodePoint(c));
const RE_OTHER = /\p{C}/u;
const RE_MARK = /\p{M}/u;
const RE_MN = /\p{Mn}/u;
const isChineseChar = (c: number) =>
  (c >= 0x4e00 && c <= 0x9fff) ||
  (c >= 0x3400 && c <= 0x4dbf) ||
  (c >= 0x20000 && c <= 0x2a6df) ||
  (c >= 0x2a700 && c <= 0x2b73f) ||
  (c >= 0x2b740 && c <= 0x2b81f) ||
  (c >= 0x2b920 && c <= 0x2ceaf) ||
  (c >= 0xf900 && c <= 0xfaff) ||
  (c >= 0x2f800 && c <= 0x2fa1f);
const RE_ALNUM = /[\p{Alphabetic}\p{N}]/u;
const isAlnum = (c: number) => RE_ALNUM.test(String.fromCodePoint(c));

/** GPT-2's split, with Oniguruma's Unicode \s (JavaScript's \s also matches U+FEFF). */
const BYTE_LEVEL_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;
/** The Rust regex crate's \w and \s for the Whitespace pre-tokeniser. */
const W = '\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\p{Join_Control}';
const WHITESPACE_SPLIT = new RegExp(`[${W}]+|[^${W}\\p{White_Space}]+`, 'gu');

/** GPT-2's byte ↔ printable character table. */
export const BYTE_TO_CHAR: number[] = (() => {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const table = new Array<number>(256);
  bs.forEach((b) => (table[b] = b));
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) table[b] = 256 + n++;
  return table;
})();
const utf8 = new TextEncoder();

function byteLevelTransform(ns: NormalizedString): void {
  const dest: Array<[number, number]> = [];
  for (const c of ns.chars) utf8.encode(String.fromCodePoint(c)).forEach((b, i) => dest.push([BYTE_TO_CHAR[b], i > 0 ? 1 : 0]));
  ns.transform(dest);
}

type Normalize = (ns: NormalizedString) => void;
type PreTokenize = (pieces: NormalizedString[]) => NormalizedString[];

/** Rust's PreTokenizedString::split: each piece becomes the pieces `f` returns; empty ones are dropped. */
const splitEach = (f: (ns: NormalizedString) => NormalizedString[]): PreTokenize => (pieces) => pieces.flatMap((p) => f(p).filter((q) => q.length > 0));
const splitBy = (matches: (ns: NormalizedString) => Matches, behavior: Behavior): PreTokenize => splitEach((ns) => ns.split(matches(ns), behavior));

const BEHAVIORS: Behavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];
const behaviorOf = (v: unknown, fallback: Behavior): Behavior => (BEHAVIORS.includes(v as Behavior) ? (v as Behavior) : fallback);

export class OffsetPipeline {
  /** Components modelled approximately (their type names); empty when ranges are exact. */
  readonly unsupported: string[] = [];
  private readonly normalize: Normalize | null;
  /** Set when the normaliser has a component not ported: the library's normaliser runs per grapheme cluster instead. */
  private readonly normalizerApproximate: boolean;
  private readonly preTokenize: PreTokenize | null;
  private readonly added: AddedTokenSpec[];
  private readonly addedNormalizedContent = new Map<number, number[]>();

  constructor(
    json: Json,
    libraryNormalizer: unknown,
    libraryPreTokenizer: unknown,
    /** The library's whole normaliser on a string: used per grapheme cluster for components not ported. */
    private readonly fallbackNormalize: ((s: string) => string) | null,
  ) {
    const normalize = json.normalizer ? this.buildNormalizer(json.normalizer, libraryNormalizer) : null;
    this.normalizerApproximate = this.unsupported.length > 0;
    this.normalize = this.normalizerApproximate ? null : normalize;
    this.preTokenize = json.pre_tokenizer ? this.buildPreTokenizer(json.pre_tokenizer, libraryPreTokenizer) : null;
    this.added = arr(json.added_tokens)
      .map(obj)
      .filter((t): t is Json => t !== null && typeof t.content === 'string' && t.content !== '' && Number.isSafeInteger(t.id))
      .map((t) => ({ id: t.id as number, content: t.content as string, singleWord: bool(t.single_word, false), lstrip: bool(t.lstrip, false), rstrip: bool(t.rstrip, false), special: bool(t.special, false), normalized: bool(t.normalized, !bool(t.special, false)) }));
    for (const t of this.added) {
      if (!t.normalized) continue;
      const ns = NormalizedString.fromText(t.content);
      this.applyNormalizer(ns);
      this.addedNormalizedContent.set(t.id, ns.chars);
    }
  }

  get exact(): boolean {
    return this.unsupported.length === 0;
  }

  private applyNormalizer(ns: NormalizedString): NormalizedString {
    if (this.normalize) {
      this.normalize(ns);
      return ns;
    }
    if (!this.fallbackNormalize || !this.normalizerApproximate) return ns;
    // Approximate: the library's normaliser one grapheme cluster at a time, every output character
    // aligned to its whole cluster.
    const text = ns.text;
    const out = new NormalizedString([], [], [], ns.originalStart, ns.originalEnd);
    let k = 0;
    for (const { segment } of graphemeSegmenter().segment(text)) {
      const n = Array.from(segment).length;
      const s = ns.starts[k];
      const e = ns.ends[k + n - 1];
      for (const c of cps(this.fallbackNormalize(segment))) {
        out.chars.push(c);
        out.starts.push(s);
        out.ends.push(e);
      }
      k += n;
    }
    return out;
  }

  private buildNormalizer(config: unknown, instance: unknown): Normalize | null {
    const c = obj(config);
    if (!c) return null;
    const type = str(c.type);
    switch (type) {
      case 'Sequence': {
        const children = libraryChildren(instance, 'normalizers');
        const steps = arr(c.normalizers).map((n, i) => this.buildNormalizer(n, children[i]));
        return (ns) => steps.forEach((s) => s?.(ns));
      }
      case 'NFC':
      case 'NFD':
      case 'NFKC':
      case 'NFKD':
        return (ns) => ns.normalizeUnicode(type);
      case 'Lowercase':
        return (ns) => ns.lowercase();
      case 'StripAccents':
        return (ns) => ns.filter((ch) => !RE_MARK.test(String.fromCodePoint(ch)));
      case 'Strip': {
        const left = bool(c.strip_left, true);
        const right = bool(c.strip_right, true);
        return (ns) => ns.strip(left, right);
      }
      case 'Prepend': {
        const p = str(c.prepend);
        return (ns) => {
          if (ns.length > 0) ns.prepend(p);
        };
      }
      case 'Replace': {
        const re = patternOf(c, instance);
        if (!re) break;
        const content = str(c.content);
        return (ns) => ns.replace(regexMatches(ns.chars, re), content);
      }
      case 'ByteLevel':
        return (ns) => {
          if (ns.length > 0) byteLevelTransform(ns);
        };
      case 'BertNormalizer': {
        const cleanText = bool(c.clean_text, true);
        const chinese = bool(c.handle_chinese_chars, true);
        const lowercase = bool(c.lowercase, true);
        const stripAccents = bool(c.strip_accents, lowercase);
        return (ns) => {
          if (cleanText) {
            ns.filter((ch) => !(ch === 0 || ch === 0xfffd || (ch !== 9 && ch !== 10 && ch !== 13 && RE_OTHER.test(String.fromCodePoint(ch)))));
            ns.map((ch) => (ch === 9 || ch === 10 || ch === 13 || isWhitespace(ch) ? 0x20 : ch));
          }
          if (chinese) {
            const dest: Array<[number, number]> = [];
            for (const ch of ns.chars) {
              if (isChineseChar(ch)) dest.push([0x20, 0], [ch, 1], [0x20, 1]);
              else dest.push([ch, 0]);
            }
            ns.transform(dest);
          }
          if (stripAccents) {
            ns.normalizeUnicode('NFD');
            ns.filter((ch) => !RE_MN.test(String.fromCodePoint(ch)));
          }
          if (lowercase) ns.lowercase();
        };
      }
      case 'Precompiled':
        // SentencePiece's compiled normalisation rules: without a charsmap it changes nothing.
        if (!c.precompiled_charsmap) return () => undefined;
        break;
    }
    this.unsupported.push(`normalizer ${type || '(no type)'}`);
    return null;
  }

  private buildPreTokenizer(config: unknown, instance: unknown): PreTokenize | null {
    const c = obj(config);
    if (!c) return null;
    const type = str(c.type);
    switch (type) {
      case 'Sequence': {
        const children = libraryChildren(instance, 'tokenizers');
        const steps = arr(c.pretokenizers).map((p, i) => this.buildPreTokenizer(p, children[i]));
        return (pieces) => steps.reduce((acc, s) => (s ? s(acc) : acc), pieces);
      }
      case 'ByteLevel': {
        const addPrefixSpace = bool(c.add_prefix_space, true);
        const useRegex = bool(c.use_regex, true);
        return (pieces) => {
          const split = splitEach((ns) => {
            if (addPrefixSpace && ns.chars[0] !== 0x20) ns.prepend(' ');
            return useRegex ? ns.split(regexMatches(ns.chars, BYTE_LEVEL_SPLIT), 'Isolated') : [ns];
          })(pieces);
          split.forEach(byteLevelTransform);
          return split;
        };
      }
      case 'Split': {
        const re = patternOf(c, instance);
        if (!re) break;
        const inverted = bool(c.invert, false);
        const behavior = behaviorOf(c.behavior, 'Isolated');
        return splitBy((ns) => (inverted ? invert(regexMatches(ns.chars, re)) : regexMatches(ns.chars, re)), behavior);
      }
      case 'Metaspace': {
        const replacement = str(c.replacement, '\u2581');
        const rep = replacement.codePointAt(0) ?? 0x2581;
        let scheme = str(c.prepend_scheme, 'always');
        if (c.add_prefix_space === false) scheme = 'never';
        const split = bool(c.split, true);
        return splitEach((ns) => {
          ns.replace(charMatches(ns.chars, (ch) => ch === 0x20), replacement);
          if (ns.chars[0] !== rep && (scheme === 'always' || (scheme === 'first' && ns.originalStart === 0))) ns.prepend(replacement);
          return split ? ns.split(charMatches(ns.chars, (ch) => ch === rep), 'MergedWithNext') : [ns];
        });
      }
      case 'BertPreTokenizer':
        return (pieces) => splitBy((ns) => charMatches(ns.chars, isPunct), 'Isolated')(splitBy((ns) => charMatches(ns.chars, isWhitespace), 'Removed')(pieces));
      case 'Whitespace':
        return splitBy((ns) => invert(regexMatches(ns.chars, WHITESPACE_SPLIT)), 'Removed');
      case 'WhitespaceSplit':
        return splitBy((ns) => charMatches(ns.chars, isWhitespace), 'Removed');
      case 'Punctuation':
        return splitBy((ns) => charMatches(ns.chars, isPunct), behaviorOf(c.behavior, 'Isolated'));
      case 'Digits':
        return splitBy((ns) => charMatches(ns.chars, isNumeric), bool(c.individual_digits, false) ? 'Isolated' : 'Contiguous');
      case 'CharDelimiterSplit': {
        const d = str(c.delimiter).codePointAt(0);
        if (d === undefined) break;
        return splitBy((ns) => charMatches(ns.chars, (ch) => ch === d), 'Removed');
      }
      case 'FixedLength': {
        const length = typeof c.length === 'number' && c.length > 0 ? c.length : 5;
        return splitEach((ns) => {
          const out: NormalizedString[] = [];
          for (let i = 0; i < ns.length; i += length) out.push(ns.slice(i, Math.min(ns.length, i + length)));
          return out;
        });
      }
    }
    this.unsupported.push(`pre-tokenizer ${type || '(no type)'}`);
    return null;
  }

  /** Rust's AddedVocabulary::find_matches: leftmost-longest added tokens, with single_word / lstrip / rstrip. */
  private splitAdded(ns: NormalizedString, normalizedTokens: boolean): Piece[] {
    const candidates = this.added.filter((t) => t.normalized === normalizedTokens).map((t) => ({ t, content: normalizedTokens ? (this.addedNormalizedContent.get(t.id) ?? []) : cps(t.content) }));
    if (candidates.length === 0 || ns.length === 0) return [{ ns }];
    const chars = ns.chars;
    const out: Piece[] = [];
    let startOffset = 0;
    let i = 0;
    while (i < chars.length) {
      let best: { t: AddedTokenSpec; content: number[] } | null = null;
      for (const cand of candidates) {
        const n = cand.content.length;
        if (n === 0 || i + n > chars.length || (best && best.content.length >= n)) continue;
        let ok = true;
        for (let j = 0; j < n && ok; j++) ok = chars[i + j] === cand.content[j];
        if (ok) best = cand;
      }
      if (!best) {
        i++;
        continue;
      }
      let start = i;
      let stop = i + best.content.length;
      if (best.t.singleWord) {
        const startSpace = start === 0 || !isAlnum(chars[start - 1]);
        const stopSpace = stop === chars.length || !isAlnum(chars[stop]);
        if (!startSpace || !stopSpace) {
          i++;
          continue;
        }
      }
      if (best.t.lstrip) {
        let s = start;
        while (s > 0 && isWhitespace(chars[s - 1])) s--;
        start = Math.max(s, startOffset);
      }
      if (best.t.rstrip) while (stop < chars.length && isWhitespace(chars[stop])) stop++;
      if (startOffset < start) out.push({ ns: ns.slice(startOffset, start) });
      out.push({ ns: ns.slice(start, stop), addedId: best.t.id });
      startOffset = stop;
      i = stop;
    }
    if (startOffset < chars.length) out.push({ ns: ns.slice(startOffset, chars.length) });
    return out;
  }

  /** The pieces the model tokenises, in order, with the added tokens found in the text between them. */
  run(text: string): Piece[] {
    const pieces: Piece[] = [];
    for (const first of this.splitAdded(NormalizedString.fromText(text), false)) {
      if (first.addedId !== undefined) {
        pieces.push(first);
        continue;
      }
      const normalized = this.applyNormalizer(first.ns);
      for (const second of this.splitAdded(normalized, true)) {
        if (second.ns.length === 0) continue;
        if (second.addedId !== undefined) {
          pieces.push(second);
          continue;
        }
        const pre = this.preTokenize ? this.preTokenize([second.ns]) : [second.ns];
        for (const ns of pre) if (ns.length > 0) pieces.push({ ns });
      }
    }
    return pieces;
  }
}

let segmenter: Intl.Segmenter | null = null;
export function graphemeSegmenter(): Intl.Segmenter {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  return segmenter;
}
