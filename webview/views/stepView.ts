/**
 * The step view: one query of one head followed through softmax(q·Kᵀ/√dk)·V with the trace's own
 * numbers. The query vector, every key vector, their element-wise products and sum (also as
 * |q||k|cos θ), ÷√dk, the mask, the softmax, and the weighted sum of values. Everything is recomputed
 * here from q, k and v; each result is checked against the model's weight (or, under a what-if, the
 * live GPU recompute) and shown with the difference.
 */
import { format } from '../../src/shared/strings';
import { KeyStep, QueryStep, maxAbsDiff, queryStep, weightedSum } from '../attentionMath';
import { csvRow, exportHeader, fmt } from '../export/data';
import { mix, palette } from '../ui/colors';
import { swatchLegend } from '../ui/legend';
import { hideTooltip } from '../ui/tooltip';
import { maxAbs, releaseStrips, stripSvg, vectorStrip } from '../ui/vectorStrip';
import { ViewModel, displayText, rowStats, singleHead, tokenCount } from '../viewModel';
import { TokenStrip } from './tokenStrip';
import { statsLine } from './tokensView';
import { ExportData, View, ViewActions } from './view';

/** Keys listed when not all are shown (plus the one being worked through). */
const TOP_KEYS = 12;
/** Inputs this short list every key. */
const ALL_KEYS_UP_TO = 16;
/** Vectors this short have their elements written out in the worked example. */
const WRITE_OUT_UP_TO = 8;
/**
 * While the pointer runs along the tokens only the strip follows it; the worked-through body (hundreds
 * of elements) is rebuilt once the pointer rests this long, so hover stays fluid on long inputs.
 */
const BODY_DELAY_MS = 60;

export function num(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  const a = Math.abs(x);
  const s = a !== 0 && (a >= 1e4 || a < 1e-3) ? x.toExponential(2) : x.toFixed(3);
  return s.replace('-', '−');
}

interface Computed {
  layer: number;
  head: number;
  query: number;
  step: QueryStep;
  /** The weights the rest of the panel shows for this row: the model's, or the live recompute under a what-if. */
  reference: Float32Array;
  /** The model's scaled scores q·k/√dk for this row (before the mask). */
  modelScores: Float32Array;
  v: Float32Array;
}

export class StepView implements View {
  readonly id = 'steps' as const;
  readonly element: HTMLElement;
  private readonly strip: TokenStrip;
  private readonly body: HTMLElement;
  private lastQuery: number | null = null;
  private showAll = false;
  private computed: Computed | undefined;
  private shownKey: number | undefined;
  private worked: HTMLElement | undefined;
  private rows = new Map<number, HTMLElement>();
  private pendingBody: ReturnType<typeof setTimeout> | undefined;
  private vm: ViewModel | undefined;

  constructor(private readonly actions: ViewActions) {
    this.element = document.createElement('div');
    this.element.className = 'view step-view';
    this.strip = new TokenStrip({ focus: (i) => i !== null && actions.focus(i, null), reveal: (i) => actions.reveal(i) }, false);
    this.body = document.createElement('div');
    this.body.className = 'step-body';
    this.element.append(this.strip.element, this.body);
  }

  private queryOf(vm: ViewModel): number {
    const t = tokenCount(vm);
    const q = vm.focused ?? this.lastQuery ?? t - 1;
    return Math.min(q, t - 1);
  }

  render(vm: ViewModel): void {
    this.vm = vm;
    this.computed = undefined;
    this.strip.render({ ...vm, focused: this.queryOf(vm) }, vm.strings.stepPickQuery);
    this.renderBody(vm);
  }

  paintFocus(vm: ViewModel): void {
    this.vm = vm;
    const query = this.queryOf(vm);
    this.strip.paint({ ...vm, focused: query });
    if (this.computed && this.computed.query === query && this.pendingBody === undefined) {
      this.showKey(vm, this.keyOf(vm, this.computed));
      return;
    }
    if (this.pendingBody !== undefined) clearTimeout(this.pendingBody);
    this.body.setAttribute('aria-busy', 'true');
    this.pendingBody = setTimeout(() => {
      this.pendingBody = undefined;
      if (this.vm && this.element.isConnected) this.renderBody(this.vm);
    }, BODY_DELAY_MS);
  }

