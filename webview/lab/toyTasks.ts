/**
 * The training lab's toy tasks: batches of token ids with the target at every position and which
 * positions count in the loss. Each task has one right attention pattern, so the learner knows what
 * to look for while the model trains. No DOM and no tfjs: Node tests and the webview share it.
 */
import { Prng } from '../../scripts/training/prng';

export const LAB_TASKS = ['previous', 'brackets', 'induction', 'selection'] as const;
export type LabTask = (typeof LAB_TASKS)[number];

export interface Batch {
  batch: number;
  length: number;
  /** [batch·length] token ids. */
  inputs: Int32Array;
  /** [batch·length] the id each position must predict. */
  targets: Int32Array;
  /** [batch·length] 1 where the prediction counts in the loss, else 0. */
  mask: Float32Array;
}

export interface TaskData {
  task: LabTask;
  /** How each id is shown. */
  vocab: string[];
  /** For each query position of a sequence, the key the right head attends to (-1: none), for the "formed" measure. */
  expectedKey(inputs: ArrayLike<number>, offset: number, length: number, query: number): number;
  sample(rng: Prng, batch: number, length: number): Batch;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');

function emptyBatch(batch: number, length: number): Batch {
  return { batch, length, inputs: new Int32Array(batch * length), targets: new Int32Array(batch * length), mask: new Float32Array(batch * length) };
}

/** Copy the previous token: random tokens, position i predicts token i−1. The right head looks one back. */
export function previousTokenTask(vocabSize = 16): TaskData {
  return {
    task: 'previous',
    vocab: LETTERS.slice(0, vocabSize),
    expectedKey: (_inputs, _offset, _length, query) => (query >= 1 ? query - 1 : -1),
    sample(rng, batch, length) {
      const b = emptyBatch(batch, length);
      for (let s = 0; s < batch; s++) {
        for (let i = 0; i < length; i++) b.inputs[s * length + i] = rng.int(vocabSize);
        for (let i = 1; i < length; i++) {
          b.targets[s * length + i] = b.inputs[s * length + i - 1];
          b.mask[s * length + i] = 1;
        }
      }
      return b;
    },
  };
}

/**
 * Match brackets: four kinds of opening bracket, one generic closer `⟩` and filler letters. At every
 * closer the model names the kind of bracket it closes, which only the matching opener tells.
 */
export function bracketTask(fillers = 6): TaskData {
  const OPEN = ['(', '[', '{', '<'];
  const CLOSE = [')', ']', '}', '>'];
  const CLOSER = OPEN.length * 2;
  const vocab = [...OPEN, ...CLOSE, '⟩', ...LETTERS.slice(0, fillers).map((c) => c.toLowerCase())];
  const matching = (inputs: ArrayLike<number>, offset: number, query: number): number => {
    const stack: number[] = [];
    for (let i = 0; i <= query; i++) {
      const id = inputs[offset + i];
      if (id < OPEN.length) stack.push(i);
      else if (id === CLOSER) {
        const open = stack.pop();
        if (i === query) return open ?? -1;
      }
    }
    return -1;
  };
  return {
    task: 'brackets',
    vocab,
    expectedKey: (inputs, offset, _length, query) => (inputs[offset + query] === CLOSER ? matching(inputs, offset, query) : -1),
    sample(rng, batch, length) {
      const b = emptyBatch(batch, length);
      for (let s = 0; s < batch; s++) {
        const stack: number[] = [];
        for (let i = 0; i < length; i++) {
          const left = length - i;
          const o = s * length + i;
          const r = rng.next();
          // Close when the open brackets need every remaining place, else open, close or fill.
          if (stack.length && (stack.length >= left || r < 0.35)) {
            const kind = stack.pop() as number;
            b.inputs[o] = CLOSER;
            b.targets[o] = OPEN.length + kind;
            b.mask[o] = 1;
          } else if (stack.length + 1 < left && r < 0.7) {
            const kind = rng.int(OPEN.length);
            stack.push(kind);
            b.inputs[o] = kind;
          } else {
            b.inputs[o] = CLOSER + 1 + rng.int(fillers);
          }
        }
      }
      return b;
    },
  };
}

/** The position after the latest earlier occurrence of the query's token (-1 if none, or if that is the query's own previous token). */
export function afterEarlierOccurrence(inputs: ArrayLike<number>, offset: number, query: number): number {
  for (let j = query - 1; j >= 0; j--) if (inputs[offset + j] === inputs[offset + query]) return j + 1 < query ? j + 1 : -1;
  return -1;
}

/**
 * Copy from context (induction): a span of 5–8 different tokens, repeated until the sequence is full.
 * From the first repeat on, each position predicts the next token, which it can only find after the
 * earlier occurrence of its own token (the span's length varies, so no fixed offset does it).
 */
export function inductionTask(vocabSize = 16): TaskData {
  return {
    task: 'induction',
    vocab: LETTERS.slice(0, vocabSize),
    expectedKey: (inputs, offset, _length, query) => afterEarlierOccurrence(inputs, offset, query),
    sample(rng, batch, length) {
      const b = emptyBatch(batch, length);
      for (let s = 0; s < batch; s++) {
        const span = Math.min(5 + rng.int(4), Math.floor(length / 2));
        const tokens = rng.shuffle(Array.from({ length: vocabSize }, (_, i) => i)).slice(0, span);
        for (let i = 0; i < length; i++) b.inputs[s * length + i] = tokens[i % span];
        for (let i = span; i < length - 1; i++) {
          b.targets[s * length + i] = b.inputs[s * length + i + 1];
          b.mask[s * length + i] = 1;
        }
      }
      return b;
    },
  };
}

/** Tokens kept from the learner's text at most: the rest share one "other" id. */
export const SELECTION_VOCAB = 31;

/**
 * The learner's own text as the corpus: next-token prediction on windows of it. Its most frequent
 * tokens keep their own id (the lab's model is tiny); no pattern is expected, so nothing is "formed".
 */
export function selectionTask(tokens: readonly string[]): TaskData {
  if (tokens.length < 4) throw new Error('the selection has fewer than 4 tokens: too little to learn from');
  const counts = new Map<string, number>();
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1);
  const kept = [...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, SELECTION_VOCAB).map(([t]) => t);
  const vocab = [...kept, '…'];
  const idOf = new Map(kept.map((t, i) => [t, i]));
  const ids = tokens.map((t) => idOf.get(t) ?? kept.length);
  return {
    task: 'selection',
    vocab,
    expectedKey: () => -1,
    sample(rng, batch, length) {
      const b = emptyBatch(batch, length);
      for (let s = 0; s < batch; s++) {
        const start = ids.length > length ? rng.int(ids.length - length) : 0;
        for (let i = 0; i < length; i++) {
          const at = start + i;
          b.inputs[s * length + i] = at < ids.length ? ids[at] : kept.length;
          if (at + 1 < ids.length) {
            b.targets[s * length + i] = ids[at + 1];
            b.mask[s * length + i] = 1;
          }
        }
      }
      return b;
    },
  };
}

export function makeTask(task: LabTask, selection: readonly string[] = []): TaskData {
  switch (task) {
    case 'previous':
      return previousTokenTask();
    case 'brackets':
      return bracketTask();
    case 'induction':
      return inductionTask();
    case 'selection':
      return selectionTask(selection);
  }
}
