/**
 * The arrays of one analysis as they reach the panel: the host keeps the whole trace and the panel
 * fetches layer by layer what it shows (q and k for the GPU, v for the step view, the model's own
 * scores and weights only to check against or where no GPU path works).
 *
 * `want(list)` says what is needed now, most urgent first (the visible layer, then the check, then the
 * rest in the background); it replaces the previous list, so what is no longer wanted is never asked
 * for (stale requests are cancelled before they leave). At most MAX_IN_FLIGHT requests travel at once,
 * so a layer switch never queues behind a backlog. q, k and v travel as float16 unless `precision` is
 * raised to f32 (main.ts does so when the check finds a visible difference).
 */
import { fromFloat16 } from '../src/shared/float16';
import type { EncodedArray, Precision, ToWebview, TraceFetch } from '../src/shared/protocol';
import { TraceHeader, TracePart, isSquarePart } from '../src/shared/trace';

const MAX_IN_FLIGHT = 2;

export interface Want {
  layer: number;
  parts: TracePart[];
  /** For the [T][T] parts: one head (long inputs), else every head. */
  head?: number;
}

type TraceDataMessage = Extract<ToWebview, { type: 'traceData' }>;

const keyOf = (layer: number, part: TracePart, head?: number) => `${layer}/${part}${isSquarePart(part) && head !== undefined ? `/${head}` : ''}`;

export class TraceData {
  private readonly arrays = new Map<string, Float32Array>();
  private wanted: Want[] = [];
  private readonly inFlight = new Map<number, Want>();
  private nextFetch = 1;
  /** Bytes received so far (what crossed from the host). */
  bytes = 0;
  /** performance.now() when the first answer arrived. */
  firstAnswerAt: number | undefined;
  private failed: string | undefined;

  constructor(
    readonly analysisId: number,
    readonly header: TraceHeader,
    private readonly send: (fetch: TraceFetch) => void,
    public precision: Precision = 'f16',
  ) {}

  get tokens(): number {
    return this.header.tokens.length;
  }

  /** Why the host could not answer (the analysis was replaced), if it could not. */
  get error(): string | undefined {
    return this.failed;
  }

  has(layer: number, part: TracePart, head?: number): boolean {
    return this.arrays.has(keyOf(layer, part, head));
  }

  hasAll(want: Want): boolean {
    return want.parts.every((p) => this.has(want.layer, p, want.head));
  }

  /** Layer `layer`'s part ([heads][T][D] or [heads or 1][T][T]); undefined until it arrives. */
  get(layer: number, part: TracePart, head?: number): Float32Array | undefined {
    return this.arrays.get(keyOf(layer, part, head));
  }

  /** One head's [T][D] slice of q, k or v. */
  headSlice(layer: number, part: 'q' | 'k' | 'v', head: number): Float32Array | undefined {
    const all = this.get(layer, part);
    const size = this.tokens * this.header.model.headDim;
    return all?.subarray(head * size, (head + 1) * size);
  }

  /** What is needed now, most urgent first; replaces the last list. */
  want(list: Want[]): void {
    this.wanted = list.map((w) => ({ ...w, parts: w.parts.filter((p) => !this.has(w.layer, p, w.head)) })).filter((w) => w.parts.length > 0);
    this.pump();
  }

  /** Raises q, k, v to float32: what arrived as float16 is dropped and fetched again. */
  raisePrecision(): void {
    if (this.precision === 'f32') return;
    this.precision = 'f32';
    for (const key of [...this.arrays.keys()]) if (/\/(q|k|v)$/.test(key)) this.arrays.delete(key);
  }

  private pump(): void {
    while (this.inFlight.size < MAX_IN_FLIGHT) {
      const next = this.wanted.find((w) => ![...this.inFlight.values()].some((f) => f.layer === w.layer && f.head === w.head && f.parts.some((p) => w.parts.includes(p))));
      if (!next) return;
      this.wanted = this.wanted.filter((w) => w !== next);
      const fetchId = this.nextFetch++;
      this.inFlight.set(fetchId, next);
      // The model's scores and weights are what the GPU is checked against: always float32.
      const square = next.parts.filter(isSquarePart);
      const vectors = next.parts.filter((p) => !isSquarePart(p));
      if (square.length && vectors.length) {
        // Two precisions: two requests (the square ones go back to the front of the list).
        this.inFlight.set(fetchId, { ...next, parts: vectors });
        this.wanted.unshift({ ...next, parts: square });
        this.send({ analysis: this.analysisId, fetchId, layer: next.layer, parts: vectors, precision: this.precision });
      } else {
        this.send({ analysis: this.analysisId, fetchId, layer: next.layer, parts: next.parts, precision: square.length ? 'f32' : this.precision, ...(next.head !== undefined ? { head: next.head } : {}) });
      }
    }
  }

  /** Takes a `traceData` answer; false when it is not for this analysis or does not fit its shape. */
  receive(m: TraceDataMessage): boolean {
    if (m.analysis !== this.analysisId) return false;
    this.firstAnswerAt ??= performance.now();
    const asked = this.inFlight.get(m.fetchId);
    this.inFlight.delete(m.fetchId);
    const { heads, headDim } = this.header.model;
    const fits = m.shape.heads === heads && m.shape.tokens === this.tokens && m.shape.headDim === headDim;
    if (asked && fits) {
      for (const [part, encoded] of Object.entries(m.data) as Array<[TracePart, EncodedArray]>) {
        // A float16 answer that arrives after the precision was raised is dropped (it is fetched again).
        if (!isSquarePart(part) && encoded instanceof Uint16Array && this.precision === 'f32') continue;
        this.bytes += encoded.byteLength;
        this.arrays.set(keyOf(m.layer, part, m.head), encoded instanceof Uint16Array ? fromFloat16(encoded) : encoded);
      }
    }
    this.pump();
    return Boolean(asked && fits);
  }

  /** The host no longer holds this analysis: nothing more will come. */
  unavailable(m: Extract<ToWebview, { type: 'traceUnavailable' }>): boolean {
    if (m.analysis !== this.analysisId) return false;
    this.inFlight.delete(m.fetchId);
    this.failed = m.message;
    this.wanted = [];
    return true;
  }
}
