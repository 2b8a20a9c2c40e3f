/**
 * The query × key heatmap of the chosen head or aggregate. The cells are painted once into a bitmap
 * (one pixel per cell, scaled without smoothing); hover and keyboard only repaint a thin overlay, so a
 * 512×512 matrix follows the pointer. Masked cells are hatched, the legend gives the scale.
 */
import { exportHeader, matrixCsv, matrixRows } from '../export/data';
import { Rgb, css, mix, palette } from '../ui/colors';
import { colorLegend } from '../ui/legend';
import { hideTooltip, showTooltip } from '../ui/tooltip';
import { topTargetsText } from '../ui/topTargets';
import { ViewModel, currentMatrix, displayText, headLabel, isMasked, tokenCount } from '../viewModel';
import { ExportData, View, ViewActions } from './view';

/**
 * The top of the colour scale: the 99th percentile of the unmasked values, so one saturated cell (the
 * first query of a causal model always gives itself 1.0) does not wash out the rest. `clipped` says
 * whether any value lies above it (the legend then says so).
 */
export function colourScale(values: ArrayLike<number>, include: (index: number) => boolean = () => true): { top: number; max: number; clipped: boolean } {
  const kept: number[] = [];
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    if (!include(i)) continue;
    kept.push(values[i]);
    if (values[i] > max) max = values[i];
  }
  if (kept.length === 0 || max <= 0) return { top: 1, max: 0, clipped: false };
  const sorted = Float32Array.from(kept).sort();
  const top = sorted[Math.floor(0.99 * (sorted.length - 1))] || max;
  return { top, max, clipped: top < max };
}

export function scaleLabel(scale: { top: number; clipped: boolean }): string {
  return `${scale.top.toFixed(3)}${scale.clipped ? '+' : ''}`;
}

/** Paints a [T, T] matrix into RGBA pixels: 0 is the background, `max` the full weight colour. */
export function heatPixels(m: Float32Array, rows: number, cols: number, max: number, colour: Rgb, bg: Rgb, masked?: (i: number, j: number) => boolean): ImageData {
  const img = new ImageData(cols, rows);
  const px = img.data;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const o = (i * cols + j) * 4;
      const c = masked?.(i, j) ? bg : mix(colour, bg, Math.min(1, m[i * cols + j] / max));
      px[o] = c.r;
      px[o + 1] = c.g;
      px[o + 2] = c.b;
      px[o + 3] = 255;
    }
  }
  return img;
}

export class MatrixView implements View {
  readonly id = 'matrix' as const;
  readonly element: HTMLElement;
  private readonly stack: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private readonly legendHost: HTMLElement;
  private readonly live: HTMLElement;
  private cell = 12;
  /** Room for the row labels (left) and the column labels (top). */
  private lx = 0;
  private ly = 0;
  private upright = true;
  private t = 0;
  private scale = { top: 1, max: 0, clipped: false };
  private vm: ViewModel | undefined;

  constructor(private readonly actions: ViewActions) {
    this.element = document.createElement('figure');
    this.element.className = 'view matrix-view';
    this.stack = document.createElement('div');
    this.stack.className = 'matrix-stack';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'matrix-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.overlay = document.createElement('canvas');
    this.overlay.className = 'matrix-overlay';
    this.overlay.setAttribute('aria-hidden', 'true');
    this.stack.append(this.canvas, this.overlay);
    this.caption = document.createElement('figcaption');
    this.legendHost = document.createElement('div');
    this.live = document.createElement('div');
    this.live.className = 'visually-hidden';
    this.live.setAttribute('aria-live', 'polite');
    this.element.append(this.legendHost, this.stack, this.caption, this.live);
    this.canvas.addEventListener('pointermove', (e) => this.onPointer(e));
    this.canvas.addEventListener('pointerleave', () => {
      hideTooltip();
      this.actions.focus(null, null);
    });
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.canvas.addEventListener('focus', () => {
      if (this.vm && this.vm.focused === null) this.actions.focus(0, 0);
      else this.paintFocus(this.vm);
    });
    this.canvas.addEventListener('blur', () => hideTooltip());
  }

