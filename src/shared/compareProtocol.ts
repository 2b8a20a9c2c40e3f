/**
 * The side-by-side view's messages (part of the one protocol in protocol.ts, kept here so the feature
 * stays in its own files): the panel asks the host to run the analysed text again at another training
 * stage or on the built-in model, and gets one head's weights of that run back.
 */
import type { ModelInfo, TokenSpan } from './trace';
import { parseModelInfo, parseTokens } from './protocol';

/** What the analysed text is compared with: another checkpoint of the same model, or the built-in teaching model. */
export type CompareTarget = { kind: 'stage'; step: number } | { kind: 'builtin' };

export interface CompareRequest {
  type: 'compareRequest';
  id: number;
  target: CompareTarget;
  layer: number;
  head: number;
}

export interface CompareData {
  type: 'compareData';
  id: number;
  /** How the other run is named in the panel, e.g. "random init (step 0)". */
  label: string;
  model: ModelInfo;
  tokens: TokenSpan[];
  /** The text the other run analysed (the same text; the panel checks before aligning). */
  text: string;
  layer: number;
  head: number;
  /** One head's softmax weights [T][T] of the other run. */
  weights: Float32Array;
}

export interface CompareUnavailable {
  type: 'compareUnavailable';
  id: number;
  message: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min = 0): v is number => Number.isSafeInteger(v) && (v as number) >= min;
const isStr = (v: unknown, max: number): v is string => typeof v === 'string' && v.length <= max;

function parseTarget(v: unknown): CompareTarget | undefined {
  if (!isObj(v)) return undefined;
  if (v.kind === 'stage' && isInt(v.step)) return { kind: 'stage', step: v.step };
  if (v.kind === 'builtin') return { kind: 'builtin' };
  return undefined;
}

export function parseCompareRequest(m: Obj): CompareRequest | undefined {
  const target = parseTarget(m.target);
  return target && isInt(m.id) && isInt(m.layer) && isInt(m.head) ? { type: 'compareRequest', id: m.id, target, layer: m.layer, head: m.head } : undefined;
}

export function parseCompareData(m: Obj): CompareData | undefined {
  const model = parseModelInfo(m.model);
  const tokens = parseTokens(m.tokens, 10_000);
  if (!model || !tokens || !tokens.length || !isInt(m.id) || !isStr(m.label, 500) || !isStr(m.text, 10_000_000) || !isInt(m.layer) || !isInt(m.head)) return undefined;
  if (m.layer >= model.layers || m.head >= model.heads) return undefined;
  const t = tokens.length;
  if (!(m.weights instanceof Float32Array) || m.weights.length !== t * t) return undefined;
  return { type: 'compareData', id: m.id, label: m.label, model, tokens, text: m.text, layer: m.layer, head: m.head, weights: m.weights };
}

export function parseCompareUnavailable(m: Obj): CompareUnavailable | undefined {
  return isInt(m.id) && isStr(m.message, 10_000) ? { type: 'compareUnavailable', id: m.id, message: m.message } : undefined;
}
