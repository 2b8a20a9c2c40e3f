/**
 * A vector as a strip of bars (up = positive, down = negative) in one colour: Q, K and V keep their
 * colours wherever a vector appears. Hover or focus shows the element's index and value.
 */
import { Rgb, css, palette } from './colors';
import { showTooltip } from './tooltip';

interface Strip {
  values: Float32Array;
  colour: Rgb;
  scale: number;
  bar: number;
  height: number;
  label: string;
}

const strips = new WeakMap<HTMLCanvasElement, Strip>();

export function stripWidth(d: number): number {
  return d * barWidth(d);
}

function barWidth(d: number): number {
  return Math.max(3, Math.min(14, Math.floor(256 / d)));
}

/**
 * Canvases of strips that left the page, reused by the next strips: a new 2D canvas costs a context and
 * a backing store (~1.5 ms each here), and the step view shows about forty per query.
 */
const spare: HTMLCanvasElement[] = [];
const MAX_SPARE = 256;

/** Hands the strips under `root` (about to be dropped) back for reuse. */
export function releaseStrips(root: ParentNode): void {
  root.querySelectorAll<HTMLCanvasElement>('canvas.vector-strip').forEach((c) => {
    if (spare.length < MAX_SPARE) spare.push(c);
  });
}

function onPointerMove(this: HTMLCanvasElement, e: PointerEvent): void {
  const s = strips.get(this);
  if (!s) return;
  const x = Math.max(0, Math.min(s.values.length - 1, Math.floor(e.offsetX / s.bar)));
  showTooltip([`${s.label}[${x}] = ${s.values[x].toFixed(4)}`], { x: e.clientX, y: e.clientY });
}

/** `scale`: the |value| that fills half the height (share it across a column so rows compare). */
export function vectorStrip(values: Float32Array, colour: Rgb, scale: number, label: string, height = 26): HTMLCanvasElement {
  const d = values.length;
  const bar = barWidth(d);
  const reused = spare.pop();
  const canvas = reused ?? document.createElement('canvas');
  canvas.className = 'vector-strip';
  const dpr = window.devicePixelRatio || 1;
  const width = Math.round(d * bar * dpr);
  const pixels = Math.round(height * dpr);
  // Assigning a size, even the same one, drops the backing store: only when it changes.
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== pixels) canvas.height = pixels;
  canvas.style.width = `${d * bar}px`;
  canvas.style.height = `${height}px`;
  canvas.setAttribute('role', 'img');
  let norm = 0;
  let big = 0;
  for (let x = 0; x < d; x++) {
    norm += values[x] * values[x];
    if (Math.abs(values[x]) > Math.abs(values[big])) big = x;
  }
  canvas.setAttribute('aria-label', `${label}: ${d} values, norm ${Math.sqrt(norm).toFixed(3)}, largest ${values[big].toFixed(3)} at ${big}`);
  const strip: Strip = { values, colour, scale: scale || 1, bar, height, label };
  strips.set(canvas, strip);
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (reused) ctx.clearRect(0, 0, d * bar, height);
    const p = palette();
    const mid = height / 2;
    ctx.fillStyle = css(colour);
    for (let x = 0; x < d; x++) {
      const h = Math.max(-mid, Math.min(mid, (values[x] / strip.scale) * mid));
      ctx.fillRect(x * bar + (bar > 4 ? 0.5 : 0), h >= 0 ? mid - h : mid, bar - (bar > 4 ? 1 : 0), Math.max(0.5, Math.abs(h)));
    }
    ctx.fillStyle = css(p.muted, 0.6);
    ctx.fillRect(0, mid - 0.5, d * bar, 1);
  }
  if (!reused) canvas.addEventListener('pointermove', onPointerMove);
  return canvas;
}

/** The strip as SVG rects, for vector export. */
export function stripSvg(canvas: HTMLCanvasElement): string | undefined {
  const s = strips.get(canvas);
  if (!s) return undefined;
  const mid = s.height / 2;
  const parts = [`<rect x="0" y="${mid - 0.5}" width="${s.values.length * s.bar}" height="1" fill="${css(palette().muted, 0.6)}"/>`];
  for (let x = 0; x < s.values.length; x++) {
    const h = Math.max(-mid, Math.min(mid, (s.values[x] / s.scale) * mid));
    parts.push(`<rect x="${x * s.bar + 0.5}" y="${(h >= 0 ? mid - h : mid).toFixed(2)}" width="${Math.max(1, s.bar - 1)}" height="${Math.max(0.5, Math.abs(h)).toFixed(2)}" fill="${css(s.colour)}"/>`);
  }
  return parts.join('');
}

export function maxAbs(vectors: Iterable<Float32Array>): number {
  let m = 0;
  for (const v of vectors) for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m || 1;
}