  private cellAt(x: number, y: number): { i: number; j: number } | undefined {
    const i = Math.floor((y - this.ly) / this.cell);
    const j = Math.floor((x - this.lx) / this.cell);
    return i >= 0 && j >= 0 && i < this.t && j < this.t ? { i, j } : undefined;
  }

  private onPointer(e: PointerEvent): void {
    const at = this.cellAt(e.offsetX, e.offsetY);
    if (!at) {
      hideTooltip();
      return;
    }
    this.actions.focus(at.i, at.j);
    if (this.vm) showTooltip(this.tipLines(this.vm, at.i, at.j), { x: e.clientX, y: e.clientY });
  }

  private onKey(e: KeyboardEvent): void {
    const vm = this.vm;
    if (!vm) return;
    const i = vm.focused ?? 0;
    const j = vm.key ?? 0;
    const last = this.t - 1;
    const moves: Record<string, [number, number]> = {
      ArrowUp: [i - 1, j],
      ArrowDown: [i + 1, j],
      ArrowLeft: [i, j - 1],
      ArrowRight: [i, j + 1],
      Home: [i, 0],
      End: [i, last],
      PageUp: [0, j],
      PageDown: [last, j],
    };
    const to = moves[e.key];
    if (to) {
      e.preventDefault();
      this.actions.focus(Math.max(0, Math.min(last, to[0])), Math.max(0, Math.min(last, to[1])));
    } else if (e.key === 'Escape') {
      this.actions.focus(null, null);
    } else if (e.key === 'Enter' && vm.key !== null) {
      this.actions.reveal(vm.key);
    }
  }

  private tipLines(vm: ViewModel, i: number, j: number): string[] {
    const tokens = vm.analysis.trace.tokens;
    const m = currentMatrix(vm);
    const q = `${displayText(tokens[i].text)} (${i})`;
    const k = `${displayText(tokens[j].text)} (${j})`;
    const value = isMasked(vm, i, j) ? vm.strings.masked : `${vm.strings.weight} ${m[i * this.t + j].toFixed(4)}`;
    return [`${vm.strings.query} ${q} → ${vm.strings.key} ${k}`, value];
  }

  render(vm: ViewModel): void {
    this.vm = vm;
    const tokens = vm.analysis.trace.tokens;
    const t = (this.t = tokens.length);
    const m = currentMatrix(vm);
    const p = palette();
    const available = Math.max(240, (this.element.parentElement?.clientWidth ?? 640) - 8);
    this.cell = Math.max(1, Math.min(28, Math.floor((available - 72) / t)));
    const showLabels = this.cell >= 10;
    this.measureLabels(vm, showLabels, p);
    const width = this.lx + t * this.cell;
    const height = this.ly + t * this.cell;
    this.scale = colourScale(m, (o) => !isMasked(vm, Math.floor(o / t), o % t));
    const dpr = window.devicePixelRatio || 1;
    for (const c of [this.canvas, this.overlay]) {
      c.width = Math.round(width * dpr);
      c.height = Math.round(height * dpr);
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const bitmap = document.createElement('canvas');
    bitmap.width = t;
    bitmap.height = t;
    bitmap.getContext('2d')?.putImageData(heatPixels(m, t, t, this.scale.top, p.weight, p.bg), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, this.lx, this.ly, t * this.cell, t * this.cell);
    if (this.cell >= 6) {
      // Grid lines in the background colour keep neighbouring cells apart.
      ctx.strokeStyle = css(p.bg);
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let x = 0; x <= t; x++) {
        ctx.moveTo(this.lx + x * this.cell + 0.5, this.ly);
        ctx.lineTo(this.lx + x * this.cell + 0.5, height);
        ctx.moveTo(this.lx, this.ly + x * this.cell + 0.5);
        ctx.lineTo(width, this.ly + x * this.cell + 0.5);
      }
      ctx.stroke();
    }
    if (vm.analysis.trace.model.causal && vm.whatIf.causal) this.hatchMask(ctx, t, p);
    if (showLabels) this.drawLabels(ctx, vm, p);
    this.canvas.setAttribute('aria-label', `${vm.strings.viewMatrix}: ${vm.strings.layer} ${vm.layer}, ${headLabel(vm)}, ${t}×${t}. ${vm.strings.matrixKeys}`);
    this.caption.textContent = `${vm.strings.query} ↓ · ${vm.strings.key} →${vm.analysis.trace.model.causal && vm.whatIf.causal ? ` · ╱ ${vm.strings.masked}` : ''}`;
    const note = `${vm.strings.layer} ${vm.layer} · ${headLabel(vm)}${this.scale.clipped ? ` · ${vm.strings.clipNote}` : ''}`;
    this.legendHost.replaceChildren(colorLegend(vm.strings.legend, '0', scaleLabel(this.scale), p.bg, p.weight, note));
    this.paintFocus(vm);
  }

