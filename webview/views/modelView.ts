/**
 * The model view: every layer × head as a small heatmap, plus the mean of heads and the attention
 * rollout per layer. Click (or Enter) opens one in the matrix view. Thumbnails are built once per
 * change of weights; the rollout column fills in just after, so the grid appears at once.
 * Under each layer, a row of head labels (src/shared/headLabels.ts): the pattern each head follows
 * most on this text; a label explains itself and opens its head where the pattern is strongest.
 */
import { HeadLabel, labelHeads } from '../../src/shared/headLabels';
import { format } from '../../src/shared/strings';
import { csvRow, exportHeader, fmt } from '../export/data';
import { explainLabel, labelName, labelScore, labelTip } from '../headLabelText';
import { palette } from '../ui/colors';
import { colorLegend } from '../ui/legend';
import { headNote } from '../ui/headNote';
import { hideTooltip, showTooltip } from '../ui/tooltip';
import { topTargetsText } from '../ui/topTargets';
import { MEAN_OF_HEADS, ROLLOUT, ViewModel, headLabel, isMasked, matrixFor, matrixStats, tokenCount } from '../viewModel';
import { colourScale } from './matrixView';
import { ExportData, View, ViewActions } from './view';

/** Averages a [T, T] matrix into [n, n] blocks (a thumbnail keeps the overall pattern of a long input). */
export function downsample(m: Float32Array, t: number, n: number): Float32Array {
  if (n >= t) return m;
  const out = new Float32Array(n * n);
  const counts = new Float32Array(n * n);
  for (let i = 0; i < t; i++) {
    const bi = Math.floor((i * n) / t);
    for (let j = 0; j < t; j++) {
      const o = bi * n + Math.floor((j * n) / t);
      out[o] += m[i * t + j];
      counts[o]++;
    }
  }
  for (let o = 0; o < out.length; o++) out[o] /= counts[o] || 1;
  return out;
}

/**
 * Labels describe the model's own weights (not the what-ifs), so they are computed once per analysis,
 * from every layer at the model's settings (the model view has every layer fetched before it draws).
 */
const labelCache = new WeakMap<object, HeadLabel[]>();
export function traceLabels(vm: ViewModel): HeadLabel[] {
  let labels = labelCache.get(vm.analysis);
  if (!labels) {
    const { model, tokens } = vm.analysis.trace;
    labels = labelHeads({ layers: model.layers, heads: model.heads, causal: model.causal, weights: (l) => vm.store.modelLayer(l), tokens: tokens.map((t) => t.text), special: tokens.map((t) => t.special) });
    labelCache.set(vm.analysis, labels);
  }
  return labels;
}

export class ModelView implements View {
  readonly id = 'model' as const;
  readonly element: HTMLElement;
  private readonly legendHost: HTMLElement;
  private readonly grid: HTMLElement;
  private cells: HTMLButtonElement[][] = [];
  /** labels[layer][head]: the label buttons under each layer's thumbnails. */
  private labels: HTMLButtonElement[][] = [];
  private vm: ViewModel | undefined;
  private pending: number | undefined;

  constructor(private readonly actions: ViewActions) {
    this.element = document.createElement('div');
    this.element.className = 'view model-view';
    this.legendHost = document.createElement('div');
    this.grid = document.createElement('div');
    this.grid.className = 'mv-grid';
    this.grid.setAttribute('role', 'grid');
    this.element.append(this.legendHost, this.grid);
    this.grid.addEventListener('keydown', (e) => this.onKey(e));
    this.grid.addEventListener('pointerover', (e) => {
      const label = this.labelOf(e.target);
      if (label && this.vm) {
        showTooltip(labelTip(this.vm.strings, label), { x: e.clientX, y: e.clientY });
        return;
      }
      const cell = this.cellOf(e.target);
      if (cell && this.vm) showTooltip(this.tipLines(this.vm, cell.layer, cell.head), { x: e.clientX, y: e.clientY });
    });
    this.grid.addEventListener('pointerleave', () => hideTooltip());
    this.grid.addEventListener('focusin', (e) => {
      const label = this.labelOf(e.target);
      if (label && this.vm) showTooltip(labelTip(this.vm.strings, label), (e.target as HTMLElement).getBoundingClientRect());
      const cell = this.cellOf(e.target);
      if (cell && this.vm) {
        const lines = this.tipLines(this.vm, cell.layer, cell.head);
        (e.target as HTMLElement).setAttribute('aria-label', lines.join(', '));
        showTooltip(lines, (e.target as HTMLElement).getBoundingClientRect());
      }
    });
    this.grid.addEventListener('click', (e) => {
      const label = this.labelOf(e.target);
      if (label) {
        this.explain(label);
        return;
      }
      const cell = this.cellOf(e.target);
      if (cell) this.actions.openHead(cell.layer, cell.head);
    });
  }