  focusToken(index: number): void {
    this.strip.focusChip(index);
  }

  private compute(vm: ViewModel, query: number): Computed {
    const trace = vm.analysis.trace;
    const t = tokenCount(vm);
    const d = trace.model.headDim;
    const head = singleHead(vm);
    const slice = (part: 'q' | 'k' | 'v') => vm.data.headSlice(vm.layer, part, head) ?? new Float32Array(t * d);
    const q = slice('q');
    const k = slice('k');
    const v = slice('v');
    const step = queryStep(q, k, v, t, d, query, vm.whatIf, vm.whatIf.causal && trace.model.causal);
    const weights = vm.store.head(vm.layer, head);
    return { layer: vm.layer, head, query, step, reference: weights.subarray(query * t, (query + 1) * t), modelScores: modelScoresRow(vm, head, query), v };
  }

  private keyOf(vm: ViewModel, c: Computed): number {
    if (vm.key !== null && vm.key < c.step.keys.length) return vm.key;
    let best = 0;
    for (const s of c.step.keys) if (s.weight > c.step.keys[best].weight) best = s.key;
    return best;
  }

  /** Keys listed in the tables, in position order. */
  private listed(c: Computed, key: number): KeyStep[] {
    const keys = c.step.keys;
    if (this.showAll || keys.length <= ALL_KEYS_UP_TO) return keys;
    const top = [...keys].filter((s) => !s.masked).sort((a, b) => b.weight - a.weight).slice(0, TOP_KEYS);
    if (!top.some((s) => s.key === key)) top.push(keys[key]);
    return top.sort((a, b) => a.key - b.key);
  }

  private renderBody(vm: ViewModel): void {
    // Lets bench/hover.ts time the rebuild to its painted frame (a mark costs nothing otherwise).
    performance.mark('qkv-step-body');
    if (this.pendingBody !== undefined) clearTimeout(this.pendingBody);
    this.pendingBody = undefined;
    hideTooltip();
    const query = this.queryOf(vm);
    this.lastQuery = query;
    const c = (this.computed = this.compute(vm, query));
    const key = this.keyOf(vm, c);
    const p = palette();
    const tokens = vm.analysis.trace.tokens;
    const d = c.step.headDim;
    const s = vm.strings;
    this.rows = new Map();
    const parts: HTMLElement[] = [];

    const title = el('h2', 'step-title');
    title.textContent = format(s.stepTitle, vm.layer, `${s.head} ${c.head}`, displayText(tokens[query].text), query);
    parts.push(title);
    if (vm.head < 0) parts.push(text('p', 'hint', format(s.stepOneHead, `${s.head} ${c.head}`)));
    parts.push(formulaBar());
    parts.push(swatchLegend([
      { label: `q · ${s.query}`, color: p.q },
      { label: `k · ${s.key}`, color: p.k },
      { label: `v · ${s.value}`, color: p.v },
      { label: s.weight, color: p.weight },
    ]));
    parts.push(text('p', 'hint', s.barsLegend));

    // ① the query vector
    const one = section('①', s.stepQuery);
    one.append(shape('q', 'q', d), vectorStrip(c.step.q, p.q, maxAbs([c.step.q]), 'q'), text('span', 'step-note', `|q| = ${num(c.step.qNorm)}`));
    if (d <= WRITE_OUT_UP_TO) one.append(text('div', 'vector-values q-text', `q = [${Array.from(c.step.q, num).join(', ')}]`));
    parts.push(one);

    // ② keys, products, dot products, ÷√dk, mask, softmax
    const listed = this.listed(c, key);
    const two = section('②', s.stepKeys);
    two.append(shape('k', 'kⱼ', d));
    two.append(this.keyTable(vm, c, listed, key, p));
    const maskedCount = c.step.keys.filter((k) => k.masked).length;
    if (!this.showAll && c.step.keys.length > ALL_KEYS_UP_TO) {
      const hidden = c.step.keys.length - listed.length;
      const more = document.createElement('button');
      more.type = 'button';
      more.className = 'link-button';
      more.textContent = format(s.showAllKeys, c.step.keys.length);
      more.addEventListener('click', () => {
        this.showAll = true;
        this.renderBody(vm);
      });
      two.append(text('p', 'hint', format(s.keysHidden, hidden, maskedCount)), more);
    } else if (this.showAll && c.step.keys.length > ALL_KEYS_UP_TO) {
      const fewer = document.createElement('button');
      fewer.type = 'button';
      fewer.className = 'link-button';
      fewer.textContent = format(s.showTopKeys, TOP_KEYS);
      fewer.addEventListener('click', () => {
        this.showAll = false;
        this.renderBody(vm);
      });
      two.append(fewer);
    }
    parts.push(two);

    // ③ worked example for one key
    const three = section('③', s.stepWorked);
    this.worked = el('div', 'worked');
    three.append(this.worked);
    parts.push(three);

    // ④ softmax over all keys
    const four = section('④', s.stepSoftmax);
    four.append(text('p', 'step-line', format(s.softmaxExplain, num(c.step.maxLogit), num(c.step.expSum))));
    const stats = rowStats(c.step.keys.map((k) => k.weight));
    four.append(text('p', 'step-line', `Σⱼ wⱼ = ${num(c.step.keys.reduce((a, k) => a + k.weight, 0))} · ${s.entropy} ${num(stats.entropy)} · ${s.maxWeight} ${num(stats.max)}`));
    if (!vm.store.atModelSettings) four.append(statsLine(vm, query));
    four.append(this.check(vm, c.step.keys.map((k) => k.weight), c.reference, s.checkRow));
    parts.push(four);

    // ⑤ weighted sum of values
    const five = section('⑤', s.stepOutput);
    five.append(shape('v', 'vⱼ', d), text('p', 'step-line', s.outputExplain));
    five.append(this.outputTable(vm, c, listed, p));
    const modelOutput = weightedSum(c.reference, c.v, d);
    five.append(this.check(vm, c.step.output, modelOutput, s.checkOutput));
    parts.push(five);

    releaseStrips(this.body);
    this.body.replaceChildren(...parts);
    this.body.dataset.query = String(query);
    this.body.removeAttribute('aria-busy');
    this.shownKey = undefined;
    this.showKey(vm, key);
  }

