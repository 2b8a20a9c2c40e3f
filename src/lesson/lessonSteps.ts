/**
 * The guided lesson's steps (the walkthrough in package.json, texts in package.nls*.json): which text
 * each step analyses on the built-in teaching model, at which training checkpoint, and the panel state
 * it opens. No vscode here, so unit tests check every token index against the real tokenizer, and
 * test/unit/lessonFacts.test.ts checks on the model that each head does what the lesson says it does.
 *
 * After the model is retrained: measure the heads (`npx tsx scripts/lesson/lessonFigures.ts` prints which
 * head does what), update LESSON_HEADS and the token indices here, then the figures in the texts.
 */
import { MODEL_WHAT_IF } from '../shared/attentionRules';
import type { LessonState } from '../shared/protocol';

/** The walkthrough's id in package.json (`contributes.walkthroughs`). */
export const WALKTHROUGH_ID = 'qkvLens.lesson';

export const LESSON_SAMPLES = {
  /** 21 tokens on the teaching model (程序 is one of them); held out of its training data. */
  sentence: '我来自福州,现在住在北京,是一个正值壮年的牛马程序员',
  /** Python, as in the training corpus: the bracket head sends the `)` of `len(names)` back to its own `(`, not to `print(`. */
  code: 'print(len(names), max(sizes))',
  /** The same expression twice: on its second ` price` the induction head looks at what followed the first. */
  repeat: 'total = price * count + tax\nprint(total, price * count + tax)',
} as const;

export type LessonSample = keyof typeof LESSON_SAMPLES;

/** The editor language each sample opens in (the code is highlighted as code). */
export const LESSON_SAMPLE_LANGUAGE: Record<LessonSample, string> = { sentence: 'plaintext', code: 'python', repeat: 'python' };

export interface LessonStep {
  sample: LessonSample;
  /** The training checkpoint: the first (random initialisation) or the last (trained). */
  stage: 'first' | 'last';
  panel: LessonState;
}

export interface HeadRef {
  layer: number;
  head: number;
}

/** Which head of the built-in model shows what, as measured on it (test/unit/lessonFacts.test.ts checks each). */
export const LESSON_HEADS = {
  /** Where 员 looks hardest at 程序 (the token just before it): the sentence, dot, three, scale and training steps. */
  yuan: { layer: 1, head: 3 },
  /** The head with the largest mean weight on the previous token over the sentence. */
  previous: { layer: 1, head: 3 },
  /** The head that, from the second occurrence of a token, looks at the token after the first occurrence. */
  induction: { layer: 2, head: 3 },
  /** The head that sends a closing bracket back to its own opening one. */
  bracket: { layer: 0, head: 3 },
  /** The matrix the mask steps show. */
  mask: { layer: 0, head: 0 },
} as const satisfies Record<string, HeadRef>;

/** Token indices in the sentence: 我 · 来自 · 福 · 州 · , · 现在 · … · 牛 · 马 · 程序 · 员. */
export const SENTENCE_AT = { 我: 0, 来自: 1, 马: 18, 程序: 19, 员: 20 } as const;
/** Token indices in the code sample: print · ( · len · ( · names · ) · , · max · ( · … · ) · ). */
export const CODE_AT = { printOpen: 1, lenOpen: 3, lenClose: 5 } as const;
/**
 * Token indices in the repeated sample: the query is the second ` price`; the token after the first ` price`
 * is the induction head's target (a word piece: ` pri` · `ce`, so the pattern continues a name seen once).
 */
export const REPEAT_AT = { first: 2, afterFirst: 3, second: 14 } as const;

const MODEL = { ...MODEL_WHAT_IF };
const on = (h: HeadRef) => ({ layer: h.layer, head: h.head });
const AT = SENTENCE_AT;

export const LESSON_STEPS: Record<string, LessonStep> = {
  // The panel and the editor heatmap: 员 focused on the head that links it to 程序, the token before it.
  sentence: { sample: 'sentence', stage: 'last', panel: { view: 'tokens', token: AT.员, ...on(LESSON_HEADS.yuan), whatIf: MODEL } },
  // One query, one key, the dot product element by element.
  dot: { sample: 'sentence', stage: 'last', panel: { view: 'steps', token: AT.员, key: AT.程序, ...on(LESSON_HEADS.yuan), whatIf: MODEL } },
  // q = x·Wq: the query vector of 员 and the keys, computed for this input (another key than the dot step's).
  learned: { sample: 'sentence', stage: 'last', panel: { view: 'steps', token: AT.员, key: AT.马, ...on(LESSON_HEADS.yuan), whatIf: MODEL } },
  // Query → key lines: who looks at whom is not symmetric; values are what flows along the lines.
  three: { sample: 'sentence', stage: 'last', panel: { view: 'heads', token: AT.员, ...on(LESSON_HEADS.yuan), whatIf: MODEL } },
  // √dk switched off: the matrix goes sharp (the saturation readout shows it).
  scale: { sample: 'sentence', stage: 'last', panel: { view: 'matrix', token: AT.员, ...on(LESSON_HEADS.yuan), whatIf: { ...MODEL, scale: false } } },
  // The empty upper triangle of the causal mask.
  mask: { sample: 'sentence', stage: 'last', panel: { view: 'matrix', token: AT.来自, ...on(LESSON_HEADS.mask), whatIf: MODEL } },
  // What-if: mask off, 来自 suddenly sees the whole sentence.
  'mask-off': { sample: 'sentence', stage: 'last', panel: { view: 'matrix', token: AT.来自, ...on(LESSON_HEADS.mask), whatIf: { ...MODEL, causal: false } } },
  // Every layer and head side by side.
  heads: { sample: 'sentence', stage: 'last', panel: { view: 'model', layer: 0, head: 0, whatIf: MODEL } },
  // The `)` of `len(names)` on the bracket head.
  brackets: { sample: 'code', stage: 'last', panel: { view: 'tokens', token: CODE_AT.lenClose, ...on(LESSON_HEADS.bracket), whatIf: MODEL } },
  // The second ` price` on the induction head: it looks at `ce`, what followed the first ` price`.
  induction: { sample: 'repeat', stage: 'last', panel: { view: 'tokens', token: REPEAT_AT.second, ...on(LESSON_HEADS.induction), whatIf: MODEL } },
  // The same head and query at random initialisation and after training.
  'train-start': { sample: 'sentence', stage: 'first', panel: { view: 'tokens', token: AT.员, ...on(LESSON_HEADS.yuan), whatIf: MODEL } },
  'train-end': { sample: 'sentence', stage: 'last', panel: { view: 'tokens', token: AT.员, ...on(LESSON_HEADS.yuan), whatIf: MODEL } },
    // The training lab: a tiny model trains from random weights in the panel, and a head forms in front of the learner.
    'train-lab': { sample: 'sentence', stage: 'last', panel: { view: 'lab', whatIf: MODEL } },
};

export function lessonStep(id: unknown): LessonStep | undefined {
  return typeof id === 'string' && Object.prototype.hasOwnProperty.call(LESSON_STEPS, id) ? LESSON_STEPS[id] : undefined;
}
