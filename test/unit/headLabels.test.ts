/**
 * Head labels on synthetic traces whose right answer is known by construction: each head's weights are
 * written by hand to follow one pattern exactly (or to be uniform), and the label must name it.
 */
import * as assert from 'assert';
import { HeadLabel, delimiterPairs, headEvidence, inductionTargets, labelHeads, lift, poolEvidence, labelHead } from '../../src/shared/headLabels';

type Rule = (query: number, t: number) => Map<number, number> | 'uniform';

/** A causal [1][H][T][T] weights array, head h following rules[h]; rows sum to 1. */
function weightsFrom(rules: Rule[], t: number, causal = true): Float32Array {
  const w = new Float32Array(rules.length * t * t);
  rules.forEach((rule, h) => {
    for (let q = 0; q < t; q++) {
      const n = causal ? q + 1 : t;
      const r = rule(q, t);
      const row = w.subarray((h * t + q) * t, (h * t + q + 1) * t);
      if (r === 'uniform' || r.size === 0) for (let k = 0; k < n; k++) row[k] = 1 / n;
      else {
        let sum = 0;
        for (const v of r.values()) sum += v;
        for (const [k, v] of r) row[k] = v / sum;
      }
    }
  });
  return w;
}

const one = (k: number) => new Map([[k, 1]]);
const previous: Rule = (q) => one(Math.max(0, q - 1));
const first: Rule = () => one(0);
const self: Rule = (q) => one(q);
const uniform: Rule = () => 'uniform';

function byHead(labels: HeadLabel[], head: number): HeadLabel {
  const l = labels.find((x) => x.head === head);
  assert.ok(l, `head ${head} is labelled`);
  return l;
}

