/**
 * The q·k geometry view: for the chosen layer and head, every token's query and (shifted) key in one
 * 2-D plot (webview/geometry/qkProjection.ts, PCA on the panel's tfjs backend), the share of variance
 * the two axes keep, and why the shift changes nothing. Hovering or focusing a query draws lines to its
 * strongest keys; beside the plot, q·k, |q|, |k|, cos θ, the score and the softmax weight under the
 * current √dk and temperature what-ifs (attentionMath.queryStep, the same arithmetic as the step view).
 */
import { format } from '../../src/shared/strings';
import { QueryStep, queryStep } from '../attentionMath';
import { csvRow, exportHeader, fmt } from '../export/data';
import { QkProjection, projectQk } from '../geometry/qkProjection';
import { css, palette } from '../ui/colors';
import { swatchLegend } from '../ui/legend';
import { ViewModel, displayText, singleHead, tokenCount } from '../viewModel';
import { ExportData, View, ViewActions } from './view';

const SIZE = 440;
const PAD = 16;
/** Keys joined to the focused query by a line (and listed beside the plot). */
export const TOP_KEYS = 5;
const NS = 'http://www.w3.org/2000/svg';

interface Plotted {
  layer: number;
  head: number;
  projection: QkProjection;
  /** Screen coordinates [T][2] of queries and keys. */
  qxy: Float32Array;
  kxy: Float32Array;
}

export class GeometryView implements View {
  readonly id = 'geometry' as const;
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly body: HTMLElement;
  private readonly svg: SVGSVGElement;
  private readonly lines: SVGGElement;
  private readonly side: HTMLElement;
  private plotted: Plotted | undefined;
  private cache = new WeakMap<object, Map<string, QkProjection>>();
  private vm: ViewModel | undefined;

  constructor(private readonly actions: ViewActions) {
    this.element = document.createElement('div');
    this.element.className = 'view geometry-view';
    this.title = document.createElement('h2');
    this.title.className = 'geo-title';
    this.notes = document.createElement('div');
    this.body = document.createElement('div');
    this.body.className = 'geo-body';
    this.svg = document.createElementNS(NS, 'svg');
    this.svg.setAttribute('class', 'geo-plot');
    this.svg.setAttribute('viewBox', `0 0 ${SIZE} ${SIZE}`);
    this.svg.setAttribute('width', String(SIZE));
    this.svg.setAttribute('height', String(SIZE));
    this.svg.setAttribute('tabindex', '0');
    this.svg.setAttribute('role', 'application');
    this.lines = document.createElementNS(NS, 'g');
    this.side = document.createElement('div');
    this.side.className = 'geo-side';
    this.side.setAttribute('aria-live', 'polite');
    this.body.append(this.svg, this.side);
    this.element.append(this.title, this.notes, this.body);
    this.svg.addEventListener('pointerover', (e) => {
      const i = (e.target as Element).getAttribute?.('data-query');
      if (i !== null && i !== undefined) this.actions.focus(Number(i));
    });
    this.svg.addEventListener('keydown', (e) => this.onKey(e));
    this.svg.addEventListener('focus', () => {
      if (this.vm && this.vm.focused === null) this.actions.focus(tokenCount(this.vm) - 1);
    });
  }

  private projection(vm: ViewModel, layer: number, head: number): QkProjection | undefined {
    const q = vm.data.headSlice(layer, 'q', head);
    const k = vm.data.headSlice(layer, 'k', head);
    if (!q || !k) return undefined;
    let perAnalysis = this.cache.get(vm.data);
    if (!perAnalysis) {
      perAnalysis = new Map();
      this.cache.set(vm.data, perAnalysis);
    }
    // Keyed by precision too: float16 q and k are fetched again as float32 when that would show.
    const key = `${layer}/${head}/${vm.data.precision}`;
    let p = perAnalysis.get(key);
    if (!p) {
      p = projectQk(q, k, tokenCount(vm), vm.analysis.trace.model.headDim);
      perAnalysis.set(key, p);
    }
    return p;
  }

