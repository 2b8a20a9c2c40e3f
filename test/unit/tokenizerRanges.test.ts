import * as assert from 'assert';
import { TextTokenizer, TokenizerError } from '../../src/engine/tokenizer';
import { SAMPLE_CODE, SAMPLE_ZH, byteLevelTokenizerJson, wordPieceTokenizerJson } from '../support/randomModel';

/** A GPT-2-style byte-level BPE with no merges: every UTF-8 byte is its own token. */
function byteLevelTokenizer(): TextTokenizer {
  return new TextTokenizer(byteLevelTokenizerJson());
}

function assertRangesCover(text: string, spans: Array<{ text: string; start: number; end: number; special: boolean; partial?: boolean }>): void {
  let last = 0;
  for (const s of spans) {
    assert.ok(s.start >= 0 && s.end <= text.length && s.start <= s.end, `range [${s.start}, ${s.end}) inside the text`);
    assert.ok(s.start >= last || s.partial, `ranges move forward (${s.start} after ${last})`);
    if (!s.special) assert.strictEqual(s.text, text.slice(s.start, s.end));
    last = s.partial ? s.start : s.end;
  }
}

describe('tokenizer ranges', () => {
  const wordPiece = new TextTokenizer(wordPieceTokenizerJson(['def', 'add', 'return', ...SAMPLE_ZH.split(''), ...'abr():+'.split('')]));

  it('gives one token per Chinese character with its exact range', () => {
    const { spans } = wordPiece.encode(SAMPLE_ZH);
    assert.strictEqual(spans.length, SAMPLE_ZH.length);
    spans.forEach((s, i) => {
      assert.strictEqual(s.start, i);
      assert.strictEqual(s.end, i + 1);
      assert.strictEqual(s.text, SAMPLE_ZH[i]);
    });
  });

  it('maps words, brackets and newlines in code', () => {
    const { spans } = wordPiece.encode(SAMPLE_CODE);
    assert.deepStrictEqual(spans.slice(0, 4).map((s) => [s.text, s.start, s.end]), [['def', 0, 3], ['add', 4, 7], ['(', 7, 8], ['a', 8, 9]]);
    assertRangesCover(SAMPLE_CODE, spans);
    const close = spans.filter((s) => s.text === ')');
    assert.deepStrictEqual(close.map((s) => s.start), [12, SAMPLE_CODE.length - 1]);
  });

  it('gives an unknown word the range of the word', () => {
    const text = '我 zzz 来';
    const { spans } = wordPiece.encode(text);
    const unk = spans.find((s) => s.id === 0);
    assert.ok(unk);
    assert.deepStrictEqual([unk.start, unk.end], [2, 5]);
  });

  it('keeps UTF-16 ranges right after emoji (surrogate pairs) and CRLF', () => {
    const text = '😀程序\r\n员';
    const { spans } = wordPiece.encode(text);
    const byText = new Map(spans.map((s) => [s.text, s]));
    assert.strictEqual(byText.get('程')?.start, 2);
    assert.strictEqual(byText.get('员')?.start, 6);
  });

  it('byte-level: a Chinese character split over several byte tokens maps each to the whole character', () => {
    const tok = byteLevelTokenizer();
    const text = 'a程b';
    const { spans, ids } = tok.encode(text);
    assert.strictEqual(ids.length, 5); // a, 3 bytes of 程, b
    assert.deepStrictEqual(spans.map((s) => [s.start, s.end, s.partial === true]), [[0, 1, false], [1, 2, true], [1, 2, true], [1, 2, true], [2, 3, false]]);
  });

  it('byte-level: combining marks, emoji, right-to-left text and CRLF land on the right characters', () => {
    const tok = byteLevelTokenizer();
    const text = 'e\u0301 👍🏽 שלום\r\nx';
    const { spans } = tok.encode(text);
    assertRangesCover(text, spans);
    assert.strictEqual(spans.at(-1)?.start, text.length - 1);
    const covered = new Set<number>();
    for (const s of spans) for (let i = s.start; i < s.end; i++) covered.add(i);
    assert.strictEqual(covered.size, text.length, 'every character belongs to some token');
  });

  it('rejects a tokenizer.json without a model', () => {
    assert.throws(() => new TextTokenizer({ version: '1.0' }), TokenizerError);
    assert.throws(() => new TextTokenizer(null), TokenizerError);
  });
});
