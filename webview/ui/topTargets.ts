/**
 * The text alternative of views drawn on canvases: the keys the focused token attends to most, with their
 * weights, as a screen reader reads them ("“员” attends to: 序 0.825, 程 0.101, 员 0.030").
 */
import { format } from '../../src/shared/strings';
import { ViewModel, displayText, isMasked } from '../viewModel';

/** How many keys the text names. */
export const TOP_TARGETS = 3;

/** Indices of the `n` largest values, largest first. */
export function topIndices(row: ArrayLike<number>, n: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < row.length; j++) {
    if (out.length < n || row[j] > row[out[out.length - 1]]) {
      let at = out.length;
      while (at > 0 && row[out[at - 1]] < row[j]) at--;
      out.splice(at, 0, j);
      if (out.length > n) out.pop();
    }
  }
  return out;
}

/** The `count` strongest keys of `row`, strongest first (masked keys and zero weights left out). */
export function topTargets(vm: ViewModel, query: number, row: ArrayLike<number>, count = TOP_TARGETS): number[] {
  return topIndices(row, count).filter((j) => row[j] > 0 && !isMasked(vm, query, j));
}

export function topTargetsText(vm: ViewModel, query: number, row: ArrayLike<number>, count = TOP_TARGETS): string {
  const tokens = vm.analysis.trace.tokens;
  const targets = topTargets(vm, query, row, count).map((j) => `${displayText(tokens[j].text)} ${row[j].toFixed(3)}`);
  return `${format(vm.strings.attendsTo, displayText(tokens[query].text))}: ${targets.join(', ')}`;
}

/** A visually hidden region whose text changes are read out (politely) by screen readers. */
export function liveRegion(): HTMLElement {
  const live = document.createElement('div');
  live.className = 'visually-hidden';
  live.setAttribute('aria-live', 'polite');
  live.dataset.textAlternative = '';
  return live;
}
