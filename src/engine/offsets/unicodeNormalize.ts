/**
 * NFD / NFKD / NFC / NFKC that also say, for every output code point, how it relates to the input
 * (0: replaces one input code point, +1: inserted, -n: replaces 1 + n input code points). This is what
 * Hugging Face tokenizers' `unicode_normalization_alignments` crate yields and what its alignments
 * (hence its offsets) are built from; the same decomposition, canonical reordering and recomposition
 * steps are followed here, with JavaScript's own String.normalize for single-character mappings.
 */
import { combiningClass } from './combiningClass';

export type Change = [codePoint: number, change: number];

const decompositionCache = new Map<number, number[]>();
const compatCache = new Map<number, number[]>();

function decomposeOne(cp: number, compatible: boolean): number[] {
  const cache = compatible ? compatCache : decompositionCache;
  let d = cache.get(cp);
  if (!d) {
    d = Array.from(String.fromCodePoint(cp).normalize(compatible ? 'NFKD' : 'NFD'), (c) => c.codePointAt(0) ?? 0);
    cache.set(cp, d);
  }
  return d;
}

const compositionCache = new Map<string, number | null>();

/** The primary composite of a starter and a following character, if any. */
function compose(a: number, b: number): number | null {
  const key = `${a},${b}`;
  let r = compositionCache.get(key);
  if (r === undefined) {
    const s = (String.fromCodePoint(a) + String.fromCodePoint(b)).normalize('NFC');
    const cps = Array.from(s);
    r = cps.length === 1 ? (cps[0].codePointAt(0) ?? null) : null;
    compositionCache.set(key, r);
  }
  return r;
}

/** Full decomposition with canonical reordering; every character keeps the change of the code point it came from. */
export function decompose(input: number[], compatible: boolean): Change[] {
  const out: Change[] = [];
  let pending: Array<[number, number, number]> = []; // [class, code point, change] not yet sorted
  const flush = () => {
    // Stable sort by combining class, as Rust's sort_by_key.
    pending.sort((x, y) => x[0] - y[0]);
    for (const [, c, ch] of pending) out.push([c, ch]);
    pending = [];
  };
  for (const cp of input) {
    decomposeOne(cp, compatible).forEach((d, i) => {
      const cls = combiningClass(d);
      if (cls === 0) flush();
      pending.push([cls, d, i === 0 ? 0 : 1]);
    });
  }
  flush();
  // Characters of class 0 were flushed before being pushed, so they lead their group: move them out in order.
  return out;
}

/** Decomposition then canonical composition (the Recompositions iterator of the Rust crate). */
export function recompose(input: number[], compatible: boolean): Change[] {
  const decomposed = decompose(input, compatible);
  const out: Change[] = [];
  let buffer: Change[] = [];
  let composee: Change | null = null;
  let lastClass: number | null = null;
  for (const [ch, change] of decomposed) {
    const cls = combiningClass(ch);
    if (composee === null) {
      if (cls !== 0) {
        out.push([ch, change]);
        continue;
      }
      composee = [ch, change];
      continue;
    }
    if (lastClass === null) {
      const r = compose(composee[0], ch);
      if (r !== null) {
        composee = [r, composee[1] + change - 1];
        continue;
      }
      if (cls === 0) {
        out.push(composee);
        composee = [ch, change];
        continue;
      }
      buffer.push([ch, change]);
      lastClass = cls;
      continue;
    }
    if (lastClass >= cls) {
      if (cls === 0) {
        out.push(composee, ...buffer);
        buffer = [];
        composee = [ch, change];
        lastClass = null;
        continue;
      }
      buffer.push([ch, change]);
      lastClass = cls;
      continue;
    }
    const r = compose(composee[0], ch);
    if (r !== null) {
      composee = [r, composee[1] + change - 1];
      continue;
    }
    buffer.push([ch, change]);
    lastClass = cls;
  }
  if (composee !== null) out.push(composee);
  out.push(...buffer);
  return out;
}
