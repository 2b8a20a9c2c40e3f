/** Token streams, training windows, held-out windows, the unigram baseline and loss evaluation. */
import * as tf from '@tensorflow/tfjs-core';
import { Gpt2Dims, Weights, crossEntropy, forwardLogits } from './model';
import { Prng } from './prng';

/** Documents joined into one stream, each followed by the end-of-text token; `starts` are where windows may begin. */
export interface Stream {
  tokens: Int32Array;
  starts: number[];
}

/** Windows begin at document starts, and every `stride` tokens inside long documents. */
export function packStream(docs: number[][], eos: number, stride: number): Stream {
  const total = docs.reduce((a, d) => a + d.length + 1, 0);
  const tokens = new Int32Array(total);
  const starts: number[] = [];
  let pos = 0;
  for (const d of docs) {
    for (let s = 0; s < d.length; s += stride) starts.push(pos + s);
    tokens.set(d, pos);
    pos += d.length;
    tokens[pos++] = eos;
  }
  return { tokens, starts };
}

export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
  batch: number;
  t: number;
}

/**
 * A batch of random windows of t+1 tokens (wrapping around the end of the stream). With `copyBack`, that
 * fraction of the rows are copy-back windows (see CopyBackWindows): they are what grows a previous-token head
 * in a short run. Of the other rows, `repeatFraction` are "repeat" windows: a span of 8-40 tokens from the
 * stream repeated until the window is full, or, for `pairFraction` of them, two consecutive tokens repeated
 * (a b a b …). Predicting the repeats rewards a head that finds where the current token occurred before (an
 * induction head). The rest are plain corpus text.
 */
export function sampleBatch(stream: Stream, batch: number, t: number, rng: Prng, repeatFraction = 0, pairFraction = 0, copyBack?: CopyBackWindows): Batch {
  const inputs = new Int32Array(batch * t);
  const targets = new Int32Array(batch * t);
  const n = stream.tokens.length;
  for (let b = 0; b < batch; b++) {
    if (copyBack && rng.next() < copyBack.fraction) {
      const seq = copyBackWindow(t + 1, copyBack, rng);
      inputs.set(seq.subarray(0, t), b * t);
      targets.set(seq.subarray(1), b * t);
      continue;
    }
    const s = stream.starts[rng.int(stream.starts.length)];
    const period = rng.next() < repeatFraction ? (rng.next() < pairFraction ? 2 : 8 + rng.int(33)) : t + 1;
    for (let i = 0; i < t; i++) {
      inputs[b * t + i] = stream.tokens[(s + (i % period)) % n];
      targets[b * t + i] = stream.tokens[(s + ((i + 1) % period)) % n];
    }
  }
  return { inputs, targets, batch, t };
}

/**
 * "Copy-back" windows: tokens drawn from `alphabet`, where each token from the third on repeats the one two
 * places before it with probability `p` (x[i+1] = x[i-1]). Only the previous position predicts those, so they
 * reward a previous-token head; scripts/training/sweep/RESULTS.md measures what they do.
 */
export interface CopyBackWindows {
  fraction: number;
  p: number;
  alphabet: Int32Array;
}

function copyBackWindow(length: number, w: CopyBackWindows, rng: Prng): Int32Array {
  const seq = new Int32Array(length);
  const pick = () => w.alphabet[rng.int(w.alphabet.length)];
  for (let i = 0; i < length; i++) seq[i] = i >= 2 && rng.next() < w.p ? seq[i - 2] : pick();
  return seq;
}

/** The `count` most frequent token ids of a stream, most frequent first. */
export function frequentTokens(stream: Stream, vocab: number, count: number): Int32Array {
  const counts = new Float64Array(vocab);
  for (const id of stream.tokens) counts[id]++;
  const ids = Array.from({ length: vocab }, (_, i) => i).sort((a, b) => counts[b] - counts[a] || a - b);
  return Int32Array.from(ids.slice(0, count));
}

/**
 * Consecutive windows over a stream so that every token but the first is predicted exactly once.
 * The last window is padded (inputs with `pad`, targets with -1, which the loss ignores).
 */
export function evalWindows(stream: Stream, t: number, pad: number): Batch[] {
  const n = stream.tokens.length;
  const windows: Array<{ inputs: Int32Array; targets: Int32Array }> = [];
  for (let s = 0; s + 1 < n; s += t) {
    const inputs = new Int32Array(t).fill(pad);
    const targets = new Int32Array(t).fill(-1);
    for (let i = 0; i < t && s + i + 1 < n; i++) {
      inputs[i] = stream.tokens[s + i];
      targets[i] = stream.tokens[s + i + 1];
    }
    windows.push({ inputs, targets });
  }
  const batches: Batch[] = [];
  const per = 16;
  for (let i = 0; i < windows.length; i += per) {
    const group = windows.slice(i, i + per);
    const inputs = new Int32Array(group.length * t);
    const targets = new Int32Array(group.length * t);
    group.forEach((w, j) => {
      inputs.set(w.inputs, j * t);
      targets.set(w.targets, j * t);
    });
    batches.push({ inputs, targets, batch: group.length, t });
  }
  return batches;
}

/** Mean cross-entropy (nats/token) of the model over the given batches. */
export function evaluateLoss(params: Weights, dims: Gpt2Dims, batches: Batch[]): number {
  let sum = 0;
  let count = 0;
  for (const b of batches) {
    const { loss, n } = tf.tidy(() => {
      const r = crossEntropy(forwardLogits(params, dims, b.inputs, b.batch, b.t), b.targets, dims.vocab);
      return { loss: r.loss.dataSync()[0], n: r.count };
    });
    sum += loss * n;
    count += n;
  }
  return sum / Math.max(count, 1);
}

/**
 * The unigram baseline: cross-entropy of the targets under token frequencies counted on the training
 * stream (add-one smoothing over the whole vocabulary).
 */
export function unigramLoss(train: Stream, vocab: number, batches: Batch[]): number {
  const counts = new Float64Array(vocab).fill(1);
  for (const id of train.tokens) counts[id]++;
  const total = counts.reduce((a, b) => a + b, 0);
  let sum = 0;
  let n = 0;
  for (const b of batches) {
    for (const id of b.targets) {
      if (id < 0) continue;
      sum -= Math.log(counts[id] / total);
      n++;
    }
  }
  return sum / Math.max(n, 1);
}
