/**
 * Heads that name themselves: for every layer × head, how much of its attention follows each simple
 * pattern (previous token, first token, self, induction, bracket matching) and how spread out it is.
 * Pure arithmetic on the softmax weights and the token texts: the model view, the unit tests and the
 * model-card agreement check use this one definition (scripts/training/attentionFigures.ts measures
 * the card's previous-token and bracket figures the same way).
 *
 * Every pattern score is a mean attention weight over the queries where the pattern applies, so 1 means
 * "all of its attention goes where the pattern says" and chance is the mean of 1/(visible keys).
 */

export const PATTERN_KINDS = ['previous', 'first', 'self', 'induction', 'bracket'] as const;
export type PatternKind = (typeof PATTERN_KINDS)[number];
export const SPREAD_KINDS = ['sharp', 'broad'] as const;
export type HeadLabelKind = PatternKind | (typeof SPREAD_KINDS)[number];

/** What the weights of a trace say about one head, kept as sums so several texts can be pooled. */
export interface PatternEvidence {
  /** Σ over applicable queries of the weight on the pattern's key(s). */
  sum: number;
  /** Number of applicable queries. */
  count: number;
  /** Σ of 1/(visible keys) over the same queries: the chance level. */
  chance: number;
  /**
   * The query (and its key) where the pattern's weight is furthest above chance, to open the head there
   * (the raw weight would pick the second token of a causal model, which can only look at two keys).
   */
  best: { query: number; key: number; weight: number; excess: number } | null;
}

export interface HeadEvidence {
  layer: number;
  head: number;
  patterns: Record<PatternKind, PatternEvidence>;
  /** Σ over queries (those with ≥ 2 visible keys) of entropy / log(visible keys), and their count. */
  entropySum: number;
  entropyCount: number;
  /** The query with the lowest normalised entropy (where the head is sharpest) and its top key. */
  sharpest: { query: number; key: number; weight: number } | null;
}

export interface HeadScore {
  kind: HeadLabelKind;
  /** Mean weight for a pattern; 1 − mean normalised entropy for sharp, mean normalised entropy for broad. */
  score: number;
  /** Chance level for a pattern (mean of 1/visible keys); undefined for sharp/broad. */
  chance?: number;
  /** Queries the score is over. */
  count: number;
  /** Where to open the head to see it. */
  at: { query: number; key: number } | null;
}

export interface HeadLabel {
  layer: number;
  head: number;
  /** The label shown: the strongest pattern, or sharp/broad when no pattern stands out. */
  top: HeadScore;
  /** Every pattern that applies to this text, strongest lift over chance first. */
  scores: HeadScore[];
}

/** A pattern names the head when it takes at least this share of the way from chance to all the weight. */
export const LABEL_THRESHOLD = 0.3;
/** A pattern seen on fewer queries than this can be scored but does not name the head (one repeat is luck). */
export const MIN_QUERIES = 3;
/** Below this mean normalised entropy a head with no pattern is "sharp", above it "broad". */
export const SHARP_ENTROPY = 0.5;

/** Opening → closing delimiters that count as brackets (ASCII and full-width CJK). */
export const BRACKETS: Readonly<Record<string, string>> = {
  '(': ')', '[': ']', '{': '}', '（': '）', '【': '】', '「': '」', '《': '》', '〈': '〉', '『': '』', '［': '］', '｛': '｝',
};
const CLOSERS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(BRACKETS).map(([o, c]) => [c, o]));

/**
 * Every closing delimiter with the opening one it closes (a stack per kind of bracket; unmatched ones
 * are left out). `brackets` narrows the kinds (the model card counts only round brackets).
 */
