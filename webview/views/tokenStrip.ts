/**
 * Tokens in reading order; hovering or focusing one shades every other token by how much the focused
 * token attends to it, with the weight written under it. Arrow keys move, Escape clears, Enter reveals
 * the token in the editor. Used by the tokens view and, as the query picker, by the step view.
 *
 * The shading, the weights and the focus ring are drawn on one canvas laid under the token buttons: a hover
 * then changes no style and no text in 1024 buttons (which cost 40+ ms of style, layout and paint per move),
 * only the canvas and the aria-labels. The veil over masked tokens (the causal mask hides every token after the
 * focused one) is two hatched layers, the rest of the focused token's line and everything below it, that a hover
 * only moves (a compositor transform: no paint, no upload), instead of a second strip-sized canvas to commit.
 */
import { Rgb, css, palette } from '../ui/colors';
import { topTargetsText } from '../ui/topTargets';
import { ViewModel, displayText, isMasked, weightRow } from '../viewModel';

const SHADES = 32;
/** The canvases reach this far past the strip so the focus ring of an edge token is not cut off. */
const BLEED = 4;
/** The aria-labels with every token's weight follow once the focus rests this long. */
const LABEL_DELAY_MS = 100;

export interface TokenStripEvents {
  focus(index: number | null): void;
  reveal(index: number): void;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export class TokenStrip {
  readonly element: HTMLElement;
  private readonly under: HTMLCanvasElement;
  private readonly veil: HTMLElement;
  private readonly veilLine: HTMLElement;
  private readonly veilBelow: HTMLElement;
  private chips: HTMLButtonElement[] = [];
  private boxes: Box[] | undefined;
  private painted: number | null | undefined;
  private vm: ViewModel | undefined;

  /** `clearOnLeave`: the pointer leaving the strip clears the focus (off where the focus is a selection). */
  constructor(private readonly events: TokenStripEvents, clearOnLeave: boolean) {
    this.element = document.createElement('div');
    this.element.className = 'token-strip';
    this.element.setAttribute('role', 'toolbar');
    this.under = document.createElement('canvas');
    this.under.className = 'strip-under';
    this.veil = document.createElement('div');
    this.veil.className = 'strip-veil';
    this.veilLine = document.createElement('div');
    this.veilBelow = document.createElement('div');
    for (const v of [this.veilLine, this.veilBelow]) v.className = 'veil-layer';
    this.veil.append(this.veilLine, this.veilBelow);
    for (const c of [this.under, this.veil]) c.setAttribute('aria-hidden', 'true');
    this.element.addEventListener('keydown', (e) => this.onKey(e));
    if (clearOnLeave) this.element.addEventListener('pointerleave', () => this.events.focus(null));
    // One delegated listener instead of one per token: 512 tokens stay cheap to build.
    this.element.addEventListener('pointerover', (e) => {
      const index = this.indexOf(e.target);
      if (index !== undefined) this.events.focus(index);
    });
    this.element.addEventListener('focusin', (e) => {
      const index = this.indexOf(e.target);
      if (index !== undefined) this.events.focus(index);
    });
    this.element.addEventListener('dblclick', (e) => {
      const index = this.indexOf(e.target);
      if (index !== undefined) this.events.reveal(index);
    });
    new ResizeObserver(() => {
      this.boxes = undefined;
      this.painted = undefined;
      if (this.vm && this.element.isConnected) this.paint(this.vm);
    }).observe(this.element);
  }

  private indexOf(target: EventTarget | null): number | undefined {
    const chip = (target as HTMLElement | null)?.closest?.('[data-token-index]') as HTMLElement | null;
    if (!chip || !this.element.contains(chip)) return undefined;
    const i = Number(chip.dataset.tokenIndex);
    return Number.isInteger(i) ? i : undefined;
  }

  render(vm: ViewModel, label: string): void {
    const { tokens } = vm.analysis.trace;
    this.element.setAttribute('aria-label', label);
    this.chips = [];
    const fragment = document.createDocumentFragment();
    fragment.append(this.under);
    tokens.forEach((token, i) => {
      const chip = document.createElement('button');
      chip.type = 'button';
      chip.className = 'token' + (token.special ? ' special' : '') + (token.partial ? ' partial' : '') + (token.approximate ? ' approximate' : '');
      chip.dataset.tokenIndex = String(i);
      chip.tabIndex = i === (vm.focused ?? 0) ? 0 : -1;
      const text = document.createElement('span');
      text.className = 'token-text';
      text.textContent = displayText(token.text);
      // Room for the weight, which is drawn on the canvas above.
      const weight = document.createElement('span');
      weight.className = 'token-weight';
      weight.setAttribute('aria-hidden', 'true');
      chip.append(text, weight);
      if (token.approximate) chip.title = vm.strings.approximateToken;
      else if (token.partial) chip.title = vm.strings.partialToken;
      else if (token.special) chip.title = vm.strings.specialToken;
      this.chips.push(chip);
      fragment.appendChild(chip);
    });
    fragment.append(this.veil);
    this.element.replaceChildren(fragment);
    this.boxes = undefined;
    this.painted = undefined;
    this.paint(vm);
  }

  /** Chip boxes relative to the strip, measured once per layout (not per hover). */
  private measure(): Box[] {
    if (this.boxes) return this.boxes;
    const origin = this.element.getBoundingClientRect();
    this.boxes = this.chips.map((c) => {
      const r = c.getBoundingClientRect();
      return { x: r.left - origin.left + BLEED, y: r.top - origin.top + BLEED, w: r.width, h: r.height };
    });
    const dpr = window.devicePixelRatio || 1;
    const width = origin.width + 2 * BLEED;
    const height = origin.height + 2 * BLEED;
    this.under.width = Math.max(1, Math.round(width * dpr));
    this.under.height = Math.max(1, Math.round(height * dpr));
    for (const e of [this.under, this.veil, this.veilBelow]) {
      e.style.width = `${width}px`;
      e.style.height = `${height}px`;
    }
    // The tallest line: a shorter line's veil reaches into the line below, which is all masked too.
    this.veilLine.style.width = `${width}px`;
    this.veilLine.style.height = `${this.boxes.reduce((m, b) => Math.max(m, b.h), 0)}px`;
    return this.boxes;
  }

  /** The per-hover update: the canvas, the veil's two layers, the focus marker, the aria-labels. */
  paint(vm: ViewModel): void {
    this.vm = vm;
    const focused = vm.focused;
    if (!this.element.isConnected) return;
    if (focused === this.painted && focused === null) return;
    const boxes = this.measure();
    const dpr = window.devicePixelRatio || 1;
    const under = this.under.getContext('2d');
    if (!under) return;
    under.setTransform(1, 0, 0, 1, 0, 0);
    under.clearRect(0, 0, this.under.width, this.under.height);
    if (typeof this.painted === 'number') {
      this.chips[this.painted]?.classList.remove('focused');
      if (focused !== null && this.chips[this.painted]) this.chips[this.painted].tabIndex = -1;
    }
    this.scheduleLabels(vm);
    if (focused === null) {
      this.placeVeil(boxes, null, vm);
      this.painted = null;
      return;
    }
    const chip = this.chips[focused];
    if (chip) {
      chip.classList.add('focused');
      chip.tabIndex = 0;
    }
    const row = weightRow(vm, focused);
    let max = 0;
    for (let j = 0; j < row.length; j++) if (row[j] > max) max = row[j];
    const p = palette();
    const shades = this.shades(p.weight);
    const art = this.art(p, dpr);
    // In device pixels: the weights are pre-drawn labels ("0.00" … "1.00") copied as bitmaps (not text rendering,
    // per token) into the room each token keeps for them, under its text. (The clear above left the identity transform.)
    for (let j = 0; j < boxes.length; j++) {
      if (isMasked(vm, focused, j)) continue;
      const b = boxes[j];
      const w = row[j];
      under.fillStyle = shades[max > 0 ? Math.round((w / max) * (SHADES - 1)) : 0];
      under.fillRect((b.x + 1) * dpr, (b.y + 1) * dpr, (b.w - 2) * dpr, (b.h - 2) * dpr);
      const n = Math.round(Math.min(1, Math.max(0, w)) * 100);
      const x = Math.round((b.x + b.w / 2) * dpr - art.w / 2);
      const y = Math.round((b.y + b.h - 1) * dpr - art.h);
      under.drawImage(art.labels, n * art.w, 0, art.w, art.h, x, y, art.w, art.h);
    }
    under.setTransform(dpr, 0, 0, dpr, 0, 0);
    // The focus ring is drawn too, outside the token's border: restyling one of 1024 tokens repaints the whole strip.
    const f = boxes[focused];
    if (f) {
      under.strokeStyle = css(p.focus);
      under.lineWidth = 2;
      under.strokeRect(f.x - 2, f.y - 2, f.w + 4, f.h + 4);
    }
    this.placeVeil(boxes, focused, vm);
    this.painted = focused;
  }

  /**
   * Moves the two veil layers over the masked tokens: the rest of the focused token's line, and every line below
   * it. Where nothing is masked (no causal mask, or the last token focused) they move out of the clip.
   */
  private placeVeil(boxes: Box[], focused: number | null, vm: ViewModel): void {
    const away = 'translate(0px, -100000px)';
    const f = focused === null ? undefined : boxes[focused];
    const firstMasked = focused === null ? -1 : boxes.findIndex((_, j) => isMasked(vm, focused, j));
    if (focused === null || !f || firstMasked < 0) {
      this.veilLine.style.transform = this.veilBelow.style.transform = away;
      return;
    }
    // Tokens on one line share its top and height (flex lines stretch their items).
    const sameLine = boxes[firstMasked].y === f.y;
    this.veilLine.style.transform = sameLine ? `translate(${f.x + f.w + 1}px, ${f.y}px)` : away;
    const below = boxes.findIndex((b, j) => j > focused && b.y > f.y);
    this.veilBelow.style.transform = below < 0 ? away : `translate(0px, ${boxes[below].y - 1}px)`;
  }

  private labelTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Every token's label with its weight, for screen readers. 512 attribute changes per move would
   * cost more than the drawing, so they follow once the focus rests (the focused token's own label at once).
   */
  private scheduleLabels(vm: ViewModel): void {
    const focused = vm.focused;
    const tokens = vm.analysis.trace.tokens;
    if (focused !== null) this.chips[focused]?.setAttribute('aria-label', topTargetsText(vm, focused, weightRow(vm, focused)));
    if (this.labelTimer !== undefined) clearTimeout(this.labelTimer);
    this.labelTimer = setTimeout(() => {
      this.labelTimer = undefined;
      const row = focused === null ? undefined : weightRow(vm, focused);
      for (let j = 0; j < this.chips.length; j++) {
        const name = displayText(tokens[j].text);
        let label = name;
        if (row && focused !== null) label = j === focused ? topTargetsText(vm, focused, row) : isMasked(vm, focused, j) ? `${name}: ${vm.strings.masked}` : `${name}: ${vm.strings.weight} ${row[j].toFixed(3)}`;
        if (this.chips[j].getAttribute('aria-label') !== label) this.chips[j].setAttribute('aria-label', label);
      }
      this.element.dataset.labelsFor = String(focused);
    }, LABEL_DELAY_MS);
  }

  private artCache: { key: string; labels: HTMLCanvasElement; w: number; h: number } | undefined;

  /** Weight labels 0.00 … 1.00 drawn once into a strip, per theme. */
  private art(p: ReturnType<typeof palette>, dpr: number): NonNullable<TokenStrip['artCache']> {
    const key = `${css(p.fg)}|${css(p.bg)}|${p.font}|${dpr}`;
    if (this.artCache?.key === key) return this.artCache;
    const w = Math.ceil(26 * dpr);
    const h = Math.ceil(11 * dpr);
    const labels = document.createElement('canvas');
    labels.width = w * 101;
    labels.height = h;
    const ctx = labels.getContext('2d');
    if (ctx) {
      ctx.scale(dpr, dpr);
      ctx.font = `10px ${p.font}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillStyle = css(p.fg, 0.85);
      for (let n = 0; n <= 100; n++) ctx.fillText((n / 100).toFixed(2), (n * w) / dpr + 13, 11);
    }
    this.artCache = { key, labels, w, h };
    return this.artCache;
  }

  private shadeCache: { key: string; list: string[] } | undefined;

  /** The weight colour at SHADES opacities up to 0.55 (the cap keeps the token text readable), built once per theme. */
  private shades(colour: Rgb): string[] {
    const key = css(colour);
    if (this.shadeCache?.key !== key) this.shadeCache = { key, list: Array.from({ length: SHADES }, (_, i) => css(colour, (0.55 * i) / (SHADES - 1))) };
    return this.shadeCache.list;
  }

  focusChip(index: number): void {
    this.chips[index]?.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const index = this.indexOf(e.target);
    if (index === undefined) return;
    const moves: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: -Infinity, End: Infinity };
    if (e.key in moves) {
      e.preventDefault();
      const next = Math.max(0, Math.min(this.chips.length - 1, index + moves[e.key]));
      this.chips[next].focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      (e.target as HTMLElement).blur();
      this.events.focus(null);
    } else if (e.key === 'Enter') {
      this.events.reveal(index);
    }
  }
}
