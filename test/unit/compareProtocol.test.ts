/** The side-by-side messages are validated like every other one: what does not fit is dropped. */
import * as assert from 'assert';
import { parseFromWebview, parseToWebview } from '../../src/shared/protocol';

const model = { name: 'm', architecture: 'gpt2', tokenizer: 't', layers: 2, heads: 2, headDim: 4, causal: true, maxPositions: 64 };
const tokens = [
  { text: 'a', id: 1, start: 0, end: 1, special: false },
  { text: 'b', id: 2, start: 2, end: 3, special: false },
];

describe('side-by-side messages', () => {
  it('accepts a well-formed request and answer', () => {
    assert.deepStrictEqual(parseFromWebview({ type: 'compareRequest', id: 3, target: { kind: 'stage', step: 0 }, layer: 1, head: 0 }), { type: 'compareRequest', id: 3, target: { kind: 'stage', step: 0 }, layer: 1, head: 0 });
    assert.deepStrictEqual(parseFromWebview({ type: 'compareRequest', id: 3, target: { kind: 'builtin' }, layer: 0, head: 0 })?.type, 'compareRequest');
    const weights = new Float32Array([1, 0, 0.5, 0.5]);
    const m = parseToWebview({ type: 'compareData', id: 3, label: 'x', model, tokens, text: 'a b', layer: 1, head: 1, weights });
    assert.strictEqual(m?.type, 'compareData');
    assert.deepStrictEqual(parseToWebview({ type: 'compareUnavailable', id: 3, message: 'no' }), { type: 'compareUnavailable', id: 3, message: 'no' });
  });

  it('drops bad targets, shapes and ranges', () => {
    assert.strictEqual(parseFromWebview({ type: 'compareRequest', id: 3, target: { kind: 'model', dir: '/etc' }, layer: 0, head: 0 }), undefined);
    assert.strictEqual(parseFromWebview({ type: 'compareRequest', id: 3, target: { kind: 'stage', step: -1 }, layer: 0, head: 0 }), undefined);
    const base = { type: 'compareData', id: 3, label: 'x', model, tokens, text: 'a b', layer: 1, head: 1 };
    assert.strictEqual(parseToWebview({ ...base, weights: new Float32Array(3) }), undefined, 'weights must be T×T');
    assert.strictEqual(parseToWebview({ ...base, weights: [1, 0, 0.5, 0.5] }), undefined, 'weights must be a Float32Array');
    assert.strictEqual(parseToWebview({ ...base, layer: 2, weights: new Float32Array(4) }), undefined, 'layer out of range');
    assert.strictEqual(parseToWebview({ type: 'compareUnavailable', id: 'x', message: 'no' }), undefined);
  });
});
