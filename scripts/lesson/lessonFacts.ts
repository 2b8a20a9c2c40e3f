/**
 * The figures the guided lesson quotes (package.nls*.json, media/walkthrough/training.svg), computed from
 * the built-in teaching model with the same engine the extension runs, and with the head measures the model
 * card uses (scripts/training/headFigures.ts). After retraining the model, run
 * `npx tsx scripts/lesson/lessonFigures.ts`: it rewrites training.svg and prints these figures (and which head
 * does what) so that src/lesson/lessonSteps.ts and the walkthrough's text can be brought up to date;
 * test/unit/lessonFacts.test.ts fails until they are.
 */
import { parseModelConfig } from '../../src/engine/config';
import * as fs from 'fs';
import * as path from 'path';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, attentionRow } from '../../src/engine/trace';
import { CODE_AT, HeadRef, LESSON_SAMPLES, LESSON_STEPS, REPEAT_AT, SENTENCE_AT } from '../../src/lesson/lessonSteps';
import { bracketPairs } from '../training/attentionFigures';
import { HeadTable, inductionScores, pairRatios, previousTokenScores } from '../training/headFigures';

export const TEACHING_DIR = path.resolve(__dirname, '..', '..', 'media', 'models', 'teaching');
/** The random words of the induction probe (the model card's seed, so the two quote the same figure). */
export const INDUCTION_SEED = 20261204;

export interface Checkpoint {
  step: number;
  file: string;
  /** Held-out loss (nats per token) per held-out language, as the trainer measured it. */
  heldout: Record<string, number>;
  /** Their mean (config.json's `loss`, which the panel's training-stage list shows): the loss the lesson quotes. */
  loss: number;
}

/** One query's attention row on a head, with its largest weight (over the keys it may see). */
export interface Row { weights: number[]; top: { index: number; text: string; weight: number } }

export interface LessonFacts {
  vocab: number;
  layers: number;
  heads: number;
  headDim: number;
  width: number;
  /** The sentence as the teaching model's tokenizer splits it. */
  sentenceTokens: string[];
  checkpoints: Checkpoint[];
  /** 员 (the lesson's query) on the training step's head, at every checkpoint, and the index of 程序. */
  training: HeadRef & { query: number; key: number; rows: Row[] };
  /** The closing bracket of the code sample on the bracket step's head (last checkpoint). */
  bracket: HeadRef & { query: number; partner: number; row: Row; tokens: string[] };
  /** The second occurrence in the repeated sample on the induction step's head (last checkpoint). */
  induction: HeadRef & { query: number; target: number; row: Row; tokens: string[] };
  /** Last checkpoint: mean weight on the token after the earlier occurrence, random words repeated (seed INDUCTION_SEED). */
  inductionProbe: HeadTable;
  /** Last checkpoint: mean weight on the previous token over the sentence, per head. */
  previous: HeadTable;
  /** Last checkpoint: 员 → 程序 as a multiple of uniform, per head. */
  yuan: HeadTable;
  /** Last checkpoint, the mask step's matrix: 来自's row. */
  mask: HeadRef & { query: number; row: Row };
}

function row(trace: AttentionTrace, h: HeadRef, query: number): Row {
  const weights = Array.from(attentionRow(trace, h.layer, h.head, query));
  let index = 0;
  // Keys after the query are masked (weight 0): the top is over 0..query.
  for (let j = 1; j <= query; j++) if (weights[j] > weights[index]) index = j;
  return { weights, top: { index, text: trace.tokens[index].text, weight: weights[index] } };
}

const headOf = (step: string): HeadRef => {
  const { layer = 0, head = 0 } = LESSON_STEPS[step].panel;
  return { layer, head };
};

export function readCheckpoints(dir: string): Checkpoint[] {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
    qkv_lens: { checkpoints: Array<{ step: number; file: string; loss?: number; heldout_loss: Record<string, number> }> };
  };
  return config.qkv_lens.checkpoints.map(({ step, file, loss, heldout_loss }) => {
    const values = Object.values(heldout_loss);
    if (!values.length) throw new Error(`checkpoint ${step}: no held-out loss in config.json`);
    return { step, file, heldout: heldout_loss, loss: loss ?? values.reduce((a, b) => a + b, 0) / values.length };
  });
}

export function lessonFacts(dir = TEACHING_DIR): LessonFacts {
  const config = parseModelConfig(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
  const checkpoints = readCheckpoints(dir);
  const train = headOf('train-end');
  const rows: Row[] = [];
  let last: Omit<LessonFacts, 'vocab' | 'layers' | 'heads' | 'headDim' | 'width' | 'checkpoints' | 'training'> | undefined;
  for (const [i, c] of checkpoints.entries()) {
    const loaded = loadModelFromDir(dir, { weightsFile: c.file });
    try {
      const trace = runTrace(loaded, LESSON_SAMPLES.sentence);
      rows.push(row(trace, train, SENTENCE_AT.员));
      if (i === checkpoints.length - 1) last = finalFacts(loaded, trace);
    } finally {
      loaded.model.dispose();
    }
  }
  if (!last) throw new Error('the teaching model has no checkpoints');
  return {
    vocab: config.vocabSize, layers: config.layers, heads: config.heads, headDim: config.headDim, width: config.hidden,
    checkpoints,
    training: { ...train, query: SENTENCE_AT.员, key: SENTENCE_AT.程序, rows },
    ...last,
  };
}

/** The figures of the trained model (last checkpoint). */
function finalFacts(m: LoadedModel, sentence: AttentionTrace) {
  const code = runTrace(m, LESSON_SAMPLES.code);
  const codeTokens = code.tokens.map((t) => t.text);
  const brackets = headOf('brackets');
  const repeat = runTrace(m, LESSON_SAMPLES.repeat);
  const repeatTokens = repeat.tokens.map((t) => t.text);
  const induction = headOf('induction');
  const mask = headOf('mask');
  return {
    sentenceTokens: sentence.tokens.map((t) => t.text),
    bracket: {
      ...brackets, query: CODE_AT.lenClose, tokens: codeTokens, row: row(code, brackets, CODE_AT.lenClose),
      partner: bracketPairs(codeTokens).find((p) => p.close === CODE_AT.lenClose)?.open ?? -1,
    },
    induction: { ...induction, query: REPEAT_AT.second, target: REPEAT_AT.afterFirst, tokens: repeatTokens, row: row(repeat, induction, REPEAT_AT.second) },
    inductionProbe: inductionScores(m, INDUCTION_SEED),
    previous: previousTokenScores(m, [LESSON_SAMPLES.sentence]),
    yuan: pairRatios(m, LESSON_SAMPLES.sentence, '员', '程序'),
    mask: { ...mask, query: SENTENCE_AT.来自, row: row(sentence, mask, SENTENCE_AT.来自) },
  };
}

/** A head table's value for one head. */
export function scoreOf(table: HeadTable, h: HeadRef): number {
  const s = table.scores.find((x) => x.layer === h.layer && x.head === h.head);
  if (!s) throw new Error(`no head L${h.layer}H${h.head}`);
  return s.value;
}