  private keyTable(vm: ViewModel, c: Computed, listed: KeyStep[], key: number, p: ReturnType<typeof palette>): HTMLElement {
    const s = vm.strings;
    const tokens = vm.analysis.trace.tokens;
    const temperature = vm.whatIf.temperature !== 1;
    const wrap = el('div', 'table-wrap');
    const table = document.createElement('table');
    table.className = 'step-table';
    const head = document.createElement('tr');
    const cols = [s.key, 'kⱼ', 'q ⊙ kⱼ', 'q · kⱼ = Σ', '|q| |kⱼ| cos θ', vm.whatIf.scale ? '÷ √dk' : `÷ √dk (${s.off})`, ...(temperature ? [`÷ ${s.temperature}`] : []), s.colMask, 'softmax', s.modelValue];
    for (const name of cols) head.append(text('th', '', name));
    head.querySelectorAll('th').forEach((th) => th.setAttribute('scope', 'col'));
    const thead = document.createElement('thead');
    thead.append(head);
    const body = document.createElement('tbody');
    const kScale = maxAbs(listed.map((k) => keyVector(vm, c, k.key)));
    const pScale = maxAbs(listed.map((k) => k.products));
    const qk = mix(p.q, p.k, 0.5);
    const tol = 1e-5;
    for (const k of listed) {
      const tr = document.createElement('tr');
      tr.dataset.key = String(k.key);
      tr.tabIndex = -1;
      if (k.masked) tr.className = 'masked';
      const name = `${displayText(tokens[k.key].text)} (${k.key})`;
      tr.append(text('th', 'key-name', name));
      (tr.firstChild as HTMLElement).setAttribute('scope', 'row');
      tr.append(cell(vectorStrip(keyVector(vm, c, k.key), p.k, kScale, `k${k.key}`)));
      tr.append(cell(vectorStrip(k.products, qk, pScale, `q⊙k${k.key}`)));
      tr.append(text('td', 'num', num(k.dot)));
      tr.append(text('td', 'num', `${num(c.step.qNorm)}×${num(k.kNorm)}×${num(k.cos)}`));
      tr.append(text('td', 'num', vm.whatIf.scale ? num(k.scaled) : '—'));
      if (temperature) tr.append(text('td', 'num', num(k.logit)));
      tr.append(text('td', 'num', k.masked ? '−∞' : ''));
      const w = text('td', 'num weight-cell', num(k.weight));
      w.style.setProperty('--w', `${(k.weight * 100).toFixed(1)}%`);
      tr.append(w);
      const ref = c.reference[k.key];
      tr.append(text('td', 'num check', `${num(ref)} ${Math.abs(ref - k.weight) < tol ? '✓' : '✗'}`));
      tr.setAttribute('aria-label', `${name}: q·k ${num(k.dot)}, ${k.masked ? s.masked : `${s.weight} ${num(k.weight)}`}`);
      tr.addEventListener('pointerenter', () => this.actions.focus(c.query, k.key));
      tr.addEventListener('click', () => this.actions.focus(c.query, k.key));
      tr.addEventListener('keydown', (e) => this.rowKey(e, c, k.key));
      this.rows.set(k.key, tr);
      body.append(tr);
    }
    const first = this.rows.get(key) ?? body.firstElementChild;
    if (first instanceof HTMLElement) first.tabIndex = 0;
    table.append(thead, body);
    wrap.append(table);
    return wrap;
  }

