/** BERT (post-LN encoder, no causal mask, absolute positions + token types). */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../config';
import type { WeightStore } from '../weights';
import { AttentionModel, ForwardCapture, TensorBag, activation, attend, layerNorm, splitHeads, runCaptured } from './model';

interface BertLayer {
  q: [tf.Tensor2D, tf.Tensor1D];
  k: [tf.Tensor2D, tf.Tensor1D];
  v: [tf.Tensor2D, tf.Tensor1D];
  out: [tf.Tensor2D, tf.Tensor1D];
  ln1: [tf.Tensor1D, tf.Tensor1D];
  up: [tf.Tensor2D, tf.Tensor1D];
  down: [tf.Tensor2D, tf.Tensor1D];
  ln2: [tf.Tensor1D, tf.Tensor1D];
}

export class BertModel implements AttentionModel {
  private readonly bag: TensorBag;
  private readonly words: tf.Tensor2D;
  private readonly positions: tf.Tensor2D;
  private readonly tokenType: tf.Tensor2D;
  private readonly embLn: [tf.Tensor1D, tf.Tensor1D];
  private readonly layers: BertLayer[] = [];

  constructor(readonly config: ModelConfig, store: WeightStore) {
    const { hidden: c, vocabSize, maxPositions, layers, intermediate, typeVocabSize } = config;
    this.bag = new TensorBag(store);
    const b = this.bag;
    const dense = (name: string, inF: number, outF: number): [tf.Tensor2D, tf.Tensor1D] => [b.linear(name + '.weight', inF, outF), b.load(name + '.bias', [outF]) as tf.Tensor1D];
    const norm = (name: string): [tf.Tensor1D, tf.Tensor1D] => [b.load(name + '.weight', [c]) as tf.Tensor1D, b.load(name + '.bias', [c]) as tf.Tensor1D];
    try {
      this.words = b.load('embeddings.word_embeddings.weight', [vocabSize, c]) as tf.Tensor2D;
      this.positions = b.load('embeddings.position_embeddings.weight', [maxPositions, c]) as tf.Tensor2D;
      this.tokenType = b.load('embeddings.token_type_embeddings.weight', [typeVocabSize, c]) as tf.Tensor2D;
      this.embLn = norm('embeddings.LayerNorm');
      for (let i = 0; i < layers; i++) {
        const p = `encoder.layer.${i}.`;
        this.layers.push({
          q: dense(p + 'attention.self.query', c, c),
          k: dense(p + 'attention.self.key', c, c),
          v: dense(p + 'attention.self.value', c, c),
          out: dense(p + 'attention.output.dense', c, c),
          ln1: norm(p + 'attention.output.LayerNorm'),
          up: dense(p + 'intermediate.dense', c, intermediate),
          down: dense(p + 'output.dense', intermediate, c),
          ln2: norm(p + 'output.LayerNorm'),
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
      const lin = (x: tf.Tensor2D, [w, bias]: [tf.Tensor2D, tf.Tensor1D]) => x.matMul(w).add(bias) as tf.Tensor2D;
      const emb = tf.gather(this.words, tf.tensor1d(ids, 'int32')).add(this.positions.slice([0, 0], [t, hidden])).add(this.tokenType.slice([0, 0], [1, hidden])) as tf.Tensor2D;
      let x = layerNorm(emb, this.embLn[0], this.embLn[1], eps);
      this.layers.forEach((layer, i) => {
        // Each layer in its own tidy: its intermediates are freed before the next one starts.
        x = tf.tidy(() => {
          const split = (p: [tf.Tensor2D, tf.Tensor1D]) => splitHeads(lin(x, p), heads, headDim);
          const context = attend(split(layer.q), split(layer.k), split(layer.v), false, capture);
          if (i === this.layers.length - 1) return x;
          x = layerNorm(x.add(lin(context, layer.out)), layer.ln1[0], layer.ln1[1], eps);
          x = layerNorm(x.add(lin(activation(act, lin(x, layer.up)), layer.down)), layer.ln2[0], layer.ln2[1], eps);
          return x;
        });
      });
    });
  }

  dispose(): void {
    this.bag.dispose();
  }
}
