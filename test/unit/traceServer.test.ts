import * as assert from 'assert';
import { answerTraceFetch } from '../../src/panel/traceServer';
import { fromFloat16 } from '../../src/shared/float16';
import { parseToWebview } from '../../src/shared/protocol';
import { AttentionTrace, headOffset } from '../../src/shared/trace';

function trace(t = 5, layers = 3, heads = 2, d = 4): AttentionTrace {
  const per = layers * heads * t;
  const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => i / 7);
  return {
    model: { name: 'm', architecture: 'gpt2', tokenizer: 'x', layers, heads, headDim: d, causal: true, maxPositions: 64 },
    tokens: Array.from({ length: t }, (_, i) => ({ text: 'x', id: i, start: i, end: i + 1, special: false })),
    q: ramp(per * d),
    k: ramp(per * d).map((x) => -x),
    v: ramp(per * d).map((x) => 2 * x),
    scores: ramp(per * t),
    weights: ramp(per * t).map((x) => x / 100),
  };
}

describe('trace server (host side of the panel\'s fetches)', () => {
  const tr = trace();
  it('answers one layer of q and k, in float32 exactly, and the answer passes the protocol check', () => {
    const answer = answerTraceFetch(tr, 9, { analysis: 9, fetchId: 1, layer: 2, parts: ['q', 'k'], precision: 'f32' });
    assert.ok(answer.type === 'traceData');
    const at = headOffset(tr, 2, 0, 5, 4);
    assert.deepStrictEqual(Array.from(answer.data.q as Float32Array), Array.from(tr.q.subarray(at, at + 2 * 5 * 4)));
    assert.ok(parseToWebview(answer), 'the answer is a valid message');
  });

  it('answers float16 as Uint16 bits within the half-precision rounding', () => {
    const answer = answerTraceFetch(tr, 9, { analysis: 9, fetchId: 2, layer: 1, parts: ['v'], precision: 'f16' });
    assert.ok(answer.type === 'traceData' && answer.data.v instanceof Uint16Array);
    const back = fromFloat16(answer.data.v);
    const at = headOffset(tr, 1, 0, 5, 4);
    back.forEach((x, i) => assert.ok(Math.abs(x - tr.v[at + i]) <= Math.abs(tr.v[at + i]) * 2 ** -11 + 1e-7));
  });

  it('cuts the model\'s weights to one head when asked, and always sends them as float32', () => {
    const answer = answerTraceFetch(tr, 9, { analysis: 9, fetchId: 3, layer: 0, parts: ['weights'], precision: 'f32', head: 1 });
    assert.ok(answer.type === 'traceData' && answer.head === 1);
    const at = headOffset(tr, 0, 1, 5, 5);
    assert.deepStrictEqual(Array.from(answer.data.weights as Float32Array), Array.from(tr.weights.subarray(at, at + 25)));
    assert.ok(parseToWebview(answer));
  });

  it('refuses fetches for an analysis it no longer holds, or outside the model', () => {
    assert.strictEqual(answerTraceFetch(tr, 9, { analysis: 8, fetchId: 4, layer: 0, parts: ['q'], precision: 'f32' }).type, 'traceUnavailable');
    assert.strictEqual(answerTraceFetch(undefined, undefined, { analysis: 8, fetchId: 4, layer: 0, parts: ['q'], precision: 'f32' }).type, 'traceUnavailable');
    assert.strictEqual(answerTraceFetch(tr, 9, { analysis: 9, fetchId: 5, layer: 3, parts: ['q'], precision: 'f32' }).type, 'traceUnavailable');
    assert.strictEqual(answerTraceFetch(tr, 9, { analysis: 9, fetchId: 6, layer: 0, parts: ['weights'], precision: 'f32', head: 2 }).type, 'traceUnavailable');
  });
});
