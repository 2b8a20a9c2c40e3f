import * as assert from 'assert';
import { FLOAT16_RELATIVE_ERROR, float16Bits, fromFloat16, toFloat16 } from '../../src/shared/float16';

describe('float16 codec', () => {
  it('round-trips every half value exactly', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const values = fromFloat16(all);
    const back = toFloat16(values);
    for (let i = 0; i < 65536; i++) {
      if (Number.isNaN(values[i])) assert.ok(Number.isNaN(fromFloat16(back.subarray(i, i + 1))[0]));
      else assert.strictEqual(back[i], i, `bits ${i.toString(16)} → ${values[i]} → ${back[i].toString(16)}`);
    }
  });

  it('knows the values that matter', () => {
    assert.strictEqual(float16Bits(1), 0x3c00);
    assert.strictEqual(float16Bits(-2), 0xc000);
    assert.strictEqual(float16Bits(65504), 0x7bff);
    assert.strictEqual(float16Bits(65520), 0x7c00, 'rounds up to infinity');
    assert.strictEqual(float16Bits(1e9), 0x7c00);
    assert.strictEqual(float16Bits(2 ** -24), 0x0001, 'smallest subnormal');
    assert.strictEqual(float16Bits(2 ** -26), 0x0000, 'underflows to zero');
    assert.strictEqual(float16Bits(1 + 2 ** -11), 0x3c00, 'ties to even (down)');
    assert.strictEqual(float16Bits(1 + 3 * 2 ** -11), 0x3c02, 'ties to even (up)');
  });

  it('rounds to nearest: relative error at most 2^-11 in the normal range', () => {
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const x = new Float32Array(100_000).map(() => (rnd() - 0.5) * 2 ** (rnd() * 30 - 14));
    const y = fromFloat16(toFloat16(x));
    let worst = 0;
    for (let i = 0; i < x.length; i++) if (Math.abs(x[i]) >= 2 ** -14) worst = Math.max(worst, Math.abs(y[i] - x[i]) / Math.abs(x[i]));
    assert.ok(worst <= FLOAT16_RELATIVE_ERROR, `worst relative error ${worst}`);
    assert.ok(worst > FLOAT16_RELATIVE_ERROR / 2, 'the test reaches the bound');
  });
});
