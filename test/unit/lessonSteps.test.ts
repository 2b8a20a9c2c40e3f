import { parseModelConfig } from '../../src/engine/config';
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { loadTokenizer } from '../../src/engine/loadModel';
import { CODE_AT, LESSON_HEADS, LESSON_SAMPLES, LESSON_STEPS, REPEAT_AT, SENTENCE_AT, WALKTHROUGH_ID, lessonStep } from '../../src/lesson/lessonSteps';
import { bracketPairs } from '../../scripts/training/attentionFigures';
import { parseToWebview } from '../../src/shared/protocol';

const root = path.resolve(__dirname, '../..');
const modelDir = path.join(root, 'media', 'models', 'teaching');
const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>;

interface WalkthroughStep {
  id: string;
  description: string;
  media: { svg?: string; image?: string; altText: string };
  completionEvents?: string[];
}

/** The lesson step ids that the walkthrough's buttons (command links) pass, in order of appearance. */
function lessonLinks(markdown: string): string[] {
  return [...markdown.matchAll(/\(command:qkvLens\.lesson\?([^)]+)\)/g)].map((m) => {
    const args = JSON.parse(decodeURIComponent(m[1])) as unknown[];
    assert.strictEqual(args.length, 1, m[0]);
    return String(args[0]);
  });
}

