/**
 * The guided lesson quotes figures of the built-in teaching model (losses, vocabulary, weights of the
 * heads its buttons open) in English and Chinese, and draws 员's weights in training.svg. These tests
 * compute every such figure from the shipped model and check that the text and the picture say the
 * same: after the model is retrained, they fail until `npx tsx scripts/lesson/lessonFigures.ts` has
 * redrawn the picture and the text is brought up to date.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LESSON_STEPS } from '../../src/lesson/lessonSteps';
import { bracketPairs } from '../../scripts/training/attentionFigures';
import { LessonFacts, lessonFacts } from '../../scripts/lesson/lessonFacts';
import { TRAINING_SVG, trainingSvg } from '../../scripts/lesson/lessonFigures';

const ROOT = path.resolve(__dirname, '..', '..');
const LANGS = { en: 'package.nls.json', 'zh-cn': 'package.nls.zh-cn.json' } as const;
const texts = Object.fromEntries(Object.entries(LANGS).map(([lang, file]) => [lang, JSON.parse(fs.readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, string>]));

/** Every language's text under `key` contains every one of `needles`. */
function says(key: string, needles: string[]): void {
  for (const [lang, strings] of Object.entries(texts)) {
    const text = strings[key];
    assert.ok(text, `${lang}: ${key} exists`);
    for (const n of needles) assert.ok(text.includes(n), `${lang} ${key} should say ${JSON.stringify(n)} (the model's figure): ${text.slice(0, 160)}…`);
  }
}

describe('the guided lesson\'s figures match the built-in teaching model', function () {
  this.timeout(120_000);
  let facts: LessonFacts;

  before(async () => {
    await initWasmBackend(defaultWasmDir(path.join(ROOT, 'dist')));
    facts = lessonFacts();
  });

  it('training.svg draws 员\'s weights at every checkpoint as the model computes them', () => {
    assert.strictEqual(fs.readFileSync(TRAINING_SVG, 'utf8'), trainingSvg(facts), 'regenerate it: npx tsx scripts/lesson/lessonFigures.ts');
  });

  it('the model\'s size: layers, heads, width, dk', () => {
    assert.ok(texts.en['walkthrough.sentence.description'].includes(`${facts.layers} layers of ${facts.heads} heads`));
    assert.ok(texts['zh-cn']['walkthrough.sentence.description'].includes(`${facts.layers} 层`));
    assert.ok(texts['zh-cn']['walkthrough.sentence.description'].includes(`${facts.heads} 个头`));
    says('walkthrough.dot.description', [`dk = ${facts.headDim}`]);
    says('walkthrough.learned.description', [`${facts.width}`]);
    says('walkthrough.heads.description', [`${facts.heads}`, `${facts.headDim}`, `${facts.width}`]);
  });

  it('training: losses at the first and last checkpoint, the vocabulary, 员 from uniform to sharp', () => {
    const first = facts.checkpoints[0];
    const last = facts.checkpoints[facts.checkpoints.length - 1];
    const rows = facts.training.rows;
    const final = rows[rows.length - 1].top;
    // The lesson's point: at random initialisation 员 is within a hair of uniform, trained it is sharp.
    const uniform = 1 / rows[0].weights.length;
    assert.ok(rows[0].top.weight < 1.2 * uniform, `step 0: max ${rows[0].top.weight} vs uniform ${uniform}`);
    assert.ok(final.weight > 5 * uniform, `trained: max ${final.weight}`);
    says('walkthrough.training.description', [
      first.loss.toFixed(2), String(facts.vocab), Math.log(facts.vocab).toFixed(2), String(last.step), last.loss.toFixed(2),
      final.weight.toFixed(2), final.text, rows[0].top.weight.toFixed(3),
    ]);
    const middle = facts.checkpoints.slice(1, -1).map((c) => String(c.step));
    says('walkthrough.training.description', middle);
    says('walkthrough.training.alt', [...middle, final.weight.toFixed(2), final.text]);
    // The three-matrices step opens the same head and quotes the same weight.
    const three = LESSON_STEPS.three.panel;
    assert.deepStrictEqual([three.layer, three.head], [facts.training.layer, facts.training.head]);
    says('walkthrough.three.description', [final.weight.toFixed(2), final.text]);
  });

  it('heads: the bracket head sends the closing bracket back to its own opening one', () => {
    const { row, query, tokens } = facts.bracket;
    assert.strictEqual(tokens[query], ')');
    // Its partner: the `(` it closes.
    const partner = bracketPairs(tokens).find((p) => p.close === query)?.open ?? -1;
    assert.strictEqual(row.top.index, partner, `token ${query} attends most to ${row.top.index}, its partner is ${partner}`);
    says('walkthrough.heads.description', [row.top.weight.toFixed(2)]);
  });

  it('heads: the previous-token head (the training step\'s head) and its mean weight on the previous token', () => {
    const { layer, head } = facts.training;
    says('walkthrough.heads.description', [facts.meanOnPrevious(layer, head).toFixed(2), facts.training.rows[facts.training.rows.length - 1].top.weight.toFixed(2)]);
    assert.ok(texts.en['walkthrough.heads.description'].includes(`layer ${layer} head ${head} is a previous-token head`));
    assert.ok(texts['zh-cn']['walkthrough.heads.description'].includes(`第 ${layer} 层第 ${head} 个头是“前一个词元”头`));
  });
});
