/**
 * The tokens view: the token strip, and for the focused token the keys it attends to most, with the
 * row's entropy and largest weight (next to the model's own when a what-if changes them).
 */
import { format } from '../../src/shared/strings';
import { matrixCsv, matrixRows, exportHeader } from '../export/data';
import { palette } from '../ui/colors';
import { colorLegend } from '../ui/legend';
import { topIndices } from '../ui/topTargets';
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
    this.legendHigh = undefined;
    this.parts = undefined;
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

  /** Built once per render; a hover only changes its numbers (no new elements on the hover path). */
  private legendHigh: HTMLElement | undefined;
  private items: Array<{ li: HTMLElement; name: HTMLElement; fill: HTMLElement; value: HTMLElement }> = [];
  private parts: { hint: HTMLElement; title: HTMLElement; list: HTMLElement; stats: HTMLElement } | undefined;

  private renderLegend(vm: ViewModel): void {
    const max = vm.focused === null ? 1 : rowStats(weightRow(vm, vm.focused)).max;
    if (!this.legendHigh || !this.legendHost.contains(this.legendHigh)) {
      const p = palette();
      this.legendHost.replaceChildren(colorLegend(vm.strings.legend, '0', '', { ...p.weight, a: 0 }, { ...p.weight, a: 0.55 }, vm.strings.shadeRelativeToRow));
      this.legendHigh = this.legendHost.querySelector('.legend-hi') as HTMLElement;
    }
    this.legendHigh.textContent = max.toFixed(3);
  }

  private buildDetails(vm: ViewModel): NonNullable<TokensView['parts']> {
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.textContent = vm.strings.hoverHint;
    const title = document.createElement('h2');
    title.className = 'details-title';
    const list = document.createElement('ol');
    list.className = 'top-list';
    this.items = Array.from({ length: TOP }, () => {
      const li = document.createElement('li');
      li.className = 'top-item';
      const name = document.createElement('span');
      name.className = 'top-token';
      const bar = document.createElement('span');
      bar.className = 'top-bar';
      const fill = document.createElement('span');
      fill.className = 'top-fill';
      bar.append(fill);
      const value = document.createElement('span');
      value.className = 'top-value';
      li.append(name, bar, value);
      list.append(li);
      return { li, name, fill, value };
    });
    const stats = document.createElement('p');
    stats.className = 'stats';
    this.details.replaceChildren(hint, title, list, stats);
    return { hint, title, list, stats };
  }

  private renderDetails(vm: ViewModel): void {
    if (!this.parts) this.parts = this.buildDetails(vm);
    const { hint, title, list, stats } = this.parts;
    const focused = vm.focused;
    hint.hidden = focused !== null;
    title.hidden = list.hidden = stats.hidden = focused === null;
    if (focused === null) return;
    const tokens = vm.analysis.trace.tokens;
    const row = weightRow(vm, focused);
    title.textContent = format(vm.strings.attendsTo, displayText(tokens[focused].text));
    const order = topIndices(row, TOP);
    this.items.forEach((item, n) => {
      const j = order[n];
      const shown = j !== undefined && row[j] > 0;
      item.li.hidden = !shown;
      if (!shown) return;
      item.name.textContent = displayText(tokens[j].text);
      item.fill.style.width = `${(row[j] * 100).toFixed(1)}%`;
      item.value.textContent = row[j].toFixed(3);
    });
    stats.textContent = statsText(vm, focused);
  }

  exportData(vm: ViewModel): ExportData {
    const m = currentMatrix(vm);
    return { csv: matrixCsv(vm, m), json: { ...exportHeader(vm), weights: matrixRows(m, tokenCount(vm)) } };
  }
}

/** "entropy 0.52 · max weight 0.91", with the model's own values when the what-ifs change them. */
export function statsText(vm: ViewModel, query: number): string {
  const s = rowStats(weightRow(vm, query));
  const base = vm.store.atModelSettings ? undefined : modelRow(vm, query);
  const m = base ? rowStats(base) : undefined;
  const model = (v: number | undefined) => (v === undefined ? '' : ` (${vm.strings.modelValue} ${v.toFixed(3)})`);
  return `${vm.strings.entropy} ${s.entropy.toFixed(3)}${model(m?.entropy)} · ${vm.strings.maxWeight} ${s.max.toFixed(3)}${model(m?.max)}`;
}

export function statsLine(vm: ViewModel, query: number): HTMLElement {
  const p = document.createElement('p');
  p.className = 'stats';
  p.textContent = statsText(vm, query);
  return p;
}
