/**
 * Hands out attention weights for any layer, as the what-ifs make them: the model's own weights when
 * the what-ifs are at the model's settings, else a live recompute from Q and K on the GPU. Also the
 * aggregates (mean of heads, rollout), and the check that the GPU recompute equals the model.
 */
import type { AttentionTrace } from '../src/shared/trace';
import { maxAbsDiff, meanOfHeads, recomputeLayerJs, rolloutJs } from './attentionMath';
import { WhatIf, recomputeWeights, rolloutGpu } from './recompute';

/** Recomputed layers kept at once: the current one and a few neighbours (a 512-token layer of 12 heads is 12 MB). */
const KEEP_LAYERS = 3;

export interface RecomputeInfo {
  backend: string;
  ms: number;
  /** Largest |recomputed − model| at the model's own settings (only measured then). */
  maxDiff?: number;
}

export class WeightStore {
  private recomputed = new Map<number, Float32Array>();
  private means = new Map<number, Float32Array>();
  private rollouts: Float32Array[] | undefined;
  /** The last GPU recompute, for the footer. */
  info: RecomputeInfo | undefined;

  constructor(readonly trace: AttentionTrace, readonly backend: string | undefined, readonly whatIf: WhatIf, private readonly onError: (message: string) => void) {}

  get t(): number {
    return this.trace.tokens.length;
  }

  /** The what-ifs as they act on this model (a causal switch means nothing to BERT). */
  get effective(): WhatIf {
    return { ...this.whatIf, causal: this.whatIf.causal && this.trace.model.causal };
  }

  /** True when the what-ifs equal the model's own computation, so its weights are the answer. */
  get atModelSettings(): boolean {
    return this.whatIf.scale && this.whatIf.temperature === 1 && (this.whatIf.causal || !this.trace.model.causal);
  }

  private slice(a: Float32Array, layer: number, cols: number): Float32Array {
    const size = this.trace.model.heads * this.t * cols;
    return a.subarray(layer * size, (layer + 1) * size);
  }

  /** Layer `l`'s weights [H, T, T]. */
  layer(l: number): Float32Array {
    if (this.atModelSettings) return this.slice(this.trace.weights, l, this.t);
    const cached = this.recomputed.get(l);
    if (cached) return cached;
    const w = this.recompute(l, this.effective) ?? this.slice(this.trace.weights, l, this.t);
    this.recomputed.set(l, w);
    if (this.recomputed.size > KEEP_LAYERS) this.recomputed.delete(this.recomputed.keys().next().value as number);
    return w;
  }

  mean(l: number): Float32Array {
    let m = this.means.get(l);
    if (!m) {
      m = meanOfHeads(this.layer(l), this.trace.model.heads, this.t);
      this.means.set(l, m);
    }
    return m;
  }

  /** Rollout up to and including layer `l` [T, T]; all layers are computed on first use. */
  rollout(l: number): Float32Array {
    if (!this.rollouts) {
      const means = Array.from({ length: this.trace.model.layers }, (_, i) => this.mean(i));
      try {
        this.rollouts = this.backend ? rolloutGpu(means, this.t) : rolloutJs(means, this.t);
      } catch (err) {
        this.onError(`rollout on the GPU failed: ${(err as Error).message}`);
        this.rollouts = rolloutJs(means, this.t);
      }
    }
    return this.rollouts[l];
  }

  /** Recomputes layer `l` on the GPU at the model's settings and compares with the model's weights. */
  check(l: number): RecomputeInfo | undefined {
    if (!this.backend) return undefined;
    const w = this.recompute(l, { scale: true, temperature: 1, causal: this.trace.model.causal });
    if (!w || !this.info) return undefined;
    this.info = { ...this.info, maxDiff: maxAbsDiff(w, this.slice(this.trace.weights, l, this.t)) };
    return this.info;
  }

  private recompute(l: number, whatIf: WhatIf): Float32Array | undefined {
    const { heads, headDim } = this.trace.model;
    const q = this.slice(this.trace.q, l, headDim);
    const k = this.slice(this.trace.k, l, headDim);
    const started = performance.now();
    if (!this.backend) {
      const w = recomputeLayerJs(q, k, heads, this.t, headDim, whatIf);
      this.info = { backend: 'js', ms: performance.now() - started };
      return w;
    }
    try {
      const w = recomputeWeights(q, k, heads, this.t, headDim, whatIf);
      this.info = { backend: this.backend, ms: performance.now() - started };
      return w;
    } catch (err) {
      this.onError(`recompute failed: ${(err as Error).message}`);
      return undefined;
    }
  }
}
