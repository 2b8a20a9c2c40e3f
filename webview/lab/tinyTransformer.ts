/**
 * The training lab's model: a 1–2 layer attention-only transformer (token and learned position
 * embeddings, causal multi-head attention with residual connections, an unembedding) small enough to
 * train in front of the learner. tfjs-core only, so the same code trains on WebGL in the panel and on
 * the cpu or wasm backend in Node tests and benches (whichever backend is active). The embedding is a
 * one-hot matmul, not tf.gather: gather's gradient needs UnsortedSegmentSum, which wasm lacks.
 * Initial weights come from a seeded PRNG in JavaScript, so a seed gives the same model on every backend.
 */
import * as tf from '@tensorflow/tfjs-core';
// Training needs the gradients, which tfjs-core registers only on request (tfjs, the union package, does it).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { Prng } from '../../scripts/training/prng';
import type { Batch } from './toyTasks';

export interface LabConfig {
  layers: number;
  heads: number;
  /** Width of the residual stream. */
  dModel: number;
  /** Width of each head's q, k and v. */
  headDim: number;
  vocab: number;
  /** Tokens per sequence. */
  length: number;
  learningRate: number;
  seed: number;
}

export const DEFAULT_LAB_CONFIG: Omit<LabConfig, 'vocab' | 'seed'> = { layers: 1, heads: 2, dModel: 32, headDim: 16, length: 16, learningRate: 0.01 };

interface LayerParams {
  wq: tf.Variable;
  wk: tf.Variable;
  wv: tf.Variable;
  wo: tf.Variable;
}

/** A variable filled from the PRNG: N(0, std²). */
function normalVariable(rng: Prng, shape: number[], std: number, name: string): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.normal() * std;
  return tf.tidy(() => tf.variable(tf.tensor(values, shape), true, name));
}

let instances = 0;

export class TinyTransformer {
  readonly config: LabConfig;
  private readonly embed: tf.Variable;
  private readonly position: tf.Variable;
  private readonly layerParams: LayerParams[];
  private readonly unembed: tf.Variable;
  private readonly causalMask: tf.Tensor2D;
  private readonly optimizer: tf.Optimizer;
  private disposed = false;
  /** Steps trained so far. */
  steps = 0;

  constructor(config: LabConfig) {
    this.config = config;
    const { layers, heads, dModel, headDim, vocab, length } = config;
    const rng = new Prng(config.seed);
    // Variable names must be unique per tfjs engine: several labs (or tests) may live at once.
    const id = `lab${instances++}`;
    this.embed = normalVariable(rng, [vocab, dModel], 1, `${id}_embed`);
    this.position = normalVariable(rng, [length, dModel], 1, `${id}_position`);
    this.layerParams = Array.from({ length: layers }, (_, l) => ({
      wq: normalVariable(rng, [dModel, heads * headDim], 1 / Math.sqrt(dModel), `${id}_l${l}_wq`),
      wk: normalVariable(rng, [dModel, heads * headDim], 1 / Math.sqrt(dModel), `${id}_l${l}_wk`),
      wv: normalVariable(rng, [dModel, heads * headDim], 1 / Math.sqrt(dModel), `${id}_l${l}_wv`),
      wo: normalVariable(rng, [heads * headDim, dModel], 1 / Math.sqrt(heads * headDim), `${id}_l${l}_wo`),
    }));
    this.unembed = normalVariable(rng, [dModel, vocab], 1 / Math.sqrt(dModel), `${id}_unembed`);
    this.causalMask = tf.tidy(() => tf.mul(tf.sub(tf.linalg.bandPart(tf.ones([length, length]), -1, 0), 1), 1e9) as tf.Tensor2D);
    this.optimizer = tf.train.adam(config.learningRate);
  }

  private variables(): tf.Variable[] {
    return [this.embed, this.position, ...this.layerParams.flatMap((p) => [p.wq, p.wk, p.wv, p.wo]), this.unembed];
  }

