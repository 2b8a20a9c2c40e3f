import * as assert from 'assert';
import { parseFromWebview, parseToWebview, parseTrace } from '../../src/shared/protocol';
import { UI_STRINGS } from '../../src/shared/strings';
import type { AttentionTrace } from '../../src/engine/trace';

function smallTrace(t = 3, layers = 2, heads = 2, d = 4): AttentionTrace {
  const per = layers * heads * t;
  return {
    model: { name: 'm', architecture: 'gpt2', tokenizer: 'WordPiece', layers, heads, headDim: d, causal: true, maxPositions: 64 },
    tokens: Array.from({ length: t }, (_, i) => ({ text: 'x', id: i, start: i, end: i + 1, special: false })),
    q: new Float32Array(per * d),
    k: new Float32Array(per * d),
    v: new Float32Array(per * d),
    scores: new Float32Array(per * t),
    weights: new Float32Array(per * t),
  };
}

describe('message protocol', () => {
  it('accepts well-formed webview messages', () => {
    assert.deepStrictEqual(parseFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepStrictEqual(parseFromWebview({ type: 'focusToken', index: 3, layer: 0, head: 1 }), { type: 'focusToken', index: 3, layer: 0, head: 1 });
    assert.deepStrictEqual(parseFromWebview({ type: 'focusToken', index: null, layer: 0, head: 0 }), { type: 'focusToken', index: null, layer: 0, head: 0 });
    assert.deepStrictEqual(parseFromWebview({ type: 'selectStage', step: 400 }), { type: 'selectStage', step: 400 });
  });

  it('rejects malformed webview messages', () => {
    for (const bad of [null, 42, 'ready', [], {}, { type: 'nope' }, { type: 'focusToken', index: -1, layer: 0, head: 0 }, { type: 'focusToken', index: 1.5, layer: 0, head: 0 }, { type: 'selectStage', step: '3' }, { type: 'export', format: 'exe', fileName: 'a', data: '' }, { type: 'export', format: 'png', fileName: '../../etc/passwd', data: '' }, { type: 'log', level: 'debug', message: 'x' }]) {
      assert.strictEqual(parseFromWebview(bad), undefined, JSON.stringify(bad));
    }
  });

  it('accepts a trace whose tensors have exactly the right sizes', () => {
    assert.ok(parseTrace(smallTrace()));
  });

  it('rejects traces with wrong tensor sizes, nested arrays, or bad tokens', () => {
    const wrongSize = { ...smallTrace(), weights: new Float32Array(5) };
    const nested = { ...smallTrace(), q: [[1, 2]] };
    const badToken = { ...smallTrace(), tokens: [{ text: 'x', id: 0, start: 2, end: 1, special: false }] };
    const noTokens = { ...smallTrace(), tokens: [] };
    for (const bad of [wrongSize, nested, badToken, noTokens, { ...smallTrace(), model: { ...smallTrace().model, architecture: 'rnn' } }]) {
      assert.strictEqual(parseTrace(bad), undefined);
    }
  });

  it('validates host messages, including the strings of init', () => {
    assert.ok(parseToWebview({ type: 'analysis', analysis: { requestId: 1, trace: smallTrace(), source: 'a.txt', stages: [{ step: 0, label: 'random init', loss: 7.1 }], stage: 0, millis: { load: 1, run: 2 } } }));
    assert.ok(parseToWebview({ type: 'init', strings: { ...UI_STRINGS }, locale: 'zh-cn' }));
    assert.strictEqual(parseToWebview({ type: 'init', strings: { title: 'x' }, locale: 'en' }), undefined);
    assert.strictEqual(parseToWebview({ type: 'status', status: 'exploded' }), undefined);
    assert.strictEqual(parseToWebview({ type: 'analysis', analysis: { requestId: 1, trace: smallTrace(), source: 'a', stages: [], millis: { load: NaN, run: 0 } } }), undefined);
    // sentAt (the host's clock, to time the transfer) is kept when it is a number, and nothing else is.
    const analysis = { requestId: 1, trace: smallTrace(), source: 'a', stages: [], millis: { load: 1, run: 2 } };
    const timed = parseToWebview({ type: 'analysis', analysis, sentAt: 1764000000000 });
    assert.strictEqual(timed?.type === 'analysis' ? timed.sentAt : undefined, 1764000000000);
    assert.strictEqual(parseToWebview({ type: 'analysis', analysis, sentAt: '12:00' }), undefined);
  });

  it('carries the default view and the recompute backend in init, and rejects unknown ones', () => {
    const init = { type: 'init', strings: { ...UI_STRINGS }, locale: 'en', defaultView: 'matrix', backend: 'cpu' };
    assert.deepStrictEqual(parseToWebview(init), init);
    assert.strictEqual(parseToWebview({ ...init, defaultView: 'heatmap' }), undefined);
    assert.strictEqual(parseToWebview({ ...init, backend: 'webgpu' }), undefined);
  });

  it('validates lesson messages: a known view, indices, head -1 for the mean, sane what-ifs', () => {
    const full = { type: 'lesson', view: 'steps', token: 25, key: 24, layer: 1, head: -1, whatIf: { scale: false, temperature: 1, causal: true } };
    assert.deepStrictEqual(parseToWebview(full), full);
    assert.deepStrictEqual(parseToWebview({ type: 'lesson', view: 'model' }), { type: 'lesson', view: 'model' });
    for (const bad of [
      { type: 'lesson' },
      { type: 'lesson', view: 'lesson' },
      { ...full, token: -1 },
      { ...full, key: 1.5 },
      { ...full, layer: '1' },
      { ...full, head: -2 },
      { ...full, whatIf: { scale: true, temperature: 0, causal: true } },
      { ...full, whatIf: { scale: 'yes', temperature: 1, causal: true } },
      { ...full, whatIf: null },
    ]) {
      assert.strictEqual(parseToWebview(bad), undefined, JSON.stringify(bad));
    }
  });

  it('validates trace fetches, their answers (exact sizes, float32 or float16) and editor rows', () => {
    const fetch = { type: 'fetchTrace', analysis: 3, fetchId: 7, layer: 1, parts: ['q', 'k'], precision: 'f16' };
    assert.deepStrictEqual(parseFromWebview(fetch), fetch);
    assert.deepStrictEqual(parseFromWebview({ ...fetch, parts: ['weights'], precision: 'f32', head: 2 }), { ...fetch, parts: ['weights'], precision: 'f32', head: 2 });
    for (const bad of [{ ...fetch, parts: [] }, { ...fetch, parts: ['scores', 'x'] }, { ...fetch, precision: 'f8' }, { ...fetch, layer: -1 }, { ...fetch, head: 1.5 }]) assert.strictEqual(parseFromWebview(bad), undefined, JSON.stringify(bad));
    const shape = { heads: 2, tokens: 3, headDim: 4 };
    const data = { type: 'traceData', analysis: 3, fetchId: 7, layer: 1, shape, data: { q: new Uint16Array(24), k: new Float32Array(24) } };
    assert.ok(parseToWebview(data));
    assert.ok(parseToWebview({ ...data, head: 1, data: { weights: new Float32Array(9) } }), 'one head of the model weights: 1·T·T');
    assert.ok(parseToWebview({ ...data, data: { weights: new Float32Array(18) } }), 'every head: H·T·T');
    for (const bad of [{ ...data, data: { q: new Float32Array(23) } }, { ...data, data: { q: new Float64Array(24) } }, { ...data, data: { q: [1, 2] } }, { ...data, data: {} }, { ...data, data: { x: new Float32Array(24) } }, { ...data, shape: { ...shape, heads: 0 } }]) {
      assert.strictEqual(parseToWebview(bad), undefined);
    }
    const row = new Float32Array([0.5, 0.5]);
    assert.deepStrictEqual(parseFromWebview({ type: 'focusToken', index: 1, layer: 0, head: -2, row }), { type: 'focusToken', index: 1, layer: 0, head: -2, row });
    assert.strictEqual(parseFromWebview({ type: 'focusToken', index: 1, layer: 0, head: -2 }), undefined, 'rollout only with the panel\'s row');
    assert.strictEqual(parseFromWebview({ type: 'focusToken', index: 1, layer: 0, head: 0, row: [0.5, 0.5] }), undefined);
    assert.ok(parseFromWebview({ type: 'row', id: 1, index: 0, layer: 0, head: -1, weights: row }));
    assert.strictEqual(parseFromWebview({ type: 'row', id: 1, index: 0, layer: 0, head: -1, weights: [0.5] }), undefined);
    assert.deepStrictEqual(parseToWebview({ type: 'rowRequest', id: 4, index: 2 }), { type: 'rowRequest', id: 4, index: 2 });
  });

  it('an analysis carries model and tokens only; the arrays are fetched', () => {
    const parsed = parseToWebview({ type: 'analysis', analysis: { requestId: 1, trace: smallTrace(), source: 'a', stages: [], millis: { load: 1, run: 2 } } });
    assert.ok(parsed?.type === 'analysis');
    assert.deepStrictEqual(Object.keys(parsed.analysis.trace).sort(), ['model', 'tokens']);
  });
});
