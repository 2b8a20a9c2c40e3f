/**
 * Queries and keys of one head in one 2-D plane (after AttentionViz, Yeh et al., IEEE VIS 2023): the
 * keys are shifted by one vector so that their mean equals the queries' mean (which changes no softmax
 * row: every score of a query q gains the same q·c), then both sets together are projected on their
 * two principal axes. The PCA runs in tfjs (WebGL in the panel, cpu in Node tests): the covariance by
 * matMul, its two leading eigenvectors by subspace iteration with Gram–Schmidt. No DOM here.
 */
import * as tf from '@tensorflow/tfjs-core';

export interface QkProjection {
  /** [T][2]: each query's coordinates on the two axes. */
  queries: Float32Array;
  /** [T][2]: each shifted key's coordinates. */
  keys: Float32Array;
  /** The shift added to every key: mean(q) − mean(k), [D]. */
  shift: Float32Array;
  /** Share of the total variance each axis keeps (of queries and shifted keys together). */
  explained: [number, number];
  /** The two axes, [2][D] (unit length, orthogonal). */
  axes: Float32Array;
  /** Subspace iterations run. */
  iterations: number;
}

/** Iterations of the subspace method: its error shrinks like (λ3/λ2)^n, far below what the plot can show. */
export const PCA_ITERATIONS = 200;

/** q and k are one head's [T][D]. */
export function projectQk(q: Float32Array, k: Float32Array, t: number, d: number, iterations = PCA_ITERATIONS): QkProjection {
  if (q.length !== t * d || k.length !== t * d) throw new Error(`q and k must be ${t}×${d}`);
  if (d < 2) throw new Error('a head needs at least 2 dimensions for a 2-D plot');
  return tf.tidy(() => {
    const qt = tf.tensor2d(q, [t, d]);
    const kt = tf.tensor2d(k, [t, d]);
    const shift = tf.sub(tf.mean(qt, 0), tf.mean(kt, 0));
    const shifted = tf.add(kt, shift);
    const all = tf.concat([qt, shifted], 0);
    const centred = tf.sub(all, tf.mean(all, 0));
    const cov = tf.div(tf.matMul(centred, centred, true, false), 2 * t) as tf.Tensor2D;
    const total = tf.sum(tf.mul(tf.eye(d), cov));
    // A fixed start (not random): the same plot every time. Rows are the two axes.
    const start = new Float32Array(2 * d);
    for (let i = 0; i < d; i++) {
      start[i] = 1 / Math.sqrt(d);
      start[d + i] = (i % 2 ? 1 : -1) * (1 + i / d);
    }
    let axes = tf.linalg.gramSchmidt(tf.tensor2d(start, [2, d])) as tf.Tensor2D;
    for (let n = 0; n < iterations; n++) {
      const next = tf.linalg.gramSchmidt(tf.matMul(axes, cov) as tf.Tensor2D) as tf.Tensor2D;
      tf.dispose(axes);
      axes = next;
    }
    // Rayleigh quotients: each axis's variance.
    const lambda = tf.sum(tf.mul(tf.matMul(axes, cov), axes), 1);
    const projQ = tf.matMul(tf.sub(qt, tf.mean(all, 0)), axes, false, true);
    const projK = tf.matMul(tf.sub(shifted, tf.mean(all, 0)), axes, false, true);
    const lam = lambda.dataSync();
    const tot = total.dataSync()[0];
    const explained: [number, number] = tot > 0 ? [lam[0] / tot, lam[1] / tot] : [0, 0];
    return {
      queries: projQ.dataSync() as Float32Array,
      keys: projK.dataSync() as Float32Array,
      shift: shift.dataSync() as Float32Array,
      explained,
      axes: axes.dataSync() as Float32Array,
      iterations,
    };
  });
}
