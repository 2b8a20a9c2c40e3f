/**
 * The tokens view: the token strip, and for the focused token the keys it attends to most, with the
 * row's entropy and largest weight (next to the model's own when a what-if changes them).
 */
import { format } from '../../src/shared/strings';
import { matrixCsv, matrixRows, exportHeader } from '../export/data';
import { palette } from '../ui/colors';
import { colorLegend } from '../ui/legend';
import { ViewModel, currentMatrix, displayText, modelRow, rowStats, tokenCount, weightRow } from '../viewModel';
import { ExportData, View, ViewActions } from './view';
import { TokenStrip } from './tokenStrip';

const TOP = 8;

export class TokensView implements View {
  readonly id = 'tokens' as const;
  readonly element: HTMLElement;
  private readonly strip: TokenStrip;
  private readonly legendHost: HTMLElement;
  private readonly details: HTMLElement;

  constructor(actions: ViewActions) {
    this.element = document.createElement('div');
    this.element.className = 'view tokens-view';
    this.strip = new TokenStrip({ focus: (i) => actions.focus(i), reveal: (i) => actions.reveal(i) }, true);
    this.legendHost = document.createElement('div');
    this.details = document.createElement('section');
    this.details.className = 'details';
    this.details.setAttribute('aria-live', 'polite');
    this.element.append(this.strip.element, this.legendHost, this.details);
  }

  render(vm: ViewModel): void {
    this.strip.render(vm, vm.strings.hoverHint);
    this.paintFocus(vm);
  }

  paintFocus(vm: ViewModel): void {
    this.strip.paint(vm);
    this.renderLegend(vm);
    this.renderDetails(vm);
  }

  focusToken(index: number): void {
    this.strip.focusChip(index);
  }

  private renderLegend(vm: ViewModel): void {
    const p = palette();
    const max = vm.focused === null ? 1 : rowStats(weightRow(vm, vm.focused)).max;
    this.legendHost.replaceChildren(colorLegend(vm.strings.legend, '0', max.toFixed(3), { ...p.weight, a: 0 }, { ...p.weight, a: 0.55 }, vm.strings.shadeRelativeToRow));
  }

  private renderDetails(vm: ViewModel): void {
    const details = this.details;
    details.replaceChildren();
    if (vm.focused === null) {
      const hint = document.createElement('p');
      hint.className = 'hint';
      hint.textContent = vm.strings.hoverHint;
      details.append(hint);
      return;
    }
    const tokens = vm.analysis.trace.tokens;
    const row = weightRow(vm, vm.focused);
    const title = document.createElement('h2');
    title.className = 'details-title';
    title.textContent = format(vm.strings.attendsTo, displayText(tokens[vm.focused].text));
    const list = document.createElement('ol');
    list.className = 'top-list';
    const order = topIndices(row, TOP);
    for (const j of order) {
      if (row[j] <= 0) continue;
      const item = document.createElement('li');
      item.className = 'top-item';
      const name = document.createElement('span');
      name.className = 'top-token';
      name.textContent = displayText(tokens[j].text);
      const bar = document.createElement('span');
      bar.className = 'top-bar';
      const fill = document.createElement('span');
      fill.className = 'top-fill';
      fill.style.width = `${(row[j] * 100).toFixed(1)}%`;
      bar.append(fill);
      const value = document.createElement('span');
      value.className = 'top-value';
      value.textContent = row[j].toFixed(3);
      item.append(name, bar, value);
      list.append(item);
    }
    details.append(title, list, statsLine(vm, vm.focused));
  }

  exportData(vm: ViewModel): ExportData {
    const m = currentMatrix(vm);
    return { csv: matrixCsv(vm, m), json: { ...exportHeader(vm), weights: matrixRows(m, tokenCount(vm)) } };
  }
}

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

/** "entropy 0.52 · max weight 0.91", with the model's own values when the what-ifs change them. */
export function statsLine(vm: ViewModel, query: number): HTMLElement {
  const s = rowStats(weightRow(vm, query));
  const base = vm.store.atModelSettings ? undefined : modelRow(vm, query);
  const m = base ? rowStats(base) : undefined;
  const p = document.createElement('p');
  p.className = 'stats';
  const model = (v: number | undefined) => (v === undefined ? '' : ` (${vm.strings.modelValue} ${v.toFixed(3)})`);
  p.textContent = `${vm.strings.entropy} ${s.entropy.toFixed(3)}${model(m?.entropy)} · ${vm.strings.maxWeight} ${s.max.toFixed(3)}${model(m?.max)}`;
  return p;
}