  private rowKey(e: KeyboardEvent, c: Computed, key: number): void {
    const keys = [...this.rows.keys()];
    const at = keys.indexOf(key);
    const next = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? keys.length - 1 : undefined;
    if (next === undefined) return;
    e.preventDefault();
    const k = keys[Math.max(0, Math.min(keys.length - 1, next))];
    this.actions.focus(c.query, k);
    this.rows.get(k)?.focus();
  }

  private outputTable(vm: ViewModel, c: Computed, listed: KeyStep[], p: ReturnType<typeof palette>): HTMLElement {
    const s = vm.strings;
    const tokens = vm.analysis.trace.tokens;
    const d = c.step.headDim;
    const wrap = el('div', 'table-wrap');
    const table = document.createElement('table');
    table.className = 'step-table output-table';
    const head = document.createElement('tr');
    for (const name of [s.key, 'wⱼ', 'vⱼ', 'wⱼ · vⱼ']) {
      const th = text('th', '', name);
      th.setAttribute('scope', 'col');
      head.append(th);
    }
    const thead = document.createElement('thead');
    thead.append(head);
    const body = document.createElement('tbody');
    const shown = listed.filter((k) => !k.masked);
    const vOf = (j: number) => c.v.subarray(j * d, (j + 1) * d);
    const vScale = maxAbs(shown.map((k) => vOf(k.key)));
    const scaled = shown.map((k) => vOf(k.key).map((x) => x * k.weight));
    const wvScale = maxAbs([...scaled, c.step.output]);
    shown.forEach((k, n) => {
      const tr = document.createElement('tr');
      tr.append(text('th', 'key-name', `${displayText(tokens[k.key].text)} (${k.key})`));
      tr.append(text('td', 'num', num(k.weight)));
      tr.append(cell(vectorStrip(vOf(k.key), p.v, vScale, `v${k.key}`)));
      tr.append(cell(vectorStrip(scaled[n], p.v, wvScale, `w·v${k.key}`)));
      body.append(tr);
    });
    const omitted = c.step.keys.length - shown.length;
    const sum = document.createElement('tr');
    sum.className = 'sum-row';
    sum.append(text('th', 'key-name', `o = Σⱼ${omitted > 0 ? ` (${format(s.allKeys, c.step.keys.length)})` : ''}`));
    sum.append(text('td', 'num', num(c.step.keys.reduce((a, k) => a + k.weight, 0))));
    sum.append(text('td', '', ''));
    sum.append(cell(vectorStrip(c.step.output, p.v, wvScale, 'o')));
    body.append(sum);
    table.append(thead, body);
    wrap.append(table);
    if (d <= WRITE_OUT_UP_TO) wrap.append(text('div', 'vector-values v-text', `o = [${Array.from(c.step.output, num).join(', ')}]`));
    return wrap;
  }

