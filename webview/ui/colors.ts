/**
 * Theme colours for canvases. Canvases cannot read CSS variables, so each colour is resolved once per
 * theme through a probe element (which also resolves color-mix()) and cached until the theme changes.
 */
export interface Rgb {
  r: number;
  g: number;
  b: number;
  a: number;
}

export interface Palette {
  q: Rgb;
  k: Rgb;
  v: Rgb;
  /** Attention weights (heatmaps, token shading). */
  weight: Rgb;
  fg: Rgb;
  muted: Rgb;
  bg: Rgb;
  border: Rgb;
  focus: Rgb;
  heads: Rgb[];
  font: string;
  monoFont: string;
}

/** Distinct head colours defined in panel.css (--qkv-head-0 …); heads beyond them reuse the list. */
export const HEAD_COLOURS = 12;

let cached: Palette | undefined;
let probe: HTMLElement | undefined;

function parse(css: string): Rgb | undefined {
  const rgb = /^rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)$/.exec(css);
  if (rgb) return { r: +rgb[1], g: +rgb[2], b: +rgb[3], a: alpha(rgb[4]) };
  const srgb = /^color\(srgb\s+([-\d.e]+)\s+([-\d.e]+)\s+([-\d.e]+)(?:\s*\/\s*([\d.]+%?))?\s*\)$/.exec(css);
  if (srgb) return { r: clamp255(+srgb[1] * 255), g: clamp255(+srgb[2] * 255), b: clamp255(+srgb[3] * 255), a: alpha(srgb[4]) };
  return undefined;
}

function alpha(s: string | undefined): number {
  if (s === undefined) return 1;
  return s.endsWith('%') ? parseFloat(s) / 100 : parseFloat(s);
}

function clamp255(x: number): number {
  return Math.max(0, Math.min(255, Math.round(x)));
}

/** Resolves any CSS colour expression (var(), color-mix()) to numbers. */
export function resolveColor(expression: string, fallback: Rgb = { r: 128, g: 128, b: 128, a: 1 }): Rgb {
  if (!probe) {
    probe = document.createElement('span');
    probe.style.display = 'none';
    document.body.appendChild(probe);
  }
  probe.style.color = '';
  probe.style.color = expression;
  return parse(getComputedStyle(probe).color) ?? fallback;
}

export function css(c: Rgb, alphaScale = 1): string {
  return `rgba(${c.r}, ${c.g}, ${c.b}, ${+(c.a * alphaScale).toFixed(3)})`;
}

/** `c` laid over `under` with opacity `t` (0..1), as an opaque colour. */
export function mix(c: Rgb, under: Rgb, t: number): Rgb {
  return { r: Math.round(under.r + (c.r - under.r) * t), g: Math.round(under.g + (c.g - under.g) * t), b: Math.round(under.b + (c.b - under.b) * t), a: 1 };
}

export function palette(): Palette {
  if (cached) return cached;
  const style = getComputedStyle(document.body);
  const v = (name: string) => resolveColor(`var(${name})`);
  cached = {
    q: v('--qkv-q'),
    k: v('--qkv-k'),
    v: v('--qkv-v'),
    weight: v('--qkv-weight'),
    fg: v('--vscode-foreground'),
    muted: v('--vscode-descriptionForeground'),
    bg: v('--vscode-editor-background'),
    border: v('--qkv-border'),
    focus: v('--vscode-focusBorder'),
    heads: Array.from({ length: HEAD_COLOURS }, (_, i) => v(`--qkv-head-${i}`)),
    font: style.getPropertyValue('--vscode-font-family').trim() || 'sans-serif',
    monoFont: style.getPropertyValue('--vscode-editor-font-family').trim() || 'monospace',
  };
  return cached;
}

export function headColour(p: Palette, head: number): Rgb {
  return p.heads[head % p.heads.length];
}

/** VS Code swaps the body's theme class when the user changes theme: forget the resolved colours. */
export function watchTheme(onChange: () => void): void {
  let last = document.body.className;
  new MutationObserver(() => {
    if (document.body.className === last) return;
    last = document.body.className;
    cached = undefined;
    onChange();
  }).observe(document.body, { attributes: true, attributeFilter: ['class', 'style'] });
}

export function isHighContrast(): boolean {
  return document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
}
