/**
 * What every architecture implements, and the attention step they share: scores = q·kᵀ/√dk, the mask,
 * the softmax, and the weighted sum of values, with q, k, v, scores and weights captured per head.
 */
import * as tf from '@tensorflow/tfjs-core';
// Registers tensor.add(), .matMul()… (types and runtime) for the chained style used by every model.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import type { ModelConfig } from '../config';
import { WeightStore } from '../weights';

/** Per-layer captures, each [layers, heads, T, D] or [layers, heads, T, T], already read off the backend. */
export type ForwardCapture = {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  scores: Float32Array;
  weights: Float32Array;
};

export interface AttentionModel {
  readonly config: ModelConfig;
  /** Runs the model on token ids and returns every layer's attention internals. */
  forward(ids: number[]): ForwardCapture;
  dispose(): void;
}

/** Layer tensors captured during one forward pass, read off in one go at the end. */
export class CaptureCollector {
  private readonly parts: Record<keyof ForwardCapture, tf.Tensor[]> = { q: [], k: [], v: [], scores: [], weights: [] };
  add(part: keyof ForwardCapture, t: tf.Tensor): void {
    this.parts[part].push(t);
  }
  read(): ForwardCapture {
    // A fresh copy, never a view over backend memory: callers transfer these buffers to other threads.
    const read = (ts: tf.Tensor[]) => new Float32Array(tf.concat(ts.map((t) => t.reshape([-1]))).dataSync());
    return {
      q: read(this.parts.q),
      k: read(this.parts.k),
      v: read(this.parts.v),
      scores: read(this.parts.scores),
      weights: read(this.parts.weights),
    };
  }
}

/** [T, heads*D] → [heads, T, D] */
export function splitHeads(x: tf.Tensor2D, heads: number, headDim: number): tf.Tensor3D {
  const t = x.shape[0];
  return x.reshape([t, heads, headDim]).transpose([1, 0, 2]);
}

/** [heads, T, D] → [T, heads*D] */
export function mergeHeads(x: tf.Tensor3D): tf.Tensor2D {
  const [heads, t, d] = x.shape;
  return x.transpose([1, 0, 2]).reshape([t, heads * d]);
}

/** Repeats each key/value head for grouped-query attention: [kvHeads, T, D] → [kvHeads*groups, T, D]. */
export function repeatKv(x: tf.Tensor3D, groups: number): tf.Tensor3D {
  if (groups === 1) return x;
  const [kv, t, d] = x.shape;
  return x.expandDims(1).tile([1, groups, 1, 1]).reshape([kv * groups, t, d]);
}

/** Additive causal mask [T, T]: 0 on and below the diagonal, a large negative above it. */
export function causalMask(t: number): tf.Tensor2D {
  const data = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) data[i * t + j] = -1e9;
  return tf.tensor2d(data, [t, t]);
}

/** Scaled dot-product attention on [heads, T, D] tensors; captures everything and returns [T, heads*D]. */
export function attend(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, causal: boolean, capture: CaptureCollector): tf.Tensor2D {
  const headDim = q.shape[2];
  const scores = tf.matMul(q, k, false, true).mul(1 / Math.sqrt(headDim)) as tf.Tensor3D;
  const masked = causal ? scores.add(causalMask(q.shape[1])) : scores;
  const weights = tf.softmax(masked) as tf.Tensor3D;
  capture.add('q', q);
  capture.add('k', k);
  capture.add('v', v);
  capture.add('scores', scores);
  capture.add('weights', weights);
  return mergeHeads(tf.matMul(weights, v));
}

export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).div(variance.add(eps).sqrt()).mul(gamma).add(beta);
}

export function rmsNorm(x: tf.Tensor2D, weight: tf.Tensor1D, eps: number): tf.Tensor2D {
  return x.mul(x.square().mean(-1, true).add(eps).rsqrt()).mul(weight);
}

export function activation(name: string, x: tf.Tensor2D): tf.Tensor2D {
  switch (name) {
    case 'gelu_new':
    case 'gelu_pytorch_tanh':
    case 'gelu_fast': {
      const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
      return x.mul(0.5).mul(inner.tanh().add(1));
    }
    case 'gelu':
      return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
    case 'silu':
    case 'swish':
      return x.mul(x.sigmoid());
    case 'relu':
      return x.relu();
    default:
      throw new Error(`activation "${name}" is not supported`);
  }
}

/** Loads named weights into tensors (kept until dispose) and frees them all at once. */
export class TensorBag {
  private readonly tensors: tf.Tensor[] = [];
  constructor(private readonly store: WeightStore) {}
  has(name: string): boolean {
    return this.store.has(name);
  }
  load(name: string, expectedShape?: number[]): tf.Tensor {
    const { data, shape } = this.store.get(name, expectedShape);
    const t = tf.tensor(data, shape);
    this.tensors.push(t);
    return t;
  }
  /** HF nn.Linear stores [out, in]; transposed once here so the forward pass is a plain x·W. */
  linear(name: string, inFeatures: number, outFeatures: number): tf.Tensor2D {
    const { data } = this.store.get(name, [outFeatures, inFeatures]);
    const t = tf.tidy(() => tf.tensor2d(data, [outFeatures, inFeatures]).transpose());
    this.tensors.push(t);
    return t as tf.Tensor2D;
  }
  dispose(): void {
    tf.dispose(this.tensors);
    this.tensors.length = 0;
  }
}