export function delimiterPairs(tokens: readonly string[], brackets: Readonly<Record<string, string>> = BRACKETS): Array<{ close: number; open: number }> {
  const closers: Record<string, string> = brackets === BRACKETS ? CLOSERS : Object.fromEntries(Object.entries(brackets).map(([o, c]) => [c, o]));
  const stacks = new Map<string, number[]>();
  const pairs: Array<{ close: number; open: number }> = [];
  tokens.forEach((raw, i) => {
    const tok = raw.trim();
    if (Object.prototype.hasOwnProperty.call(brackets, tok)) {
      const s = stacks.get(tok) ?? [];
      s.push(i);
      stacks.set(tok, s);
    } else if (Object.prototype.hasOwnProperty.call(closers, tok)) {
      const s = stacks.get(closers[tok]);
      if (s && s.length) pairs.push({ close: i, open: s.pop() as number });
    }
  });
  return pairs.sort((a, b) => a.close - b.close);
}

/**
 * For each query whose token occurred before: the positions right after its earlier occurrences (the
 * token an induction head copies). The previous token is never a target (in "a a" or "x y x y" a
 * previous-token head would score too), so neither is a key after the query.
 */
export function inductionTargets(tokens: readonly string[]): Array<{ query: number; keys: number[] }> {
  const seen = new Map<string, number[]>();
  const out: Array<{ query: number; keys: number[] }> = [];
  tokens.forEach((tok, i) => {
    const earlier = seen.get(tok);
    if (earlier) {
      const keys = earlier.map((j) => j + 1).filter((k) => k < i - 1);
      if (keys.length) out.push({ query: i, keys });
    }
    if (earlier) earlier.push(i);
    else seen.set(tok, [i]);
  });
  return out;
}

function emptyPattern(): PatternEvidence {
  return { sum: 0, count: 0, chance: 0, best: null };
}

export interface WeightsInput {
  layers: number;
  heads: number;
  causal: boolean;
  /** Softmax weights: [layer][head][query][key] in one array, or layer by layer ([head][query][key]). */
  weights: Float32Array | ((layer: number) => Float32Array);
  /** The token texts as the model split them (special tokens included). */
  tokens: readonly string[];
  /** Special tokens ([CLS], <|endoftext|>…) are never induction or bracket tokens. */
  special?: readonly boolean[];
  /** Which delimiters count as brackets (default: BRACKETS). */
  brackets?: Readonly<Record<string, string>>;
}

/** Sums of every pattern for every head of one trace. */
export function headEvidence(input: WeightsInput): HeadEvidence[] {
  const { layers, heads, causal, weights, tokens } = input;
  const t = tokens.length;
  const layerWeights = (l: number): Float32Array => {
    const w = typeof weights === 'function' ? weights(l) : weights.subarray(l * heads * t * t, (l + 1) * heads * t * t);
    if (w.length !== heads * t * t) throw new Error(`layer ${l}'s weights hold ${w.length} numbers, not ${heads}×${t}×${t}`);
    return w;
  };
  if (typeof weights !== 'function' && weights.length !== layers * heads * t * t) throw new Error(`weights hold ${weights.length} numbers, not ${layers}×${heads}×${t}×${t}`);
  const plain = tokens.map((tok, i) => (input.special?.[i] ? `\u0000special${i}` : tok));
  const induction = inductionTargets(plain);
  const brackets = delimiterPairs(plain, input.brackets);
  const visible = (q: number) => (causal ? q + 1 : t);
  const out: HeadEvidence[] = [];
  for (let l = 0; l < layers; l++) {
    const lw = layerWeights(l);
    for (let h = 0; h < heads; h++) {
      const base = h * t * t;
      const w = (q: number, k: number) => lw[base + q * t + k];
      const patterns = { previous: emptyPattern(), first: emptyPattern(), self: emptyPattern(), induction: emptyPattern(), bracket: emptyPattern() } as Record<PatternKind, PatternEvidence>;
      const add = (kind: PatternKind, query: number, key: number, weight: number) => {
        const p = patterns[kind];
        p.sum += weight;
        p.count++;
        p.chance += 1 / visible(query);
        const excess = weight - 1 / visible(query);
        if (!p.best || excess > p.best.excess) p.best = { query, key, weight, excess };
      };
      // Query 0 of a causal model sees only itself: it says nothing about any pattern.
      for (let q = 1; q < t; q++) {
        add('previous', q, q - 1, w(q, q - 1));
        add('first', q, 0, w(q, 0));
        add('self', q, q, w(q, q));
      }
      for (const { query, keys } of induction) {
        let s = 0;
        let top = keys[0];
        for (const k of keys) {
          s += w(query, k);
          if (w(query, k) > w(query, top)) top = k;
        }
        const p = patterns.induction;
        p.sum += s;
        p.count++;
        p.chance += keys.length / visible(query);
        const excess = s - keys.length / visible(query);
        if (!p.best || excess > p.best.excess) p.best = { query, key: top, weight: s, excess };
      }
      for (const { close, open } of brackets) add('bracket', close, open, w(close, open));
      let entropySum = 0;
      let entropyCount = 0;
      let sharpest: HeadEvidence['sharpest'] = null;
      let sharpestEntropy = Infinity;
      for (let q = 0; q < t; q++) {
        const n = visible(q);
        if (n < 2) continue;
        let e = 0;
        let top = 0;
        for (let k = 0; k < n; k++) {
          const x = w(q, k);
          if (x > 0) e -= x * Math.log(x);
          if (x > w(q, top)) top = k;
        }
        const normalised = e / Math.log(n);
        entropySum += normalised;
        entropyCount++;
        if (normalised < sharpestEntropy) {
          sharpestEntropy = normalised;
          sharpest = { query: q, key: top, weight: w(q, top) };
        }
      }
      out.push({ layer: l, head: h, patterns, entropySum, entropyCount, sharpest });
    }
  }
  return out;
}

