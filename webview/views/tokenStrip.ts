/**
 * Tokens in reading order; hovering or focusing one shades every other token by how much the focused
 * token attends to it, with the weight written under it. Arrow keys move, Escape clears, Enter reveals
 * the token in the editor. Used by the tokens view and, as the query picker, by the step view.
 *
 * The shading, the weights and the veil over masked tokens are drawn on two canvases laid under and
 * over the token buttons: a hover then changes no style and no text in 512 buttons (which cost
 * 40+ ms of style, layout and paint per move), only two canvases and the aria-labels.
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
  private readonly over: HTMLCanvasElement;
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
    this.over = document.createElement('canvas');
    this.over.className = 'strip-over';
    for (const c of [this.under, this.over]) c.setAttribute('aria-hidden', 'true');
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
    fragment.append(this.over);
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
    for (const c of [this.under, this.over]) {
      c.width = Math.max(1, Math.round(width * dpr));
      c.height = Math.max(1, Math.round(height * dpr));
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    return this.boxes;
  }

  /** The per-hover update: two canvases, the focus marker, the aria-labels. */
  paint(vm: ViewModel): void {
    this.vm = vm;
    const focused = vm.focused;
    if (!this.element.isConnected) return;
    if (focused === this.painted && focused === null) return;
    const boxes = this.measure();
    const dpr = window.devicePixelRatio || 1;
    const under = this.under.getContext('2d');
    const over = this.over.getContext('2d');
    if (!under || !over) return;
    for (const ctx of [under, over]) {
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, this.under.width, this.under.height);
    }
    if (typeof this.painted === 'number') {
      this.chips[this.painted]?.classList.remove('focused');
      if (focused !== null && this.chips[this.painted]) this.chips[this.painted].tabIndex = -1;
    }
    this.scheduleLabels(vm);
    if (focused === null) {
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
    const masked: Box[] = [];
    over.setTransform(1, 0, 0, 1, 0, 0);
    for (let j = 0; j < boxes.length; j++) {
      const b = boxes[j];
      if (isMasked(vm, focused, j)) {
        masked.push(b);
        continue;
      }
      const w = row[j];
      under.fillStyle = shades[max > 0 ? Math.round((w / max) * (SHADES - 1)) : 0];
      under.fillRect(b.x + 1, b.y + 1, b.w - 2, b.h - 2);
      // The weight as a pre-drawn label ("0.00" … "1.00"): a bitmap copy, not text rendering, per token.
      const n = Math.round(Math.min(1, Math.max(0, w)) * 100);
      const x = Math.round((b.x + b.w / 2) * dpr - art.w / 2);
      const y = Math.round((b.y + b.h - 1) * dpr - art.h);
      over.drawImage(art.labels, n * art.w, 0, art.w, art.h, x, y, art.w, art.h);
    }
    over.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (masked.length) {
      over.fillStyle = art.veil;
      for (const b of masked) over.fillRect(b.x, b.y, b.w, b.h);
    }
    // The focus ring is drawn too: restyling one of 512 tokens repaints the whole strip (about 5 ms here).
    const f = boxes[focused];
    if (f) {
      over.strokeStyle = css(p.focus);
      over.lineWidth = 2;
      over.strokeRect(f.x - 2, f.y - 2, f.w + 4, f.h + 4);
    }
    this.painted = focused;
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

  private artCache: { key: string; labels: HTMLCanvasElement; w: number; h: number; veil: CanvasPattern | string } | undefined;

  /** Weight labels 0.00 … 1.00 drawn once into a strip, and the masked tokens' veil with hatching, per theme. */
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
    const tile = document.createElement('canvas');
    tile.width = tile.height = 6;
    const t = tile.getContext('2d');
    let veil: CanvasPattern | string = css(p.bg, 0.6);
    if (t) {
      t.fillStyle = css(p.bg, 0.6);
      t.fillRect(0, 0, 6, 6);
      t.strokeStyle = css(p.muted, 0.5);
      t.beginPath();
      t.moveTo(0, 6);
      t.lineTo(6, 0);
      t.stroke();
      veil = t.createPattern(tile, 'repeat') ?? veil;
    }
    this.artCache = { key, labels, w, h, veil };
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
