/**
 * A port of Hugging Face tokenizers' NormalizedString: a normalised string that remembers, for every
 * code point, which range of the original text it came from. Every operation updates those alignments
 * exactly as the Rust library does (transform_range, replace, prepend, split, slice...), because the
 * library's token offsets are nothing but these alignments read back.
 *
 * Differences in representation, not in results: one alignment per code point (Rust keeps one per UTF-8
 * byte, but all bytes of a code point always share it), and alignments are absolute UTF-16 offsets into
 * the original text (Rust's are byte offsets relative to the slice, plus `original_shift`).
 */
import { Change, decompose, recompose } from './unicodeNormalize';

export type Behavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

/** [startChar, endChar, isMatch] over the code points of a string, covering all of it (Rust's Pattern::find_matches). */
export type Matches = Array<[number, number, boolean]>;

export const isWhitespace = (c: number): boolean => /\p{White_Space}/u.test(String.fromCodePoint(c));

export class NormalizedString {
  constructor(
    public chars: number[],
    /** Original UTF-16 range [starts[i], ends[i]) of code point i. */
    public starts: number[],
    public ends: number[],
    /** The original range this string covers (Rust's offsets_original). */
    public originalStart: number,
    public originalEnd: number,
  ) {}

  static fromText(text: string, from = 0, to = text.length): NormalizedString {
    const chars: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = from; i < to; ) {
      const cp = text.codePointAt(i) ?? 0;
      const n = cp > 0xffff ? 2 : 1;
      chars.push(cp);
      starts.push(i);
      ends.push(i + n);
      i += n;
    }
    return new NormalizedString(chars, starts, ends, from, to);
  }

  get text(): string {
    return String.fromCodePoint(...this.chars);
  }

  get length(): number {
    return this.chars.length;
  }

  /** Rust's transform_range over chars [from, to): `dest` replaces them, `initialOffset` chars dropped first. */
  transformRange(from: number, to: number, dest: Iterable<Change>, initialOffset: number): void {
    let offset = from + initialOffset;
    const chars: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (const [c, change] of dest) {
      const idx = offset;
      let s: number;
      let e: number;
      if (change > 0) {
        // Inserted: shares the alignment of the character before it (or the start of this string).
        if (idx < 1) s = e = this.originalStart;
        else [s, e] = [this.starts[idx - 1], this.ends[idx - 1]];
      } else {
        [s, e] = [this.starts[idx], this.ends[idx]];
        offset += 1 - change;
      }
      chars.push(c);
      starts.push(s);
      ends.push(e);
    }
    this.chars.splice(from, to - from, ...chars);
    this.starts.splice(from, to - from, ...starts);
    this.ends.splice(from, to - from, ...ends);
  }

  transform(dest: Iterable<Change>, initialOffset = 0): void {
    this.transformRange(0, this.chars.length, Array.from(dest), initialOffset);
  }

  normalizeUnicode(form: 'NFC' | 'NFD' | 'NFKC' | 'NFKD'): void {
    const compatible = form === 'NFKC' || form === 'NFKD';
    this.transform(form === 'NFD' || form === 'NFKD' ? decompose(this.chars, compatible) : recompose(this.chars, compatible));
  }

  filter(keep: (c: number) => boolean): void {
    let removed = 0;
    let removedStart = 0;
    const transforms: Change[] = [];
    let last: number | null = null;
    for (const c of this.chars) {
      if (keep(c)) {
        if (last !== null) transforms.push([last, -removed]);
        else removedStart = removed;
        last = c;
        removed = 0;
      } else removed++;
    }
    if (last !== null) transforms.push([last, -removed]);
    this.transform(transforms, removedStart);
  }

  map(f: (c: number) => number): void {
    this.transform(this.chars.map((c): Change => [f(c), 0]));
  }

  prepend(s: string): void {
    if (this.chars.length === 0) return;
    const dest: Change[] = Array.from(s, (c, i): Change => [c.codePointAt(0) ?? 0, i === 0 ? 0 : 1]);
    dest.push([this.chars[0], 1]);
    this.transformRange(0, 1, dest, 0);
  }

  append(s: string): void {
    const last = this.chars.length - 1;
    const added = Array.from(s, (c): Change => [c.codePointAt(0) ?? 0, 1]);
    if (last >= 0) this.transformRange(last, last + 1, [[this.chars[last], 0], ...added], 0);
    else this.transformRange(0, 0, added, 0);
  }

  lowercase(): void {
    const dest: Change[] = [];
    // One code point at a time, as Rust's char::to_lowercase (no final-sigma context).
    for (const c of this.chars) Array.from(String.fromCodePoint(c).toLowerCase()).forEach((l, i) => dest.push([l.codePointAt(0) ?? 0, i > 0 ? 1 : 0]));
    this.transform(dest);
  }

  uppercase(): void {
    const dest: Change[] = [];
    for (const c of this.chars) Array.from(String.fromCodePoint(c).toUpperCase()).forEach((l, i) => dest.push([l.codePointAt(0) ?? 0, i > 0 ? 1 : 0]));
    this.transform(dest);
  }

  /** Rust's replace: every match becomes `content`, whose characters all take the alignment of the match's last character. */
  replace(matches: Matches, content: string): void {
    const chars: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    const add = Array.from(content, (c) => c.codePointAt(0) ?? 0);
    let last = 0;
    for (const [s, e, isMatch] of matches) {
      if (!isMatch) continue;
      for (let i = last; i < s; i++) {
        chars.push(this.chars[i]);
        starts.push(this.starts[i]);
        ends.push(this.ends[i]);
      }
      const [as, ae] = e < 1 ? [this.originalStart, this.originalStart] : [this.starts[e - 1], this.ends[e - 1]];
      for (const c of add) {
        chars.push(c);
        starts.push(as);
        ends.push(ae);
      }
      last = e;
    }
    for (let i = last; i < this.chars.length; i++) {
      chars.push(this.chars[i]);
      starts.push(this.starts[i]);
      ends.push(this.ends[i]);
    }
    this.chars = chars;
    this.starts = starts;
    this.ends = ends;
  }

  strip(left: boolean, right: boolean): void {
    let leading = 0;
    if (left) while (leading < this.chars.length && isWhitespace(this.chars[leading])) leading++;
    let trailing = 0;
    if (right) while (trailing < this.chars.length - leading && isWhitespace(this.chars[this.chars.length - 1 - trailing])) trailing++;
    if (leading === 0 && trailing === 0) return;
    const kept = this.chars.slice(leading, this.chars.length - trailing).map((c): Change => [c, 0]);
    this.transform(kept, leading);
  }

  /** A sub-string by code point range, keeping its alignments (Rust's slice with a Normalized range). */
  slice(from: number, to: number): NormalizedString {
    const originalStart = to > from ? this.starts[from] : this.originalStart;
    const originalEnd = to > from ? this.ends[to - 1] : this.originalStart;
    return new NormalizedString(this.chars.slice(from, to), this.starts.slice(from, to), this.ends.slice(from, to), originalStart, originalEnd);
  }

  /** Rust's split: the pieces the matches and the delimiter behaviour give, empty ones included (callers drop them). */
  split(matches: Matches, behavior: Behavior): NormalizedString[] {
    let splits: Array<[number, number, boolean]>; // [start, end, remove]
    if (behavior === 'Isolated') splits = matches.map(([s, e]) => [s, e, false]);
    else if (behavior === 'Removed') splits = matches.map(([s, e, m]) => [s, e, m]);
    else if (behavior === 'Contiguous') {
      splits = [];
      let previous = false;
      for (const [s, e, m] of matches) {
        const last = splits[splits.length - 1];
        if (m === previous && last) last[1] = e;
        else splits.push([s, e, false]);
        previous = m;
      }
    } else if (behavior === 'MergedWithPrevious') {
      splits = [];
      let previous = false;
      for (const [s, e, m] of matches) {
        const last = splits[splits.length - 1];
        if (m && !previous && last) last[1] = e;
        else splits.push([s, e, false]);
        previous = m;
      }
    } else {
      splits = [];
      let previous = false;
      for (let i = matches.length - 1; i >= 0; i--) {
        const [s, e, m] = matches[i];
        const last = splits[splits.length - 1];
        if (m && !previous && last) last[0] = s;
        else splits.push([s, e, false]);
        previous = m;
      }
      splits.reverse();
    }
    return splits.filter(([, , remove]) => !remove).map(([s, e]) => this.slice(s, e));
  }
}

