/**
 * Hands out attention weights for any layer, as the what-ifs make them, computed in the panel from
 * the fetched Q and K on the GPU (tfjs WebGL, or tfjs cpu where WebGL is missing): at the model's
 * settings and under any what-if alike. Also the aggregates (mean of heads, rollout) and the check
 * that the GPU equals the model's own weights (fetched only for that, or where no GPU path works: then
 * the model's weights are shown at its settings and what-ifs are recomputed in plain JS).
 *
 * A layer is computed only once its q and k are there (`ready`); main.ts fetches before it draws.
 */
import type { TraceHeader } from '../src/shared/trace';
import { maxAbsDiff, meanOfHeads, recomputeLayerJs, rolloutJs } from './attentionMath';
import { WhatIf, recomputeWeights, rolloutGpu } from './recompute';
import type { TraceData } from './traceData';

/** Computed layers kept at once: the current one and a few neighbours (a 1024-token layer of 12 heads is 50 MB). */
const KEEP_LAYERS = 3;

export interface RecomputeInfo {
  backend: string;
  ms: number;
  /** Largest |recomputed − model| at the model's own settings (only measured then). */
  maxDiff?: number;
  /** The layer and head (undefined: every head) the check compared. */
  checked?: { layer: number; head?: number };
}

class LayerCache {
  private readonly layers = new Map<number, Float32Array>();
  get(l: number): Float32Array | undefined {
    return this.layers.get(l);
  }
  set(l: number, w: Float32Array): void {
    this.layers.set(l, w);
    if (this.layers.size > KEEP_LAYERS) this.layers.delete(this.layers.keys().next().value as number);
  }
}

export class WeightStore {
  private readonly computed = new LayerCache();
  private readonly atModel = new LayerCache();
  private readonly means = new Map<number, Float32Array>();
  private readonly rollouts = new Map<number, Float32Array>();
  /** The last recompute, for the footer. */
  info: RecomputeInfo | undefined;

  /**
   * `gpu`: the tfjs backend; undefined while it starts (nothing is computed then: main.ts waits) and
   * where no GPU path works (`noGpu`).
   */
  constructor(readonly trace: TraceHeader, readonly data: TraceData, readonly gpu: string | undefined, readonly whatIf: WhatIf, private readonly onError: (message: string) => void, readonly noGpu = false) {}

  get t(): number {
    return this.trace.tokens.length;
  }

  /** The what-ifs as they act on this model (a causal switch means nothing to BERT). */
  get effective(): WhatIf {
    return { ...this.whatIf, causal: this.whatIf.causal && this.trace.model.causal };
  }

  /** True when the what-ifs equal the model's own computation. */
  get atModelSettings(): boolean {
    return this.whatIf.scale && this.whatIf.temperature === 1 && (this.whatIf.causal || !this.trace.model.causal);
  }

  private get modelWhatIf(): WhatIf {
    return { scale: true, temperature: 1, causal: this.trace.model.causal };
  }

  /** What layer `l` needs fetched before it can be drawn. */
  needs(): Array<'q' | 'k' | 'weights'> {
    return this.noGpu && this.atModelSettings ? ['weights'] : ['q', 'k'];
  }

  ready(l: number): boolean {
    return this.needs().every((p) => this.data.has(l, p));
  }

  /** Layer `l`'s weights [H, T, T] under the what-ifs; `ready(l)` must hold. */
  layer(l: number): Float32Array {
    if (this.atModelSettings) return this.modelLayer(l);
    let w = this.computed.get(l);
    if (!w) {
      w = this.compute(l, this.effective);
      this.computed.set(l, w);
    }
    return w;
  }

  /** Layer `l` at the model's own settings (what the what-ifs are compared with). */
  modelLayer(l: number): Float32Array {
    let w = this.atModel.get(l);
    if (!w) {
      const fetched = this.noGpu ? this.data.get(l, 'weights') : undefined;
      w = fetched ?? this.compute(l, this.modelWhatIf);
      this.atModel.set(l, w);
    }
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

  /** Rollout up to and including layer `l` [T, T]: needs layers 0…l. */
  rollout(l: number): Float32Array {
    let r = this.rollouts.get(l);
    if (r) return r;
    const means = Array.from({ length: l + 1 }, (_, i) => this.mean(i));
    let all: Float32Array[];
    try {
      all = this.gpu ? rolloutGpu(means, this.t) : rolloutJs(means, this.t);
    } catch (err) {
      this.onError(`rollout on the GPU failed: ${(err as Error).message}`);
      all = rolloutJs(means, this.t);
    }
    all.forEach((m, i) => this.rollouts.set(i, m));
    r = all[l];
    return r;
  }

  /**
   * Compares layer `l` at the model's settings (computed here) with the model's own weights, fetched
   * (every head, or `head` only): the footer's "max difference from the model".
   */
  check(l: number, head?: number): RecomputeInfo | undefined {
    const model = this.data.get(l, 'weights', head);
    if (!this.gpu || !model || !this.data.has(l, 'q') || !this.data.has(l, 'k')) return undefined;
    const ours = this.modelLayer(l);
    const size = this.t * this.t;
    const compared = head === undefined ? ours : ours.subarray(head * size, (head + 1) * size);
    this.info = { ...(this.info ?? { backend: this.gpu, ms: 0 }), maxDiff: maxAbsDiff(compared, model), checked: { layer: l, ...(head !== undefined ? { head } : {}) } };
    return this.info;
  }

  private compute(l: number, whatIf: WhatIf): Float32Array {
    const { heads, headDim } = this.trace.model;
    const q = this.data.get(l, 'q');
    const k = this.data.get(l, 'k');
    if (!q || !k) throw new Error(`layer ${l}'s q and k have not arrived`);
    const started = performance.now();
    if (this.gpu) {
      try {
        const w = recomputeWeights(q, k, heads, this.t, headDim, whatIf);
        this.info = { ...this.info, backend: this.gpu, ms: performance.now() - started };
        return w;
      } catch (err) {
        this.onError(`recompute on ${this.gpu} failed: ${(err as Error).message}`);
      }
    }
    const w = recomputeLayerJs(q, k, heads, this.t, headDim, whatIf);
    this.info = { ...this.info, backend: 'js', ms: performance.now() - started };
    return w;
  }
}