  render(vm: ViewModel): void {
    this.vm = vm;
    const s = vm.strings;
    const head = singleHead(vm);
    const t = tokenCount(vm);
    const { headDim } = vm.analysis.trace.model;
    this.title.textContent = format(s.geoTitle, vm.layer, head);
    const projection = this.projection(vm, vm.layer, head);
    if (!projection) {
      this.notes.textContent = s.geoMissing;
      this.plotted = undefined;
      this.svg.replaceChildren();
      return;
    }
    const [a, b] = projection.explained;
    const p = palette();
    const variance = document.createElement('p');
    variance.className = 'geo-variance';
    variance.textContent = format(s.geoVariance, ((a + b) * 100).toFixed(1), (a * 100).toFixed(1), (b * 100).toFixed(1), Math.max(0, headDim - 2));
    const shift = document.createElement('p');
    shift.className = 'hint geo-shift';
    shift.textContent = s.geoShift;
    const hint = document.createElement('p');
    hint.className = 'hint';
    hint.textContent = s.geoHint;
    this.notes.replaceChildren(swatchLegend([{ label: `● ${s.geoQueries}`, color: p.q }, { label: `■ ${s.geoKeys}`, color: p.k }]), variance, shift, hint);
    document.body.dataset.geoExplained = (a + b).toFixed(6);

    // One scale for both axes, so that angles and distances are not distorted.
    let max = 1e-9;
    for (const arr of [projection.queries, projection.keys]) for (const v of arr) max = Math.max(max, Math.abs(v));
    const scale = (SIZE / 2 - PAD) / max;
    const toXy = (pts: Float32Array) => pts.map((v, i) => (i % 2 === 0 ? SIZE / 2 + v * scale : SIZE / 2 - v * scale));
    const qxy = toXy(projection.queries);
    const kxy = toXy(projection.keys);
    this.plotted = { layer: vm.layer, head, projection, qxy, kxy };

    const axes = document.createElementNS(NS, 'path');
    axes.setAttribute('d', `M${PAD} ${SIZE / 2} H${SIZE - PAD} M${SIZE / 2} ${PAD} V${SIZE - PAD}`);
    axes.setAttribute('class', 'geo-axes');
    // Colours as attributes, not only CSS, so that the SVG export keeps them.
    axes.setAttribute('stroke', css(p.border));
    axes.setAttribute('stroke-dasharray', '3 3');
    axes.setAttribute('fill', 'none');
    const points = document.createElementNS(NS, 'g');
    const tokens = vm.analysis.trace.tokens;
    for (let i = 0; i < t; i++) {
      const key = document.createElementNS(NS, 'rect');
      key.setAttribute('x', (kxy[2 * i] - 3).toFixed(1));
      key.setAttribute('y', (kxy[2 * i + 1] - 3).toFixed(1));
      key.setAttribute('width', '6');
      key.setAttribute('height', '6');
      key.setAttribute('class', 'geo-key');
      key.setAttribute('data-key', String(i));
      key.setAttribute('fill', css(p.k, 0.75));
      const kt = document.createElementNS(NS, 'title');
      kt.textContent = `${s.key} ${i} “${displayText(tokens[i].text)}”`;
      key.append(kt);
      points.append(key);
    }
    for (let i = 0; i < t; i++) {
      const query = document.createElementNS(NS, 'circle');
      query.setAttribute('cx', qxy[2 * i].toFixed(1));
      query.setAttribute('cy', qxy[2 * i + 1].toFixed(1));
      query.setAttribute('r', '4');
      query.setAttribute('class', 'geo-query');
      query.setAttribute('data-query', String(i));
      query.setAttribute('fill', css(p.q, 0.8));
      const qt = document.createElementNS(NS, 'title');
      qt.textContent = `${s.query} ${i} “${displayText(tokens[i].text)}”`;
      query.append(qt);
      points.append(query);
    }
    this.lines.replaceChildren();
    this.svg.replaceChildren(axes, this.lines, points);
    this.svg.setAttribute('aria-label', format(s.geoPlotAria, vm.layer, head, t));
    this.paintFocus(vm);
  }

