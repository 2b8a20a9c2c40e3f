/**
 * Differential test: QKV Lens's token ids and ranges against Python `tokenizers` on every tokenizer family
 * (fixtures by scripts/make_tokenizer_fixtures.py), plus properties every tokenisation must have.
 * Allowed differences (README, "Token ranges"): a range that splits a grapheme cluster is widened to the
 * whole cluster; special tokens added by the post-processor have an empty range where they stand
 * (Python gives them (0, 0)).
 */
import * as assert from 'assert';
import { TextTokenizer } from '../../src/engine/tokenizer';
import type { TokenSpan } from '../../src/engine/trace';
import { fixtureTexts, tokenizerFamilies } from '../support/tokenizerFixtures';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Python's range widened to grapheme clusters ("\r\n" counts as two characters), as the README states. */
function widenToClusters(text: string, start: number, end: number): [number, number] {
  if (start >= end) return [start, end];
  let s = start;
  let e = end;
  for (const { segment, index } of segmenter.segment(text)) {
    const parts: Array<[number, number]> = segment === '\r\n' ? [[index, index + 1], [index + 1, index + 2]] : [[index, index + segment.length]];
    for (const [a, b] of parts) {
      if (a <= start && start < b) s = a;
      if (a < end && end <= b) e = b;
    }
  }
  return [s, e];
}

/** Characters a tokenizer may leave out of every range: whitespace, control / format characters, lone combining marks. */
const SKIPPABLE = /^[\p{White_Space}\p{Cc}\p{Cf}\p{M}]+$/u;

function checkProperties(text: string, spans: TokenSpan[]): string | null {
  let lastStart = 0;
  const covered = new Uint8Array(text.length);
  for (const s of spans) {
    if (s.special && s.start === s.end) continue;
    if (!(s.start >= 0 && s.end <= text.length && s.start <= s.end)) return `range [${s.start}, ${s.end}) is outside the text`;
    if (s.start < lastStart) return `range [${s.start}, ${s.end}) starts before the previous one (${lastStart})`;
    lastStart = s.start;
    // Partial tokens count: their range is the whole character they share with their neighbours.
    covered.fill(1, s.start, s.end);
  }
  for (const { segment, index } of segmenter.segment(text)) {
    if (covered[index] || SKIPPABLE.test(segment)) continue;
    return `"${segment}" at ${index} belongs to no token`;
  }
  return null;
}

