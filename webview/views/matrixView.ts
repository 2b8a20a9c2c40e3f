/** The query × key heatmap of the chosen head on a canvas, with a legend; masked cells are hatched. */
import { format } from '../../src/shared/strings';
import { ViewModel, displayText, isMasked, weightRow } from '../viewModel';

function cssColor(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

export class MatrixView {
  readonly element: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly caption: HTMLElement;
  private readonly legend: HTMLElement;
  private cell = 12;
  private labelWidth = 0;

  constructor(private readonly onFocus: (index: number | null) => void) {
    this.element = document.createElement('figure');
    this.element.className = 'matrix-view';
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('role', 'img');
    this.caption = document.createElement('figcaption');
    this.legend = document.createElement('div');
    this.legend.className = 'legend';
    this.element.append(this.canvas, this.legend, this.caption);
    this.canvas.addEventListener('pointermove', (e) => {
      const row = Math.floor((e.offsetY - this.labelWidth) / this.cell);
      this.onFocus(row >= 0 ? row : null);
    });
  }

  render(vm: ViewModel): void {
    const tokens = vm.analysis.trace.tokens;
    const t = tokens.length;
    this.cell = Math.max(2, Math.min(28, Math.floor(560 / t)));
    const showLabels = this.cell >= 12;
    this.labelWidth = showLabels ? 64 : 0;
    const size = this.labelWidth + t * this.cell;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = size * dpr;
    this.canvas.height = size * dpr;
    this.canvas.style.width = `${size}px`;
    this.canvas.style.height = `${size}px`;
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.scale(dpr, dpr);
    const heat = cssColor('--qkv-heat-rgb', '0, 122, 204');
    const fg = cssColor('--vscode-foreground', '#888');
    const font = cssColor('--vscode-font-family', 'sans-serif');
    ctx.clearRect(0, 0, size, size);
    ctx.font = `${Math.min(12, this.cell - 2)}px ${font}`;
    for (let i = 0; i < t; i++) {
      const row = weightRow(vm, i);
      for (let j = 0; j < t; j++) {
        const x = this.labelWidth + j * this.cell;
        const y = this.labelWidth + i * this.cell;
        if (isMasked(vm, i, j)) {
          ctx.strokeStyle = fg;
          ctx.globalAlpha = 0.25;
          ctx.beginPath();
          ctx.moveTo(x, y + this.cell);
          ctx.lineTo(x + this.cell, y);
          ctx.stroke();
          ctx.globalAlpha = 1;
          continue;
        }
        ctx.fillStyle = `rgba(${heat}, ${Math.min(1, row[j]).toFixed(3)})`;
        ctx.fillRect(x, y, this.cell - (this.cell > 4 ? 1 : 0), this.cell - (this.cell > 4 ? 1 : 0));
      }
      if (vm.focused === i) {
        ctx.strokeStyle = fg;
        ctx.lineWidth = 1.5;
        ctx.strokeRect(this.labelWidth, this.labelWidth + i * this.cell, t * this.cell, this.cell);
        ctx.lineWidth = 1;
      }
    }
    if (showLabels) {
      ctx.fillStyle = fg;
      ctx.textBaseline = 'middle';
      tokens.forEach((tok, i) => {
        const label = displayText(tok.text).slice(0, 6);
        ctx.textAlign = 'right';
        ctx.fillText(label, this.labelWidth - 4, this.labelWidth + i * this.cell + this.cell / 2);
        ctx.save();
        ctx.translate(this.labelWidth + i * this.cell + this.cell / 2, this.labelWidth - 4);
        ctx.rotate(-Math.PI / 2);
        ctx.textAlign = 'left';
        ctx.fillText(label, 0, 0);
        ctx.restore();
      });
    }
    const headName = vm.head < 0 ? vm.strings.allHeads : `${vm.strings.head} ${vm.head}`;
    this.canvas.setAttribute('aria-label', `${vm.strings.viewMatrix}: ${vm.strings.layer} ${vm.layer}, ${headName}, ${t}×${t}`);
    this.caption.textContent = `${vm.strings.query} ↓ · ${vm.strings.key} → · ${vm.analysis.trace.model.causal && vm.whatIf.causal ? vm.strings.masked + ' ╱' : ''}`;
    this.legend.innerHTML = '';
    const bar = document.createElement('span');
    bar.className = 'legend-bar';
    const lo = document.createElement('span');
    lo.textContent = '0';
    const hi = document.createElement('span');
    hi.textContent = '1';
    const name = document.createElement('span');
    name.textContent = format('{0}', vm.strings.legend);
    this.legend.append(name, lo, bar, hi);
  }
}