  /** The focused query's lines and its table; cheap (no PCA). */
  paintFocus(vm: ViewModel): void {
    this.vm = vm;
    const s = vm.strings;
    const plot = this.plotted;
    this.lines.replaceChildren();
    for (const el of Array.from(this.svg.querySelectorAll('.geo-focused'))) el.classList.remove('geo-focused');
    if (!plot || vm.focused === null) {
      this.side.replaceChildren(Object.assign(document.createElement('p'), { className: 'hint', textContent: s.geoPick }));
      delete document.body.dataset.geoTop;
      return;
    }
    const step = this.step(vm, vm.focused);
    if (!step) return;
    const p = palette();
    const top = step.keys.filter((k) => !k.masked).sort((a, b) => b.weight - a.weight).slice(0, TOP_KEYS);
    const q = vm.focused;
    for (const k of top) {
      const line = document.createElementNS(NS, 'line');
      line.setAttribute('x1', plot.qxy[2 * q].toFixed(1));
      line.setAttribute('y1', plot.qxy[2 * q + 1].toFixed(1));
      line.setAttribute('x2', plot.kxy[2 * k.key].toFixed(1));
      line.setAttribute('y2', plot.kxy[2 * k.key + 1].toFixed(1));
      line.setAttribute('stroke', css(p.weight));
      line.setAttribute('stroke-width', (1 + 5 * k.weight).toFixed(2));
      line.setAttribute('stroke-opacity', (0.35 + 0.65 * k.weight).toFixed(2));
      line.setAttribute('class', 'geo-line');
      line.setAttribute('data-key', String(k.key));
      this.lines.append(line);
    }
    // The tokens themselves next to the query and its keys.
    const tokens = vm.analysis.trace.tokens;
    const label = (x: number, y: number, text: string, className: string) => {
      const el = document.createElementNS(NS, 'text');
      el.setAttribute('x', (x + 7).toFixed(1));
      el.setAttribute('y', (y - 6).toFixed(1));
      el.setAttribute('class', className);
      el.setAttribute('fill', css(className.includes('query') ? p.q : p.k));
      el.setAttribute('font-size', '12');
      el.setAttribute('font-family', p.font);
      el.textContent = text;
      this.lines.append(el);
    };
    for (const k of top) label(plot.kxy[2 * k.key], plot.kxy[2 * k.key + 1], displayText(tokens[k.key].text), 'geo-label geo-label-key');
    label(plot.qxy[2 * q], plot.qxy[2 * q + 1], displayText(tokens[q].text), 'geo-label geo-label-query');
    this.svg.querySelector(`[data-query="${q}"]`)?.classList.add('geo-focused');
    for (const k of top) this.svg.querySelector(`[data-key="${k.key}"].geo-key`)?.classList.add('geo-focused');
    document.body.dataset.geoTop = top.map((k) => `${k.key}:${k.weight.toFixed(6)}`).join(',');
    this.side.replaceChildren(this.table(vm, step, top));
  }

  private step(vm: ViewModel, query: number): QueryStep | undefined {
    const plot = this.plotted;
    if (!plot) return undefined;
    const q = vm.data.headSlice(plot.layer, 'q', plot.head);
    const k = vm.data.headSlice(plot.layer, 'k', plot.head);
    if (!q || !k) return undefined;
    return queryStep(q, k, undefined, tokenCount(vm), vm.analysis.trace.model.headDim, query, vm.whatIf, vm.whatIf.causal && vm.analysis.trace.model.causal);
  }

