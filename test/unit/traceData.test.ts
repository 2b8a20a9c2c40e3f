import * as assert from 'assert';
import { toFloat16 } from '../../src/shared/float16';
import type { ToWebview, TraceFetch } from '../../src/shared/protocol';
import type { TraceHeader } from '../../src/shared/trace';
import { TraceData } from '../../webview/traceData';

const header: TraceHeader = {
  model: { name: 'm', architecture: 'gpt2', tokenizer: 'x', layers: 4, heads: 2, headDim: 3, causal: true, maxPositions: 16 },
  tokens: Array.from({ length: 5 }, (_, i) => ({ text: 'x', id: i, start: i, end: i + 1, special: false })),
};
const size = 2 * 5 * 3;

function answer(f: TraceFetch, analysis = f.analysis, heads = 2): Extract<ToWebview, { type: 'traceData' }> {
  const data: Record<string, Float32Array | Uint16Array> = {};
  for (const p of f.parts) {
    const values = new Float32Array(p === 'weights' || p === 'scores' ? (f.head !== undefined ? 1 : 2) * 25 : size).fill(f.layer + 0.25);
    data[p] = f.precision === 'f16' ? toFloat16(values) : values;
  }
  return { type: 'traceData', analysis, fetchId: f.fetchId, layer: f.layer, ...(f.head !== undefined ? { head: f.head } : {}), shape: { heads, tokens: 5, headDim: 3 }, data };
}

describe('the panel\'s trace data (fetch on demand)', () => {
  it('asks for the most urgent first, at most two at a time, and forgets what is no longer wanted', () => {
    const sent: TraceFetch[] = [];
    const data = new TraceData(7, header, (f) => sent.push(f), 'f16');
    data.want([{ layer: 2, parts: ['q', 'k'] }, { layer: 1, parts: ['q', 'k'] }, { layer: 3, parts: ['q', 'k'] }]);
    assert.deepStrictEqual(sent.map((f) => f.layer), [2, 1], 'two in flight');
    // The person switches to layer 0: layer 3 was queued and is dropped; layer 0 goes first when a slot frees.
    data.want([{ layer: 0, parts: ['q', 'k'] }]);
    assert.ok(data.receive(answer(sent[0])));
    assert.deepStrictEqual(sent.map((f) => f.layer), [2, 1, 0]);
    data.receive(answer(sent[1]));
    data.receive(answer(sent[2]));
    assert.strictEqual(sent.length, 3, 'layer 3 never asked for');
    assert.ok(data.has(0, 'q') && data.has(1, 'k') && data.has(2, 'q') && !data.has(3, 'q'));
    assert.strictEqual(data.get(2, 'q')?.[0], 2.25, 'float16 decoded');
    assert.strictEqual(data.bytes, 3 * 2 * size * 2, 'float16: two bytes a value');
  });

  it('asks for nothing it has, and the model\'s weights always as float32, one head when told', () => {
    const sent: TraceFetch[] = [];
    const data = new TraceData(7, header, (f) => sent.push(f), 'f16');
    data.want([{ layer: 1, parts: ['q', 'k', 'v'] }, { layer: 1, parts: ['weights'], head: 1 }]);
    assert.deepStrictEqual(sent[0], { analysis: 7, fetchId: 1, layer: 1, parts: ['q', 'k', 'v'], precision: 'f16' });
    assert.deepStrictEqual(sent[1], { analysis: 7, fetchId: 2, layer: 1, parts: ['weights'], precision: 'f32', head: 1 });
    sent.forEach((f) => data.receive(answer(f)));
    assert.ok(data.has(1, 'weights', 1) && !data.has(1, 'weights'));
    data.want([{ layer: 1, parts: ['q', 'k'] }, { layer: 1, parts: ['weights'], head: 1 }]);
    assert.strictEqual(sent.length, 2);
  });

  it('ignores answers for another analysis or of another shape', () => {
    const sent: TraceFetch[] = [];
    const data = new TraceData(7, header, (f) => sent.push(f));
    data.want([{ layer: 0, parts: ['q'] }]);
    assert.strictEqual(data.receive(answer(sent[0], 6)), false);
    assert.strictEqual(data.receive(answer(sent[0], 7, 3)), false);
    assert.ok(!data.has(0, 'q'));
  });

  it('raising the precision drops float16 q, k, v and fetches them again as float32', () => {
    const sent: TraceFetch[] = [];
    const data = new TraceData(7, header, (f) => sent.push(f), 'f16');
    data.want([{ layer: 0, parts: ['q', 'k'] }, { layer: 0, parts: ['weights'] }]);
    sent.forEach((f) => data.receive(answer(f)));
    data.raisePrecision();
    assert.ok(!data.has(0, 'q') && data.has(0, 'weights'));
    data.want([{ layer: 0, parts: ['q', 'k'] }]);
    assert.strictEqual(sent[sent.length - 1].precision, 'f32');
  });

  it('stops asking once the host says the analysis is gone', () => {
    const sent: TraceFetch[] = [];
    const data = new TraceData(7, header, (f) => sent.push(f));
    data.want([{ layer: 0, parts: ['q'] }, { layer: 1, parts: ['q'] }, { layer: 2, parts: ['q'] }]);
    assert.ok(data.unavailable({ type: 'traceUnavailable', analysis: 7, fetchId: 1, message: 'gone' }));
    data.receive(answer(sent[1]));
    assert.strictEqual(sent.length, 2);
    assert.strictEqual(data.error, 'gone');
  });
});