  /** "✓ equals the model (difference 3e-8)" for a vector of results against the reference. */
  private check(vm: ViewModel, ours: ArrayLike<number>, reference: ArrayLike<number>, what: string): HTMLElement {
    const diff = maxAbsDiff(ours, reference);
    const ok = diff < 1e-5;
    const against = vm.store.atModelSettings ? vm.strings.theModel : vm.strings.theRecompute;
    const p = text('p', `check-line ${ok ? 'ok' : 'bad'}`, `${ok ? '✓' : '✗'} ${format(what, against, diff.toExponential(1))}`);
    p.dataset.diff = String(diff);
    return p;
  }

  /** The worked example for one key, and its row highlighted. */
  private showKey(vm: ViewModel, key: number): void {
    const c = this.computed;
    if (!c || !this.worked || this.shownKey === key) return;
    this.shownKey = key;
    for (const [j, tr] of this.rows) {
      tr.classList.toggle('selected', j === key);
      tr.tabIndex = j === key ? 0 : -1;
    }
    const s = vm.strings;
    const tokens = vm.analysis.trace.tokens;
    const k = c.step.keys[key];
    const kv = keyVector(vm, c, key);
    const d = c.step.headDim;
    const lines: HTMLElement[] = [];
    lines.push(text('h3', 'worked-title', format(s.workedTitle, displayText(tokens[c.query].text), displayText(tokens[key].text))));
    // q·k written out
    const terms = el('p', 'step-line math');
    const shown = d <= WRITE_OUT_UP_TO ? [...Array(d).keys()] : [0, 1, 2, d - 1];
    const pieces: Array<string | HTMLElement> = ['q · k = '];
    shown.forEach((x, n) => {
      if (n > 0) pieces.push(' + ');
      if (d > WRITE_OUT_UP_TO && x === d - 1) pieces.push(`${format(s.moreTerms, d - 4)} + `);
      pieces.push('(', span('q-text', num(c.step.q[x])), '×', span('k-text', num(kv[x])), ')');
    });
    pieces.push(` = ${num(k.dot)}`);
    terms.append(...pieces);
    lines.push(terms);
    lines.push(text('p', 'step-line math', `= |q| |k| cos θ = ${num(c.step.qNorm)} × ${num(k.kNorm)} × ${num(k.cos)} = ${num(c.step.qNorm * k.kNorm * k.cos)}`));
    if (vm.whatIf.scale) {
      const modelScore = c.modelScores[key];
      lines.push(text('p', 'step-line math', `÷ √dk = ${num(k.dot)} ÷ √${d} = ${num(k.dot)} ÷ ${num(c.step.sqrtDk)} = ${num(k.scaled)}   (${format(s.modelScore, num(modelScore))} ${Math.abs(modelScore - k.scaled) < 1e-4 ? '✓' : '✗'})`));
    } else {
      lines.push(text('p', 'step-line math', `${s.scaleOff}: ${num(k.scaled)}`));
    }
    if (vm.whatIf.temperature !== 1) lines.push(text('p', 'step-line math', `÷ ${s.temperature} ${vm.whatIf.temperature.toFixed(2)} = ${num(k.logit)}`));
    const causalModel = vm.analysis.trace.model.causal;
    const maskLine = !causalModel ? s.noMask : !vm.whatIf.causal ? s.maskOff : k.masked ? format(s.maskFuture, key, c.query) : format(s.maskKept, key, c.query);
    lines.push(text('p', `step-line${k.masked ? ' masked-line' : ''}`, `${s.colMask}: ${maskLine}`));
    if (k.masked) {
      lines.push(text('p', 'step-line math', `softmax: e^(−∞) / Σ = 0`));
    } else {
      lines.push(text('p', 'step-line math', `softmax: e^(${num(k.logit)} − ${num(c.step.maxLogit)}) / Σⱼ e^(sⱼ − ${num(c.step.maxLogit)}) = ${num(k.exp)} / ${num(c.step.expSum)} = ${num(k.weight)}`));
    }
    const ref = c.reference[key];
    const diff = Math.abs(ref - k.weight);
    const against = vm.store.atModelSettings ? s.theModel : s.theRecompute;
    const check = text('p', `check-line ${diff < 1e-5 ? 'ok' : 'bad'}`, `${diff < 1e-5 ? '✓' : '✗'} ${format(s.checkWeight, against, num(ref), diff.toExponential(1))}`);
    check.dataset.weight = String(k.weight);
    check.dataset.reference = String(ref);
    lines.push(check);
    this.worked.replaceChildren(...lines);
    this.worked.dataset.key = String(key);
  }