  private labelOf(target: EventTarget | null): HeadLabel | undefined {
    const el = (target as HTMLElement | null)?.closest?.('.mv-label') as HTMLElement | null;
    if (!el || !this.vm) return undefined;
    const { heads } = this.vm.analysis.trace.model;
    return traceLabels(this.vm)[Number(el.dataset.layer) * heads + Number(el.dataset.head)];
  }

  /** The label's sentence above the view, and its head opened on the token where the pattern is strongest. */
  private explain(label: HeadLabel): void {
    if (!this.vm) return;
    const vm = this.vm;
    hideTooltip();
    headNote.show(vm.strings, `${format(vm.strings.noteFor, label.layer, label.head)} · ${labelName(vm.strings, label.top)} ${labelScore(label.top)}`, explainLabel(vm.strings, label, vm.analysis.trace.tokens.map((t) => t.text)), { view: 'matrix', layer: label.layer, head: label.head });
    this.actions.openHead(label.layer, label.head, label.top.at ?? undefined);
  }

  private cellOf(target: EventTarget | null): { layer: number; head: number } | undefined {
    const el = (target as HTMLElement | null)?.closest?.('.mv-cell') as HTMLElement | null;
    if (!el) return undefined;
    return { layer: Number(el.dataset.layer), head: Number(el.dataset.head) };
  }

  /** Columns: heads 0…H-1, then mean, then rollout. */
  private columns(vm: ViewModel): number[] {
    return [...Array.from({ length: vm.analysis.trace.model.heads }, (_, h) => h), MEAN_OF_HEADS, ROLLOUT];
  }

