/**
 * The rules of scaled dot-product attention as QKV Lens applies them, defined once. The arithmetic is
 * implemented several ways (the engine on tfjs wasm in src/engine, the panel on tfjs WebGL and in plain JS
 * in webview/, the teaching model's trainer in scripts/training), but each takes its scale factor, mask
 * rule, temperature limits, what-if defaults and array layout from here.
 *
 *   weights = softmax( q·kᵀ · scoreScale(dk) / temperature  + causal mask )
 */

/** √dk, what q·k is divided by, so the scores' spread does not grow with the head's width. */
export function scoreDivisor(headDim: number): number {
  return Math.sqrt(headDim);
}

/** The factor q·k is multiplied by: 1/√dk. */
export function scoreScale(headDim: number): number {
  return 1 / scoreDivisor(headDim);
}

/** The causal rule: query i sees keys 0..i; a later key is masked (its weight is exactly 0). */
export function isMasked(query: number, key: number, causal: boolean): boolean {
  return causal && key > query;
}

/**
 * What tensor code adds to a masked score. Finite, unlike -Infinity, so a row never becomes NaN; after the
 * softmax subtracts the row's largest score, exp(-1e9) is exactly 0 in float32, as with -Infinity.
 */
export const MASKED_SCORE = -1e9;

/** The additive causal mask [T, T], row-major: 0 where `isMasked` is false, MASKED_SCORE where it is true. */
export function causalMaskData(t: number): Float32Array {
  const data = new Float32Array(t * t);
  for (let i = 0; i < t; i++) for (let j = i + 1; j < t; j++) data[i * t + j] = MASKED_SCORE;
  return data;
}

/** The learner's what-ifs: √dk scaling, softmax temperature, causal mask. */
export interface WhatIfSettings {
  scale: boolean;
  temperature: number;
  causal: boolean;
}

/** The what-ifs at which the panel's attention is the model's own (what "Reset to the model" restores). */
export const MODEL_WHAT_IF: Readonly<WhatIfSettings> = Object.freeze({ scale: true, temperature: 1, causal: true });

/**
 * Temperatures accepted anywhere (messages, saved panel state, the arithmetic's floor). The slider offers a
 * narrower range; a lesson or saved state may hold any value in this one.
 */
export const TEMPERATURE_LIMITS = Object.freeze({ min: 0.05, max: 10 });
export const TEMPERATURE_SLIDER = Object.freeze({ min: 0.1, max: 3, step: 0.05 });

export function isAllowedTemperature(v: number): boolean {
  return Number.isFinite(v) && v >= TEMPERATURE_LIMITS.min && v <= TEMPERATURE_LIMITS.max;
}

/** The temperature the arithmetic divides by: never below the floor (no division by zero, no overflow). */
export function effectiveTemperature(temperature: number): number {
  return Math.min(Math.max(temperature, TEMPERATURE_LIMITS.min), TEMPERATURE_LIMITS.max);
}

/** What q·k is multiplied by before the softmax under these what-ifs: scoreScale (if on) ÷ temperature. */
export function logitFactor(headDim: number, whatIf: Pick<WhatIfSettings, 'scale' | 'temperature'>): number {
  return (whatIf.scale ? scoreScale(headDim) : 1) / effectiveTemperature(whatIf.temperature);
}

/** The what-ifs as they act on a model: switching the causal mask means nothing to an encoder (BERT). */
export function effectiveWhatIf(whatIf: WhatIfSettings, modelCausal: boolean): WhatIfSettings {
  return { ...whatIf, causal: whatIf.causal && modelCausal };
}

/** True when these what-ifs reproduce the model's own computation, so its captured weights are the answer. */
export function isModelWhatIf(whatIf: WhatIfSettings, modelCausal: boolean): boolean {
  return whatIf.scale === MODEL_WHAT_IF.scale && whatIf.temperature === MODEL_WHAT_IF.temperature && (whatIf.causal || !modelCausal);
}

/** Values of the panel's head choice that are not a single head. */
export const MEAN_OF_HEADS = -1;
export const ROLLOUT = -2;

/**
 * Where things start in the trace's flat arrays, laid out [layer][head][row][col]: q, k, v have rows =
 * tokens and cols = head width; scores and weights have rows = queries and cols = keys.
 */
export function offsetOfHead(heads: number, layer: number, head: number, rows: number, cols: number): number {
  return (layer * heads + head) * rows * cols;
}

export function offsetOfRow(heads: number, layer: number, head: number, row: number, rows: number, cols: number): number {
  return offsetOfHead(heads, layer, head, rows, cols) + row * cols;
}

/** [start, end) of one layer (every head) in such an array. */
export function layerSpan(heads: number, layer: number, rows: number, cols: number): [number, number] {
  const size = heads * rows * cols;
  return [layer * size, (layer + 1) * size];
}
