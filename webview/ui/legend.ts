/** A colour-scale legend: name, low value, a gradient bar, high value (exported to SVG as a gradient too). */
import { Rgb, css } from './colors';

export function colorLegend(name: string, low: string, high: string, from: Rgb, to: Rgb, note?: string): HTMLElement {
  const legend = document.createElement('div');
  legend.className = 'legend';
  const title = document.createElement('span');
  title.className = 'legend-name';
  title.textContent = name;
  const lo = document.createElement('span');
  lo.className = 'legend-lo';
  lo.textContent = low;
  const bar = document.createElement('span');
  bar.className = 'legend-bar';
  bar.style.background = `linear-gradient(to right, ${css(from)}, ${css(to)})`;
  bar.dataset.gradient = `${css(from)}|${css(to)}`;
  bar.setAttribute('aria-hidden', 'true');
  const hi = document.createElement('span');
  hi.className = 'legend-hi';
  hi.textContent = high;
  legend.append(title, lo, bar, hi);
  if (note) {
    const n = document.createElement('span');
    n.className = 'legend-note';
    n.textContent = note;
    legend.append(n);
  }
  return legend;
}

/** A row of coloured swatches with names (categorical legend, e.g. Q/K/V or head colours). */
export function swatchLegend(items: Array<{ label: string; color: Rgb }>): HTMLElement {
  const legend = document.createElement('div');
  legend.className = 'legend swatches';
  for (const item of items) {
    const s = document.createElement('span');
    s.className = 'swatch';
    const box = document.createElement('span');
    box.className = 'swatch-box';
    box.style.background = css(item.color);
    box.setAttribute('aria-hidden', 'true');
    s.append(box, document.createTextNode(item.label));
    legend.append(s);
  }
  return legend;
}