  render(vm: ViewModel): void {
    this.vm = vm;
    if (this.pending !== undefined) cancelAnimationFrame(this.pending);
    const { layers } = vm.analysis.trace.model;
    const columns = this.columns(vm);
    const p = palette();
    const available = Math.max(320, (this.element.parentElement?.clientWidth ?? 800) - 60);
    const size = Math.max(28, Math.min(96, Math.floor(available / columns.length) - 6));
    const dpr = window.devicePixelRatio || 1;
    const pixels = Math.min(tokenCount(vm), Math.round(size * dpr));
    this.grid.style.setProperty('--mv-size', `${size}px`);
    this.grid.style.gridTemplateColumns = `auto repeat(${columns.length}, ${size}px)`;
    const labelHint = document.createElement('p');
    labelHint.className = 'hint mv-label-hint';
    labelHint.textContent = vm.strings.labelHint;
    this.legendHost.replaceChildren(colorLegend(vm.strings.legend, '0', vm.strings.maxOfEach, p.bg, p.weight, vm.strings.modelViewHint), labelHint);
    const labels = traceLabels(vm);
    this.labels = [];
    const header: HTMLElement[] = [document.createElement('span')];
    for (const h of columns) {
      const th = document.createElement('span');
      th.className = 'mv-col' + (h < 0 ? ' mv-aggregate' : '');
      th.setAttribute('role', 'columnheader');
      th.textContent = h >= 0 ? String(h) : h === MEAN_OF_HEADS ? vm.strings.meanShort : vm.strings.rolloutShort;
      th.title = h >= 0 ? `${vm.strings.head} ${h}` : headLabel(vm, h);
      header.push(th);
    }
    const headRow = document.createElement('div');
    headRow.className = 'mv-row';
    headRow.setAttribute('role', 'row');
    headRow.append(...header);
    const rows: HTMLElement[] = [headRow];
    this.cells = [];
    for (let l = 0; l < layers; l++) {
      const row = document.createElement('div');
      row.className = 'mv-row';
      row.setAttribute('role', 'row');
      const name = document.createElement('span');
      name.className = 'mv-layer';
      name.setAttribute('role', 'rowheader');
      name.textContent = `${vm.strings.layer} ${l}`;
      row.append(name);
      const cells: HTMLButtonElement[] = [];
      for (const h of columns) {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'mv-cell' + (h < 0 ? ' mv-aggregate' : '');
        b.setAttribute('role', 'gridcell');
        b.dataset.layer = String(l);
        b.dataset.head = String(h);
        b.tabIndex = l === vm.layer && h === vm.head ? 0 : -1;
        if (l === vm.layer && h === vm.head) b.setAttribute('aria-current', 'true');
        b.setAttribute('aria-label', `${vm.strings.layer} ${l}, ${headLabel(vm, h)}`);
        const c = document.createElement('canvas');
        c.width = pixels;
        c.height = pixels;
        c.setAttribute('aria-hidden', 'true');
        b.append(c);
        cells.push(b);
        row.append(b);
      }
      this.cells.push(cells);
      rows.push(row);
      rows.push(this.labelRow(vm, l, labels, columns.length));
    }
    if (!this.cells.some((r) => r.some((c) => c.tabIndex === 0)) && this.cells[0]) this.cells[0][0].tabIndex = 0;
    this.grid.replaceChildren(...rows);
    // Heads now, rollout (a T×T matmul per layer) in the next frame.
    for (let l = 0; l < layers; l++) for (let c = 0; c < columns.length - 1; c++) this.paintCell(vm, l, columns[c], this.cells[l][c], pixels);
    this.pending = requestAnimationFrame(() => {
      this.pending = undefined;
      if (this.vm !== vm) return;
      for (let l = 0; l < layers; l++) this.paintCell(vm, l, ROLLOUT, this.cells[l][columns.length - 1], pixels);
    });
  }

  private labelRow(vm: ViewModel, layer: number, labels: HeadLabel[], columns: number): HTMLElement {
    const { heads } = vm.analysis.trace.model;
    const row = document.createElement('div');
    row.className = 'mv-row mv-label-row';
    row.setAttribute('role', 'row');
    // The row header's cell keeps the grid's first column; its text is for screen readers only.
    const lead = document.createElement('span');
    lead.setAttribute('role', 'rowheader');
    const leadText = document.createElement('span');
    leadText.className = 'visually-hidden';
    leadText.textContent = `${vm.strings.layer} ${layer}`;
    lead.append(leadText);
    row.append(lead);
    const buttons: HTMLButtonElement[] = [];
    for (let h = 0; h < heads; h++) {
      const label = labels[layer * heads + h];
      const b = document.createElement('button');
      b.type = 'button';
      b.className = `mv-label mv-label-${label.top.kind}`;
      b.setAttribute('role', 'gridcell');
      b.dataset.layer = String(layer);
      b.dataset.head = String(h);
      b.dataset.kind = label.top.kind;
      b.dataset.score = label.top.score.toFixed(4);
      b.tabIndex = -1;
      const name = document.createElement('span');
      name.className = 'mv-label-name';
      name.textContent = labelName(vm.strings, label.top);
      const score = document.createElement('span');
      score.className = 'mv-label-score';
      score.textContent = labelScore(label.top);
      b.append(name, score);
      b.setAttribute('aria-label', format(vm.strings.labelAria, layer, h, labelName(vm.strings, label.top), labelScore(label.top)));
      buttons.push(b);
      row.append(b);
    }
    for (let c = heads; c < columns; c++) row.append(document.createElement('span'));
    this.labels.push(buttons);
    return row;
  }