  /** Logits [B·T, V] and each layer's attention [B, H, T, T]. Call inside tf.tidy. */
  private forward(inputs: tf.Tensor1D, batch: number): { logits: tf.Tensor2D; attention: tf.Tensor4D[] } {
    const { heads, headDim, dModel, vocab, length } = this.config;
    const oneHot = tf.cast(tf.oneHot(inputs, vocab), 'float32') as tf.Tensor2D;
    let x = tf.add(tf.reshape(tf.matMul(oneHot, this.embed), [batch, length, dModel]), this.position) as tf.Tensor3D;
    const attention: tf.Tensor4D[] = [];
    const split = (m: tf.Tensor2D) => tf.transpose(tf.reshape(m, [batch, length, heads, headDim]), [0, 2, 1, 3]) as tf.Tensor4D;
    for (const p of this.layerParams) {
      const flat = tf.reshape(x, [batch * length, dModel]) as tf.Tensor2D;
      const q = split(tf.matMul(flat, p.wq));
      const k = split(tf.matMul(flat, p.wk));
      const v = split(tf.matMul(flat, p.wv));
      const scores = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headDim)), this.causalMask);
      const w = tf.softmax(scores) as tf.Tensor4D;
      attention.push(w);
      const mixed = tf.reshape(tf.transpose(tf.matMul(w, v), [0, 2, 1, 3]), [batch * length, heads * headDim]) as tf.Tensor2D;
      x = tf.add(x, tf.reshape(tf.matMul(mixed, p.wo), [batch, length, dModel])) as tf.Tensor3D;
    }
    const logits = tf.matMul(tf.reshape(x, [batch * length, dModel]) as tf.Tensor2D, this.unembed as tf.Tensor2D) as tf.Tensor2D;
    return { logits, attention };
  }

  private lossOf(batch: Batch): tf.Scalar {
    const inputs = tf.tensor1d(batch.inputs, 'int32');
    const { logits } = this.forward(inputs, batch.batch);
    const target = tf.cast(tf.oneHot(tf.tensor1d(batch.targets, 'int32'), this.config.vocab), 'float32');
    const mask = tf.tensor1d(batch.mask);
    const nll = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), target), 1));
    return tf.div(tf.sum(tf.mul(nll, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
  }

  /** One Adam step on the batch; returns the loss before the step (nats per counted token). */
  step(batch: Batch): number {
    this.check(batch);
    const cost = this.optimizer.minimize(() => this.lossOf(batch), true, this.variables());
    this.steps++;
    const loss = cost ? cost.dataSync()[0] : NaN;
    cost?.dispose();
    return loss;
  }

  /** The loss on a batch without training. */
  loss(batch: Batch): number {
    this.check(batch);
    return tf.tidy(() => this.lossOf(batch).dataSync()[0]);
  }

  /** Attention of every layer and head on one sequence: [layer][head][query][key]. */
  attention(sequence: ArrayLike<number>): Float32Array {
    const { layers, heads, length } = this.config;
    if (sequence.length !== length) throw new Error(`the lab's model reads ${length} tokens, not ${sequence.length}`);
    return tf.tidy(() => {
      const { attention } = this.forward(tf.tensor1d(Int32Array.from(sequence), 'int32'), 1);
      const out = new Float32Array(layers * heads * length * length);
      attention.forEach((w, l) => out.set(w.dataSync(), l * heads * length * length));
      return out;
    });
  }

  /** Wq or Wk of one layer, head by head: [head][dModel][headDim]. */
  projection(layer: number, which: 'q' | 'k' | 'v'): Float32Array {
    const { heads, headDim, dModel } = this.config;
    const p = this.layerParams[layer];
    const m = which === 'q' ? p.wq : which === 'k' ? p.wk : p.wv;
    return tf.tidy(() => tf.transpose(tf.reshape(m, [dModel, heads, headDim]), [1, 0, 2]).dataSync() as Float32Array);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables()) v.dispose();
    this.causalMask.dispose();
    this.optimizer.dispose();
  }

  private check(batch: Batch): void {
    if (this.disposed) throw new Error('the lab model was disposed');
    if (batch.length !== this.config.length) throw new Error(`batch of ${batch.length}-token sequences for a ${this.config.length}-token model`);
  }
}

/**
 * For each layer × head, the mean weight each query gives the key the task says it should look at
 * (queries with no such key are skipped), over `count` sequences of `attention(…)` output.
 */
export function expectedKeyScores(attention: Float32Array[], sequences: Int32Array[], layers: number, heads: number, length: number, expectedKey: (inputs: ArrayLike<number>, offset: number, length: number, query: number) => number): number[] {
  const sums = new Array<number>(layers * heads).fill(0);
  let n = 0;
  attention.forEach((a, s) => {
    for (let q = 0; q < length; q++) {
      const k = expectedKey(sequences[s], 0, length, q);
      if (k < 0) continue;
      n++;
      for (let lh = 0; lh < layers * heads; lh++) sums[lh] += a[(lh * length + q) * length + k];
    }
  });
  return sums.map((s) => (n ? s / n : 0));
}