describe('head labels', () => {
  const text = 'a b c d e f g h'.split(' ');

  it('names previous-token, first-token, self and broad heads, with score 1 where the pattern is exact', () => {
    const t = text.length;
    const labels = labelHeads({ layers: 1, heads: 4, causal: true, weights: weightsFrom([previous, first, self, uniform], t), tokens: text });
    assert.deepStrictEqual(labels.map((l) => l.top.kind), ['previous', 'first', 'self', 'broad']);
    for (const h of [0, 1, 2]) assert.ok(Math.abs(byHead(labels, h).top.score - 1) < 1e-6, `head ${h} scores 1`);
    // The uniform head puts 1/(q+1) on each key: normalised entropy 1, every pattern at chance (lift 0).
    const broad = byHead(labels, 3);
    assert.ok(Math.abs(broad.top.score - 1) < 1e-6, `uniform head's normalised entropy ${broad.top.score}`);
    for (const s of broad.scores.filter((x) => x.chance !== undefined)) assert.ok(Math.abs(lift(s)) < 1e-6, `${s.kind} lift ${lift(s)}`);
  });

  it('opens the head where its pattern is strongest', () => {
    const t = text.length;
    // Previous-token weight grows with the query: strongest at the last query.
    const growing: Rule = (q, n) => new Map([[Math.max(0, q - 1), q / n], [q, 1 - q / n + 1e-3]]);
    const [label] = labelHeads({ layers: 1, heads: 1, causal: true, weights: weightsFrom([growing], t), tokens: text });
    const prev = label.scores.find((s) => s.kind === 'previous');
    assert.deepStrictEqual(prev?.at, { query: t - 1, key: t - 2 });
  });

  it('finds an induction head on repeated text, and none without repetition', () => {
    const seq = 'x q r s t x q r s t'.split(' ');
    const t = seq.length;
    // Induction: the query attends to the token after the earlier occurrence of itself (when there is one).
    const targets = inductionTargets(seq);
    assert.deepStrictEqual(targets.map((x) => x.query), [5, 6, 7, 8, 9]);
    assert.deepStrictEqual(targets[0].keys, [1]);
    const induction: Rule = (q) => {
      const hit = targets.find((x) => x.query === q);
      return hit ? one(hit.keys[0]) : one(q);
    };
    const labels = labelHeads({ layers: 1, heads: 2, causal: true, weights: weightsFrom([induction, previous], t), tokens: seq });
    assert.strictEqual(byHead(labels, 0).top.kind, 'induction');
    assert.ok(Math.abs(byHead(labels, 0).top.score - 1) < 1e-6);
    // A previous-token head is not an induction head: its weight on the copied token is 0 here.
    const prevInduction = byHead(labels, 1).scores.find((s) => s.kind === 'induction');
    assert.strictEqual(prevInduction?.score, 0);
    // One repeated token is scored but is too little to name the head.
    const once = 'x q r x'.split(' ');
    const [single] = labelHeads({ layers: 1, heads: 1, causal: true, weights: weightsFrom([(q) => (q === 3 ? one(1) : one(q))], 4), tokens: once });
    assert.strictEqual(single.scores.find((s) => s.kind === 'induction')?.score, 1);
    assert.notStrictEqual(single.top.kind, 'induction');
    const plain = labelHeads({ layers: 1, heads: 1, causal: true, weights: weightsFrom([previous], 8), tokens: text });
    assert.ok(!plain[0].scores.some((s) => s.kind === 'induction'), 'no repeated token, no induction score');
  });

  it('matches brackets by kind and nesting, ASCII and full-width', () => {
    const seq = ['f', '(', 'a', '[', 'b', ']', '（', 'c', '）', ')', ')'];
    const pairs = delimiterPairs(seq);
    assert.deepStrictEqual(pairs, [{ close: 5, open: 3 }, { close: 8, open: 6 }, { close: 9, open: 1 }]);
    assert.deepStrictEqual(delimiterPairs(seq, { '(': ')' }), [{ close: 9, open: 1 }]);
    const t = seq.length;
    const bracket: Rule = (q) => {
      const p = pairs.find((x) => x.close === q);
      return p ? one(p.open) : 'uniform';
    };
    const labels = labelHeads({ layers: 1, heads: 1, causal: true, weights: weightsFrom([bracket], t), tokens: seq });
    const b = labels[0].scores.find((s) => s.kind === 'bracket');
    assert.ok(b && Math.abs(b.score - 1) < 1e-6 && b.count === 3);
    assert.strictEqual(labels[0].top.kind, 'bracket');
    // All three pairs get weight 1: the latest closer is furthest above chance (it sees the most keys).
    assert.deepStrictEqual(labels[0].top.at, { query: 9, key: 1 });
  });

  it('calls a head with no pattern sharp when its rows are peaked, and skips special tokens', () => {
    const t = text.length;
    // Each query looks two back: no named pattern, but all the weight on one key.
    const twoBack: Rule = (q) => one(Math.max(0, q - 2));
    const [label] = labelHeads({ layers: 1, heads: 1, causal: true, weights: weightsFrom([twoBack], t), tokens: text });
    assert.strictEqual(label.top.kind, 'sharp');
    assert.ok(label.top.score > 0.9);
    // Two special tokens with the same text are not a repeated word.
    assert.deepStrictEqual(headEvidence({ layers: 1, heads: 1, causal: true, weights: weightsFrom([uniform], 4), tokens: ['[S]', 'a', 'b', '[S]'], special: [true, false, false, true] })[0].patterns.induction.count, 0);
  });

  it('handles bidirectional models (every key visible) and checks the shape', () => {
    const t = text.length;
    const labels = labelHeads({ layers: 1, heads: 1, causal: false, weights: weightsFrom([previous], t, false), tokens: text });
    assert.strictEqual(labels[0].top.kind, 'previous');
    assert.ok(Math.abs((labels[0].top.chance ?? 0) - 1 / t) < 1e-9);
    assert.throws(() => headEvidence({ layers: 2, heads: 1, causal: true, weights: new Float32Array(10), tokens: text }), /not 2×1×8×8/);
  });

  it('pools several texts into one score per head (sums, not a mean of means)', () => {
    const a = headEvidence({ layers: 1, heads: 1, causal: true, weights: weightsFrom([previous], 3), tokens: ['a', 'b', 'c'] });
    const b = headEvidence({ layers: 1, heads: 1, causal: true, weights: weightsFrom([uniform], 5), tokens: ['a', 'b', 'c', 'd', 'e'] });
    const pooled = labelHead(poolEvidence([a, b])[0]).scores.find((s) => s.kind === 'previous');
    // 2 queries at weight 1, then 4 queries at 1/2, 1/3, 1/4, 1/5.
    const expected = (2 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5) / 6;
    assert.ok(pooled && Math.abs(pooled.score - expected) < 1e-6, `${pooled?.score} vs ${expected}`);
  });
});
