/**
 * The committed held-out sample of the built-in model's corpus (data/corpus/heldout/sample.jsonl, written by
 * scripts/training/builtin/heldout_sample.py from packages never trained on) and what is measured on it:
 * bits per byte of the model, per language, and the loss by position in a window.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import * as tf from '@tensorflow/tfjs-core';
import type { ScoringModel } from './scoringModel';

export interface HeldoutDoc {
  lang: string;
  source: string;
  path: string;
  licence: string;
  text: string;
}

export function loadHeldoutSample(root: string): HeldoutDoc[] {
  const file = path.join(root, 'data', 'corpus', 'heldout', 'sample.jsonl');
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as HeldoutDoc);
}

export function utf8Bytes(texts: string[]): number {
  return texts.reduce((a, t) => a + Buffer.byteLength(t, 'utf8'), 0);
}

/** gzip -9 of the texts back to back, in bits per byte: the bar a language model should clear. */
export function gzipBitsPerByte(texts: string[]): number {
  const raw = Buffer.from(texts.join(''), 'utf8');
  return (8 * zlib.gzipSync(raw, { level: 9 }).length) / raw.length;
}

/** Documents as one stream, each preceded by the end-of-text token (as in training, where it separates documents). */
export function documentStream(docs: number[][], eos: number): Int32Array {
  const out: number[] = [];
  for (const d of docs) out.push(eos, ...d);
  return Int32Array.from(out);
}

/**
 * Negative log-likelihood (nats) of every token of the stream but the first, from consecutive windows of
 * `t` tokens (each window starts fresh). nll[i] is the cost of stream[i + 1]; position[i] its index in its window.
 */
export function streamNll(model: ScoringModel, stream: Int32Array, t: number): { nll: Float32Array; position: Int32Array } {
  const n = stream.length - 1;
  const nll = new Float32Array(n);
  const position = new Int32Array(n);
  for (let s = 0; s < n; s += t) {
    const len = Math.min(t, n - s);
    const inputs = stream.slice(s, s + len);
    const targets = stream.slice(s + 1, s + len + 1);
    const row = tf.tidy(() => {
      const logp = tf.logSoftmax(model.logits(inputs));
      return tf.gatherND(logp, tf.tensor2d(Array.from(targets, (id, i) => [i, id]), [len, 2], 'int32')).dataSync() as Float32Array;
    });
    for (let i = 0; i < len; i++) {
      nll[s + i] = -row[i];
      position[s + i] = i;
    }
  }
  return { nll, position };
}

/** Bits per byte of the documents: the summed cost of their tokens (not of the separators) over their UTF-8 bytes. */
export function bitsPerByte(model: ScoringModel, docs: number[][], texts: string[], eos: number): number {
  const stream = documentStream(docs, eos);
  const { nll } = streamNll(model, stream, model.positions);
  let nats = 0;
  for (let i = 0; i < nll.length; i++) if (stream[i + 1] !== eos) nats += nll[i];
  return nats / Math.LN2 / utf8Bytes(texts);
}