  private paintCell(vm: ViewModel, layer: number, head: number, cell: HTMLButtonElement, n: number): void {
    const canvas = cell.firstElementChild as HTMLCanvasElement;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const t = tokenCount(vm);
    const m = matrixFor(vm, layer, head);
    const small = downsample(m, t, n);
    const maskedCell = (bi: number, bj: number) => n === t && isMasked(vm, bi, bj);
    const { top } = colourScale(small, (o) => !maskedCell(Math.floor(o / n), o % n));
    const p = palette();
    const img = ctx.createImageData(n, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const o = (i * n + j) * 4;
        const a = maskedCell(i, j) ? 0 : Math.min(1, small[i * n + j] / top);
        img.data[o] = Math.round(p.bg.r + (p.weight.r - p.bg.r) * a);
        img.data[o + 1] = Math.round(p.bg.g + (p.weight.g - p.bg.g) * a);
        img.data[o + 2] = Math.round(p.bg.b + (p.weight.b - p.bg.b) * a);
        img.data[o + 3] = 255;
      }
    }
    ctx.putImageData(img, 0, 0);
    cell.dataset.top = top.toFixed(4);
  }

  paintFocus(vm: ViewModel): void {
    // Nothing is drawn for the token focus here (the grid has its own keyboard focus), but a thumbnail's
    // label names the focused token's strongest keys in that head.
    this.vm = vm;
  }

  private tipLines(vm: ViewModel, layer: number, head: number): string[] {
    const t = tokenCount(vm);
    const s = matrixStats(matrixFor(vm, layer, head), t);
    const focused = vm.focused !== null && vm.focused < t ? [topTargetsText(vm, vm.focused, matrixFor(vm, layer, head).subarray(vm.focused * t, (vm.focused + 1) * t))] : [];
    return [`${vm.strings.layer} ${layer} · ${headLabel(vm, head)}`, ...focused, `${vm.strings.meanEntropy} ${s.entropy.toFixed(3)} · ${vm.strings.meanMaxWeight} ${s.max.toFixed(3)}`, vm.strings.openInMatrix];
  }

  /** Arrow keys move through the thumbnails and, under each layer, its row of labels (rows alternate). */
  private onKey(e: KeyboardEvent): void {
    const target = (e.target as HTMLElement | null)?.closest?.('.mv-cell, .mv-label') as HTMLElement | null;
    if (!target || !this.vm) return;
    const columns = this.columns(this.vm);
    const rows = this.cells.flatMap((cells, l) => [cells as HTMLElement[], (this.labels[l] ?? []) as HTMLElement[]]);
    const r = rows.findIndex((row) => row.includes(target));
    if (r < 0) return;
    const c = rows[r].indexOf(target);
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const mv = moves[e.key];
    if (!mv) return;
    e.preventDefault();
    const nr = Math.max(0, Math.min(rows.length - 1, r + mv[0]));
    // A label row has no mean/rollout column: from there, Down lands on the last head's label.
    const nc = Math.max(0, Math.min(rows[nr].length - 1, columns.length - 1, c + mv[1]));
    for (const row of rows) for (const b of row) b.tabIndex = -1;
    rows[nr][nc].tabIndex = 0;
    rows[nr][nc].focus();
  }

  exportData(vm: ViewModel): ExportData {
    const t = tokenCount(vm);
    const lines = [csvRow(['layer', 'head', 'mean_entropy', 'mean_max_weight', 'label', 'label_score'])];
    const { heads } = vm.analysis.trace.model;
    const all = traceLabels(vm);
    const stats: Array<{ layer: number; head: number | string; meanEntropy: number; meanMaxWeight: number }> = [];
    for (let l = 0; l < vm.analysis.trace.model.layers; l++) {
      for (const h of this.columns(vm)) {
        const s = matrixStats(matrixFor(vm, l, h), t);
        const head = h >= 0 ? h : h === MEAN_OF_HEADS ? 'mean' : 'rollout';
        const label = h >= 0 ? all[l * heads + h].top : undefined;
        lines.push(csvRow([l, head, fmt(s.entropy), fmt(s.max), label?.kind ?? '', label ? fmt(label.score) : '']));
        stats.push({ layer: l, head, meanEntropy: fmt(s.entropy), meanMaxWeight: fmt(s.max) });
      }
    }
    const labels = traceLabels(vm).map((l) => ({ layer: l.layer, head: l.head, label: l.top.kind, score: fmt(l.top.score), scores: Object.fromEntries(l.scores.map((s) => [s.kind, fmt(s.score)])) }));
    return { csv: lines.join('\n') + '\n', json: { ...exportHeader(vm), stats, labels } };
  }
}
