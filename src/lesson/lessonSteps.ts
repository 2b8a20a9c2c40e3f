/**
 * The guided lesson's steps (the walkthrough in package.json, texts in package.nls*.json): which text
 * each step analyses on the built-in teaching model, at which training checkpoint, and the panel state
 * it opens. No vscode here, so unit tests check every token index against the real tokenizer.
 */
import { MODEL_WHAT_IF } from '../shared/attentionRules';
import type { LessonState } from '../shared/protocol';

/** The walkthrough's id in package.json (`contributes.walkthroughs`). */
export const WALKTHROUGH_ID = 'qkvLens.lesson';

export const LESSON_SAMPLES = {
  /** 26 tokens on the teaching model, one per character; held out of its training data. */
  sentence: '我来自福州,现在住在北京,是一个正值壮年的牛马程序员',
  /** Lisp is in the training corpus: layer 0 head 0 sends the `)` of `(square x)` back to its `(`. */
  code: '(define (square x) (* x x))',
} as const;

export type LessonSample = keyof typeof LESSON_SAMPLES;

export interface LessonStep {
  sample: LessonSample;
  /** The training checkpoint: the first (random initialisation) or the last (trained). */
  stage: 'first' | 'last';
  panel: LessonState;
}

const MODEL = { ...MODEL_WHAT_IF };

/** Token indices in the sentence (one per character). */
const AT = { 来: 1, 程: 23, 序: 24, 员: 25 } as const;

export const LESSON_STEPS: Record<string, LessonStep> = {
  // The panel and the editor heatmap: 员 focused on the head that links it to 序, the character before it.
  sentence: { sample: 'sentence', stage: 'last', panel: { view: 'tokens', token: AT.员, layer: 0, head: 1, whatIf: MODEL } },
  // One query, one key, the dot product element by element.
  dot: { sample: 'sentence', stage: 'last', panel: { view: 'steps', token: AT.员, key: AT.序, layer: 0, head: 1, whatIf: MODEL } },
  // q = x·Wq: the query vector of 员 and the keys, computed for this input.
  learned: { sample: 'sentence', stage: 'last', panel: { view: 'steps', token: AT.员, key: AT.程, layer: 0, head: 1, whatIf: MODEL } },
  // Query → key lines: who looks at whom is not symmetric; values are what flows along the lines.
  three: { sample: 'sentence', stage: 'last', panel: { view: 'heads', token: AT.员, layer: 0, head: 1, whatIf: MODEL } },
  // √dk switched off: the matrix goes sharp (the saturation readout shows it).
  scale: { sample: 'sentence', stage: 'last', panel: { view: 'matrix', token: AT.员, layer: 0, head: 1, whatIf: { ...MODEL, scale: false } } },
  // The empty upper triangle of the causal mask.
  mask: { sample: 'sentence', stage: 'last', panel: { view: 'matrix', token: AT.来, layer: 0, head: 0, whatIf: MODEL } },
  // What-if: mask off, 来 suddenly sees the whole sentence.
  'mask-off': { sample: 'sentence', stage: 'last', panel: { view: 'matrix', token: AT.来, layer: 0, head: 0, whatIf: { ...MODEL, causal: false } } },
  // Every layer and head side by side.
  heads: { sample: 'sentence', stage: 'last', panel: { view: 'model', layer: 0, head: 0, whatIf: MODEL } },
  // The `)` of `(square x)` (token 5) of the code sample on the bracket head.
  brackets: { sample: 'code', stage: 'last', panel: { view: 'tokens', token: 5, layer: 0, head: 0, whatIf: MODEL } },
  // The same head and query at random initialisation and after training.
  'train-start': { sample: 'sentence', stage: 'first', panel: { view: 'tokens', token: AT.员, layer: 0, head: 1, whatIf: MODEL } },
  'train-end': { sample: 'sentence', stage: 'last', panel: { view: 'tokens', token: AT.员, layer: 0, head: 1, whatIf: MODEL } },
  // The training lab: a tiny model trains from random weights in the panel, and a head forms in front of the learner.
  'train-lab': { sample: 'sentence', stage: 'last', panel: { view: 'lab', whatIf: MODEL } },
};

export function lessonStep(id: unknown): LessonStep | undefined {
  return typeof id === 'string' && Object.prototype.hasOwnProperty.call(LESSON_STEPS, id) ? LESSON_STEPS[id] : undefined;
}
