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
import { WhatIf, computeInPlainJs, recomputeWeights, rolloutGpu } from './recompute';
import type { TraceData } from './traceData';

/**
 * Bytes of computed matrices each cache keeps (the current layer and a few neighbours): a 128-token
 * layer of 12 heads is 0.75 MiB, a 1024-token one 48 MiB, so short inputs keep many and long ones few.
 */
const CACHE_BYTES = 64 * 2 ** 20;

export interface RecomputeInfo {
  backend: string;
  ms: number;
  /** Largest |recomputed − model| at the model's own settings (only measured then). */
  maxDiff?: number;
  /** The layer and head (undefined: every head) the check compared. */
  checked?: { layer: number; head?: number };
}

/** The last computed matrices by key, up to a byte budget (oldest dropped first; the newest always stays). */
class Lru<K> {
  private readonly entries = new Map<K, Float32Array>();
  private bytes = 0;
  constructor(private readonly budget = CACHE_BYTES) {}
  get(key: K): Float32Array | undefined {
    const w = this.entries.get(key);
    if (w) {
      // Used again: it becomes the newest.
      this.entries.delete(key);
      this.entries.set(key, w);
    }
    return w;
  }
  set(key: K, w: Float32Array): void {
    const old = this.entries.get(key);
    if (old) this.bytes -= old.byteLength;
    this.entries.delete(key);
    this.entries.set(key, w);
    this.bytes += w.byteLength;
    while (this.bytes > this.budget && this.entries.size > 1) {
      const [oldest, dropped] = this.entries.entries().next().value as [K, Float32Array];
      this.entries.delete(oldest);
      this.bytes -= dropped.byteLength;
    }
  }
}

export class WeightStore {
  private readonly computed = new Lru<number>();
  private readonly atModel = new Lru<number>();
  /**
   * Single heads computed on their own: a view of one head (tokens, matrix, step view, the editor's
   * row) costs 1/H of the layer (at 1024 tokens one head is 4 MiB read back from the GPU, a layer 48).
   */
  private readonly heads = new Lru<string>();
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

  /** Head `h` of layer `l` [T, T] under the what-ifs (from the layer when it is computed, else on its own). */
  head(l: number, h: number): Float32Array {
    return this.oneHead(l, h, false);
  }

  /** Head `h` of layer `l` at the model's own settings. */
  modelHead(l: number, h: number): Float32Array {
    return this.oneHead(l, h, true);
  }

  private oneHead(l: number, h: number, model: boolean): Float32Array {
    const atModel = model || this.atModelSettings;
    const size = this.t * this.t;
    const whole = atModel ? this.atModel.get(l) : this.computed.get(l);
    if (whole) return whole.subarray(h * size, (h + 1) * size);
    if (atModel && this.noGpu) return this.modelLayer(l).subarray(h * size, (h + 1) * size);
    const key = `${atModel ? 'm' : 'w'}${l}/${h}`;
    let w = this.heads.get(key);
    if (!w) {
      w = this.compute(l, atModel ? this.modelWhatIf : this.effective, h);
      this.heads.set(key, w);
    }
    return w;
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
    // As deep as the fetched layers allow, so that walking down the layers (the model view) is one pass.
    let top = l;
    while (top + 1 < this.trace.model.layers && this.ready(top + 1)) top++;
    const means = Array.from({ length: top + 1 }, (_, i) => this.mean(i));
    let all: Float32Array[];
    try {
      all = this.gpu && !computeInPlainJs(means.length * this.t ** 3) ? rolloutGpu(means, this.t) : rolloutJs(means, this.t);
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
    const compared = head === undefined ? this.modelLayer(l) : this.modelHead(l, head);
    this.info = { ...(this.info ?? { backend: this.gpu, ms: 0 }), maxDiff: maxAbsDiff(compared, model), checked: { layer: l, ...(head !== undefined ? { head } : {}) } };
    return this.info;
  }

  /** Every head of layer `l`, or head `only`. */
  private compute(l: number, whatIf: WhatIf, only?: number): Float32Array {
    const { headDim } = this.trace.model;
    const heads = only === undefined ? this.trace.model.heads : 1;
    const pick = (part: 'q' | 'k') => (only === undefined ? this.data.get(l, part) : this.data.headSlice(l, part, only));
    const q = pick('q');
    const k = pick('k');
    if (!q || !k) throw new Error(`layer ${l}'s q and k have not arrived`);
    const started = performance.now();
    if (this.gpu && !computeInPlainJs(heads * this.t * this.t * headDim)) {
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
