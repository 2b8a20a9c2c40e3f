/** The attention rules every implementation imports (src/shared/attentionRules.ts). */
import * as assert from 'assert';
import { MASKED_SCORE, MODEL_WHAT_IF, TEMPERATURE_LIMITS, TEMPERATURE_SLIDER, causalMaskData, effectiveWhatIf, isAllowedTemperature, isMasked, isModelWhatIf, layerSpan, logitFactor, offsetOfHead, offsetOfRow, scoreScale } from '../../src/shared/attentionRules';
import { parseWhatIf } from '../../src/shared/protocol';
import { recomputeLayerJs } from '../../webview/attentionMath';

describe('attention rules', () => {
  it('the causal mask data follows the mask rule, and a masked score softmaxes to exactly 0 in float32', () => {
    const t = 5;
    const m = causalMaskData(t);
    for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) assert.strictEqual(m[i * t + j], isMasked(i, j, true) ? MASKED_SCORE : 0, `${i},${j}`);
    assert.strictEqual(isMasked(1, 3, false), false);
    // softmax subtracts the row's largest score; a large real score still leaves the masked one at 0.
    assert.strictEqual(Math.fround(Math.exp(Math.fround(MASKED_SCORE + 50) - 50)), 0);
  });

  it('the logit factor is 1/√dk over the temperature, with the temperature held inside its limits', () => {
    assert.strictEqual(scoreScale(64), 1 / 8);
    assert.strictEqual(logitFactor(64, { scale: true, temperature: 2 }), 1 / 16);
    assert.strictEqual(logitFactor(64, { scale: false, temperature: 1 }), 1);
    assert.strictEqual(logitFactor(4, { scale: false, temperature: 0 }), 1 / TEMPERATURE_LIMITS.min);
    assert.ok(TEMPERATURE_LIMITS.min <= TEMPERATURE_SLIDER.min && TEMPERATURE_SLIDER.max <= TEMPERATURE_LIMITS.max, 'the slider stays inside the accepted range');
    assert.ok(isAllowedTemperature(TEMPERATURE_LIMITS.min) && !isAllowedTemperature(TEMPERATURE_LIMITS.min / 2) && !isAllowedTemperature(NaN));
    assert.deepStrictEqual(parseWhatIf({ ...MODEL_WHAT_IF, temperature: TEMPERATURE_LIMITS.max * 2 }), undefined);
    assert.deepStrictEqual(parseWhatIf({ ...MODEL_WHAT_IF }), { ...MODEL_WHAT_IF });
  });

  it('what-ifs at the model settings are recognised; the causal switch means nothing to an encoder', () => {
    assert.ok(isModelWhatIf(MODEL_WHAT_IF, true));
    assert.ok(!isModelWhatIf({ ...MODEL_WHAT_IF, causal: false }, true));
    assert.ok(isModelWhatIf({ ...MODEL_WHAT_IF, causal: false }, false));
    assert.ok(!isModelWhatIf({ ...MODEL_WHAT_IF, temperature: 0.5 }, false));
    assert.deepStrictEqual(effectiveWhatIf(MODEL_WHAT_IF, false), { ...MODEL_WHAT_IF, causal: false });
  });

  it('offsets address the [layer][head][row][col] layout', () => {
    const heads = 3;
    const rows = 4;
    const cols = 2;
    const layers = 2;
    const a = Float32Array.from({ length: layers * heads * rows * cols }, (_, i) => i);
    let n = 0;
    for (let l = 0; l < layers; l++) {
      const [start, end] = layerSpan(heads, l, rows, cols);
      assert.deepStrictEqual([start, end], [n, n + heads * rows * cols]);
      for (let h = 0; h < heads; h++) {
        assert.strictEqual(offsetOfHead(heads, l, h, rows, cols), n);
        for (let r = 0; r < rows; r++, n += cols) assert.strictEqual(a[offsetOfRow(heads, l, h, r, rows, cols)], n);
      }
    }
  });

  it("the webview's JS recompute applies the same rules (mask, scale, temperature)", () => {
    const t = 3;
    const d = 4;
    const q = Float32Array.from({ length: t * d }, (_, i) => Math.sin(i + 1));
    const k = Float32Array.from({ length: t * d }, (_, i) => Math.cos(i * 0.7));
    const whatIf = { scale: true, temperature: 0.5, causal: true };
    const w = recomputeLayerJs(q, k, 1, t, d, whatIf);
    const mask = causalMaskData(t);
    for (let i = 0; i < t; i++) {
      const logits = Array.from({ length: t }, (_, j) => {
        let dot = 0;
        for (let x = 0; x < d; x++) dot += q[i * d + x] * k[j * d + x];
        return dot * logitFactor(d, whatIf) + mask[i * t + j];
      });
      const max = Math.max(...logits);
      const exps = logits.map((s) => Math.exp(s - max));
      const sum = exps.reduce((x, y) => x + y, 0);
      for (let j = 0; j < t; j++) assert.ok(Math.abs(w[i * t + j] - exps[j] / sum) < 1e-6, `${i},${j}`);
    }
  });
});
