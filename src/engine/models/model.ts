/**
 * What every architecture implements, and the attention step they share: scores = q·kᵀ/√dk, the mask,
 * the softmax, and the weighted sum of values, with q, k, v, scores and weights captured per head.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
// Registers tensor.add(), .matMul()… (types and runtime) for the chained style used by every model.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { causalMaskData, scoreScale } from '../../shared/attentionRules';
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

/**
 * Layer tensors captured during one forward pass, read off in one go at the end. Captured tensors are
 * kept out of tf.tidy (each layer runs in its own tidy, so its other tensors are freed as it ends) and
 * disposed by dispose().
 */
export class CaptureCollector {
  private readonly parts: Record<keyof ForwardCapture, tf.Tensor[]> = { q: [], k: [], v: [], scores: [], weights: [] };
  add(part: keyof ForwardCapture, t: tf.Tensor): void {
    this.parts[part].push(tf.keep(t));
  }
  dispose(): void {
    for (const ts of Object.values(this.parts)) {
      tf.dispose(ts);
      ts.length = 0;
    }
  }
  read(): ForwardCapture {
    // A fresh copy, never a view over backend memory: callers transfer these buffers to other threads.
    // Copied part by part into one array: no concat on the backend, and on wasm straight from its heap
    // (dataSync would copy each part into a buffer of its own first).
    const backend = tf.backend();
    const values = (t: tf.Tensor) => (backend instanceof BackendWasm ? backend.typedArrayFromHeap(t) : t.dataSync()) as Float32Array;
    const read = (ts: tf.Tensor[]) => {
      const out = new Float32Array(ts.reduce((n, t) => n + t.size, 0));
      let offset = 0;
      for (const t of ts) {
        out.set(values(t), offset);
        offset += t.size;
      }
      return out;
    };
    return {
      q: read(this.parts.q),
      k: read(this.parts.k),
      v: read(this.parts.v),
      scores: read(this.parts.scores),
      weights: read(this.parts.weights),
    };
  }
}

/**
 * Runs one forward pass inside tf.tidy and returns its captures. The captures are read inside the tidy
 * but not returned from it: tidy walks whatever it returns key by key, which for the megabytes of
 * Float32Array in a capture cost seconds (most of a GPT-2-small forward pass). Models should run each
 * layer in a tf.tidy of its own, so that a long input's intermediates do not pile up in the wasm heap.
 */
export function runCaptured(body: (capture: CaptureCollector) => void): ForwardCapture {
  const capture = new CaptureCollector();
  let result: ForwardCapture | undefined;
  try {
    tf.tidy(() => {
      body(capture);
      result = capture.read();
    });
  } finally {
    capture.dispose();
  }
  if (!result) throw new Error('the forward pass produced no captures');
  return result;
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

/** Additive causal mask [T, T] (src/shared/attentionRules.ts's rule). */
export function causalMask(t: number): tf.Tensor2D {
  return tf.tensor2d(causalMaskData(t), [t, t]);
}

/**
 * Below this many multiply-adds per head (T·T·D) one batched matmul is quicker; above it, per-head 2-D
 * matmuls are: tfjs's wasm backend hands only 2-D, untransposed matmuls to XNNPACK and runs batched or
 * transposed ones in a plain loop about 15x slower, but each extra op costs tens of microseconds.
 */
const PER_HEAD_MIN_WORK = 1 << 18;

/**
 * [heads, A, B] → one [A, B] tensor per head, through one read and fresh uploads: on the wasm backend,
 * slice copies its whole input for every slice and gather goes element by element, both far slower.
 */
function splitByHead(x: tf.Tensor3D): tf.Tensor2D[] {
  const [heads, a, b] = x.shape;
  const data = x.dataSync() as Float32Array;
  return Array.from({ length: heads }, (_, h) => tf.tensor2d(data.subarray(h * a * b, (h + 1) * a * b), [a, b]));
}

/** Scaled dot-product attention on [heads, T, D] tensors; captures everything and returns [T, heads*D]. */
export function attend(q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D, causal: boolean, capture: CaptureCollector): tf.Tensor2D {
  const [heads, t, headDim] = q.shape;
  const scale = scoreScale(headDim);
  const mask = causal ? causalMask(t) : undefined;
  capture.add('q', q);
  capture.add('k', k);
  capture.add('v', v);
  if (t * t * headDim < PER_HEAD_MIN_WORK) {
    const scores = tf.matMul(q, k, false, true).mul(scale) as tf.Tensor3D;
    const weights = tf.softmax(mask ? scores.add(mask) : scores) as tf.Tensor3D;
    capture.add('scores', scores);
    capture.add('weights', weights);
    return mergeHeads(tf.matMul(weights, v));
  }
  const qs = splitByHead(q);
  const kTs = splitByHead(k.transpose([0, 2, 1]) as tf.Tensor3D);
  const vs = splitByHead(v);
  const contexts: tf.Tensor2D[] = [];
  for (let h = 0; h < heads; h++) {
    const scores = tf.matMul(qs[h], kTs[h]).mul(scale) as tf.Tensor2D;
    const weights = tf.softmax(mask ? scores.add(mask) : scores) as tf.Tensor2D;
    // Added head by head, in order: the capture's layout is the same [layer][head][query][key].
    capture.add('scores', scores);
    capture.add('weights', weights);
    contexts.push(tf.matMul(weights, vs[h]));
  }
  return mergeHeads(tf.stack(contexts) as tf.Tensor3D);
}

/** x·W + b as one fused op (on wasm the bias is added inside XNNPACK's matmul). */
export function linear(x: tf.Tensor2D, w: tf.Tensor2D, b?: tf.Tensor1D): tf.Tensor2D {
  return tf.fused.matMul({ a: x, b: w, bias: b }) as tf.Tensor2D;
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
      // 0.5·x·(1 + tanh(u)) written as x·sigmoid(2u): the same function, and wasm's sigmoid and x·x·x
      // are vectorised where its tanh and pow are not (about 15x quicker together).
      const u = x.mul(x.square().mul(0.044715).add(1)).mul(2 * Math.sqrt(2 / Math.PI));
      return x.mul(u.sigmoid());
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
  /** A tensor cut into `parts` equal tensors along its last axis (e.g. GPT-2's fused q|k|v projection). */
  loadSplit(name: string, expectedShape: number[], parts: number): tf.Tensor[] {
    const { data, shape } = this.store.get(name, expectedShape);
    const last = shape[shape.length - 1];
    if (last % parts !== 0) throw new Error(`tensor "${name}": last dimension ${last} does not split into ${parts}`);
    const width = last / parts;
    const rows = data.length / last;
    return Array.from({ length: parts }, (_, p) => {
      const out = new Float32Array(rows * width);
      for (let r = 0; r < rows; r++) out.set(data.subarray(r * last + p * width, r * last + (p + 1) * width), r * width);
      const t = tf.tensor(out, [...shape.slice(0, -1), width]);
      this.tensors.push(t);
      return t;
    });
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