/** Rust's find_matches for a regular expression (global, unicode) over code points. */
export function regexMatches(chars: number[], re: RegExp): Matches {
  if (chars.length === 0) return [[0, 0, false]];
  const text = String.fromCodePoint(...chars);
  // UTF-16 index → code point index.
  const cpIndex = new Int32Array(text.length + 1);
  for (let i = 0, k = 0; i <= text.length; k++) {
    cpIndex[i] = k;
    if (i === text.length) break;
    const cp = text.codePointAt(i) ?? 0;
    if (cp > 0xffff) {
      cpIndex[i + 1] = k + 1;
      i += 2;
    } else i += 1;
  }
  const out: Matches = [];
  let prev = 0;
  const global = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
  for (const m of text.matchAll(global)) {
    const s = cpIndex[m.index ?? 0];
    const e = cpIndex[(m.index ?? 0) + m[0].length];
    if (prev !== s) out.push([prev, s, false]);
    out.push([s, e, true]);
    prev = e;
  }
  if (prev !== chars.length) out.push([prev, chars.length, false]);
  return out;
}

/** Rust's find_matches for a character predicate: every matching character is its own match. */
export function charMatches(chars: number[], pred: (c: number) => boolean): Matches {
  if (chars.length === 0) return [[0, 0, false]];
  const out: Matches = [];
  let last = 0;
  chars.forEach((c, i) => {
    if (pred(c)) {
      if (last < i) out.push([last, i, false]);
      out.push([i, i + 1, true]);
      last = i + 1;
    }
  });
  if (chars.length > last) out.push([last, chars.length, false]);
  return out;
}

export const invert = (m: Matches): Matches => m.map(([s, e, f]) => [s, e, !f]);
