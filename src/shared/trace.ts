/**
 * What one run of a model captures: the tokens with their exact place in the source text, and for
 * every layer and head the query, key and value vectors, the scaled scores and the softmax weights.
 *
 * Tensors are flat Float32Arrays (so they travel to the webview as binary, not nested JSON):
 *   q, k, v:          [layer][head][token][headDim]
 *   scores, weights:  [layer][head][query][key]
 * `scores` are q·k/√dk before any mask; `weights` are the softmax after the mask.
 * For grouped-query attention, k and v are stored per query head (already repeated).
 */

export type Architecture = 'gpt2' | 'bert' | 'llama';

export interface TokenSpan {
  /** The token as the user reads it (decoded, not the vocabulary's byte-level spelling). */
  text: string;
  id: number;
  /** UTF-16 range [start, end) in the analysed text; start === end for special tokens like [CLS]. */
  start: number;
  end: number;
  special: boolean;
  /** Set when a byte-level token covers only some bytes of a character (its range is the whole character). */
  partial?: boolean;
}

export interface ModelInfo {
  /** Display name, e.g. "QKV Lens teaching model" or "gpt2". */
  name: string;
  architecture: Architecture;
  /** Short description of the tokenizer that ran, e.g. "WordPiece (tokenizer.json)". */
  tokenizer: string;
  layers: number;
  heads: number;
  headDim: number;
  /** True for decoder-only models: position i only sees keys 0..i. */
  causal: boolean;
  maxPositions: number;
}

/** What a trace is about, without its arrays: what the panel gets first (the arrays it fetches layer by layer). */
export interface TraceHeader {
  model: ModelInfo;
  tokens: TokenSpan[];
  /** Set when the input was cut to fit the model's context. */
  truncatedFrom?: number;
}

export interface AttentionTrace extends TraceHeader {
  q: Float32Array;
  k: Float32Array;
  v: Float32Array;
  scores: Float32Array;
  weights: Float32Array;
}

/**
 * The parts of one layer the panel fetches: q, k, v are [heads][T][D]; the model's own scores and
 * weights [heads][T][T] (only to check the GPU against, or where no GPU path works) may be cut to one head.
 */
export const TRACE_PARTS = ['q', 'k', 'v', 'scores', 'weights'] as const;
export type TracePart = (typeof TRACE_PARTS)[number];

/** True for the [T][T] parts (the model's scores and weights), false for the [T][D] ones. */
export const isSquarePart = (part: TracePart): boolean => part === 'scores' || part === 'weights';

export function traceHeader(trace: TraceHeader): TraceHeader {
  return { model: trace.model, tokens: trace.tokens, ...(trace.truncatedFrom !== undefined ? { truncatedFrom: trace.truncatedFrom } : {}) };
}

/** Layer `layer` of part `part` ([heads][T][D or T]), or one head of it: a view, not a copy. */
export function layerPart(trace: AttentionTrace, part: TracePart, layer: number, head?: number): Float32Array {
  const t = trace.tokens.length;
  const cols = isSquarePart(part) ? t : trace.model.headDim;
  const heads = trace.model.heads;
  const start = head === undefined ? headOffset(trace, layer, 0, t, cols) : headOffset(trace, layer, head, t, cols);
  return trace[part].subarray(start, start + (head === undefined ? heads : 1) * t * cols);
}

/** Offset of head (layer, head) inside a [layer][head][rows][cols] flat array. */
export function headOffset(trace: { model: ModelInfo }, layer: number, head: number, rows: number, cols: number): number {
  return (layer * trace.model.heads + head) * rows * cols;
}

/** The softmax weights as nested arrays: attentions[layer][head][query][key] (the CLI's JSON shape). */
export function nestedAttentions(trace: AttentionTrace): number[][][][] {
  const { layers, heads } = trace.model;
  const t = trace.tokens.length;
  const out: number[][][][] = [];
  for (let l = 0; l < layers; l++) {
    const perHead: number[][][] = [];
    for (let h = 0; h < heads; h++) {
      const base = headOffset(trace, l, h, t, t);
      const rows: number[][] = [];
      for (let i = 0; i < t; i++) rows.push(Array.from(trace.weights.subarray(base + i * t, base + (i + 1) * t)));
      perHead.push(rows);
    }
    out.push(perHead);
  }
  return out;
}

/** Bytes of the captured arrays (q, k, v, scores, weights): what a trace costs to send or keep. */
export function traceBytes(trace: Pick<AttentionTrace, 'q' | 'k' | 'v' | 'scores' | 'weights'>): number {
  return [trace.q, trace.k, trace.v, trace.scores, trace.weights].reduce((n, a) => n + a.byteLength, 0);
}

/** Row `query` of head (layer, head) as a copy; head -1 gives the mean over heads. */
export function attentionRow(trace: AttentionTrace, layer: number, head: number, query: number): Float32Array {
  const t = trace.tokens.length;
  const row = new Float32Array(t);
  const heads = head < 0 ? Array.from({ length: trace.model.heads }, (_, h) => h) : [head];
  for (const h of heads) {
    const base = headOffset(trace, layer, h, t, t) + query * t;
    for (let j = 0; j < t; j++) row[j] += trace.weights[base + j] / heads.length;
  }
  return row;
}
