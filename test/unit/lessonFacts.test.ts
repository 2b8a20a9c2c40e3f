/**
 * The guided lesson quotes figures of the built-in teaching model (size, losses, vocabulary, weights of the
 * heads its buttons open) in English and Chinese, and draws 员's weights in training.svg. These tests
 * compute every such figure from the shipped model, check that each head does what the lesson says it
 * does, and check that the text and the picture say the same: after the model is retrained, they fail
 * until `npx tsx scripts/lesson/lessonFigures.ts` has redrawn the picture and printed the new figures, and
 * src/lesson/lessonSteps.ts and the texts are brought up to date.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { HeadRef, LESSON_HEADS, LESSON_SAMPLES, LESSON_STEPS } from '../../src/lesson/lessonSteps';
import { LessonFacts, lessonFacts, scoreOf } from '../../scripts/lesson/lessonFacts';
import { TRAINING_SVG, trainingSvg } from '../../scripts/lesson/lessonFigures';

const ROOT = path.resolve(__dirname, '..', '..');
const LANGS = { en: 'package.nls.json', 'zh-cn': 'package.nls.zh-cn.json' } as const;
type Lang = keyof typeof LANGS;
const texts = Object.fromEntries(Object.entries(LANGS).map(([lang, file]) => [lang, JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, string>])) as Record<Lang, Record<string, string>>;

/** How each language names a head. */
const headName: Record<Lang, (h: HeadRef) => string> = {
  en: (h) => `layer ${h.layer} head ${h.head}`,
  'zh-cn': (h) => `第 ${h.layer} 层第 ${h.head} 个头`,
};

/** Every language's text under `key` contains every one of `needles` (a function: per language). */
function says(key: string, needles: Array<string | ((lang: Lang) => string)>): void {
  for (const [lang, strings] of Object.entries(texts) as Array<[Lang, Record<string, string>]>) {
    const text = strings[key];
    assert.ok(text, `${lang}: ${key} exists`);
    for (const needle of needles) {
      const n = typeof needle === 'string' ? needle : needle(lang);
      assert.ok(text.includes(n), `${lang} ${key} should say ${JSON.stringify(n)} (the model's figure): ${text.slice(0, 200)}…`);
    }
  }
}

const named = (h: HeadRef) => (lang: Lang) => headName[lang](h);
const same = (a: HeadRef, b: HeadRef) => a.layer === b.layer && a.head === b.head;
const at = (h: HeadRef) => `L${h.layer}H${h.head}`;

