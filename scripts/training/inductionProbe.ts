/**
 * Sequences for measuring an induction head: random common words, then the same words again. In the second half
 * an induction head attends from each word to the word that followed its earlier occurrence (and so predicts it).
 * Words are drawn afresh for every run (a seed), so nothing fixed could have been memorised.
 */
import type { TextTokenizer } from '../../src/engine/tokenizer';
import { Prng } from './prng';

/**
 * Common English words that are one token each with a space before them (" the", " value"): byte-level BPE numbers
 * merges by frequency, so the lowest ids are the most common. At most `count`, lowercase, three letters or more.
 */
export function inductionWords(tokenizer: TextTokenizer, count: number): string[] {
  const out: Array<{ word: string; id: number }> = [];
  for (let id = 0; id < tokenizer.vocabSize && out.length < 4 * count; id++) {
    const word = tokenizer.spansForIds([id]).text;
    if (!/^ [a-z]{3,}$/.test(word)) continue;
    const enc = tokenizer.encode(word, false);
    if (enc.ids.length === 1) out.push({ word, id });
  }
  return out.slice(0, count).map((w) => w.word);
}

/** `length` random words (no word twice in a row), then the same words again. */
export function inductionText(words: readonly string[], length: number, rng: Prng): { text: string; length: number } {
  const seq: string[] = [];
  while (seq.length < length) {
    const w = rng.pick(words);
    if (!seq.includes(w)) seq.push(w);
  }
  return { text: seq.join('') + seq.join(''), length };
}