/** Adds the evidence of several texts head by head (same model). */
export function poolEvidence(all: HeadEvidence[][]): HeadEvidence[] {
  if (!all.length) return [];
  return all[0].map((first, i) => {
    const patterns = {} as Record<PatternKind, PatternEvidence>;
    for (const kind of PATTERN_KINDS) {
      const p = emptyPattern();
      for (const ev of all) {
        const e = ev[i].patterns[kind];
        p.sum += e.sum;
        p.count += e.count;
        p.chance += e.chance;
      }
      patterns[kind] = p;
    }
    return {
      layer: first.layer,
      head: first.head,
      patterns,
      entropySum: all.reduce((s, ev) => s + ev[i].entropySum, 0),
      entropyCount: all.reduce((s, ev) => s + ev[i].entropyCount, 0),
      sharpest: null,
    };
  });
}

/** Share of the way from chance to all of the weight (0 at chance, 1 when every applicable query puts all its weight there). */
export function lift(score: HeadScore): number {
  if (score.chance === undefined) return 0;
  return score.chance >= 1 ? 0 : (score.score - score.chance) / (1 - score.chance);
}

/** The scores and the label of one head. */
export function labelHead(ev: HeadEvidence): HeadLabel {
  const scores: HeadScore[] = [];
  for (const kind of PATTERN_KINDS) {
    const p = ev.patterns[kind];
    if (!p.count) continue;
    scores.push({ kind, score: p.sum / p.count, chance: p.chance / p.count, count: p.count, at: p.best ? { query: p.best.query, key: p.best.key } : null });
  }
  scores.sort((a, b) => lift(b) - lift(a));
  const entropy = ev.entropyCount ? ev.entropySum / ev.entropyCount : 1;
  const spread: HeadScore = entropy < SHARP_ENTROPY
    ? { kind: 'sharp', score: 1 - entropy, count: ev.entropyCount, at: ev.sharpest ? { query: ev.sharpest.query, key: ev.sharpest.key } : null }
    : { kind: 'broad', score: entropy, count: ev.entropyCount, at: ev.sharpest ? { query: ev.sharpest.query, key: ev.sharpest.key } : null };
  const named = scores.find((x) => x.count >= MIN_QUERIES);
  const top = named && lift(named) >= LABEL_THRESHOLD ? named : spread;
  return { layer: ev.layer, head: ev.head, top, scores: [...scores, spread] };
}

/** Every head's label for one trace, in [layer][head] order. */
export function labelHeads(input: WeightsInput): HeadLabel[] {
  return headEvidence(input).map(labelHead);
}
