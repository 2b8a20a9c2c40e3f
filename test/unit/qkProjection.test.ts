/**
 * The q·k geometry's PCA (tfjs, here on the cpu backend) against a float64 reference (Jacobi
 * eigenvalues in plain JS), on points built with known principal axes; the key shift matches the
 * means and changes no softmax row; no tensors are left behind.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Prng } from '../../scripts/training/prng';
import { recomputeLayerJs } from '../../webview/attentionMath';
import { projectQk } from '../../webview/geometry/qkProjection';

/** Eigenvalues of a symmetric matrix (cyclic Jacobi, float64), largest first. */
function jacobiEigenvalues(m: number[][]): number[] {
  const n = m.length;
  const a = m.map((r) => r.slice());
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const tt = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(tt * tt + 1);
        const s = tt * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((r, i) => r[i]).sort((x, y) => y - x);
}

function randomHead(t: number, d: number, seed: number, spread: number[]): { q: Float32Array; k: Float32Array } {
  const rng = new Prng(seed);
  const q = new Float32Array(t * d);
  const k = new Float32Array(t * d);
  for (let i = 0; i < t; i++) {
    for (let x = 0; x < d; x++) {
      q[i * d + x] = rng.normal() * spread[x] + 0.3;
      k[i * d + x] = rng.normal() * spread[x] - 2; // keys far from the queries until shifted
    }
  }
  return { q, k };
}

describe('q·k geometry: PCA of queries and shifted keys', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  it('keeps the variance a float64 eigen-decomposition says the two leading axes keep', () => {
    const t = 40;
    const d = 8;
    const { q, k } = randomHead(t, d, 3, [3, 2, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1]);
    const before = tf.memory().numTensors;
    const p = projectQk(q, k, t, d);
    assert.strictEqual(tf.memory().numTensors, before, 'no tensors left behind');
    // Reference: covariance of [q; k + shift] in float64.
    const shift = Array.from({ length: d }, (_, x) => {
      let mq = 0;
      let mk = 0;
      for (let i = 0; i < t; i++) {
        mq += q[i * d + x] / t;
        mk += k[i * d + x] / t;
      }
      return mq - mk;
    });
    shift.forEach((s, x) => assert.ok(Math.abs(s - p.shift[x]) < 1e-4, `shift ${x}`));
    const rows: number[][] = [];
    for (let i = 0; i < t; i++) rows.push(Array.from(q.subarray(i * d, (i + 1) * d)));
    for (let i = 0; i < t; i++) rows.push(Array.from(k.subarray(i * d, (i + 1) * d), (v, x) => v + shift[x]));
    const mean = Array.from({ length: d }, (_, x) => rows.reduce((s, r) => s + r[x], 0) / rows.length);
    const cov = Array.from({ length: d }, (_, a) => Array.from({ length: d }, (_, b) => rows.reduce((s, r) => s + (r[a] - mean[a]) * (r[b] - mean[b]), 0) / rows.length));
    const eig = jacobiEigenvalues(cov);
    const total = eig.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(p.explained[0] - eig[0] / total) < 1e-4, `axis 1: ${p.explained[0]} vs ${eig[0] / total}`);
    assert.ok(Math.abs(p.explained[1] - eig[1] / total) < 1e-4, `axis 2: ${p.explained[1]} vs ${eig[1] / total}`);
    // Orthonormal axes, and the projected points have the variance the axes claim.
    const ax = p.axes;
    const dot = (i: number, j: number) => Array.from({ length: d }, (_, x) => ax[i * d + x] * ax[j * d + x]).reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(dot(0, 0) - 1) < 1e-4 && Math.abs(dot(1, 1) - 1) < 1e-4 && Math.abs(dot(0, 1)) < 1e-4);
    let var0 = 0;
    for (let i = 0; i < t; i++) var0 += p.queries[i * 2] ** 2 + p.keys[i * 2] ** 2;
    assert.ok(Math.abs(var0 / (2 * t) - eig[0]) / eig[0] < 1e-3);
  });

  it('puts points that lie in a plane in that plane, with all the variance', () => {
    const t = 12;
    const d = 6;
    const q = new Float32Array(t * d);
    const k = new Float32Array(t * d);
    for (let i = 0; i < t; i++) {
      q[i * d] = Math.cos(i);
      q[i * d + 3] = 2 * Math.sin(i);
      k[i * d] = Math.sin(i * 1.3) + 5;
      k[i * d + 3] = Math.cos(i * 0.7);
    }
    const p = projectQk(q, k, t, d);
    assert.ok(p.explained[0] + p.explained[1] > 0.9999, `${p.explained}`);
  });

  it('the key shift changes no softmax row (every score of a query moves by the same q·c)', () => {
    const t = 10;
    const d = 4;
    const { q, k } = randomHead(t, d, 9, [1, 1, 1, 1]);
    const p = projectQk(q, k, t, d);
    const shifted = k.map((v, i) => v + p.shift[i % d]);
    for (const causal of [true, false]) {
      const a = recomputeLayerJs(q, k, 1, t, d, { scale: true, temperature: 1, causal });
      const b = recomputeLayerJs(q, shifted, 1, t, d, { scale: true, temperature: 1, causal });
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
      assert.ok(m < 1e-5, `max difference ${m}`);
    }
  });
});