describe('token ranges equal Python tokenizers for every tokenizer family', function () {
  this.timeout(120_000);
  const texts = fixtureTexts();
  const families = tokenizerFamilies();
  const summary: string[] = [];

  after(() => {
    if (summary.length) console.log(`      identical to Python tokenizers (${texts.length} texts each):\n` + summary.map((l) => `        ${l}`).join('\n'));
  });

  it('has fixtures for at least 20 families and a few hundred texts', () => {
    assert.ok(families.length >= 20, `${families.length} families`);
    assert.ok(texts.length >= 250, `${texts.length} texts`);
  });

  for (const family of families) {
    it(`${family.family}: same ids and ranges for every text (${family.description})`, () => {
      const tok = new TextTokenizer(family.tokenizer);
      assert.deepStrictEqual(tok.approximateComponents, [], 'every component is modelled exactly');
      // Python's trim_offsets (RoBERTa) moves the start of the first token after an added token found in the
      // text past its first character (the prefix space it trims was never in the text): reproduced, so the
      // coverage property is not asked of those texts.
      const trims = JSON.stringify(family.tokenizer.post_processor ?? null).includes('"trim_offsets":true');
      const added = ((family.tokenizer.added_tokens ?? []) as Array<{ content: string }>).map((t) => t.content);
      let identical = 0;
      let widened = 0;
      const failures: string[] = [];
      texts.forEach((text, i) => {
        const { ids, spans } = tok.encode(text);
        if (JSON.stringify(ids) !== JSON.stringify(family.ids[i])) {
          failures.push(`${JSON.stringify(text)}: ids ${JSON.stringify(ids)} != Python ${JSON.stringify(family.ids[i])}`);
          return;
        }
        let exact = true;
        for (let k = 0; k < spans.length; k++) {
          const s = spans[k];
          const [ps, pe] = [family.offsets[i][2 * k], family.offsets[i][2 * k + 1]];
          assert.ok(!s.approximate, 'no range is approximate');
          if (s.start === ps && s.end === pe) continue;
          if (s.special && s.start === s.end && ps === pe) continue; // policy: post-processor special tokens
          const [ws, we] = widenToClusters(text, ps, pe);
          if (s.start === ws && s.end === we) {
            exact = false;
            continue;
          }
          failures.push(`${JSON.stringify(text)}: token ${k} (id ${s.id}) has [${s.start}, ${s.end}), Python [${ps}, ${pe})`);
          return;
        }
        if (exact) identical++;
        else widened++;
        if (trims && added.some((a) => text.includes(a))) return;
        const problem = checkProperties(text, spans);
        if (problem) failures.push(`${JSON.stringify(text)}: ${problem}`);
      });
      summary.push(`${family.family.padEnd(26)} ${identical + widened}/${texts.length} (${widened} with a range widened to a grapheme cluster)`);
      assert.deepStrictEqual(failures.slice(0, 5), []);
    });
  }

  it('LLaMA-family Metaspace and legacy tokenizers put x, =, [ and 3 on their characters (the issue\'s example)', () => {
    const text = 'x = [1, 2, (3)]; // ok';
    for (const name of ['metaspace-first-nosplit', 'metaspace-always-split', 'sp-legacy']) {
      const family = families.find((f) => f.family === name);
      assert.ok(family, name);
      const { spans } = new TextTokenizer(family.tokenizer).encode(text);
      for (const ch of ['x', '=', '[', '3']) {
        const at = text.indexOf(ch);
        const owner = spans.filter((s) => !s.special && s.start <= at && at < s.end);
        assert.ok(owner.length >= 1, `${name}: ${ch} belongs to a token`);
        for (const s of owner) assert.ok(text.slice(s.start, s.end).includes(ch), `${name}: the token over ${ch} is "${text.slice(s.start, s.end)}"`);
      }
    }
  });

  it('byte-fallback tokens of an emoji all get the emoji, flagged partial; ▁ tokens get the space', () => {
    const family = families.find((f) => f.family === 'sp-legacy');
    assert.ok(family);
    const text = 'a 🐛';
    const { spans } = new TextTokenizer(family.tokenizer).encode(text);
    const bytes = spans.filter((s) => s.text === '🐛');
    assert.strictEqual(bytes.length, 4, JSON.stringify(spans)); // <0xF0> <0x9F> <0x90> <0x9B>
    const space = spans.find((s) => s.start === 1);
    assert.ok(space && text.slice(space.start, space.end).startsWith(' '), JSON.stringify(spans));
    for (const s of bytes) assert.deepStrictEqual([s.start, s.end, s.partial], [2, 4, true]);
  });

  it('a tokenizer with a component it cannot model exactly is still analysed, every token flagged approximate', () => {
    const family = families.find((f) => f.family === 'unigram');
    assert.ok(family);
    const json = { ...family.tokenizer, normalizer: { type: 'Precompiled', precompiled_charsmap: 'AAAA' } };
    let tok: TextTokenizer;
    try {
      tok = new TextTokenizer(json);
    } catch {
      // The tokenizer library itself may refuse a bogus charsmap; a supported normaliser type it does not know is the same case.
      tok = new TextTokenizer({ ...family.tokenizer, pre_tokenizer: { type: 'UnicodeScripts' } });
    }
    assert.ok(tok.approximateComponents.length > 0);
    const text = 'hello world';
    const { spans } = tok.encode(text);
    assert.ok(spans.length > 2);
    for (const s of spans) if (!s.special) assert.strictEqual(s.approximate, true);
    assert.strictEqual(checkProperties(text, spans), null);
  });
});
