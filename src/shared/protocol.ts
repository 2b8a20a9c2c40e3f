/**
 * The one message protocol between the extension host and the webview; both sides import this module
 * and validate every message they receive with the parse functions below (anything else is dropped
 * and logged).
 */
import { AttentionTrace, ModelInfo, TRACE_PARTS, TokenSpan, TraceHeader, TracePart, isSquarePart } from './trace';
import { MEAN_OF_HEADS, ROLLOUT, WhatIfSettings, isAllowedTemperature } from './attentionRules';
import { UI_STRINGS, UiStrings } from './strings';
import { SEE_WHY_VIEWS } from './seeWhyViews';
import { CompareData, CompareRequest, CompareUnavailable, parseCompareData, parseCompareRequest, parseCompareUnavailable } from './compareProtocol';

export type { WhatIfSettings } from './attentionRules';

export interface StageInfo {
  step: number;
  label: string;
  loss?: number;
}

export interface Analysis {
  requestId: number;
  /** Model and tokens only: the panel fetches the arrays it shows with `fetchTrace`, layer by layer. */
  trace: TraceHeader;
  /** Name of the analysed document, for the header. */
  source: string;
  /** Training checkpoints of the model (empty for models without them) and the one that ran. */
  stages: StageInfo[];
  stage?: number;
  millis: { load: number; run: number };
}

export type RunStatus = 'loading' | 'running' | 'idle' | 'error' | 'cancelled';

/** The panel's views (webview/viewModel.ts's ViewId), as the `qkvLens.defaultView` setting and lessons name them. */
export const PANEL_VIEWS = ['tokens', 'heads', 'matrix', 'model', 'steps', ...SEE_WHY_VIEWS] as const;
export type PanelView = (typeof PANEL_VIEWS)[number];

/** Where the webview recomputes attention live: `auto` tries WebGL and falls back to cpu. */
export const RECOMPUTE_BACKENDS = ['auto', 'webgl', 'cpu'] as const;
export type RecomputeBackend = (typeof RECOMPUTE_BACKENDS)[number];

/** A step of the guided lesson: the view to show, the query token (and key) to focus, layer, head, what-ifs. */
export interface LessonState {
  view: PanelView;
  token?: number;
  key?: number;
  layer?: number;
  /** A head, or -1 for the mean of heads. */
  head?: number;
  whatIf?: WhatIfSettings;
}

/** How a fetched array travels: float32, or float16 bits (half the bytes; src/shared/float16.ts). */
export const PRECISIONS = ['f16', 'f32'] as const;
export type Precision = (typeof PRECISIONS)[number];
export type EncodedArray = Float32Array | Uint16Array;

/** The shape every array of a `traceData` message has: heads·tokens·headDim (q, k, v) or (heads or 1)·tokens·tokens (scores, weights). */
export interface TraceDataShape {
  heads: number;
  tokens: number;
  headDim: number;
}

export interface TraceFetch {
  /** The analysis (its requestId) the panel shows: the host answers only for the one it holds. */
  analysis: number;
  /** Pairs the answer with the request. */
  fetchId: number;
  layer: number;
  parts: TracePart[];
  precision: Precision;
  /** Only this head of the [T][T] parts (the model's scores and weights); q, k, v always come whole. */
  head?: number;
}

export type ToWebview =
  | { type: 'init'; strings: UiStrings; locale: string; defaultView?: PanelView; backend?: RecomputeBackend }
  /**
   * `sentAt`: the host's clock (ms since the epoch) when it posted the message, to time the transfer.
   * `pushed`: the host sends this layer's q and k right after (fetchId 0), unasked: the layer the panel
   * showed last, so that the first paint waits for no round trip.
   */
  | { type: 'analysis'; analysis: Analysis; sentAt?: number; pushed?: { layer: number; precision: Precision } }
  | { type: 'status'; status: RunStatus; message?: string }
  | { type: 'stale'; stale: boolean }
  | { type: 'focusToken'; index: number }
  | ({ type: 'lesson' } & LessonState)
  /** One layer's arrays, as asked for (a Uint16Array holds float16 bits). */
  | { type: 'traceData'; analysis: number; fetchId: number; layer: number; head?: number; shape: TraceDataShape; data: Partial<Record<TracePart, EncodedArray>> }
  | { type: 'traceUnavailable'; analysis: number; fetchId: number; message: string }
  /** The editor hovers token `index`: the panel answers with the row it shows (`row`). */
  | { type: 'rowRequest'; id: number; index: number }
  /** See why: the side-by-side view's other run (compareProtocol.ts). */
  | CompareData
  | CompareUnavailable;

export type ExportFormat = 'png' | 'svg' | 'csv' | 'json';

