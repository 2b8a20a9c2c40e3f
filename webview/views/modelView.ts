/**
 * The model view: every layer × head as a small heatmap, plus the mean of heads and the attention
 * rollout per layer. Click (or Enter) opens one in the matrix view. Thumbnails are built once per
 * change of weights; the rollout column fills in just after, so the grid appears at once.
 */
import { csvRow, exportHeader, fmt } from '../export/data';
import { palette } from '../ui/colors';
import { colorLegend } from '../ui/legend';
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

export class ModelView implements View {
  readonly id = 'model' as const;
  readonly element: HTMLElement;
  private readonly legendHost: HTMLElement;
  private readonly grid: HTMLElement;
  private cells: HTMLButtonElement[][] = [];
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
      const cell = this.cellOf(e.target);
      if (cell && this.vm) showTooltip(this.tipLines(this.vm, cell.layer, cell.head), { x: e.clientX, y: e.clientY });
    });
    this.grid.addEventListener('pointerleave', () => hideTooltip());
    this.grid.addEventListener('focusin', (e) => {
      const cell = this.cellOf(e.target);
      if (cell && this.vm) {
        const lines = this.tipLines(this.vm, cell.layer, cell.head);
        (e.target as HTMLElement).setAttribute('aria-label', lines.join(', '));
        showTooltip(lines, (e.target as HTMLElement).getBoundingClientRect());
      }
    });
    this.grid.addEventListener('click', (e) => {
      const cell = this.cellOf(e.target);
      if (cell) this.actions.openHead(cell.layer, cell.head);
    });
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
    this.legendHost.replaceChildren(colorLegend(vm.strings.legend, '0', vm.strings.maxOfEach, p.bg, p.weight, vm.strings.modelViewHint));
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

  private onKey(e: KeyboardEvent): void {
    const cell = this.cellOf(e.target);
    if (!cell || !this.vm) return;
    const columns = this.columns(this.vm);
    const c = columns.indexOf(cell.head);
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const mv = moves[e.key];
    if (!mv) return;
    e.preventDefault();
    const l = Math.max(0, Math.min(this.cells.length - 1, cell.layer + mv[0]));
    const k = Math.max(0, Math.min(columns.length - 1, c + mv[1]));
    for (const row of this.cells) for (const b of row) b.tabIndex = -1;
    this.cells[l][k].tabIndex = 0;
    this.cells[l][k].focus();
  }

  exportData(vm: ViewModel): ExportData {
    const t = tokenCount(vm);
    const lines = [csvRow(['layer', 'head', 'mean_entropy', 'mean_max_weight'])];
    const stats: Array<{ layer: number; head: number | string; meanEntropy: number; meanMaxWeight: number }> = [];
    for (let l = 0; l < vm.analysis.trace.model.layers; l++) {
      for (const h of this.columns(vm)) {
        const s = matrixStats(matrixFor(vm, l, h), t);
        const head = h >= 0 ? h : h === MEAN_OF_HEADS ? 'mean' : 'rollout';
        lines.push(csvRow([l, head, fmt(s.entropy), fmt(s.max)]));
        stats.push({ layer: l, head, meanEntropy: fmt(s.entropy), meanMaxWeight: fmt(s.max) });
      }
    }
    return { csv: lines.join('\n') + '\n', json: { ...exportHeader(vm), stats } };
  }
}
