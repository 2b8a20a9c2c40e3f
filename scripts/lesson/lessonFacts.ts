/**
 * The figures the guided lesson quotes (package.nls*.json, media/walkthrough/training.svg), computed from
 * the built-in teaching model with the same engine the extension runs. After retraining the model, run
 * `npx tsx scripts/lesson/lessonFigures.ts`: it rewrites training.svg and prints these figures so the
 * walkthrough's text can be brought up to date; test/unit/lessonFacts.test.ts fails until it is.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, attentionRow, headOffset } from '../../src/engine/trace';
import { LESSON_SAMPLES, LESSON_STEPS } from '../../src/lesson/lessonSteps';

export const TEACHING_DIR = path.resolve(__dirname, '..', '..', 'media', 'models', 'teaching');

export interface Checkpoint { step: number; file: string; loss: number }

/** One query's attention row on a head, with its largest weight. */
export interface Row { weights: number[]; top: { index: number; text: string; weight: number } }

export interface LessonFacts {
  vocab: number;
  layers: number;
  heads: number;
  headDim: number;
  width: number;
  checkpoints: Checkpoint[];
  /** 员 (the lesson's query) on the training step's head, at every checkpoint. */
  training: { layer: number; head: number; query: number; rows: Row[] };
  /** The closing bracket of the code sample on the bracket step's head (last checkpoint). */
  bracket: { layer: number; head: number; query: number; row: Row; tokens: string[] };
  /** Per head of the last checkpoint on the sentence: mean weight on each key over the queries that can see it. */
  meanOnKey: (layer: number, head: number, key: number) => number;
  /** Per head of the last checkpoint on the sentence: mean weight on the token just before the query. */
  meanOnPrevious: (layer: number, head: number) => number;
}

function row(trace: AttentionTrace, layer: number, head: number, query: number): Row {
  const weights = Array.from(attentionRow(trace, layer, head, query));
  let index = 0;
  weights.forEach((w, j) => {
    if (w > weights[index]) index = j;
  });
  return { weights, top: { index, text: trace.tokens[index].text, weight: weights[index] } };
}

export function lessonFacts(dir = TEACHING_DIR): LessonFacts {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    vocab_size: number; n_layer: number; n_head: number; n_embd: number; qkv_lens: { checkpoints: Checkpoint[] };
  };
  const checkpoints = config.qkv_lens.checkpoints.map(({ step, file, loss }) => ({ step, file, loss }));
  const train = LESSON_STEPS['train-end'].panel;
  const brackets = LESSON_STEPS.brackets.panel;
  const query = train.token ?? 0;
  const rows: Row[] = [];
  let last: AttentionTrace | undefined;
  let bracketRow: Row | undefined;
  let bracketTokens: string[] = [];
  for (const [i, c] of checkpoints.entries()) {
    const loaded = loadModelFromDir(dir, { weightsFile: c.file });
    try {
      const trace = runTrace(loaded, LESSON_SAMPLES.sentence);
      rows.push(row(trace, train.layer ?? 0, train.head ?? 0, query));
      if (i === checkpoints.length - 1) {
        last = trace;
        const code = runTrace(loaded, LESSON_SAMPLES.code);
        bracketRow = row(code, brackets.layer ?? 0, brackets.head ?? 0, brackets.token ?? 0);
        bracketTokens = code.tokens.map((tok) => tok.text);
      }
    } finally {
      loaded.model.dispose();
    }
  }
  if (!last || !bracketRow) throw new Error('the teaching model has no checkpoints');
  const final = last;
  const t = final.tokens.length;
  return {
    vocab: config.vocab_size, layers: config.n_layer, heads: config.n_head, headDim: config.n_embd / config.n_head, width: config.n_embd,
    checkpoints,
    training: { layer: train.layer ?? 0, head: train.head ?? 0, query, rows },
    bracket: { layer: brackets.layer ?? 0, head: brackets.head ?? 0, query: brackets.token ?? 0, row: bracketRow, tokens: bracketTokens },
    meanOnKey: (layer, head, key) => {
      const base = headOffset(final, layer, head, t, t);
      let sum = 0;
      for (let q = key; q < t; q++) sum += final.weights[base + q * t + key];
      return sum / (t - key);
    },
    meanOnPrevious: (layer, head) => {
      const base = headOffset(final, layer, head, t, t);
      let sum = 0;
      for (let q = 1; q < t; q++) sum += final.weights[base + q * t + q - 1];
      return sum / (t - 1);
    },
  };
}