export type FromWebview =
  | { type: 'ready' }
  | { type: 'selectStage'; step: number }
  /**
   * What the panel shows: the focused token, layer and head (-1 the mean over heads, -2 rollout) and
   * the weights of the focused token's row as the panel computed them (the editor paints those).
   */
  | { type: 'focusToken'; index: number | null; layer: number; head: number; row?: Float32Array }
  | ({ type: 'fetchTrace' } & TraceFetch)
  /** The answer to `rowRequest`: token `index`'s row as the panel shows it (layer, head, what-ifs). */
  | { type: 'row'; id: number; index: number; layer: number; head: number; weights: Float32Array }
  | { type: 'revealToken'; index: number }
  | { type: 'export'; format: ExportFormat; fileName: string; data: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | CompareRequest;

// ---- validation ---------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): v is number => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown, max = 1e6): v is string => typeof v === 'string' && v.length <= max;
const oneOf = <T extends string>(v: unknown, options: readonly T[]): v is T => typeof v === 'string' && (options as readonly string[]).includes(v);

/** More tokens than any model's context (a row longer than this is malformed). */
const MAX_TOKENS = 1 << 17;

/** Largest export a webview may hand the host (a PNG data URL of a big view). */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
const EXPORT_FORMATS: readonly ExportFormat[] = ['png', 'svg', 'csv', 'json'];

export function parseFromWebview(m: unknown): FromWebview | undefined {
  if (!isObj(m)) return undefined;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'selectStage':
      return isInt(m.step) ? { type: 'selectStage', step: m.step } : undefined;
    case 'focusToken': {
      if (!((m.index === null || isInt(m.index)) && isInt(m.layer) && isInt(m.head, ROLLOUT))) return undefined;
      if (m.row !== undefined && !(m.row instanceof Float32Array && m.row.length <= MAX_TOKENS)) return undefined;
      // Rollout has no counterpart in the model: only with the panel's own row.
      if (m.head === ROLLOUT && m.row === undefined) return undefined;
      return { type: 'focusToken', index: m.index, layer: m.layer, head: m.head, ...(m.row !== undefined ? { row: m.row as Float32Array } : {}) };
    }
    case 'fetchTrace': {
      if (!isInt(m.analysis) || !isInt(m.fetchId) || !isInt(m.layer, 0, 1023) || !oneOf(m.precision, PRECISIONS) || (m.head !== undefined && !isInt(m.head, 0, 1023))) return undefined;
      if (!Array.isArray(m.parts) || m.parts.length === 0 || m.parts.length > TRACE_PARTS.length || !m.parts.every((p) => oneOf(p, TRACE_PARTS))) return undefined;
      return { type: 'fetchTrace', analysis: m.analysis, fetchId: m.fetchId, layer: m.layer, parts: [...new Set(m.parts as TracePart[])], precision: m.precision, ...(m.head !== undefined ? { head: m.head as number } : {}) };
    }
    case 'row':
      return isInt(m.id) && isInt(m.index) && isInt(m.layer) && isInt(m.head, ROLLOUT) && m.weights instanceof Float32Array && m.weights.length <= MAX_TOKENS
        ? { type: 'row', id: m.id, index: m.index, layer: m.layer, head: m.head, weights: m.weights }
        : undefined;
    case 'revealToken':
      return isInt(m.index) ? { type: 'revealToken', index: m.index } : undefined;
    case 'export':
      return oneOf(m.format, EXPORT_FORMATS) && isStr(m.fileName, 200) && /^[\w.\- ]+$/.test(m.fileName) && isStr(m.data, MAX_EXPORT_CHARS)
        ? { type: 'export', format: m.format, fileName: m.fileName, data: m.data }
        : undefined;
    case 'log':
      return oneOf(m.level, ['info', 'warn', 'error'] as const) && isStr(m.message, 10_000) ? { type: 'log', level: m.level, message: m.message } : undefined;
    case 'compareRequest':
      return parseCompareRequest(m);
    default:
      return undefined;
  }
}

export function parseTokens(v: unknown, textLimit: number): TokenSpan[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: TokenSpan[] = [];
  for (const t of v) {
    if (!isObj(t) || !isStr(t.text, textLimit) || !isInt(t.id) || !isInt(t.start) || !isInt(t.end) || t.end < t.start || typeof t.special !== 'boolean') return undefined;
    out.push({ text: t.text, id: t.id, start: t.start, end: t.end, special: t.special, ...(t.partial === true ? { partial: true } : {}), ...(t.approximate === true ? { approximate: true } : {}) });
  }
  return out;
}

