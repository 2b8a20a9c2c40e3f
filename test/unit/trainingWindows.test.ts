// The teaching model's training windows (scripts/training/data.ts): copy-back windows and frequent tokens.
import * as assert from 'assert';
import { Stream, frequentTokens, sampleBatch } from '../../scripts/training/data';
import { Prng } from '../../scripts/training/prng';

function stream(): Stream {
  const rng = new Prng(5);
  const tokens = Int32Array.from({ length: 5000 }, () => rng.int(50));
  return { tokens, starts: Array.from({ length: 70 }, (_, i) => i * 64) };
}

describe('training windows', () => {
  it('lists the most frequent tokens first', () => {
    const s: Stream = { tokens: Int32Array.from([3, 1, 3, 2, 3, 1]), starts: [0] };
    assert.deepStrictEqual([...frequentTokens(s, 5, 3)], [3, 1, 2]);
  });

  it('copy-back windows repeat the token before the current one about half the time, from the alphabet only', () => {
    const alphabet = Int32Array.from([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26]);
    const t = 128;
    const b = sampleBatch(stream(), 16, t, new Prng(1), 0, 0, { fraction: 1, p: 0.5, alphabet });
    let copies = 0;
    let positions = 0;
    for (let row = 0; row < 16; row++) {
      for (let i = 0; i < t; i++) {
        const k = row * t + i;
        assert.ok(alphabet.includes(b.inputs[k]) && alphabet.includes(b.targets[k]), 'only alphabet tokens');
        if (i + 1 < t) assert.strictEqual(b.targets[k], b.inputs[k + 1], 'targets are the inputs shifted by one');
        if (i >= 1) {
          positions++;
          if (b.targets[k] === b.inputs[k - 1]) copies++;
        }
      }
    }
    // p = 0.5, plus a fresh draw that happens to match (1 in 20): expected 0.525.
    const rate = copies / positions;
    assert.ok(rate > 0.48 && rate < 0.57, `copy-back rate ${rate}`);
  });

  it('mixes copy-back rows into a batch at the given fraction, the other rows from the stream', () => {
    const rows = 64;
    const t = 32;
    const b = sampleBatch(stream(), rows, t, new Prng(3), 0.5, 0.5, { fraction: 0.5, p: 0.5, alphabet: Int32Array.from([100, 101]) });
    let copyRows = 0;
    for (let row = 0; row < rows; row++) {
      const ids = [...b.inputs.subarray(row * t, (row + 1) * t)];
      const fromAlphabet = ids.filter((id) => id >= 100).length;
      assert.ok(fromAlphabet === 0 || fromAlphabet === t, `row ${row} mixes the two kinds`);
      if (fromAlphabet === t) copyRows++;
    }
    assert.ok(copyRows >= 20 && copyRows <= 44, `${copyRows} of ${rows} rows are copy-back rows`);
  });
});