describe('guided lesson', () => {
  const manifest = readJson('package.json') as { contributes: { walkthroughs: Array<{ id: string; steps: WalkthroughStep[] }> } };
  const walkthrough = manifest.contributes.walkthroughs.find((w) => w.id === WALKTHROUGH_ID);
  const en = readJson('package.nls.json') as Record<string, string>;
  const zh = readJson('package.nls.zh-cn.json') as Record<string, string>;
  const nlsKey = (v: string) => v.replace(/^%|%$/g, '');

  it('has a walkthrough whose buttons name only known lesson steps, the same in English and Chinese', () => {
    assert.ok(walkthrough, `no walkthrough ${WALKTHROUGH_ID} in package.json`);
    const used = new Set<string>();
    for (const step of walkthrough.steps) {
      const key = nlsKey(step.description);
      const linksEn = lessonLinks(en[key]);
      assert.deepStrictEqual(lessonLinks(zh[key]), linksEn, `${key}: the Chinese text must have the same buttons`);
      for (const id of linksEn) {
        assert.ok(lessonStep(id), `${key} links to unknown lesson step ${id}`);
        used.add(id);
      }
    }
    assert.deepStrictEqual([...used].sort(), Object.keys(LESSON_STEPS).sort(), 'every lesson step has a button');
  });

  it('completes each walkthrough step on a context key the lesson sets, and ships its media', () => {
    for (const step of walkthrough!.steps) {
      const file = step.media.svg ?? step.media.image;
      assert.ok(file && fs.existsSync(path.join(root, file)), `${step.id}: media ${file} is missing`);
      assert.ok(en[nlsKey(step.media.altText)] && zh[nlsKey(step.media.altText)], `${step.id}: alt text in both languages`);
      for (const event of step.completionEvents ?? []) {
        const m = /^onContext:qkvLens\.lesson\.(.+)$/.exec(event);
        if (m) assert.ok(lessonStep(m[1]), `${step.id}: completion event names unknown step ${m[1]}`);
      }
    }
  });

  it('keeps the walkthrough SVGs free of scripts, external references and inline styles (the walkthrough CSP drops those)', () => {
    for (const step of walkthrough!.steps) {
      if (!step.media.svg) continue;
      const svg = fs.readFileSync(path.join(root, step.media.svg), 'utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 520 \d+"/, step.media.svg);
      assert.doesNotMatch(svg, /<script|<style|\sstyle="|href="http|<image/i, step.media.svg);
    }
  });

  it('focuses the intended tokens: each index names the right token of its sample on the teaching model', () => {
    const tokenizer = loadTokenizer(modelDir);
    const config = parseModelConfig(JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')));
    const tokens = Object.fromEntries(
      Object.entries(LESSON_SAMPLES).map(([name, text]) => [name, tokenizer.encode(text, false).spans.map((s) => text.slice(s.start, s.end))]),
    ) as Record<keyof typeof LESSON_SAMPLES, string[]>;
    // Byte-level BPE: common words are one token (程序 among them, so 员 → 程序 is one edge).
    assert.deepStrictEqual(tokens.sentence, ['我', '来自', '福', '州', ',', '现在', '住', '在', '北', '京', ',', '是一个', '正', '值', '壮', '年', '的', '牛', '马', '程序', '员']);
    for (const [word, index] of Object.entries(SENTENCE_AT)) assert.strictEqual(tokens.sentence[index], word, `SENTENCE_AT.${word}`);
    // The bracket step's ) closes len( (its partner), with the ( of print( before it as the other candidate.
    assert.deepStrictEqual([CODE_AT.printOpen, CODE_AT.lenOpen, CODE_AT.lenClose].map((i) => tokens.code[i]), ['(', '(', ')']);
    assert.strictEqual(bracketPairs(tokens.code).find((p) => p.close === CODE_AT.lenClose)?.open, CODE_AT.lenOpen);
    // The induction step's query repeats a token seen once before (and not in between); its target follows that one.
    const { first, afterFirst, second } = REPEAT_AT;
    assert.ok(first < second && afterFirst === first + 1 && afterFirst < second, JSON.stringify(REPEAT_AT));
    assert.strictEqual(tokens.repeat[second], tokens.repeat[first], `${JSON.stringify(tokens.repeat)}: the query repeats token ${first}`);
    assert.strictEqual(tokens.repeat.slice(0, second).lastIndexOf(tokens.repeat[second]), first, 'the query\'s only earlier occurrence');
    assert.notStrictEqual(tokens.repeat[afterFirst], tokens.repeat[second - 1], 'the target is not just the previous token\'s twin');
    const expected: Record<string, { token?: string; key?: string }> = {
      sentence: { token: '员' },
      dot: { token: '员', key: '程序' },
      learned: { token: '员', key: '马' },
      three: { token: '员' },
      scale: { token: '员' },
      mask: { token: '来自' },
      'mask-off': { token: '来自' },
      heads: {},
      brackets: { token: ')' },
      induction: { token: tokens.repeat[first] },
      'train-start': { token: '员' },
      'train-end': { token: '员' },
      'train-lab': {},
    };
    assert.deepStrictEqual(Object.keys(expected).sort(), Object.keys(LESSON_STEPS).sort());
    for (const [id, step] of Object.entries(LESSON_STEPS)) {
      const list = tokens[step.sample];
      const { token, key, layer = 0, head = 0 } = step.panel;
      assert.strictEqual(token === undefined ? undefined : list[token], expected[id].token, `${id}: query token`);
      assert.strictEqual(key === undefined ? undefined : list[key], expected[id].key, `${id}: key token`);
      assert.ok(layer < config.layers && head < config.heads, `${id}: layer ${layer} head ${head}`);
      // What the panel receives passes the protocol's own validation.
      assert.deepStrictEqual(parseToWebview({ type: 'lesson', ...step.panel }), { type: 'lesson', ...step.panel }, id);
    }
    for (const [name, h] of Object.entries(LESSON_HEADS)) assert.ok(h.layer < config.layers && h.head < config.heads, `LESSON_HEADS.${name}`);
    // The steps open the heads LESSON_HEADS names, so the texts (checked in lessonFacts.test.ts) and the panel agree.
    const opens = (id: string) => [LESSON_STEPS[id].panel.layer, LESSON_STEPS[id].panel.head];
    for (const id of ['sentence', 'dot', 'learned', 'three', 'scale', 'train-start', 'train-end']) assert.deepStrictEqual(opens(id), [LESSON_HEADS.yuan.layer, LESSON_HEADS.yuan.head], id);
    assert.deepStrictEqual(opens('brackets'), [LESSON_HEADS.bracket.layer, LESSON_HEADS.bracket.head]);
    assert.deepStrictEqual(opens('induction'), [LESSON_HEADS.induction.layer, LESSON_HEADS.induction.head]);
  });

  it('runs the training step at the first checkpoint and every other step at the last', () => {
    for (const [id, step] of Object.entries(LESSON_STEPS)) assert.strictEqual(step.stage, id === 'train-start' ? 'first' : 'last', id);
    assert.strictEqual(lessonStep('__proto__'), undefined);
    assert.strictEqual(lessonStep(42), undefined);
  });
});
