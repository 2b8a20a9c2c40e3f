/**
 * Token alignment between two tokenizers of the same text, on hand-made tokenizations whose right
 * segments are known: word pieces vs whole words, byte-level tokens with their leading space vs
 * WordPiece without, special tokens, split characters; attention pooled per segment.
 */
import * as assert from 'assert';
import { SpanLike, alignTokens, pooledAttention, tokensMatchText, unalignedWeight } from '../../src/shared/tokenAlignment';

/** Tokens from [start, end) pairs over `text`. */
function spans(text: string, ranges: Array<[number, number]>, special: number[] = []): SpanLike[] {
  return ranges.map(([start, end], i) => ({ text: text.slice(start, end), start, end, special: special.includes(i) }));
}

describe('token alignment across tokenizers', () => {
  const text = 'the cat sat';

  it('identical tokenizations give one segment per token', () => {
    const a = spans(text, [[0, 3], [4, 7], [8, 11]]);
    const r = alignTokens(text, a, a);
    assert.ok(r.ok && r.identical && r.segments.length === 3);
  });

  it('joins word pieces with whole words, ignores the leading space byte-level BPE keeps, and drops special tokens', () => {
    // A: WordPiece-like, [CLS] the ca ##t sat [SEP]; B: byte-level, "the" " cat" " s" "at".
    const a = spans(text, [[0, 0], [0, 3], [4, 6], [6, 7], [8, 11], [11, 11]], [0, 5]);
    const b = spans(text, [[0, 3], [3, 7], [7, 9], [9, 11]]);
    const r = alignTokens(text, a, b);
    assert.ok(r.ok);
    assert.strictEqual(r.identical, false);
    assert.deepStrictEqual(r.segments.map((s) => [text.slice(s.start, s.end), s.a, s.b]), [
      ['the', [1], [0]],
      ['cat', [2, 3], [1]],
      ['sat', [4], [2, 3]],
    ]);
  });

  it('keeps a character split over several byte-level tokens together', () => {
    const zh = '程序员';
    const a = spans(zh, [[0, 1], [1, 2], [2, 3]]);
    // 序 split into two byte-level tokens that both cover it.
    const b = spans(zh, [[0, 1], [1, 2], [1, 2], [2, 3]]);
    const r = alignTokens(zh, a, b);
    assert.ok(r.ok);
    assert.deepStrictEqual(r.segments.map((s) => s.b), [[0], [1, 2], [3]]);
  });

  it('says when the texts differ or nothing overlaps', () => {
    const a = spans(text, [[0, 3]]);
    assert.deepStrictEqual(alignTokens(text, a, a, 'other text'), { ok: false, reason: 'different-text' });
    assert.deepStrictEqual(alignTokens(text, a, spans(text, [[0, 0]], [0])), { ok: false, reason: 'no-overlap' });
  });

  it('checks that tokens were cut from a text', () => {
    const a = spans(text, [[0, 0], [0, 3], [4, 6], [6, 7]], [0]);
    a[3].text = '##t';
    assert.strictEqual(tokensMatchText(a, text), true);
    assert.strictEqual(tokensMatchText(a, 'the dog sat'), false);
    assert.strictEqual(tokensMatchText(a, 'th'), false);
  });

  it('pools attention: the last token of a query segment, the sum over a key segment; weight on special tokens is reported', () => {
    // A: [CLS] the ca ##t (4 tokens) with a causal pattern.
    const a = spans(text, [[0, 0], [0, 3], [4, 6], [6, 7]], [0]);
    const b = spans(text, [[0, 3], [3, 7]]);
    const r = alignTokens(text, a, b);
    assert.ok(r.ok);
    const t = 4;
    const w = new Float32Array([
      1, 0, 0, 0,
      0.5, 0.5, 0, 0,
      0.2, 0.3, 0.5, 0,
      0.1, 0.2, 0.3, 0.4,
    ]);
    const pooled = pooledAttention(w, t, r.segments, 'a');
    // Segments: the, cat. Query "cat" reads token 3's row: the 0.2, cat 0.3 + 0.4.
    assert.deepStrictEqual(Array.from(pooled, (x) => +x.toFixed(6)), [0.5, 0, 0.2, 0.7]);
    assert.deepStrictEqual(Array.from(unalignedWeight(pooled, 2), (x) => +x.toFixed(6)), [0.5, 0.1]);
  });
});
