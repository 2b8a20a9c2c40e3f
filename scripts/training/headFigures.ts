/**
 * The built-in model's attention figures, defined once: the model test (test/unit/teachingModel.test.ts), the
 * model card (scripts/training/builtin/modelCard.ts) and the lesson's figures all measure heads with these.
 * Each returns a per-head score table (mean over the queries it counts) and the best head.
 */
import type { LoadedModel } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, headOffset } from '../../src/engine/trace';
import { bracketPairs } from './attentionFigures';
import { inductionText, inductionWords } from './inductionProbe';
import { Prng } from './prng';

export interface HeadScore {
  layer: number;
  head: number;
  value: number;
}

export interface HeadTable {
  /** What was averaged: queries, pairs, … */
  count: number;
  scores: HeadScore[];
  best: HeadScore;
}

export function weightAt(trace: AttentionTrace, l: number, h: number, i: number, j: number): number {
  const t = trace.tokens.length;
  return trace.weights[headOffset(trace, l, h, t, t) + i * t + j];
}

/** Accumulates one number per head over many queries. */
class PerHead {
  private readonly sums: number[];
  count = 0;
  constructor(private readonly layers: number, private readonly heads: number) {
    this.sums = new Array<number>(layers * heads).fill(0);
  }
  add(l: number, h: number, v: number): void {
    this.sums[l * this.heads + h] += v;
  }
  table(): HeadTable {
    const scores: HeadScore[] = [];
    for (let l = 0; l < this.layers; l++) for (let h = 0; h < this.heads; h++) scores.push({ layer: l, head: h, value: this.sums[l * this.heads + h] / Math.max(this.count, 1) });
    const best = scores.reduce((a, b) => (b.value > a.value ? b : a));
    return { count: this.count, scores, best };
  }
}

export function describeTable(t: HeadTable, digits = 3): string {
  return t.scores.map((s) => `L${s.layer}H${s.head} ${s.value.toFixed(digits)}`).join(', ');
}

/** Mean weight on the token after the earlier occurrence, over the second half of `sequences` random-word texts. */
export function inductionScores(m: LoadedModel, seed: number, sequences = 6, length = 40): HeadTable {
  const words = inductionWords(m.tokenizer, 400);
  const rng = new Prng(seed);
  const acc = new PerHead(m.config.layers, m.config.heads);
  for (let s = 0; s < sequences; s++) {
    const { text } = inductionText(words, length, rng);
    const trace = runTrace(m, text);
    if (trace.tokens.length !== 2 * length) throw new Error(`a random-word text gave ${trace.tokens.length} tokens, not ${2 * length}`);
    for (let i = length; i < 2 * length; i++) {
      for (let l = 0; l < m.config.layers; l++) for (let h = 0; h < m.config.heads; h++) acc.add(l, h, weightAt(trace, l, h, i, i - length + 1));
      acc.count++;
    }
  }
  return acc.table();
}

/** Mean weight on the previous token over texts (each cut to `maxTokens`). */
export function previousTokenScores(m: LoadedModel, texts: string[], maxTokens = 256): HeadTable {
  const acc = new PerHead(m.config.layers, m.config.heads);
  for (const text of texts) {
    const trace = runTrace(m, text, { maxTokens });
    const t = trace.tokens.length;
    for (let l = 0; l < m.config.layers; l++) for (let h = 0; h < m.config.heads; h++) for (let i = 1; i < t; i++) acc.add(l, h, weightAt(trace, l, h, i, i - 1));
    acc.count += t - 1;
  }
  return acc.table();
}

/** Share of `)` whose strongest key is the `(` it closes. */
export function bracketTopTargetScores(m: LoadedModel, texts: string[]): HeadTable {
  const acc = new PerHead(m.config.layers, m.config.heads);
  for (const text of texts) {
    const trace = runTrace(m, text);
    const t = trace.tokens.length;
    for (const { close: i, open: j } of bracketPairs(trace.tokens.map((x) => x.text))) {
      for (let l = 0; l < m.config.layers; l++) {
        for (let h = 0; h < m.config.heads; h++) {
          const base = headOffset(trace, l, h, t, t) + i * t;
          let top = 0;
          for (let k = 1; k <= i; k++) if (trace.weights[base + k] > trace.weights[base + top]) top = k;
          acc.add(l, h, top === j ? 1 : 0);
        }
      }
      acc.count++;
    }
  }
  return acc.table();
}

/** Weight from the token `query` to `key` (the last occurrences in the text), as a multiple of uniform, per head. */
export function pairRatios(m: LoadedModel, text: string, query: string, key: string): HeadTable & { uniform: number; weights: HeadScore[] } {
  const trace = runTrace(m, text);
  const texts = trace.tokens.map((x) => x.text);
  const i = texts.lastIndexOf(query);
  const j = texts.lastIndexOf(key);
  if (i < 0 || j < 0 || j > i) throw new Error(`${text}: no ${key} before ${query}`);
  const uniform = 1 / (i + 1);
  const acc = new PerHead(m.config.layers, m.config.heads);
  const weights: HeadScore[] = [];
  for (let l = 0; l < m.config.layers; l++) {
    for (let h = 0; h < m.config.heads; h++) {
      const w = weightAt(trace, l, h, i, j);
      acc.add(l, h, w / uniform);
      weights.push({ layer: l, head: h, value: w });
    }
  }
  acc.count = 1;
  return { ...acc.table(), uniform, weights };
}