export function parseModelInfo(v: unknown): ModelInfo | undefined {
  if (!isObj(v)) return undefined;
  const { name, architecture, tokenizer, layers, heads, headDim, causal, maxPositions } = v;
  if (!isStr(name, 500) || !oneOf(architecture, ['gpt2', 'bert', 'llama'] as const) || !isStr(tokenizer, 500)) return undefined;
  if (!isInt(layers, 1, 1024) || !isInt(heads, 1, 1024) || !isInt(headDim, 1, 65536) || typeof causal !== 'boolean' || !isInt(maxPositions, 1)) return undefined;
  return { name, architecture, tokenizer, layers, heads, headDim, causal, maxPositions };
}

/** Checks a trace header: a known model shape and at least one well-formed token. */
export function parseTraceHeader(v: unknown): TraceHeader | undefined {
  if (!isObj(v)) return undefined;
  const model = parseModelInfo(v.model);
  const tokens = parseTokens(v.tokens, 10_000);
  if (!model || !tokens || tokens.length === 0 || tokens.length > MAX_TOKENS) return undefined;
  if (v.truncatedFrom !== undefined && !isInt(v.truncatedFrom)) return undefined;
  return { model, tokens, ...(v.truncatedFrom !== undefined ? { truncatedFrom: v.truncatedFrom as number } : {}) };
}

/** Checks a whole trace's shapes: every tensor must have exactly layers·heads·T·(D or T) floats. */
export function parseTrace(v: unknown): AttentionTrace | undefined {
  if (!isObj(v)) return undefined;
  const header = parseTraceHeader(v);
  if (!header) return undefined;
  const { model, tokens } = header;
  const t = tokens.length;
  const perHead = model.layers * model.heads * t;
  const sizes = { q: perHead * model.headDim, k: perHead * model.headDim, v: perHead * model.headDim, scores: perHead * t, weights: perHead * t } as const;
  for (const [key, size] of Object.entries(sizes)) {
    const arr = v[key];
    if (!(arr instanceof Float32Array) || arr.length !== size) return undefined;
  }
  return { ...header, q: v.q as Float32Array, k: v.k as Float32Array, v: v.v as Float32Array, scores: v.scores as Float32Array, weights: v.weights as Float32Array };
}

/** A `traceData` message: every array a Float32Array or Uint16Array (float16) of exactly the size its shape gives. */
function parseTraceData(m: Obj): ToWebview | undefined {
  if (!isInt(m.analysis) || !isInt(m.fetchId) || !isInt(m.layer, 0, 1023) || (m.head !== undefined && !isInt(m.head, 0, 1023)) || !isObj(m.shape) || !isObj(m.data)) return undefined;
  const { heads, tokens, headDim } = m.shape;
  if (!isInt(heads, 1, 1024) || !isInt(tokens, 1, MAX_TOKENS) || !isInt(headDim, 1, 65536)) return undefined;
  const rows = (m.head !== undefined ? 1 : heads) * tokens;
  const data: Partial<Record<TracePart, EncodedArray>> = {};
  for (const [key, arr] of Object.entries(m.data)) {
    if (!oneOf(key, TRACE_PARTS)) return undefined;
    if (!(arr instanceof Float32Array || arr instanceof Uint16Array)) return undefined;
    if (arr.length !== (isSquarePart(key) ? rows * tokens : heads * tokens * headDim)) return undefined;
    data[key] = arr;
  }
  if (Object.keys(data).length === 0) return undefined;
  return { type: 'traceData', analysis: m.analysis, fetchId: m.fetchId, layer: m.layer, ...(m.head !== undefined ? { head: m.head as number } : {}), shape: { heads, tokens, headDim }, data };
}

function parseStrings(v: unknown): UiStrings | undefined {
  if (!isObj(v)) return undefined;
  const out: Partial<UiStrings> = {};
  for (const key of Object.keys(UI_STRINGS) as Array<keyof UiStrings>) {
    const s = v[key];
    if (!isStr(s, 1000)) return undefined;
    out[key] = s;
  }
  return out as UiStrings;
}

export function parseWhatIf(v: unknown): WhatIfSettings | undefined {
  if (!isObj(v) || typeof v.scale !== 'boolean' || typeof v.causal !== 'boolean' || !isNum(v.temperature)) return undefined;
  if (!isAllowedTemperature(v.temperature)) return undefined;
  return { scale: v.scale, temperature: v.temperature, causal: v.causal };
}

