/**
 * The classic GPT-2 block in plain TensorFlow.js, for training the teaching model.
 *
 * Parameters use Hugging Face GPT-2 names (without the `transformer.` prefix) and layouts: Conv1D
 * weights are [in, out] (x @ W + b), c_attn is fused [n_embd, 3 * n_embd] with q, k, v in that order.
 * Pre-LN blocks, gelu_new, learned position embeddings, LM head tied to wte.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
// tfjs-core alone has no gradients registered: training needs them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { causalMaskData, scoreScale } from '../../src/shared/attentionRules';
import { Prng } from './prng';

export interface Gpt2Dims {
  vocab: number;
  positions: number;
  layers: number;
  heads: number;
  embd: number;
  eps: number;
}

export type Params = Map<string, tf.Variable>;
/** Weights for a forward pass only (trainable variables or plain tensors). */
export type Weights = ReadonlyMap<string, tf.Tensor>;

/** Every parameter name with its shape, in a fixed order. */
export function parameterShapes(d: Gpt2Dims): Array<[string, number[]]> {
  const c = d.embd;
  const out: Array<[string, number[]]> = [
    ['wte.weight', [d.vocab, c]],
    ['wpe.weight', [d.positions, c]],
  ];
  for (let i = 0; i < d.layers; i++) {
    const p = `h.${i}.`;
    out.push(
      [p + 'ln_1.weight', [c]],
      [p + 'ln_1.bias', [c]],
      [p + 'attn.c_attn.weight', [c, 3 * c]],
      [p + 'attn.c_attn.bias', [3 * c]],
      [p + 'attn.c_proj.weight', [c, c]],
      [p + 'attn.c_proj.bias', [c]],
      [p + 'ln_2.weight', [c]],
      [p + 'ln_2.bias', [c]],
      [p + 'mlp.c_fc.weight', [c, 4 * c]],
      [p + 'mlp.c_fc.bias', [4 * c]],
      [p + 'mlp.c_proj.weight', [4 * c, c]],
      [p + 'mlp.c_proj.bias', [c]],
    );
  }
  out.push(['ln_f.weight', [c]], ['ln_f.bias', [c]]);
  return out;
}

export function parameterCount(d: Gpt2Dims): number {
  return parameterShapes(d).reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
}

/** GPT-2's initialisation: N(0, 0.02) weights, residual projections scaled by 1/√(2·n_layer), zero biases, unit LayerNorm. */
export function initialWeights(d: Gpt2Dims, rng: Prng, positionInit: 'normal' | 'sinusoidal' = 'normal', positionScale = 0.02 * Math.SQRT2, positionBase = 10000): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of parameterShapes(d)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name === 'wpe.weight' && positionInit === 'sinusoidal') {
      // Learned position embeddings that start as the Transformer's sinusoids (amplitude positionScale):
      // a fixed offset (i → i-1) is then a linear map, so previous-token heads form in a short run.
      const scale = positionScale;
      for (let pos = 0; pos < d.positions; pos++) {
        for (let i = 0; i < d.embd; i += 2) {
          const angle = pos / positionBase ** (i / d.embd);
          data[pos * d.embd + i] = Math.sin(angle) * scale;
          if (i + 1 < d.embd) data[pos * d.embd + i + 1] = Math.cos(angle) * scale;
        }
      }
      for (let i = 0; i < n; i++) rng.normal(); // keep the random stream the same as with 'normal'
    } else if (/ln_\w+\.weight$/.test(name)) data.fill(1);
    else if (name.endsWith('.weight')) {
      const std = /c_proj\.weight$/.test(name) ? 0.02 / Math.sqrt(2 * d.layers) : 0.02;
      for (let i = 0; i < n; i++) data[i] = rng.normal() * std;
    }
    out.set(name, data);
  }
  return out;
}

export function toVariables(d: Gpt2Dims, weights: Map<string, Float32Array>): Params {
  const params: Params = new Map();
  for (const [name, shape] of parameterShapes(d)) {
    const data = weights.get(name);
    if (!data) throw new Error(`missing weight ${name}`);
    params.set(name, tf.variable(tf.tensor(data, shape), true, name));
  }
  return params;
}

/** Plain tensors for evaluation (not variables, so no name clashes with the trained ones). */
export function toTensors(d: Gpt2Dims, weights: Map<string, Float32Array>): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const [name, shape] of parameterShapes(d)) {
    const data = weights.get(name);
    if (!data) throw new Error(`missing weight ${name}`);
    out.set(name, tf.tensor(data, shape));
  }
  return out;
}

export function readWeights(params: Params): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of params) out.set(name, new Float32Array(v.dataSync()));
  return out;
}

function get(params: Weights, name: string): tf.Tensor {
  const v = params.get(name);
  if (!v) throw new Error(`missing parameter ${name}`);
  return v;
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x.sub(mean).mul(tf.rsqrt(variance.add(eps))).mul(g).add(b);
}

/** gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
function geluNew(x: tf.Tensor): tf.Tensor {
  const inner = x.add(x.pow(3).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(tf.tanh(inner).add(1));
}

/**
 * Embedding lookup whose gradient is a scatter-add (the wasm backend lacks UnsortedSegmentSum, which
 * tf.gather's own gradient needs; this is cheaper than a one-hot matmul).
 */
function embed(wte: tf.Tensor, ids: tf.Tensor1D): tf.Tensor {
  const column = ids.expandDims(1);
  const f = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [w, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
    save([column]);
    const shape = w.shape;
    return {
      value: tf.gather(w, ids),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.scatterND(saved[0], dy, shape),
    };
  });
  return f(wte);
}

/** Swaps the last two axes. */
function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return tf.transpose(x, perm);
}

