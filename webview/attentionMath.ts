/**
 * Attention arithmetic in plain JavaScript, for one query at a time (the step view) and for the
 * aggregates. No DOM and no tfjs here, so Node tests run it as it is.
 */
import { WhatIfSettings as WhatIf, effectiveTemperature, isMasked, logitFactor, scoreDivisor } from '../src/shared/attentionRules';

/** Mean over heads of one layer's weights [H, T, T] → [T, T]. */
export function meanOfHeads(layer: Float32Array, heads: number, t: number): Float32Array {
  const out = new Float32Array(t * t);
  const size = t * t;
  for (let h = 0; h < heads; h++) {
    const base = h * size;
    for (let i = 0; i < size; i++) out[i] += layer[base + i];
  }
  for (let i = 0; i < size; i++) out[i] /= heads;
  return out;
}

/**
 * Attention rollout (Abnar & Zuidema 2020): per layer A = ½·W + ½·I (the residual path), rows
 * renormalised, and R_l = A_l · R_{l-1}. `means[l]` is layer l's mean over heads; returns R_l per layer.
 * Plain JS: the reference the GPU version is tested against, and the fallback without tfjs.
 */
export function rolloutJs(means: Float32Array[], t: number): Float32Array[] {
  const out: Float32Array[] = [];
  let prev: Float32Array | undefined;
  for (const m of means) {
    const a = residualMix(m, t);
    if (!prev) {
      prev = a;
    } else {
      const r = new Float32Array(t * t);
      for (let i = 0; i < t; i++) {
        for (let k = 0; k < t; k++) {
          const aik = a[i * t + k];
          if (aik === 0) continue;
          const rowK = k * t;
          const rowI = i * t;
          for (let j = 0; j < t; j++) r[rowI + j] += aik * prev[rowK + j];
        }
      }
      prev = r;
    }
    out.push(prev);
  }
  return out;
}

/** ½·W + ½·I with every row renormalised to sum 1. */
export function residualMix(w: Float32Array, t: number): Float32Array {
  const a = new Float32Array(t * t);
  for (let i = 0; i < t; i++) {
    let sum = 0;
    for (let j = 0; j < t; j++) {
      const v = 0.5 * w[i * t + j] + (i === j ? 0.5 : 0);
      a[i * t + j] = v;
      sum += v;
    }
    if (sum > 0) for (let j = 0; j < t; j++) a[i * t + j] /= sum;
  }
  return a;
}

/** Everything the step view shows for one key. */
export interface KeyStep {
  key: number;
  /** q ⊙ k, element by element. */
  products: Float32Array;
  dot: number;
  kNorm: number;
  cos: number;
  /** dot / √dk (or dot when scaling is off). */
  scaled: number;
  /** scaled / temperature: what goes into the softmax when the key is not masked. */
  logit: number;
  masked: boolean;
  exp: number;
  weight: number;
}

export interface QueryStep {
  query: number;
  headDim: number;
  q: Float32Array;
  qNorm: number;
  sqrtDk: number;
  /** The largest unmasked logit, subtracted before exp for stability. */
  maxLogit: number;
  expSum: number;
  keys: KeyStep[];
  /** Σ_j weight_j · v_j. */
  output: Float32Array;
}

/** Vector `index` of one head: arrays are [T, D] for that head. */
function vec(a: Float32Array, index: number, d: number): Float32Array {
  return a.subarray(index * d, (index + 1) * d);
}

/**
 * softmax(q·kᵀ/√dk)·V for one query of one head, step by step, from q, k, v [T, D] of that head.
 * `causal` is whether the mask applies (the model is causal and the what-if keeps the mask on).
 * Without `v` (the q·k geometry view has no values) the output is left at zero.
 */
export function queryStep(q: Float32Array, k: Float32Array, v: Float32Array | undefined, t: number, d: number, query: number, whatIf: WhatIf, causal: boolean): QueryStep {
  const qi = vec(q, query, d);
  let qNorm = 0;
  for (let x = 0; x < d; x++) qNorm += qi[x] * qi[x];
  qNorm = Math.sqrt(qNorm);
  const sqrtDk = scoreDivisor(d);
  const temperature = effectiveTemperature(whatIf.temperature);
  const keys: KeyStep[] = [];
  let maxLogit = -Infinity;
  for (let j = 0; j < t; j++) {
    const kj = vec(k, j, d);
    const products = new Float32Array(d);
    let dot = 0;
    let kNorm = 0;
    for (let x = 0; x < d; x++) {
      products[x] = qi[x] * kj[x];
      dot += qi[x] * kj[x];
      kNorm += kj[x] * kj[x];
    }
    kNorm = Math.sqrt(kNorm);
    const scaled = whatIf.scale ? dot / sqrtDk : dot;
    const logit = scaled / temperature;
    const masked = isMasked(query, j, causal);
    if (!masked && logit > maxLogit) maxLogit = logit;
    keys.push({ key: j, products, dot, kNorm, cos: qNorm > 0 && kNorm > 0 ? dot / (qNorm * kNorm) : 0, scaled, logit, masked, exp: 0, weight: 0 });
  }
  let expSum = 0;
  for (const s of keys) {
    s.exp = s.masked ? 0 : Math.exp(s.logit - maxLogit);
    expSum += s.exp;
  }
  const output = new Float32Array(d);
  for (const s of keys) {
    s.weight = expSum > 0 ? s.exp / expSum : 0;
    if (s.weight === 0 || !v) continue;
    const vj = vec(v, s.key, d);
    for (let x = 0; x < d; x++) output[x] += s.weight * vj[x];
  }
  return { query, headDim: d, q: qi, qNorm, sqrtDk, maxLogit, expSum, keys, output };
}

/** Σ_j w_j · v_j for a row of weights and v [T, D]. */
export function weightedSum(weights: ArrayLike<number>, v: Float32Array, d: number): Float32Array {
  const out = new Float32Array(d);
  for (let j = 0; j < weights.length; j++) {
    const w = weights[j];
    if (w === 0) continue;
    for (let x = 0; x < d; x++) out[x] += w * v[j * d + x];
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** softmax(q·kᵀ [/√dk] / temperature [+ mask]) for every head of one layer, in JS: the fallback without tfjs. */
export function recomputeLayerJs(q: Float32Array, k: Float32Array, heads: number, t: number, d: number, whatIf: WhatIf): Float32Array {
  const out = new Float32Array(heads * t * t);
  const factor = logitFactor(d, whatIf);
  for (let h = 0; h < heads; h++) {
    const qh = q.subarray(h * t * d, (h + 1) * t * d);
    const kh = k.subarray(h * t * d, (h + 1) * t * d);
    for (let i = 0; i < t; i++) {
      const row = out.subarray((h * t + i) * t, (h * t + i + 1) * t);
      // The causal rule (isMasked) as a loop bound: keys after the query are skipped and stay 0.
      const last = whatIf.causal ? i : t - 1;
      let max = -Infinity;
      for (let j = 0; j <= last; j++) {
        let dot = 0;
        for (let x = 0; x < d; x++) dot += qh[i * d + x] * kh[j * d + x];
        row[j] = dot * factor;
        if (row[j] > max) max = row[j];
      }
      let sum = 0;
      for (let j = 0; j <= last; j++) {
        row[j] = Math.exp(row[j] - max);
        sum += row[j];
      }
      for (let j = 0; j <= last; j++) row[j] /= sum;
      for (let j = last + 1; j < t; j++) row[j] = 0;
    }
  }
  return out;
}