  private table(vm: ViewModel, step: QueryStep, top: QueryStep['keys']): HTMLElement {
    const s = vm.strings;
    const tokens = vm.analysis.trace.tokens;
    const wrap = document.createElement('div');
    const head = document.createElement('p');
    head.className = 'geo-query-line';
    head.textContent = format(s.geoQuery, displayText(tokens[step.query].text), step.query, step.qNorm.toFixed(2));
    const table = document.createElement('table');
    table.className = 'geo-table';
    const hr = document.createElement('tr');
    for (const c of [s.geoColKey, s.geoColDot, s.geoColNorm, s.geoColCos, s.geoColScore, s.geoColWeight]) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = c;
      hr.append(th);
    }
    const thead = document.createElement('thead');
    thead.append(hr);
    const tbody = document.createElement('tbody');
    for (const k of top) {
      const tr = document.createElement('tr');
      tr.dataset.key = String(k.key);
      const cells = [`${k.key} “${displayText(tokens[k.key].text)}”`, k.dot.toFixed(3), k.kNorm.toFixed(2), k.cos.toFixed(3), k.logit.toFixed(3), k.weight.toFixed(3)];
      cells.forEach((c, i) => {
        const td = document.createElement(i === 0 ? 'th' : 'td');
        if (i === 0) (td as HTMLTableCellElement).scope = 'row';
        td.textContent = c;
        tr.append(td);
      });
      const bar = document.createElement('span');
      bar.className = 'geo-bar';
      bar.style.width = `${(k.weight * 60).toFixed(1)}px`;
      tr.lastElementChild?.append(bar);
      tbody.append(tr);
    }
    table.append(thead, tbody);
    const visible = step.keys.filter((k) => !k.masked).length;
    const note = document.createElement('p');
    note.className = 'hint geo-score-note';
    note.textContent = format(vm.whatIf.scale ? s.geoScaled : s.geoUnscaled, step.sqrtDk.toFixed(2), vm.whatIf.temperature.toFixed(2), visible);
    wrap.append(head, table, note);
    return wrap;
  }

  private onKey(e: KeyboardEvent): void {
    const vm = this.vm;
    if (!vm) return;
    const t = tokenCount(vm);
    const now = vm.focused ?? -1;
    const moves: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (e.key in moves) {
      e.preventDefault();
      this.actions.focus(Math.max(0, Math.min(t - 1, (now < 0 ? 0 : now) + moves[e.key])));
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      this.actions.focus(e.key === 'Home' ? 0 : t - 1);
    } else if (e.key === 'Enter' && now >= 0) {
      this.actions.reveal(now);
    }
  }

  focusToken(): void {
    this.svg.focus();
  }

  exportData(vm: ViewModel): ExportData {
    const plot = this.plotted;
    const tokens = vm.analysis.trace.tokens;
    const lines = [csvRow(['token', 'text', 'query_x', 'query_y', 'key_x', 'key_y'])];
    if (plot) for (let i = 0; i < tokens.length; i++) lines.push(csvRow([i, tokens[i].text, fmt(plot.projection.queries[2 * i]), fmt(plot.projection.queries[2 * i + 1]), fmt(plot.projection.keys[2 * i]), fmt(plot.projection.keys[2 * i + 1])]));
    return {
      csv: lines.join('\n') + '\n',
      json: { ...exportHeader(vm), layer: plot?.layer, head: plot?.head, explained: plot?.projection.explained, keyShift: plot ? Array.from(plot.projection.shift, fmt) : [], queries: plot ? Array.from({ length: tokens.length }, (_, i) => [fmt(plot.projection.queries[2 * i]), fmt(plot.projection.queries[2 * i + 1])]) : [], keys: plot ? Array.from({ length: tokens.length }, (_, i) => [fmt(plot.projection.keys[2 * i]), fmt(plot.projection.keys[2 * i + 1])]) : [] },
    };
  }
}
