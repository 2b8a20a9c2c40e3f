/**
 * The head view (after BertViz): queries on the left, keys on the right, one line per weight in the
 * head's colour, several heads at once. Hover or focus a token to isolate its lines; the tooltip and
 * the token's label give the weights. Lines are drawn on a canvas the size of the visible window
 * (kept in place while the columns scroll), so long inputs stay fluid.
 */
import { csvRow, exportHeader, fmt } from '../export/data';
import { Rgb, css, headColour, palette } from '../ui/colors';
import { hideTooltip, showTooltip } from '../ui/tooltip';
import { liveRegion, topIndices, topTargetsText } from '../ui/topTargets';
import { ViewModel, currentMatrix, displayText, headLabel, isMasked, tokenCount } from '../viewModel';
import { ExportData, View, ViewActions } from './view';

const ROW = 20;
const LINES_WIDTH = 260;
/** Each side keeps a gutter for bars: the weight each token on that side gets (strongest shown head). */
const GUTTER = 36;
/** Lines fainter than this (relative to the strongest) are not drawn: invisible anyway, and costly. */
const MIN_ALPHA = 0.02;
const BUCKETS = 10;

interface LineSet {
  colour: Rgb;
  /** [T, T] weights. */
  m: Float32Array;
  label: string;
}

/** With nothing focused, every query's lines at half strength relative to its strongest, so the picture stays readable. */
function overviewAlpha(w: number, rowMax: number): number {
  return (0.5 * w) / rowMax;
}

export class HeadView implements View {
  readonly id = 'heads' as const;
  readonly element: HTMLElement;
  private readonly headBar: HTMLElement;
  private readonly note: HTMLElement;
  private readonly scroll: HTMLElement;
  private readonly left: HTMLElement;
  private readonly right: HTMLElement;
  private readonly mid: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private leftChips: HTMLButtonElement[] = [];
  private rightChips: HTMLButtonElement[] = [];
  private vm: ViewModel | undefined;
  private sets: LineSet[] = [];
  private t = 0;
  private overview: HTMLCanvasElement | undefined;
  private drawQueued = false;
  private markedLeft: number | null = null;
  private markedRight: number | null = null;
  /** The lines' text alternative: the focused query's strongest keys over the shown heads. */
  private readonly live = liveRegion();

  constructor(private readonly actions: ViewActions) {
    this.element = document.createElement('div');
    this.element.className = 'view head-view';
    this.headBar = document.createElement('div');
    this.headBar.className = 'hv-heads';
    this.headBar.setAttribute('role', 'group');
    this.note = document.createElement('p');
    this.note.className = 'hint';
    this.scroll = document.createElement('div');
    this.scroll.className = 'hv-scroll';
    const grid = document.createElement('div');
    grid.className = 'hv-grid';
    this.left = this.column('hv-left');
    this.right = this.column('hv-right');
    this.mid = document.createElement('div');
    this.mid.className = 'hv-mid';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'hv-lines';
    this.canvas.setAttribute('aria-hidden', 'true');
    this.mid.append(this.canvas);
    grid.append(this.left, this.mid, this.right);
    this.scroll.append(grid);
    this.element.append(this.headBar, this.note, this.scroll, this.live);
    this.scroll.addEventListener('scroll', () => this.queueDraw(), { passive: true });
    this.scroll.addEventListener('pointerleave', () => {
      hideTooltip();
      this.actions.focus(null, null);
    });
  }