describe('the guided lesson\'s figures match the built-in teaching model', function () {
  this.timeout(300_000);
  let facts: LessonFacts;

  before(async () => {
    await initWasmBackend(defaultWasmDir(path.join(ROOT, 'dist')));
    facts = lessonFacts();
  });

  it('training.svg draws 员\'s weights at every checkpoint as the model computes them', () => {
    assert.strictEqual(fs.readFileSync(TRAINING_SVG, 'utf8'), trainingSvg(facts), 'regenerate it: npx tsx scripts/lesson/lessonFigures.ts');
  });

  it('the model\'s size: layers, heads, width, dk, and the sentence\'s tokens', () => {
    assert.ok(texts.en['walkthrough.sentence.description'].includes(`${facts.layers} layers of ${facts.heads} heads`));
    assert.ok(texts['zh-cn']['walkthrough.sentence.description'].includes(`${facts.layers} 层`));
    assert.ok(texts['zh-cn']['walkthrough.sentence.description'].includes(`${facts.heads} 个头`));
    const n = facts.sentenceTokens.length;
    says('walkthrough.sentence.title', [String(n)]);
    says('walkthrough.sentence.alt', [String(n)]);
    assert.ok(texts.en['walkthrough.sentence.description'].includes(`${n} tokens, numbered 0 to ${n - 1}`));
    assert.ok(texts['zh-cn']['walkthrough.sentence.description'].includes(`共 ${n} 个词元，编号 0 到 ${n - 1}`));
    says('walkthrough.dot.description', [`dk = ${facts.headDim}`]);
    says('walkthrough.learned.description', [`${facts.width}`]);
    says('walkthrough.scale.description', [`dk = ${facts.headDim}`, Math.sqrt(facts.headDim).toFixed(1)]);
    says('walkthrough.heads.description', [`${facts.heads}`, `${facts.headDim}`, `${facts.width}`]);
  });

  it('员 → 程序: the lesson\'s head is the one where 员 looks hardest at 程序, and the texts quote its weight', () => {
    assert.ok(same(LESSON_HEADS.yuan, facts.yuan.best), `员 → 程序 is strongest on ${at(facts.yuan.best)}, the lesson uses ${at(LESSON_HEADS.yuan)}`);
    const final = facts.training.rows[facts.training.rows.length - 1];
    assert.strictEqual(final.top.index, facts.training.key, `trained, 员 looks most at ${final.top.text}`);
    const three = LESSON_STEPS.three.panel;
    assert.deepStrictEqual([three.layer, three.head], [facts.training.layer, facts.training.head]);
    says('walkthrough.three.description', [final.top.weight.toFixed(2), named(LESSON_HEADS.yuan)]);
  });

  it('training: losses at the first and last checkpoint, the vocabulary, 员 on 程序 at every checkpoint', () => {
    const first = facts.checkpoints[0];
    const last = facts.checkpoints[facts.checkpoints.length - 1];
    const rows = facts.training.rows;
    const key = facts.training.key;
    // The lesson's point: at random initialisation 员 is within a hair of uniform, trained it is sharp.
    const uniform = 1 / (facts.training.query + 1);
    assert.ok(rows[0].top.weight < 1.3 * uniform, `step 0: max ${rows[0].top.weight} vs uniform ${uniform}`);
    assert.ok(rows[rows.length - 1].weights[key] > 5 * uniform, `trained: ${rows[rows.length - 1].weights[key]} on 程序`);
    says('walkthrough.training.description', [
      first.loss.toFixed(2), String(facts.vocab), Math.log(facts.vocab).toFixed(2), String(last.step), last.loss.toFixed(2),
      `1/${facts.training.query + 1}`, named(LESSON_HEADS.yuan),
    ]);
    // 员's weight on 程序 at every checkpoint, in the text and in the picture's description.
    const weights = rows.map((r) => r.weights[key].toFixed(2));
    says('walkthrough.training.description', weights);
    says('walkthrough.training.alt', weights);
    const middle = facts.checkpoints.slice(1, -1).map((c) => String(c.step));
    says('walkthrough.training.description', middle);
    says('walkthrough.training.alt', [...middle, String(first.step), String(last.step)]);
  });

  it('heads: the previous-token head, in an earlier layer than the induction head', () => {
    const p = LESSON_HEADS.previous;
    assert.ok(same(p, facts.previous.best), `the previous-token head on the sentence is ${at(facts.previous.best)}, the lesson names ${at(p)}`);
    // The text says it looks "mostly" at the previous token.
    assert.ok(scoreOf(facts.previous, p) >= 0.5, `${at(p)} gives the previous token ${scoreOf(facts.previous, p).toFixed(2)} on average over the sentence`);
    assert.ok(p.layer < LESSON_HEADS.induction.layer, `the induction step explains the induction head (${at(LESSON_HEADS.induction)}) by a previous-token head in an earlier layer, not ${at(p)}`);
    says('walkthrough.heads.description', [named(p), scoreOf(facts.previous, p).toFixed(2)]);
    says('walkthrough.induction.description', [named(p)]);
  });

  it('heads: the bracket head sends the closing bracket of the code sample back to its own opening one', () => {
    const { row, query, tokens, partner } = facts.bracket;
    assert.strictEqual(tokens[query], ')');
    assert.ok(partner >= 0);
    assert.strictEqual(row.top.index, partner, `token ${query} attends most to ${row.top.index} (${row.top.weight.toFixed(2)}), its partner is ${partner}`);
    says('walkthrough.heads.description', [named(LESSON_HEADS.bracket), row.top.weight.toFixed(2), LESSON_SAMPLES.code]);
  });

  it('induction: the head copies from context, on random words and on the lesson\'s repeated code', () => {
    const h = LESSON_HEADS.induction;
    const probe = facts.inductionProbe;
    assert.ok(same(h, probe.best), `the best induction head is ${at(probe.best)} (${probe.best.value.toFixed(2)}), the lesson names ${at(h)}`);
    // The bar for an induction head (the model test's): 0.4 on the token after the earlier occurrence.
    assert.ok(probe.best.value >= 0.4, `no induction head: the best, ${at(probe.best)}, gives ${probe.best.value.toFixed(2)} to the token after the earlier occurrence`);
    const { row, query, target, tokens } = facts.induction;
    assert.strictEqual(row.top.index, target, `from ${JSON.stringify(tokens[query])} (${query}) the head looks most at ${JSON.stringify(row.top.text)} (${row.top.index}), not at ${JSON.stringify(tokens[target])} (${target})`);
    says('walkthrough.induction.description', [named(h), row.top.weight.toFixed(2), scoreOf(probe, h).toFixed(2)]);
    says('walkthrough.heads.description', [named(h), scoreOf(probe, h).toFixed(2)]);
  });
});