  private hatchMask(ctx: CanvasRenderingContext2D, t: number, p: ReturnType<typeof palette>): void {
    const { lx, ly } = this;
    const c = this.cell;
    ctx.save();
    ctx.beginPath();
    // The strict upper triangle: key j > query i.
    for (let i = 0; i < t - 1; i++) ctx.rect(lx + (i + 1) * c, ly + i * c, (t - i - 1) * c, c);
    ctx.clip();
    ctx.strokeStyle = css(p.muted, 0.55);
    ctx.lineWidth = 1;
    ctx.beginPath();
    const span = t * c;
    const step = Math.max(4, Math.min(c, 8));
    for (let s = -span; s < span; s += step) {
      ctx.moveTo(lx + s, ly + span);
      ctx.lineTo(lx + s + span, ly);
    }
    ctx.stroke();
    ctx.restore();
  }

  /** Row labels right-aligned in the room their longest needs; column labels upright when they fit a cell, else turned. */
  private measureLabels(vm: ViewModel, show: boolean, p: ReturnType<typeof palette>): void {
    if (!show) {
      this.lx = this.ly = 0;
      return;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.font = this.labelFont(p);
    let widest = 0;
    for (const tok of vm.analysis.trace.tokens) widest = Math.max(widest, ctx.measureText(labelText(tok.text)).width);
    this.lx = Math.ceil(Math.min(72, widest) + 8);
    this.upright = widest <= this.cell - 2;
    this.ly = this.upright ? Math.min(14, this.cell) + 6 : this.lx;
  }

  private labelFont(p: ReturnType<typeof palette>): string {
    return `${Math.min(12, this.cell - 2)}px ${p.monoFont}`;
  }

  private drawLabels(ctx: CanvasRenderingContext2D, vm: ViewModel, p: ReturnType<typeof palette>): void {
    const tokens = vm.analysis.trace.tokens;
    const { lx, ly } = this;
    const c = this.cell;
    ctx.fillStyle = css(p.fg);
    ctx.font = this.labelFont(p);
    ctx.textBaseline = 'middle';
    tokens.forEach((tok, i) => {
      const text = labelText(tok.text);
      ctx.textAlign = 'right';
      ctx.fillText(text, lx - 4, ly + i * c + c / 2, lx - 6);
      if (this.upright) {
        ctx.textAlign = 'center';
        ctx.fillText(text, lx + i * c + c / 2, ly / 2);
      } else {
        ctx.save();
        ctx.translate(lx + i * c + c / 2, ly - 4);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = 'left';
        ctx.fillText(text, 0, 0, ly - 6);
        ctx.restore();
      }
    });
  }

  paintFocus(vm: ViewModel | undefined): void {
    if (!vm) return;
    this.vm = vm;
    const ctx = this.overlay.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    const { focused: i, key: j } = vm;
    const { lx, ly } = this;
    const c = this.cell;
    const span = this.t * c;
    const p = palette();
    ctx.strokeStyle = css(p.focus);
    ctx.lineWidth = c >= 4 ? 2 : 1;
    if (i !== null) ctx.strokeRect(lx - 1, ly + i * c - 1, span + 2, c + 2);
    if (j !== null) {
      ctx.strokeStyle = css(p.fg, 0.6);
      ctx.lineWidth = 1;
      ctx.strokeRect(lx + j * c - 0.5, ly - 0.5, c + 1, span + 1);
    }
    // For screen readers: the focused cell, else the focused query's strongest keys.
    if (i !== null && j === null) this.live.textContent = topTargetsText(vm, i, currentMatrix(vm).subarray(i * this.t, (i + 1) * this.t));
    if (i !== null && j !== null) {
      ctx.strokeStyle = css(p.fg);
      ctx.lineWidth = 2;
      ctx.strokeRect(lx + j * c - 1, ly + i * c - 1, c + 2, c + 2);
      const lines = this.tipLines(vm, i, j);
      this.live.textContent = lines.join(': ');
      if (document.activeElement === this.canvas) {
        const box = this.canvas.getBoundingClientRect();
        showTooltip(lines, { x: box.left + lx + (j + 1) * c, y: box.top + ly + (i + 1) * c });
      }
    }
  }

  exportData(vm: ViewModel): ExportData {
    const m = currentMatrix(vm);
    return { csv: matrixCsv(vm, m), json: { ...exportHeader(vm), weights: matrixRows(m, tokenCount(vm)) } };
  }

  /** Small matrices export as vector cells; big ones stay an embedded bitmap. */
  canvasSvg(canvas: HTMLCanvasElement, vm: ViewModel): string | undefined {
    if (canvas === this.overlay) return '';
    if (canvas !== this.canvas || this.t > 64) return undefined;
    const m = currentMatrix(vm);
    const p = palette();
    const { lx, ly } = this;
    const c = this.cell;
    const parts: string[] = [];
    for (let i = 0; i < this.t; i++) {
      for (let j = 0; j < this.t; j++) {
        const masked = isMasked(vm, i, j);
        const fill = masked ? p.bg : mix(p.weight, p.bg, Math.min(1, m[i * this.t + j] / this.scale.top));
        parts.push(`<rect x="${lx + j * c}" y="${ly + i * c}" width="${c - 1}" height="${c - 1}" fill="${css(fill)}"${masked ? ` stroke="${css(p.muted, 0.4)}" stroke-width="0.5"` : ''}/>`);
        if (masked) parts.push(`<line x1="${lx + j * c}" y1="${ly + (i + 1) * c - 1}" x2="${lx + (j + 1) * c - 1}" y2="${ly + i * c}" stroke="${css(p.muted, 0.55)}"/>`);
      }
    }
    if (lx > 0) {
      const tokens = vm.analysis.trace.tokens;
      const size = Math.min(12, c - 2);
      const font = `font-size="${size}" font-family="${esc(p.monoFont)}" fill="${css(p.fg)}"`;
      tokens.forEach((tok, i) => {
        const text = esc(labelText(tok.text));
        parts.push(`<text x="${lx - 4}" y="${ly + i * c + c / 2}" text-anchor="end" dominant-baseline="central" ${font}>${text}</text>`);
        if (this.upright) parts.push(`<text x="${lx + i * c + c / 2}" y="${ly / 2}" text-anchor="middle" dominant-baseline="central" ${font}>${text}</text>`);
        else parts.push(`<text transform="translate(${lx + i * c + c / 2} ${ly - 4}) rotate(-90)" dominant-baseline="central" ${font}>${text}</text>`);
      });
    }
    return parts.join('');
  }
}

function labelText(text: string): string {
  return displayText(text).slice(0, 8);
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
