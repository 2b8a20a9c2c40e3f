/**
 * The query × key heatmap of the chosen head or aggregate. The cells are painted once into a bitmap
 * (one pixel per cell, scaled without smoothing); hover and keyboard only repaint a thin overlay, so a
 * 512×512 matrix follows the pointer. Masked cells are hatched, the legend gives the scale.
 */
import { exportHeader, matrixCsv, matrixRows } from '../export/data';
import { Rgb, css, mix, palette } from '../ui/colors';
import { colorLegend } from '../ui/legend';
import { hideTooltip, showTooltip } from '../ui/tooltip';
import { ViewModel, currentMatrix, displayText, headLabel, isMasked, tokenCount } from '../viewModel';
import { ExportData, View, ViewActions } from './view';

/** Largest unmasked value of a [T, T] matrix: the top of the colour scale. */
export function scaleMax(vm: ViewModel, m: Float32Array, t: number): number {
  let max = 0;
  for (let i = 0; i < t; i++) for (let j = 0; j < t; j++) if (!isMasked(vm, i, j) && m[i * t + j] > max) max = m[i * t + j];
  return max || 1;
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
  private label = 0;
  private t = 0;
  private max = 1;
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
    const i = Math.floor((y - this.label) / this.cell);
    const j = Math.floor((x - this.label) / this.cell);
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
    this.label = showLabels ? 72 : 0;
    const size = this.label + t * this.cell;
    this.max = scaleMax(vm, m, t);
    const dpr = window.devicePixelRatio || 1;
    for (const c of [this.canvas, this.overlay]) {
      c.width = Math.round(size * dpr);
      c.height = Math.round(size * dpr);
      c.style.width = `${size}px`;
      c.style.height = `${size}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size, size);
    const bitmap = document.createElement('canvas');
    bitmap.width = t;
    bitmap.height = t;
    bitmap.getContext('2d')?.putImageData(heatPixels(m, t, t, this.max, p.weight, p.bg), 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(bitmap, this.label, this.label, t * this.cell, t * this.cell);
    if (this.cell >= 6) {
      // Grid lines in the background colour keep neighbouring cells apart.
      ctx.strokeStyle = css(p.bg);
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (let x = 0; x <= t; x++) {
        ctx.moveTo(this.label + x * this.cell + 0.5, this.label);
        ctx.lineTo(this.label + x * this.cell + 0.5, size);
        ctx.moveTo(this.label, this.label + x * this.cell + 0.5);
        ctx.lineTo(size, this.label + x * this.cell + 0.5);
      }
      ctx.stroke();
    }
    if (vm.analysis.trace.model.causal && vm.whatIf.causal) this.hatchMask(ctx, t, p);
    if (showLabels) this.drawLabels(ctx, vm, p);
    this.canvas.setAttribute('aria-label', `${vm.strings.viewMatrix}: ${vm.strings.layer} ${vm.layer}, ${headLabel(vm)}, ${t}×${t}. ${vm.strings.matrixKeys}`);
    this.caption.textContent = `${vm.strings.query} ↓ · ${vm.strings.key} →${vm.analysis.trace.model.causal && vm.whatIf.causal ? ` · ╱ ${vm.strings.masked}` : ''}`;
    this.legendHost.replaceChildren(colorLegend(vm.strings.legend, '0', this.max.toFixed(3), p.bg, p.weight, `${vm.strings.layer} ${vm.layer} · ${headLabel(vm)}`));
    this.paintFocus(vm);
  }

  private hatchMask(ctx: CanvasRenderingContext2D, t: number, p: ReturnType<typeof palette>): void {
    const l = this.label;
    const c = this.cell;
    ctx.save();
    ctx.beginPath();
    // The strict upper triangle: key j > query i.
    for (let i = 0; i < t - 1; i++) ctx.rect(l + (i + 1) * c, l + i * c, (t - i - 1) * c, c);
    ctx.clip();
    ctx.strokeStyle = css(p.muted, 0.55);
    ctx.lineWidth = 1;
    ctx.beginPath();
    const size = l + t * c;
    const step = Math.max(4, Math.min(c, 8));
    for (let s = -size; s < size; s += step) {
      ctx.moveTo(l + s, size);
      ctx.lineTo(l + s + size, l);
    }
    ctx.stroke();
    ctx.restore();
  }

  private drawLabels(ctx: CanvasRenderingContext2D, vm: ViewModel, p: ReturnType<typeof palette>): void {
    const tokens = vm.analysis.trace.tokens;
    const l = this.label;
    const c = this.cell;
    ctx.fillStyle = css(p.fg);
    ctx.font = `${Math.min(12, c - 2)}px ${p.monoFont}`;
    ctx.textBaseline = 'middle';
    tokens.forEach((tok, i) => {
      const text = displayText(tok.text).slice(0, 8);
      ctx.textAlign = 'right';
      ctx.fillText(text, l - 4, l + i * c + c / 2, l - 6);
      ctx.save();
      ctx.translate(l + i * c + c / 2, l - 4);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = 'left';
      ctx.fillText(text, 0, 0, l - 6);
      ctx.restore();
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
    const l = this.label;
    const c = this.cell;
    const span = this.t * c;
    const p = palette();
    ctx.strokeStyle = css(p.focus);
    ctx.lineWidth = c >= 4 ? 2 : 1;
    if (i !== null) ctx.strokeRect(l - 1, l + i * c - 1, span + 2, c + 2);
    if (j !== null) {
      ctx.strokeStyle = css(p.fg, 0.6);
      ctx.lineWidth = 1;
      ctx.strokeRect(l + j * c - 0.5, l - 0.5, c + 1, span + 1);
    }
    if (i !== null && j !== null) {
      ctx.strokeStyle = css(p.fg);
      ctx.lineWidth = 2;
      ctx.strokeRect(l + j * c - 1, l + i * c - 1, c + 2, c + 2);
      const lines = this.tipLines(vm, i, j);
      this.live.textContent = lines.join(': ');
      if (document.activeElement === this.canvas) {
        const box = this.canvas.getBoundingClientRect();
        showTooltip(lines, { x: box.left + l + (j + 1) * c, y: box.top + l + (i + 1) * c });
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
    const l = this.label;
    const c = this.cell;
    const parts: string[] = [];
    for (let i = 0; i < this.t; i++) {
      for (let j = 0; j < this.t; j++) {
        const masked = isMasked(vm, i, j);
        const fill = masked ? p.bg : mix(p.weight, p.bg, Math.min(1, m[i * this.t + j] / this.max));
        parts.push(`<rect x="${l + j * c}" y="${l + i * c}" width="${c - 1}" height="${c - 1}" fill="${css(fill)}"${masked ? ` stroke="${css(p.muted, 0.4)}" stroke-width="0.5"` : ''}/>`);
        if (masked) parts.push(`<line x1="${l + j * c}" y1="${l + (i + 1) * c - 1}" x2="${l + (j + 1) * c - 1}" y2="${l + i * c}" stroke="${css(p.muted, 0.55)}"/>`);
      }
    }
    if (l > 0) {
      const tokens = vm.analysis.trace.tokens;
      const size = Math.min(12, c - 2);
      tokens.forEach((tok, i) => {
        const text = esc(displayText(tok.text).slice(0, 8));
        parts.push(`<text x="${l - 4}" y="${l + i * c + c / 2}" text-anchor="end" dominant-baseline="central" font-size="${size}" font-family="${esc(p.monoFont)}" fill="${css(p.fg)}">${text}</text>`);
        parts.push(`<text transform="translate(${l + i * c + c / 2} ${l - 4}) rotate(-90)" dominant-baseline="central" font-size="${size}" font-family="${esc(p.monoFont)}" fill="${css(p.fg)}">${text}</text>`);
      });
    }
    return parts.join('');
  }
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