  exportData(vm: ViewModel): ExportData {
    const query = this.queryOf(vm);
    const c = this.computed?.query === query ? this.computed : this.compute(vm, query);
    const tokens = vm.analysis.trace.tokens;
    const lines = [csvRow(['key_index', 'key', 'dot', 'k_norm', 'cos', 'scaled', 'logit', 'masked', 'weight', 'reference_weight'])];
    for (const k of c.step.keys) lines.push(csvRow([k.key, tokens[k.key].text, fmt(k.dot), fmt(k.kNorm), fmt(k.cos), fmt(k.scaled), fmt(k.logit), k.masked ? 1 : 0, fmt(k.weight), fmt(c.reference[k.key])]));
    return {
      csv: lines.join('\n') + '\n',
      json: {
        ...exportHeader(vm),
        head: c.head,
        query: c.query,
        q: Array.from(c.step.q, fmt),
        qNorm: fmt(c.step.qNorm),
        sqrtDk: fmt(c.step.sqrtDk),
        maxLogit: fmt(c.step.maxLogit),
        expSum: fmt(c.step.expSum),
        keys: c.step.keys.map((k) => ({ key: k.key, k: Array.from(keyVector(vm, c, k.key), fmt), dot: fmt(k.dot), kNorm: fmt(k.kNorm), cos: fmt(k.cos), scaled: fmt(k.scaled), logit: fmt(k.logit), masked: k.masked, weight: fmt(k.weight), referenceWeight: fmt(c.reference[k.key]) })),
        output: Array.from(c.step.output, fmt),
      },
    };
  }

  canvasSvg(canvas: HTMLCanvasElement): string | undefined {
    return stripSvg(canvas);
  }
}

/** The model's own scaled scores q·k/√dk for one row (fetched for the chosen head: neededNow in viewModel.ts). */
function modelScoresRow(vm: ViewModel, head: number, query: number): Float32Array {
  const t = tokenCount(vm);
  const scores = vm.data.get(vm.layer, 'scores', head) ?? new Float32Array(t * t).fill(NaN);
  return scores.subarray(query * t, (query + 1) * t);
}

function keyVector(vm: ViewModel, c: Computed, key: number): Float32Array {
  const d = c.step.headDim;
  const k = vm.data.headSlice(c.layer, 'k', c.head) ?? new Float32Array(tokenCount(vm) * d);
  return k.subarray(key * d, (key + 1) * d);
}

function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  if (className) e.className = className;
  return e;
}

function text(tag: string, className: string, content: string): HTMLElement {
  const e = el(tag, className);
  e.textContent = content;
  return e;
}

function span(className: string, content: string): HTMLElement {
  return text('span', className, content);
}

function cell(child: HTMLElement): HTMLElement {
  const td = document.createElement('td');
  td.append(child);
  return td;
}

function section(marker: string, title: string): HTMLElement {
  const s = el('section', 'step');
  const h = el('h3', 'step-heading');
  h.append(span('step-marker', marker), ` ${title}`);
  s.append(h);
  return s;
}

/** "q ∈ ℝ^dk (dk = 16)", with the vector's name in its colour. */
function shape(kind: 'q' | 'k' | 'v', name: string, d: number): HTMLElement {
  const p = el('p', 'shape');
  const sup = document.createElement('sup');
  sup.textContent = 'dk';
  p.append(span(`${kind}-text`, name), ' ∈ ℝ', sup, ` (dk = ${d})`);
  return p;
}

/** softmax( q · Kᵀ / √dk ) · V, each letter in its colour. */
function formulaBar(): HTMLElement {
  const f = el('p', 'formula');
  f.append('softmax( ', span('q-text', 'q'), ' · ', span('k-text', 'Kᵀ'), ' / √dk ) · ', span('v-text', 'V'));
  return f;
}