/**
 * a @ b whose gradients are plain matmuls of explicitly transposed operands. The wasm backend's
 * matmul with transposeA / transposeB is 5-30x slower than without (measured: 0.4 vs 10 GFLOP/s),
 * and tf.matMul's own gradient uses those flags.
 */
export function mm(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [x, y, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([x, y]);
    return {
      value: tf.matMul(x, y),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.matMul(dy, swapLast(saved[1])), tf.matMul(swapLast(saved[0]), dy)],
    };
  });
  return f(a, b);
}

const masks = new Map<number, tf.Tensor2D>();
function causalMask(t: number): tf.Tensor2D {
  let m = masks.get(t);
  if (!m) {
    m = tf.keep(tf.tensor2d(causalMaskData(t), [t, t]));
    masks.set(t, m);
  }
  return m;
}

/** Logits [B·T, vocab] for a batch of token ids (row-major [B, T]). */
export function forwardLogits(params: Weights, d: Gpt2Dims, ids: Int32Array, batch: number, t: number): tf.Tensor2D {
  const c = d.embd;
  const hd = c / d.heads;
  const idT = tf.tensor1d(ids, 'int32');
  const tok = embed(get(params, 'wte.weight'), idT).reshape([batch, t, c]);
  let x: tf.Tensor = tok.add(get(params, 'wpe.weight').slice([0, 0], [t, c]));
  const mask = causalMask(t);
  for (let i = 0; i < d.layers; i++) {
    const p = `h.${i}.`;
    const h = layerNorm(x, get(params, p + 'ln_1.weight'), get(params, p + 'ln_1.bias'), d.eps).reshape([batch * t, c]);
    const qkv = mm(h, get(params, p + 'attn.c_attn.weight')).add(get(params, p + 'attn.c_attn.bias'));
    const heads = (part: number) => qkv.slice([0, part * c], [batch * t, c]).reshape([batch, t, d.heads, hd]).transpose([0, 2, 1, 3]);
    const q = heads(0);
    const k = heads(1);
    const v = heads(2);
    const scores = mm(q, swapLast(k)).mul(scoreScale(hd)).add(mask);
    const att = tf.softmax(scores);
    const ctx = mm(att, v).transpose([0, 2, 1, 3]).reshape([batch * t, c]);
    const attnOut = mm(ctx, get(params, p + 'attn.c_proj.weight')).add(get(params, p + 'attn.c_proj.bias'));
    x = x.add(attnOut.reshape([batch, t, c]));
    const h2 = layerNorm(x, get(params, p + 'ln_2.weight'), get(params, p + 'ln_2.bias'), d.eps).reshape([batch * t, c]);
    const up = geluNew(mm(h2, get(params, p + 'mlp.c_fc.weight')).add(get(params, p + 'mlp.c_fc.bias')));
    const down = mm(up, get(params, p + 'mlp.c_proj.weight')).add(get(params, p + 'mlp.c_proj.bias'));
    x = x.add(down.reshape([batch, t, c]));
  }
  const out = layerNorm(x, get(params, 'ln_f.weight'), get(params, 'ln_f.bias'), d.eps).reshape([batch * t, c]);
  return mm(out, swapLast(get(params, 'wte.weight'))) as tf.Tensor2D;
}

/**
 * Mean cross-entropy (nats per token) of predicting targets; positions whose target is < 0 are ignored.
 * Returns the mean and the number of counted tokens.
 */
export function crossEntropy(logits: tf.Tensor2D, targets: Int32Array, vocab: number): { loss: tf.Scalar; count: number } {
  const weights = new Float32Array(targets.length);
  const safe = new Int32Array(targets.length);
  let count = 0;
  for (let i = 0; i < targets.length; i++) {
    if (targets[i] >= 0) {
      weights[i] = 1;
      safe[i] = targets[i];
      count++;
    }
  }
  const logp = tf.logSoftmax(logits);
  const picked = logp.mul(tf.oneHot(tf.tensor1d(safe, 'int32'), vocab)).sum(1);
  const loss = picked.mul(tf.tensor1d(weights)).sum().div(-Math.max(count, 1)) as tf.Scalar;
  return { loss, count };
}

/** AdamW with bias correction; weight decay on matrices only. */
export class AdamW {
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();
  private t = 0;

  constructor(
    private readonly params: Params,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.98,
    private readonly epsilon = 1e-8,
    private readonly weightDecay = 0.01,
  ) {
    for (const [name, p] of params) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** Applies one step; clips the gradients to a global norm first and returns the norm before clipping. */
  apply(grads: Record<string, tf.Tensor>, lr: number, clip = 1.0): number {
    this.t++;
    const t = this.t;
    return tf.tidy(() => {
      const names = [...this.params.keys()];
      const sq = tf.addN(names.map((n) => tf.sum(tf.square(grads[n]))));
      const norm = Math.sqrt(sq.dataSync()[0]);
      const scale = norm > clip ? clip / norm : 1;
      const c1 = 1 - this.beta1 ** t;
      const c2 = 1 - this.beta2 ** t;
      for (const name of names) {
        const p = this.params.get(name) as tf.Variable;
        const m = this.m.get(name) as tf.Variable;
        const v = this.v.get(name) as tf.Variable;
        const g = grads[name].mul(scale);
        m.assign(m.mul(this.beta1).add(g.mul(1 - this.beta1)));
        v.assign(v.mul(this.beta2).add(g.square().mul(1 - this.beta2)));
        const update = m.div(c1).div(v.div(c2).sqrt().add(this.epsilon));
        const decay = p.shape.length === 2 ? p.mul(this.weightDecay) : tf.zerosLike(p);
        p.assign(p.sub(update.add(decay).mul(lr)));
      }
      return norm;
    });
  }
}
