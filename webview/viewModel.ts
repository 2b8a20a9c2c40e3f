/** The state every view reads: the analysis, the chosen layer/head, the focused token, the what-ifs. */
import type { Analysis } from '../src/shared/protocol';
import type { UiStrings } from '../src/shared/strings';
import type { WhatIf } from './recompute';

export interface ViewModel {
  analysis: Analysis;
  strings: UiStrings;
  layer: number;
  /** -1 means the mean over heads. */
  head: number;
  focused: number | null;
  whatIf: WhatIf;
  /** Weights the views draw for the current layer: [heads, T, T] (recomputed live when available). */
  layerWeights: Float32Array;
}

export function tokenCount(vm: ViewModel): number {
  return vm.analysis.trace.tokens.length;
}

/** Row `query` of the current head (or the mean of heads) as a fresh array of T weights. */
export function weightRow(vm: ViewModel, query: number): Float32Array {
  const t = tokenCount(vm);
  const heads = vm.analysis.trace.model.heads;
  const row = new Float32Array(t);
  if (vm.head >= 0) {
    row.set(vm.layerWeights.subarray((vm.head * t + query) * t, (vm.head * t + query + 1) * t));
    return row;
  }
  for (let h = 0; h < heads; h++) {
    const base = (h * t + query) * t;
    for (let j = 0; j < t; j++) row[j] += vm.layerWeights[base + j] / heads;
  }
  return row;
}

/** How a token is shown: whitespace made visible, special tokens as they are. */
export function displayText(text: string): string {
  if (text === '') return '∅';
  return text.replace(/\r\n|\n/g, '⏎').replace(/\t/g, '⇥').replace(/ /g, '·');
}

/** True if the key is hidden from the query by the causal mask. */
export function isMasked(vm: ViewModel, query: number, key: number): boolean {
  return vm.whatIf.causal && vm.analysis.trace.model.causal && key > query;
}
