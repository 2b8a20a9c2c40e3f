/**
 * The host's side of "the panel fetches what it shows": the captured trace stays here, and each
 * `fetchTrace` gets one layer's arrays (q, k, v for the GPU, the model's weights to check against),
 * float16 when asked (half the bytes; the panel checks the error against the model's weights).
 */
import { toFloat16 } from '../shared/float16';
import type { EncodedArray, ToWebview, TraceFetch } from '../shared/protocol';
import { AttentionTrace, TracePart, isSquarePart, layerPart } from '../shared/trace';

export function answerTraceFetch(trace: AttentionTrace | undefined, analysisId: number | undefined, fetch: TraceFetch): ToWebview {
  const refuse = (message: string): ToWebview => ({ type: 'traceUnavailable', analysis: fetch.analysis, fetchId: fetch.fetchId, message });
  if (!trace || analysisId !== fetch.analysis) return refuse('that analysis is no longer held (a newer one replaced it)');
  const { layers, heads, headDim } = trace.model;
  if (fetch.layer >= layers) return refuse(`layer ${fetch.layer} is out of range (the model has ${layers})`);
  if (fetch.head !== undefined && fetch.head >= heads) return refuse(`head ${fetch.head} is out of range (the model has ${heads})`);
  const data: Partial<Record<TracePart, EncodedArray>> = {};
  for (const part of fetch.parts) {
    // Only the model's scores and weights are cut to one head; q, k, v travel whole (the GPU computes every head).
    const values = layerPart(trace, part, fetch.layer, isSquarePart(part) ? fetch.head : undefined);
    data[part] = fetch.precision === 'f16' ? toFloat16(values) : values.slice();
  }
  return {
    type: 'traceData',
    analysis: fetch.analysis,
    fetchId: fetch.fetchId,
    layer: fetch.layer,
    ...(fetch.head !== undefined && fetch.parts.some(isSquarePart) ? { head: fetch.head } : {}),
    shape: { heads, tokens: trace.tokens.length, headDim },
    data,
  };
}
