/**
 * The current view as a standalone SVG, built from what is on screen: every element's box (background,
 * border), every text run at its place in its font and colour, and canvases either as vector shapes
 * (when the view can describe them) or as embedded bitmaps. No foreignObject, so the SVG can be
 * rasterised to PNG without tainting a canvas.
 */
import { esc } from '../views/matrixView';

export type CanvasToSvg = (canvas: HTMLCanvasElement) => string | undefined;

function visible(c: string): boolean {
  return c !== '' && c !== 'transparent' && !/rgba\([^)]*,\s*0\)$/.test(c) && !/\/\s*0\)$/.test(c);
}

function n(x: number): string {
  return String(Math.round(x * 10) / 10);
}

export interface SvgResult {
  svg: string;
  width: number;
  height: number;
}

export function elementToSvg(root: HTMLElement, background: string, canvasToSvg: CanvasToSvg, title?: string): SvgResult {
  const box = root.getBoundingClientRect();
  const titleHeight = title ? 24 : 0;
  const width = Math.ceil(Math.max(box.width, root.scrollWidth));
  const height = Math.ceil(Math.max(box.height, root.scrollHeight)) + titleHeight;
  const body: string[] = [];
  const defs: string[] = [];
  let gradients = 0;
  const ox = box.left;
  const oy = box.top - titleHeight;

  const clipStack: DOMRect[] = [];
  const walk = (node: Node, opacity: number): void => {
    if (node.nodeType === Node.TEXT_NODE) {
      textRuns(node as Text);
      return;
    }
    if (!(node instanceof Element)) return;
    const style = getComputedStyle(node);
    if (style.display === 'none' || style.visibility === 'hidden' || (node as HTMLElement).hidden) return;
    if (node.classList.contains('visually-hidden') || node.classList.contains('qkv-tooltip')) return;
    const op = opacity * parseFloat(style.opacity || '1');
    const r = node.getBoundingClientRect();
    if (r.width === 0 && r.height === 0 && node.childNodes.length === 0) return;
    const clip = clipStack[clipStack.length - 1];
    if (clip && (r.bottom < clip.top || r.top > clip.bottom || r.right < clip.left || r.left > clip.right)) return;
    const x = r.left - ox;
    const y = r.top - oy;
    // An inline SVG (the q·k geometry plot) is already vector: copied in place (its colours are attributes, not CSS).
    if (node instanceof SVGSVGElement) {
      body.push(`<g transform="translate(${n(x)} ${n(y)})"${op < 1 ? ` opacity="${op.toFixed(2)}"` : ''}>${node.innerHTML}</g>`);
      return;
    }
    const radius = parseFloat(style.borderTopLeftRadius) || 0;
    const gradient = (node as HTMLElement).dataset?.gradient;
    const opAttr = op < 1 ? ` opacity="${op.toFixed(2)}"` : '';
    if (gradient) {
      const [from, to] = gradient.split('|');
      const id = `g${gradients++}`;
      defs.push(`<linearGradient id="${id}"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient>`);
      body.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(r.width)}" height="${n(r.height)}" fill="url(#${id})"${opAttr}/>`);
    } else if (visible(style.backgroundColor)) {
      body.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(r.width)}" height="${n(r.height)}" rx="${n(radius)}" fill="${style.backgroundColor}"${opAttr}/>`);
    }
    const bw = parseFloat(style.borderTopWidth) || 0;
    if (bw > 0 && style.borderTopStyle !== 'none' && visible(style.borderTopColor) && parseFloat(style.borderRightWidth) > 0) {
      body.push(`<rect x="${n(x + bw / 2)}" y="${n(y + bw / 2)}" width="${n(r.width - bw)}" height="${n(r.height - bw)}" rx="${n(radius)}" fill="none" stroke="${style.borderTopColor}" stroke-width="${n(bw)}"${opAttr}/>`);
    } else {
      const lw = parseFloat(style.borderLeftWidth) || 0;
      if (lw > 0 && style.borderLeftStyle !== 'none' && visible(style.borderLeftColor)) body.push(`<rect x="${n(x)}" y="${n(y)}" width="${n(lw)}" height="${n(r.height)}" fill="${style.borderLeftColor}"${opAttr}/>`);
      const bbw = parseFloat(style.borderBottomWidth) || 0;
      if (bbw > 0 && style.borderBottomStyle !== 'none' && visible(style.borderBottomColor)) body.push(`<rect x="${n(x)}" y="${n(y + r.height - bbw)}" width="${n(r.width)}" height="${n(bbw)}" fill="${style.borderBottomColor}"${opAttr}/>`);
    }
    const ow = parseFloat(style.outlineWidth) || 0;
    if (ow > 0 && style.outlineStyle !== 'none' && visible(style.outlineColor)) {
      const off = (parseFloat(style.outlineOffset) || 0) + ow / 2;
      body.push(`<rect x="${n(x - off)}" y="${n(y - off)}" width="${n(r.width + 2 * off)}" height="${n(r.height + 2 * off)}" rx="${n(radius)}" fill="none" stroke="${style.outlineColor}" stroke-width="${n(ow)}"/>`);
    }
    if (node instanceof HTMLCanvasElement) {
      const vector = canvasToSvg(node);
      if (vector === '') return;
      if (vector !== undefined) body.push(`<g transform="translate(${n(x)} ${n(y)})"${opAttr}>${vector}</g>`);
      else body.push(`<image x="${n(x)}" y="${n(y)}" width="${n(r.width)}" height="${n(r.height)}" preserveAspectRatio="none" href="${node.toDataURL('image/png')}"${opAttr}/>`);
      return;
    }
    const clips = style.overflowX !== 'visible' || style.overflowY !== 'visible';
    if (clips) clipStack.push(r);
    for (const child of Array.from(node.childNodes)) walk(child, op);
    if (clips) clipStack.pop();
  };

  const textRuns = (t: Text): void => {
    const content = t.data;
    if (!content.trim()) return;
    const parent = t.parentElement;
    if (!parent) return;
    const style = getComputedStyle(parent);
    if (style.visibility === 'hidden') return;
    const range = document.createRange();
    range.selectNodeContents(t);
    const rects = range.getClientRects();
    if (rects.length === 0) return;
    const clip = clipStack[clipStack.length - 1];
    const font = `font-family="${esc(style.fontFamily)}" font-size="${style.fontSize}"${style.fontWeight !== '400' ? ` font-weight="${style.fontWeight}"` : ''}${style.fontStyle === 'italic' ? ' font-style="italic"' : ''}`;
    const fill = style.color;
    const emit = (s: string, rect: DOMRect) => {
      if (!s.trim()) return;
      if (clip && (rect.bottom < clip.top || rect.top > clip.bottom || rect.right < clip.left || rect.left > clip.right)) return;
      body.push(`<text x="${n(rect.left - ox)}" y="${n(rect.top - oy + rect.height / 2)}" dominant-baseline="central" ${font} fill="${fill}" xml:space="preserve">${esc(s)}</text>`);
    };
    if (rects.length === 1) {
      emit(content, rects[0]);
      return;
    }
    // Wrapped text: split it into lines by where each character lands.
    let start = 0;
    let lineTop = NaN;
    let lineRect: DOMRect | undefined;
    for (let i = 0; i < content.length; i++) {
      range.setStart(t, i);
      range.setEnd(t, i + 1);
      const cr = range.getBoundingClientRect();
      if (cr.width === 0 && cr.height === 0) continue;
      if (Number.isNaN(lineTop)) {
        lineTop = cr.top;
        lineRect = cr;
      } else if (Math.abs(cr.top - lineTop) > cr.height / 2) {
        if (lineRect) emit(content.slice(start, i), lineRect);
        start = i;
        lineTop = cr.top;
        lineRect = cr;
      }
    }
    if (lineRect) emit(content.slice(start), lineRect);
  };

  walk(root, 1);
  const header = title ? `<text x="4" y="14" dominant-baseline="central" font-family="sans-serif" font-size="13" font-weight="600" fill="${esc(getComputedStyle(root).color)}">${esc(title)}</text>` : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${defs.length ? `<defs>${defs.join('')}</defs>` : ''}<rect width="100%" height="100%" fill="${background}"/>${header}${body.join('')}</svg>`;
  return { svg, width, height };
}

/** Rasterises an SVG to a PNG data URL at `scale`× (through an <img>: no foreignObject, no taint). */
export async function svgToPng(result: SvgResult, scale = 2): Promise<string> {
  const img = new Image();
  img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(result.svg);
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(result.width * scale));
  canvas.height = Math.max(1, Math.round(result.height * scale));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  ctx.scale(scale, scale);
  ctx.drawImage(img, 0, 0, result.width, result.height);
  return canvas.toDataURL('image/png');
}