  private column(className: string): HTMLElement {
    const col = document.createElement('div');
    col.className = `hv-col ${className}`;
    col.setAttribute('role', 'toolbar');
    col.setAttribute('aria-orientation', 'vertical');
    const side = className === 'hv-left' ? 'query' : 'key';
    const index = (target: EventTarget | null) => {
      const el = (target as HTMLElement | null)?.closest?.('[data-token-index]') as HTMLElement | null;
      return el && col.contains(el) ? Number(el.dataset.tokenIndex) : undefined;
    };
    col.addEventListener('pointerover', (e) => {
      const i = index(e.target);
      if (i === undefined) return;
      this.pick(side, i);
      if (this.vm) showTooltip(this.tipLines(this.vm, side, i), { x: e.clientX, y: e.clientY });
    });
    col.addEventListener('focusin', (e) => {
      const i = index(e.target);
      if (i === undefined) return;
      this.pick(side, i);
      if (this.vm) showTooltip(this.tipLines(this.vm, side, i), (e.target as HTMLElement).getBoundingClientRect());
    });
    col.addEventListener('keydown', (e) => {
      const i = index(e.target);
      if (i === undefined) return;
      const chips = side === 'query' ? this.leftChips : this.rightChips;
      const other = side === 'query' ? this.rightChips : this.leftChips;
      const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, Home: -Infinity, End: Infinity, PageDown: 10, PageUp: -10 };
      if (e.key in moves) {
        e.preventDefault();
        chips[Math.max(0, Math.min(chips.length - 1, i + moves[e.key]))].focus();
      } else if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
        e.preventDefault();
        if ((e.key === 'ArrowRight') === (side === 'query')) other[i]?.focus();
      } else if (e.key === 'Escape') {
        (e.target as HTMLElement).blur();
        this.actions.focus(null, null);
      } else if (e.key === 'Enter') {
        this.actions.reveal(i);
      }
    });
    col.addEventListener('dblclick', (e) => {
      const i = index(e.target);
      if (i !== undefined) this.actions.reveal(i);
    });
    return col;
  }

  private pick(side: 'query' | 'key', i: number): void {
    if (side === 'query') this.actions.focus(i, null);
    else this.actions.focus(null, i);
  }

  render(vm: ViewModel): void {
    this.vm = vm;
    const tokens = vm.analysis.trace.tokens;
    this.t = tokens.length;
    this.sets = this.lineSets(vm);
    this.renderHeadBar(vm);
    this.left.setAttribute('aria-label', vm.strings.query);
    this.right.setAttribute('aria-label', vm.strings.key);
    this.leftChips = this.fillColumn(this.left, vm, 'query');
    this.rightChips = this.fillColumn(this.right, vm, 'key');
    this.mid.style.height = `${this.t * ROW}px`;
    this.note.textContent = vm.head >= 0 ? vm.strings.headViewHint : `${headLabel(vm)} · ${vm.strings.headViewHint}`;
    this.overview = undefined;
    this.markedLeft = this.markedRight = null;
    this.sizeCanvas();
    this.paintFocus(vm);
  }

  /** The weights drawn: the shown heads, or the chosen aggregate as one set. */
  private lineSets(vm: ViewModel): LineSet[] {
    const p = palette();
    if (vm.head < 0) return [{ colour: p.weight, m: currentMatrix(vm), label: headLabel(vm) }];
    const t = this.t;
    // Every head shown: one computation for the layer; a few: each on its own.
    const layer = vm.shownHeads.every(Boolean) ? vm.store.layer(vm.layer) : undefined;
    const sets: LineSet[] = [];
    vm.shownHeads.forEach((shown, h) => {
      if (shown) sets.push({ colour: headColour(p, h), m: layer ? layer.subarray(h * t * t, (h + 1) * t * t) : vm.store.head(vm.layer, h), label: `${vm.strings.head} ${h}` });
    });
    return sets;
  }

  private renderHeadBar(vm: ViewModel): void {
    this.headBar.setAttribute('aria-label', vm.strings.headsShown);
    this.headBar.replaceChildren();
    if (vm.head < 0) {
      this.headBar.hidden = true;
      return;
    }
    this.headBar.hidden = false;
    const p = palette();
    const caption = document.createElement('span');
    caption.className = 'hv-caption';
    caption.textContent = vm.strings.headsShown;
    this.headBar.append(caption);
    const all = document.createElement('button');
    all.type = 'button';
    all.className = 'hv-all';
    all.textContent = vm.strings.all;
    all.addEventListener('click', () => this.actions.showHeads(vm.shownHeads.map(() => true)));
    this.headBar.append(all);
    vm.shownHeads.forEach((shown, h) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'hv-head';
      b.dataset.head = String(h);
      b.setAttribute('aria-pressed', String(shown));
      b.setAttribute('aria-label', `${vm.strings.head} ${h}`);
      b.title = vm.strings.headToggleHint;
      b.style.setProperty('--head-colour', css(headColour(p, h)));
      b.textContent = String(h);
      b.addEventListener('click', (e) => {
        const next = e.altKey || e.detail === 2 ? vm.shownHeads.map((_, i) => i === h) : vm.shownHeads.map((s, i) => (i === h ? !s : s));
        this.actions.showHeads(next);
      });
      this.headBar.append(b);
    });
  }

  private fillColumn(col: HTMLElement, vm: ViewModel, side: 'query' | 'key'): HTMLButtonElement[] {
    const chips: HTMLButtonElement[] = [];
    const fragment = document.createDocumentFragment();
    vm.analysis.trace.tokens.forEach((tok, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'hv-token';
      b.dataset.tokenIndex = String(i);
      b.dataset.side = side;
      b.tabIndex = i === 0 ? 0 : -1;
      b.textContent = displayText(tok.text);
      chips.push(b);
      fragment.append(b);
    });
    col.replaceChildren(fragment);
    return chips;
  }

  private sizeCanvas(): void {
    const height = Math.min(this.t * ROW, Math.max(ROW, this.scroll.clientHeight || this.t * ROW));
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(LINES_WIDTH * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${LINES_WIDTH}px`;
    this.canvas.style.height = `${height}px`;
  }

  private queueDraw(): void {
    if (this.drawQueued) return;
    this.drawQueued = true;
    requestAnimationFrame(() => {
      this.drawQueued = false;
      if (this.vm) this.draw(this.vm);
    });
  }

  paintFocus(vm: ViewModel): void {
    this.vm = vm;
    this.shade(vm);
    this.draw(vm);
    this.describe(vm);
  }

  /** For screen readers, what the lines show: the focused query's strongest keys (each key's best shown head). */
  private describe(vm: ViewModel): void {
    const i = vm.focused;
    let text = '';
    if (i !== null && this.sets.length) {
      const t = this.t;
      const strongest = new Float32Array(t);
      for (const s of this.sets) for (let j = 0; j < t; j++) strongest[j] = Math.max(strongest[j], s.m[i * t + j]);
      text = topTargetsText(vm, i, strongest);
    }
    if (this.live.textContent !== text) this.live.textContent = text;
  }

  /** Marks the focused token of each column (two class changes, not 2×T style changes). */
  private shade(vm: ViewModel): void {
    const marks: Array<[HTMLButtonElement[], number | null, 'left' | 'right']> = [
      [this.leftChips, vm.focused, 'left'],
      [this.rightChips, vm.key, 'right'],
    ];
    for (const [chips, i, side] of marks) {
      const prev = side === 'left' ? this.markedLeft : this.markedRight;
      if (prev !== null && prev !== i) chips[prev]?.classList.remove('focused');
      if (i !== null) chips[i]?.classList.add('focused');
      if (side === 'left') this.markedLeft = i;
      else this.markedRight = i;
    }
  }

  private draw(vm: ViewModel): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const height = this.canvas.height / dpr;
    const top = this.scroll.scrollTop;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, LINES_WIDTH, height);
    const { focused, key } = vm;
    if (focused === null && key === null) {
      this.drawOverview(ctx, top, height);
      return;
    }
    const t = this.t;
    const rows = (i: number) => i * ROW + ROW / 2 - top;
    let max = 0;
    for (const s of this.sets) {
      for (let j = 0; j < t; j++) {
        const w = focused !== null ? s.m[focused * t + j] : s.m[j * t + (key as number)];
        if (w > max) max = w;
      }
    }
    if (max <= 0) return;
    ctx.lineWidth = 2;
    const x0 = GUTTER;
    const x1 = LINES_WIDTH - GUTTER;
    // The bars: for each token on the other side, its strongest weight over the shown heads.
    const strongest = new Float32Array(t);
    const owner = new Int32Array(t);
    this.sets.forEach((s, n) => {
      for (let j = 0; j < t; j++) {
        const w = focused !== null ? s.m[focused * t + j] : s.m[j * t + (key as number)];
        if (w > strongest[j]) {
          strongest[j] = w;
          owner[j] = n;
        }
      }
    });
    for (const s of this.sets) {
      const paths = Array.from({ length: BUCKETS }, () => new Path2D());
      const used = new Array<boolean>(BUCKETS).fill(false);
      for (let j = 0; j < t; j++) {
        const [i, k] = focused !== null ? [focused, j] : [j, key as number];
        if (isMasked(vm, i, k)) continue;
        const a = s.m[i * t + k] / max;
        if (a < MIN_ALPHA) continue;
        const y0 = rows(i);
        const y1 = rows(k);
        if ((y0 < 0 && y1 < 0) || (y0 > height && y1 > height)) continue;
        const b = Math.min(BUCKETS - 1, Math.floor(a * BUCKETS));
        paths[b].moveTo(x0, y0);
        paths[b].lineTo(x1, y1);
        used[b] = true;
      }
      for (let b = 0; b < BUCKETS; b++) {
        if (!used[b]) continue;
        ctx.strokeStyle = css(s.colour, (b + 1) / BUCKETS);
        ctx.stroke(paths[b]);
      }
    }
    const first = Math.max(0, Math.floor(top / ROW));
    const last = Math.min(t - 1, Math.ceil((top + height) / ROW));
    for (let j = first; j <= last; j++) {
      const w = strongest[j] / max;
      if (w <= 0) continue;
      const length = Math.max(1, w * (GUTTER - 6));
      ctx.fillStyle = css(this.sets[owner[j]].colour, 0.9);
      // Query focused: bars grow from the right column towards the lines; key focused: from the left.
      if (focused !== null) ctx.fillRect(LINES_WIDTH - 2 - length, rows(j) - 4, length, 8);
      else ctx.fillRect(2, rows(j) - 4, length, 8);
    }
  }

  /** With nothing focused: every query's strongest keys, faint, from a bitmap of the whole column height. */
  private drawOverview(ctx: CanvasRenderingContext2D, top: number, height: number): void {
    const full = this.t * ROW;
    if (!this.overview && full <= 16384) {
      this.overview = document.createElement('canvas');
      this.overview.width = LINES_WIDTH;
      this.overview.height = full;
      const o = this.overview.getContext('2d');
      if (o) this.overviewLines(o, 0, full);
    }
    if (this.overview) ctx.drawImage(this.overview, 0, top, LINES_WIDTH, height, 0, 0, LINES_WIDTH, height);
    else this.overviewLines(ctx, top, height);
  }

  private overviewLines(ctx: CanvasRenderingContext2D, top: number, height: number): void {
    const vm = this.vm;
    if (!vm) return;
    const t = this.t;
    const perQuery = t <= 32 ? t : 3;
    ctx.lineWidth = 1;
    for (const s of this.sets) {
      const paths = Array.from({ length: BUCKETS }, () => new Path2D());
      for (let i = 0; i < t; i++) {
        const row = s.m.subarray(i * t, (i + 1) * t);
        const best = topIndices(row, perQuery);
        const rowMax = row[best[0]] || 1;
        for (const j of best) {
          const a = overviewAlpha(row[j], rowMax);
          if (isMasked(vm, i, j) || a < MIN_ALPHA) continue;
          const y0 = i * ROW + ROW / 2 - top;
          const y1 = j * ROW + ROW / 2 - top;
          if ((y0 < 0 && y1 < 0) || (y0 > height && y1 > height)) continue;
          const b = Math.min(BUCKETS - 1, Math.floor(a * BUCKETS));
          paths[b].moveTo(GUTTER, y0);
          paths[b].lineTo(LINES_WIDTH - GUTTER, y1);
        }
      }
      for (let b = 0; b < BUCKETS; b++) {
        ctx.strokeStyle = css(s.colour, (b + 1) / BUCKETS);
        ctx.stroke(paths[b]);
      }
    }
  }

  private tipLines(vm: ViewModel, side: 'query' | 'key', i: number): string[] {
    const tokens = vm.analysis.trace.tokens;
    const t = this.t;
    const name = (j: number) => displayText(tokens[j].text);
    const lines = [side === 'query' ? `${vm.strings.query} ${name(i)} (${i}) →` : `${vm.strings.key} ${name(i)} (${i}) ←`];
    for (const s of this.sets.slice(0, 8)) {
      const values = new Float32Array(t);
      for (let j = 0; j < t; j++) values[j] = side === 'query' ? s.m[i * t + j] : s.m[j * t + i];
      const top = topIndices(values, 3).filter((j) => values[j] > 0 && !(side === 'query' ? isMasked(vm, i, j) : isMasked(vm, j, i)));
      lines.push(`${s.label}: ${top.map((j) => `${name(j)} ${values[j].toFixed(3)}`).join(' · ')}`);
    }
    if (this.sets.length > 8) lines.push('…');
    const chip = (side === 'query' ? this.leftChips : this.rightChips)[i];
    chip?.setAttribute('aria-label', lines.join('; '));
    return lines;
  }

  exportData(vm: ViewModel): ExportData {
    const tokens = vm.analysis.trace.tokens;
    const t = tokenCount(vm);
    const lines = [csvRow(['set', 'query_index', 'query', 'key_index', 'key', 'weight'])];
    const json: Array<{ label: string; weights: number[][] }> = [];
    for (const s of this.lineSets(vm)) {
      const rows: number[][] = [];
      for (let i = 0; i < t; i++) {
        const row: number[] = [];
        for (let j = 0; j < t; j++) {
          const w = fmt(s.m[i * t + j]);
          row.push(w);
          if (!isMasked(vm, i, j)) lines.push(csvRow([s.label, i, tokens[i].text, j, tokens[j].text, w]));
        }
        rows.push(row);
      }
      json.push({ label: s.label, weights: rows });
    }
    return { csv: lines.join('\n') + '\n', json: { ...exportHeader(vm), shownHeads: vm.shownHeads.flatMap((s, h) => (s ? [h] : [])), sets: json } };
  }

  /** The visible lines as SVG lines (what the canvas shows). */
  canvasSvg(canvas: HTMLCanvasElement, vm: ViewModel): string | undefined {
    if (canvas !== this.canvas) return undefined;
    const out: string[] = [];
    const dpr = window.devicePixelRatio || 1;
    const height = this.canvas.height / dpr;
    const top = this.scroll.scrollTop;
    const t = this.t;
    const { focused, key } = vm;
    let max = 0;
    for (const s of this.sets) for (let j = 0; j < t; j++) max = Math.max(max, focused !== null ? s.m[focused * t + j] : key !== null ? s.m[j * t + key] : 0);
    for (const s of this.sets) {
      for (let i = 0; i < t; i++) {
        if (focused !== null && i !== focused) continue;
        const row = s.m.subarray(i * t, (i + 1) * t);
        const keys = focused !== null ? row.map((_, j) => j) : key !== null ? [key] : topIndices(row, t <= 32 ? t : 3);
        const rowMax = Math.max(...keys.map((j) => row[j])) || 1;
        for (const j of keys) {
          if (isMasked(vm, i, j)) continue;
          const a = focused !== null || key !== null ? row[j] / (max || 1) : overviewAlpha(row[j], rowMax);
          if (a < MIN_ALPHA) continue;
          const y0 = i * ROW + ROW / 2 - top;
          const y1 = j * ROW + ROW / 2 - top;
          if ((y0 < 0 && y1 < 0) || (y0 > height && y1 > height)) continue;
          out.push(`<line x1="${GUTTER}" y1="${y0.toFixed(1)}" x2="${LINES_WIDTH - GUTTER}" y2="${y1.toFixed(1)}" stroke="${css(s.colour)}" stroke-opacity="${a.toFixed(3)}" stroke-width="${focused !== null || key !== null ? 2 : 1}"/>`);
        }
      }
    }
    return `<svg x="0" y="0" width="${LINES_WIDTH}" height="${height}" overflow="hidden">${out.join('')}</svg>`;
  }
}
