/**
 * One run of the training lab: a task, a seeded model, the batches it trains on and the fixed
 * sequences it is measured on. The panel, the unit test and the bench all train through this class,
 * so "the head formed" means the same everywhere: on the evaluation sequences, the best head's mean
 * weight on the key the task says it should look at reaches FORMED_AT.
 */
import { Prng } from '../../scripts/training/prng';
import { DEFAULT_LAB_CONFIG, LabConfig, TinyTransformer, expectedKeyScores } from './tinyTransformer';
import { LabTask, TaskData, makeTask } from './toyTasks';

export const FORMED_AT = 0.8;
/** Sequences the heads are measured on (the first is the one the panel draws). */
export const EVAL_SEQUENCES = 8;
export const LAB_BATCH = 32;

/** Layers per task: one is enough to look one back; brackets and induction need a head that reads another's output. */
export const TASK_LAYERS: Record<LabTask, number> = { previous: 1, brackets: 2, induction: 2, selection: 1 };

export interface LabOptions {
  task: LabTask;
  seed: number;
  /** The learner's tokens, for the 'selection' task. */
  selection?: readonly string[];
  /** Overrides of the model's size and learning rate. */
  config?: Partial<Omit<LabConfig, 'vocab' | 'seed'>>;
}

export interface LabSnapshot {
  step: number;
  /** Losses so far, one per step. */
  losses: number[];
  /** The first evaluation sequence (ids) and its attention [layer][head][query][key]. */
  sequence: Int32Array;
  attention: Float32Array;
  /** Per layer × head: mean weight on the task's key over the evaluation sequences (empty for 'selection'). */
  scores: number[];
  best: { layer: number; head: number; score: number } | null;
  /** Step at which the best head first reached FORMED_AT (measured when a snapshot was taken). */
  formedAt: number | null;
}

export class LabSession {
  readonly task: TaskData;
  readonly model: TinyTransformer;
  readonly config: LabConfig;
  private readonly batches: Prng;
  readonly evalSequences: Int32Array[];
  readonly losses: number[] = [];
  formedAt: number | null = null;

  constructor(readonly options: LabOptions) {
    this.task = makeTask(options.task, options.selection);
    this.config = { ...DEFAULT_LAB_CONFIG, layers: TASK_LAYERS[options.task], ...options.config, vocab: this.task.vocab.length, seed: options.seed };
    this.model = new TinyTransformer(this.config);
    // Separate streams: the same seed gives the same model, batches and evaluation set.
    this.batches = new Prng(options.seed * 7919 + 1);
    const evalRng = new Prng(options.seed * 104729 + 2);
    this.evalSequences = Array.from({ length: EVAL_SEQUENCES }, () => this.task.sample(evalRng, 1, this.config.length).inputs);
  }

  get steps(): number {
    return this.model.steps;
  }

  /** One training step; returns its loss. */
  step(): number {
    const loss = this.model.step(this.task.sample(this.batches, LAB_BATCH, this.config.length));
    this.losses.push(loss);
    return loss;
  }

  /** Per layer × head: mean weight on the task's expected key over the evaluation sequences. */
  scores(): number[] {
    if (this.options.task === 'selection') return [];
    const { layers, heads, length } = this.config;
    return expectedKeyScores(this.evalSequences.map((s) => this.model.attention(s)), this.evalSequences, layers, heads, length, this.task.expectedKey);
  }

  snapshot(): LabSnapshot {
    const scores = this.scores();
    let best: LabSnapshot['best'] = null;
    scores.forEach((score, i) => {
      if (!best || score > best.score) best = { layer: Math.floor(i / this.config.heads), head: i % this.config.heads, score };
    });
    const top = best as LabSnapshot['best'];
    if (top && top.score >= FORMED_AT && this.formedAt === null) this.formedAt = this.steps;
    const sequence = this.evalSequences[0];
    return { step: this.steps, losses: this.losses, sequence, attention: this.model.attention(sequence), scores, best: top, formedAt: this.formedAt };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Trains until the task's head forms (checked every `every` steps) or `maxSteps`; returns the last snapshot. */
export function trainUntilFormed(session: LabSession, maxSteps: number, every = 10): LabSnapshot {
  let snap = session.snapshot();
  while (session.steps < maxSteps && snap.formedAt === null) {
    for (let i = 0; i < every && session.steps < maxSteps; i++) session.step();
    snap = session.snapshot();
  }
  return snap;
}
