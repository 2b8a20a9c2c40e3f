/** GPT-2 (pre-LN decoder; Conv1D weights stored [in, out]; fused c_attn). */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config';
import type { WeightStore } from '../weights';
import { AttentionModel, ForwardCapture, TensorBag, activation, attend, layerNorm, linear, splitHeads, runCaptured } from './model';

interface Gpt2Layer {
  ln1: [tf.Tensor1D, tf.Tensor1D];
  /** c_attn cut into its q, k and v parts at load: three matmuls cost what one did, and no split per run. */
  qkvW: tf.Tensor2D[];
  qkvB: tf.Tensor1D[];
  projW: tf.Tensor2D;
  projB: tf.Tensor1D;
  ln2: [tf.Tensor1D, tf.Tensor1D];
  fcW: tf.Tensor2D;
  fcB: tf.Tensor1D;
  fcProjW: tf.Tensor2D;
  fcProjB: tf.Tensor1D;
}

export class Gpt2Model implements AttentionModel {
  private readonly bag: TensorBag;
  private readonly wte: tf.Tensor2D;
  /** Position embeddings kept in JS too: the first T rows upload quicker than wasm's slice copies. */
  private readonly wpe: Float32Array;
  private readonly layers: Gpt2Layer[] = [];

  constructor(readonly config: ModelConfig, store: WeightStore) {
    const { hidden: c, vocabSize, maxPositions, layers, intermediate } = config;
    this.bag = new TensorBag(store);
    const b = this.bag;
    try {
      this.wte = b.load('wte.weight', [vocabSize, c]) as tf.Tensor2D;
      this.wpe = b.load('wpe.weight', [maxPositions, c]).dataSync() as Float32Array;
      for (let i = 0; i < layers; i++) {
        const p = `h.${i}.`;
        this.layers.push({
          ln1: [b.load(p + 'ln_1.weight', [c]) as tf.Tensor1D, b.load(p + 'ln_1.bias', [c]) as tf.Tensor1D],
          qkvW: b.loadSplit(p + 'attn.c_attn.weight', [c, 3 * c], 3) as tf.Tensor2D[],
          qkvB: b.loadSplit(p + 'attn.c_attn.bias', [3 * c], 3) as tf.Tensor1D[],
          projW: b.load(p + 'attn.c_proj.weight', [c, c]) as tf.Tensor2D,
          projB: b.load(p + 'attn.c_proj.bias', [c]) as tf.Tensor1D,
          ln2: [b.load(p + 'ln_2.weight', [c]) as tf.Tensor1D, b.load(p + 'ln_2.bias', [c]) as tf.Tensor1D],
          fcW: b.load(p + 'mlp.c_fc.weight', [c, intermediate]) as tf.Tensor2D,
          fcB: b.load(p + 'mlp.c_fc.bias', [intermediate]) as tf.Tensor1D,
          fcProjW: b.load(p + 'mlp.c_proj.weight', [intermediate, c]) as tf.Tensor2D,
          fcProjB: b.load(p + 'mlp.c_proj.bias', [c]) as tf.Tensor1D,
        });
      }
    } catch (err) {
      this.bag.dispose();
      throw err;
    }
  }

  forward(ids: number[]): ForwardCapture {
    const { heads, headDim, hidden, eps, activation: act } = this.config;
    return runCaptured((capture) => {
      const t = ids.length;
      let x = tf.gather(this.wte, tf.tensor1d(ids, 'int32')).add(tf.tensor2d(this.wpe.subarray(0, t * hidden), [t, hidden])) as tf.Tensor2D;
      this.layers.forEach((layer, i) => {
        // Each layer in its own tidy: its intermediates are freed before the next one starts.
        x = tf.tidy(() => {
          const h = layerNorm(x, layer.ln1[0], layer.ln1[1], eps);
          const [q, k, v] = layer.qkvW.map((w, j) => splitHeads(linear(h, w, layer.qkvB[j]), heads, headDim));
          const context = attend(q, k, v, true, capture);
          // The last layer's MLP does not change any attention: skip it.
          if (i === this.layers.length - 1) return x;
          x = x.add(linear(context, layer.projW, layer.projB));
          const m = activation(act, linear(layerNorm(x, layer.ln2[0], layer.ln2[1], eps), layer.fcW, layer.fcB));
          x = x.add(linear(m, layer.fcProjW, layer.fcProjB));
          return x;
        });
      });
    });
  }

  dispose(): void {
    this.bag.dispose();
  }
}
