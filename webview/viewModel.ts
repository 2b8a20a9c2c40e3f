/**
 * The state every view reads: the analysis, the chosen view, layer and head (or an aggregate), the
 * focused query and key, the what-ifs, and the store that hands out weights.
 */
import type { Analysis } from '../src/shared/protocol';
import type { UiStrings } from '../src/shared/strings';
import { MEAN_OF_HEADS, ROLLOUT, WhatIfSettings as WhatIf, isMasked as maskRule } from '../src/shared/attentionRules';
import { PANEL_VIEWS, PanelView } from '../src/shared/protocol';
import type { TraceData, Want } from './traceData';
import type { WeightStore } from './weightStore';

/** The panel's views: the shared list (src/shared/protocol.ts), under the names the webview has used. */
export type ViewId = PanelView;
export const VIEW_IDS: readonly ViewId[] = PANEL_VIEWS;

/** Values of `ViewModel.head` that are not a single head (defined in src/shared/attentionRules.ts). */
export { MEAN_OF_HEADS, ROLLOUT };

export interface ViewModel {
  analysis: Analysis;
  /** The arrays fetched so far (q, k, v per layer; the model's weights where checked). */
  data: TraceData;
  strings: UiStrings;
  view: ViewId;
  layer: number;
  /** A head index, MEAN_OF_HEADS or ROLLOUT. */
  head: number;
  /** The query token being inspected. */
  focused: number | null;
  /** A key token being inspected (matrix cell, step view's worked example, head view's right column). */
  key: number | null;
  whatIf: WhatIf;
  /** Heads drawn in the head view. */
  shownHeads: boolean[];
  store: WeightStore;
}

export function tokenCount(vm: ViewModel): number {
  return vm.analysis.trace.tokens.length;
}

/** The [T, T] matrix the views draw for the chosen layer and head/aggregate. */
export function currentMatrix(vm: ViewModel): Float32Array {
  return matrixFor(vm, vm.layer, vm.head);
}

export function matrixFor(vm: ViewModel, layer: number, head: number): Float32Array {
  if (head === ROLLOUT) return vm.store.rollout(layer);
  if (head === MEAN_OF_HEADS) return vm.store.mean(layer);
  return vm.store.head(layer, head);
}

/** Row `query` of the current matrix (a view, not a copy). */
export function weightRow(vm: ViewModel, query: number): Float32Array {
  const t = tokenCount(vm);
  return currentMatrix(vm).subarray(query * t, (query + 1) * t);
}

/** The single head a per-head view (head view, step view) starts from when an aggregate is chosen. */
export function singleHead(vm: ViewModel): number {
  return vm.head >= 0 ? vm.head : 0;
}

/** How a token is shown: whitespace made visible, special tokens as they are. */
export function displayText(text: string): string {
  if (text === '') return '∅';
  return text.replace(/\r\n|\n/g, '⏎').replace(/\t/g, '⇥').replace(/ /g, '·');
}

/** True if the key is hidden from the query by the causal mask (as the what-ifs have it now). */
export function isMasked(vm: ViewModel, query: number, key: number): boolean {
  return maskRule(query, key, vm.whatIf.causal && vm.analysis.trace.model.causal);
}

export function headLabel(vm: ViewModel, head = vm.head): string {
  if (head === MEAN_OF_HEADS) return vm.strings.allHeads;
  if (head === ROLLOUT) return vm.strings.rollout;
  return `${vm.strings.head} ${head}`;
}

/** Entropy (nats) and largest weight of one attention row: what √dk and temperature change. */
export function rowStats(row: ArrayLike<number>): { entropy: number; max: number } {
  let entropy = 0;
  let max = 0;
  for (let j = 0; j < row.length; j++) {
    const w = row[j];
    if (w > 0) entropy -= w * Math.log(w);
    if (w > max) max = w;
  }
  return { entropy, max };
}

/** Mean entropy and mean max weight over every query row of a [T, T] matrix. */
export function matrixStats(m: Float32Array, t: number): { entropy: number; max: number } {
  let entropy = 0;
  let max = 0;
  for (let i = 0; i < t; i++) {
    const s = rowStats(m.subarray(i * t, (i + 1) * t));
    entropy += s.entropy;
    max += s.max;
  }
  return { entropy: entropy / t, max: max / t };
}

/**
 * What the view shown needs fetched before it can be drawn: the model view every layer, rollout the
 * layers up to the chosen one, anything else the chosen layer; the step view also the chosen head's v
 * and the model's own scores (it checks its arithmetic against them). A new view that reads more (other
 * layers, v) says so here: the panel fetches this before it calls the view's render, and views read
 * weights only through vm.store (computed on the GPU from what was fetched).
 */
export function neededNow(vm: ViewModel): Want[] {
  const all = vm.analysis.trace.model.layers;
  const layers = vm.view === 'model' || vm.view === 'compare' ? Array.from({ length: all }, (_, l) => l) : vm.head === ROLLOUT ? Array.from({ length: vm.layer + 1 }, (_, l) => l) : [vm.layer];
  const wants: Want[] = layers.map((layer) => ({ layer, parts: vm.store.needs() }));
  // See why: the q·k geometry plots q and k themselves, whatever the weights are computed from.
  if (vm.view === 'geometry') for (const p of ['q', 'k'] as const) if (!wants[wants.length - 1].parts.includes(p)) wants[wants.length - 1].parts.push(p);
  if (vm.view === 'steps') {
    wants[wants.length - 1].parts.push('v');
    wants.push({ layer: vm.layer, parts: ['scores'], head: singleHead(vm) });
  }
  // The chosen layer first.
  return wants.sort((a, b) => Number(b.layer === vm.layer) - Number(a.layer === vm.layer));
}

/** True when everything the view shown needs has arrived. */
export function canDraw(vm: ViewModel): boolean {
  return neededNow(vm).every((w) => vm.data.hasAll(w));
}

/** Row `query` as the model itself computes it (no what-ifs); undefined for rollout, which the model has no notion of. */
export function modelRow(vm: ViewModel, query: number): Float32Array | undefined {
  const t = tokenCount(vm);
  const heads = vm.analysis.trace.model.heads;
  if (vm.head >= 0) return vm.store.modelHead(vm.layer, vm.head).subarray(query * t, (query + 1) * t);
  if (vm.head !== MEAN_OF_HEADS) return undefined;
  const w = vm.store.modelLayer(vm.layer);
  const at = (h: number) => (h * t + query) * t;
  const row = new Float32Array(t);
  for (let h = 0; h < heads; h++) for (let j = 0; j < t; j++) row[j] += w[at(h) + j] / heads;
  return row;
}