function parseLesson(m: Obj): ToWebview | undefined {
  if (!oneOf(m.view, PANEL_VIEWS)) return undefined;
  const optional = (v: unknown, min = 0) => v === undefined || isInt(v, min);
  if (!optional(m.token) || !optional(m.key) || !optional(m.layer) || !optional(m.head, MEAN_OF_HEADS)) return undefined;
  const whatIf = m.whatIf === undefined ? undefined : parseWhatIf(m.whatIf);
  if (m.whatIf !== undefined && !whatIf) return undefined;
  return {
    type: 'lesson',
    view: m.view,
    ...(m.token !== undefined ? { token: m.token as number } : {}),
    ...(m.key !== undefined ? { key: m.key as number } : {}),
    ...(m.layer !== undefined ? { layer: m.layer as number } : {}),
    ...(m.head !== undefined ? { head: m.head as number } : {}),
    ...(whatIf ? { whatIf } : {}),
  };
}

export function parseToWebview(m: unknown): ToWebview | undefined {
  if (!isObj(m)) return undefined;
  switch (m.type) {
    case 'init': {
      const strings = parseStrings(m.strings);
      if (!strings || !isStr(m.locale, 50)) return undefined;
      if (m.defaultView !== undefined && !oneOf(m.defaultView, PANEL_VIEWS)) return undefined;
      if (m.backend !== undefined && !oneOf(m.backend, RECOMPUTE_BACKENDS)) return undefined;
      return {
        type: 'init',
        strings,
        locale: m.locale,
        ...(m.defaultView !== undefined ? { defaultView: m.defaultView as PanelView } : {}),
        ...(m.backend !== undefined ? { backend: m.backend as RecomputeBackend } : {}),
      };
    }
    case 'lesson':
      return parseLesson(m);
    case 'analysis': {
      const a = m.analysis;
      if (!isObj(a) || !isInt(a.requestId) || !isStr(a.source, 2000) || !Array.isArray(a.stages) || !isObj(a.millis)) return undefined;
      const trace = parseTraceHeader(a.trace);
      if (!trace || !isNum(a.millis.load) || !isNum(a.millis.run)) return undefined;
      const stages: StageInfo[] = [];
      for (const s of a.stages) {
        if (!isObj(s) || !isInt(s.step) || !isStr(s.label, 200) || (s.loss !== undefined && !isNum(s.loss))) return undefined;
        stages.push({ step: s.step, label: s.label, ...(s.loss !== undefined ? { loss: s.loss as number } : {}) });
      }
      if (a.stage !== undefined && !isInt(a.stage)) return undefined;
      if (m.sentAt !== undefined && !isNum(m.sentAt)) return undefined;
      const pushed = m.pushed;
      if (pushed !== undefined && !(isObj(pushed) && isInt(pushed.layer, 0, trace.model.layers - 1) && oneOf(pushed.precision, PRECISIONS))) return undefined;
      return {
        type: 'analysis',
        analysis: { requestId: a.requestId, trace, source: a.source, stages, ...(a.stage !== undefined ? { stage: a.stage as number } : {}), millis: { load: a.millis.load, run: a.millis.run } },
        ...(m.sentAt !== undefined ? { sentAt: m.sentAt as number } : {}),
        ...(pushed !== undefined ? { pushed: { layer: pushed.layer as number, precision: pushed.precision as Precision } } : {}),
      };
    }
    case 'status':
      return oneOf(m.status, ['loading', 'running', 'idle', 'error', 'cancelled'] as const) && (m.message === undefined || isStr(m.message, 10_000))
        ? { type: 'status', status: m.status, ...(m.message !== undefined ? { message: m.message as string } : {}) }
        : undefined;
    case 'stale':
      return typeof m.stale === 'boolean' ? { type: 'stale', stale: m.stale } : undefined;
    case 'focusToken':
      return isInt(m.index) ? { type: 'focusToken', index: m.index } : undefined;
    case 'traceData':
      return parseTraceData(m);
    case 'traceUnavailable':
      return isInt(m.analysis) && isInt(m.fetchId) && isStr(m.message, 10_000) ? { type: 'traceUnavailable', analysis: m.analysis, fetchId: m.fetchId, message: m.message } : undefined;
    case 'rowRequest':
      return isInt(m.id) && isInt(m.index) ? { type: 'rowRequest', id: m.id, index: m.index } : undefined;
    case 'compareData':
      return parseCompareData(m);
    case 'compareUnavailable':
      return parseCompareUnavailable(m);
    default:
      return undefined;
  }
}

/** What the webview persists (vscode.setState) and the serializer restores: UI and the request, never the trace. */
export interface PanelState {
  version: 1;
  layer: number;
  head: number;
  view: string;
  focused: number | null;
  /** Optional UI state of the teaching views (absent in states saved before they existed). */
  key?: number | null;
  whatIf?: WhatIfSettings;
  /** Heads drawn in the head view. */
  shownHeads?: number[];
  /** Enough to run the analysis again after a reload. */
  request?: { documentUri: string; start: number; end: number; stage?: number };
}
