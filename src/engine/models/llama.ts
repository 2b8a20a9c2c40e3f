/** LLaMA / Qwen2 / Mistral (pre-RMSNorm decoder, RoPE with rotate_half, grouped-query attention, SwiGLU). */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config';
import type { WeightStore } from '../weights';
import { AttentionModel, ForwardCapture, TensorBag, activation, attend, repeatKv, rmsNorm, splitHeads, runCaptured } from './model';

interface Projection {
  w: tf.Tensor2D;
  b?: tf.Tensor1D;
}

interface LlamaLayer {
  inputNorm: tf.Tensor1D;
  q: Projection;
  k: Projection;
  v: Projection;
  o: Projection;
  postNorm: tf.Tensor1D;
  gate: Projection;
  up: Projection;
  down: Projection;
}

/** cos and sin tables [T, headDim] for positions 0..T-1, as transformers builds them (emb = cat(freqs, freqs)). */
export function ropeTables(t: number, headDim: number, theta: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const half = headDim / 2;
  const invFreq = new Float32Array(half);
  for (let i = 0; i < half; i++) invFreq[i] = 1 / Math.pow(theta, (2 * i) / headDim);
  const cos = new Float32Array(t * headDim);
  const sin = new Float32Array(t * headDim);
  for (let p = 0; p < t; p++) {
    for (let i = 0; i < half; i++) {
      const angle = Math.fround(p * invFreq[i]);
      cos[p * headDim + i] = cos[p * headDim + i + half] = Math.cos(angle);
      sin[p * headDim + i] = sin[p * headDim + i + half] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor2d(cos, [t, headDim]), sin: tf.tensor2d(sin, [t, headDim]) };
}

/** x·cos + rotate_half(x)·sin on [heads, T, D]. */
export function applyRope(x: tf.Tensor3D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor3D {
  const half = x.shape[2] / 2;
  const [x1, x2] = tf.split(x, [half, half], 2);
  const rotated = tf.concat([x2.neg(), x1], 2);
  return x.mul(cos).add(rotated.mul(sin));
}

export class LlamaModel implements AttentionModel {
  private readonly bag: TensorBag;
  private readonly embed: tf.Tensor2D;
  private readonly layers: LlamaLayer[] = [];

  constructor(readonly config: ModelConfig, store: WeightStore) {
    const { hidden: c, vocabSize, layers, intermediate, heads, kvHeads, headDim, attentionBias } = config;
    if (headDim % 2 !== 0) throw new Error(`RoPE needs an even head dimension, got ${headDim}`);
    this.bag = new TensorBag(store);
    const b = this.bag;
    const proj = (name: string, inF: number, outF: number, bias: boolean): Projection => {
      const w = b.linear(name + '.weight', inF, outF);
      return bias || b.has(name + '.bias') ? { w, b: b.load(name + '.bias', [outF]) as tf.Tensor1D } : { w };
    };
    try {
      this.embed = b.load('embed_tokens.weight', [vocabSize, c]) as tf.Tensor2D;
      for (let i = 0; i < layers; i++) {
        const p = `layers.${i}.`;
        this.layers.push({
          inputNorm: b.load(p + 'input_layernorm.weight', [c]) as tf.Tensor1D,
          q: proj(p + 'self_attn.q_proj', c, heads * headDim, attentionBias),
          k: proj(p + 'self_attn.k_proj', c, kvHeads * headDim, attentionBias),
          v: proj(p + 'self_attn.v_proj', c, kvHeads * headDim, attentionBias),
          o: proj(p + 'self_attn.o_proj', heads * headDim, c, false),
          postNorm: b.load(p + 'post_attention_layernorm.weight', [c]) as tf.Tensor1D,
          gate: proj(p + 'mlp.gate_proj', c, intermediate, false),
          up: proj(p + 'mlp.up_proj', c, intermediate, false),
          down: proj(p + 'mlp.down_proj', intermediate, c, false),
        });
      }
    } catch (err) {
      this.bag.dispose();
      throw err;
    }
  }

  forward(ids: number[]): ForwardCapture {
    const { heads, kvHeads, headDim, eps, ropeTheta, activation: act } = this.config;
    return runCaptured((capture) => {
      const { cos, sin } = ropeTables(ids.length, headDim, ropeTheta);
      const lin = (x: tf.Tensor2D, p: Projection) => (p.b ? x.matMul(p.w).add(p.b) : x.matMul(p.w)) as tf.Tensor2D;
      let x = tf.gather(this.embed, tf.tensor1d(ids, 'int32')) as tf.Tensor2D;
      this.layers.forEach((layer, i) => {
        // Each layer in its own tidy: its intermediates are freed before the next one starts.
        x = tf.tidy(() => {
          const h = rmsNorm(x, layer.inputNorm, eps);
          const q = applyRope(splitHeads(lin(h, layer.q), heads, headDim), cos, sin);
          const k = applyRope(splitHeads(lin(h, layer.k), kvHeads, headDim), cos, sin);
          const v = splitHeads(lin(h, layer.v), kvHeads, headDim);
          const groups = heads / kvHeads;
          const context = attend(q, repeatKv(k, groups), repeatKv(v, groups), true, capture);
          if (i === this.layers.length - 1) return x;
          x = x.add(lin(context, layer.o));
          const h2 = rmsNorm(x, layer.postNorm, eps);
          x = x.add(lin(activation(act, lin(h2, layer.gate)).mul(lin(h2, layer.up)) as tf.Tensor2D, layer.down));
          return x;
        });
      });
    });
  }

  dispose(): void {
    this.bag.dispose();
  }
}
