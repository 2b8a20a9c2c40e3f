/**
 * Side by side: A (the panel's layer and head) next to B (another head of this model, another training
 * stage, or the built-in teaching model on the same text), and A − B shaded by sign. Other stages and
 * models run on the host (src/commands/compareRuns.ts); when their tokenizer splits the text
 * differently the two are aligned (src/shared/tokenAlignment.ts), or the view says they cannot be.
 * Both sides are the models' own weights (what-ifs change A's recompute, not B's checkpoint).
 */
import type { CompareData, CompareTarget, CompareUnavailable } from '../../src/shared/compareProtocol';
import { UiStrings, format } from '../../src/shared/strings';
import { Segment, alignTokens, pooledAttention, tokensMatchText, unalignedWeight } from '../../src/shared/tokenAlignment';
import { csvRow, exportHeader, fmt } from '../export/data';
import { Rgb, css, mix, palette } from '../ui/colors';
import { colorLegend } from '../ui/legend';
import { dropdown } from '../ui/toolkit';
import { ViewModel, displayText, singleHead, tokenCount } from '../viewModel';
import { post } from '../vscodeApi';
import { ExportData, View, ViewActions } from './view';

type Choice = { kind: 'head' } | CompareTarget;

/** What is drawn: both matrices on common rows and columns, with their labels. */
export interface Compared {
  labels: string[];
  a: Float32Array;
  b: Float32Array;
  /** Null when both split the text the same way. */
  segments: Segment[] | null;
  /** Largest share of a row's weight that fell outside every segment (either side). */
  unaligned: number;
}

/** The side-by-side matrices of two runs of one text: cell by cell when the tokens agree, else per aligned segment. */
export function compareMatrices(text: string, a: { tokens: Array<{ text: string; start: number; end: number; special: boolean }>; weights: Float32Array }, b: { tokens: Array<{ text: string; start: number; end: number; special: boolean }>; weights: Float32Array }, textB = text): Compared | { error: 'different-text' | 'no-overlap' } {
  const same = a.tokens.length === b.tokens.length && a.tokens.every((t, i) => t.start === b.tokens[i].start && t.end === b.tokens[i].end && t.special === b.tokens[i].special);
  if (same && textB === text) return { labels: a.tokens.map((t) => t.text), a: a.weights, b: b.weights, segments: null, unaligned: 0 };
  const al = alignTokens(text, a.tokens, b.tokens, textB);
  if (!al.ok) return { error: al.reason };
  const pa = pooledAttention(a.weights, a.tokens.length, al.segments, 'a');
  const pb = pooledAttention(b.weights, b.tokens.length, al.segments, 'b');
  const s = al.segments.length;
  const unaligned = Math.max(...unalignedWeight(pa, s), ...unalignedWeight(pb, s));
  return { labels: al.segments.map((g) => text.slice(g.start, g.end)), a: pa, b: pb, segments: al.segments, unaligned };
}

let inbox: ((m: CompareData | CompareUnavailable) => void) | undefined;
/** main.ts hands the host's compareData / compareUnavailable messages here. */
export function receiveCompare(message: CompareData | CompareUnavailable): void {
  inbox?.(message);
}

const CELL_MAX = 22;

export class CompareView implements View {
  readonly id = 'compare' as const;
  readonly element: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly note: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly status: HTMLElement;
  private vm: ViewModel | undefined;
  private choice: Choice = { kind: 'head' };
  private layerB = 0;
  private headB = 1;
  private nextId = 1;
  private pendingId = 0;
  private other: CompareData | undefined;
  private otherError: string | undefined;
  private compared: Compared | undefined;
  private cursor = { q: 0, k: 0 };
  private canvases: HTMLCanvasElement[] = [];
  private cell = 10;

  constructor(private readonly actions: ViewActions) {
    this.element = document.createElement('div');
    this.element.className = 'view compare-view';
    const intro = document.createElement('p');
    intro.className = 'hint cmp-intro';
    this.bar = document.createElement('div');
    this.bar.className = 'cmp-bar';
    this.note = document.createElement('p');
    this.note.className = 'cmp-note';
    this.grid = document.createElement('div');
    this.grid.className = 'cmp-grid';
    this.status = document.createElement('p');
    this.status.className = 'cmp-status';
    this.status.setAttribute('role', 'status');
    this.element.append(intro, this.bar, this.note, this.grid, this.status);
    inbox = (m) => this.receive(m);
  }

  private get strings(): UiStrings | undefined {
    return this.vm?.strings;
  }

  render(vm: ViewModel): void {
    const analysisChanged = this.vm?.analysis !== vm.analysis;
    this.vm = vm;
    (this.element.firstElementChild as HTMLElement).textContent = vm.strings.cmpIntro;
    if (analysisChanged) {
      // A reply for the previous analysis is not for this one.
      this.pendingId = 0;
      this.other = undefined;
      this.otherError = undefined;
      const { heads } = vm.analysis.trace.model;
      this.headB = heads > 1 ? (singleHead(vm) + 1) % heads : 0;
      this.layerB = vm.layer;
      if (this.choice.kind === 'stage' && !vm.analysis.stages.some((s) => this.choice.kind === 'stage' && s.step === this.choice.step)) this.choice = { kind: 'head' };
    }
    this.renderBar(vm);
    if (this.choice.kind !== 'head' && !this.other && !this.otherError) this.request();
    this.draw();
  }

  /** B's model: this one for another head, else the other run's (once it has arrived). */
  private modelB(vm: ViewModel): { layers: number; heads: number } {
    return this.choice.kind === 'head' || !this.other ? vm.analysis.trace.model : this.other.model;
  }

  private renderBar(vm: ViewModel): void {
    const s = vm.strings;
    const choices = [{ value: 'head', label: s.cmpHead }];
    for (const st of vm.analysis.stages) if (st.step !== vm.analysis.stage) choices.push({ value: `stage:${st.step}`, label: format(s.cmpStage, `${st.label} (${st.step})`) });
    if (!vm.analysis.stages.length) choices.push({ value: 'builtin', label: s.cmpBuiltin });
    const value = this.choice.kind === 'stage' ? `stage:${this.choice.step}` : this.choice.kind;
    const mb = this.modelB(vm);
    this.layerB = Math.min(this.layerB, mb.layers - 1);
    this.headB = Math.min(this.headB, mb.heads - 1);
    const layers = Array.from({ length: mb.layers }, (_, i) => ({ value: String(i), label: String(i) }));
    const heads = Array.from({ length: mb.heads }, (_, i) => ({ value: String(i), label: String(i) }));
    this.bar.replaceChildren(
      dropdown('cmp-with', s.cmpWith, choices, value, (v) => {
        this.choice = v === 'head' ? { kind: 'head' } : v === 'builtin' ? { kind: 'builtin' } : { kind: 'stage', step: Number(v.slice('stage:'.length)) };
        // Another stage or model: the same layer and head as A first (the pickers are clamped to B's model).
        if (this.choice.kind !== 'head') {
          this.layerB = vm.layer;
          this.headB = singleHead(vm);
        }
        this.other = undefined;
        this.otherError = undefined;
        if (this.choice.kind !== 'head') this.request();
        this.renderBar(vm);
        this.draw();
      }),
      dropdown('cmp-layer', s.cmpLayerB, layers, String(this.layerB), (v) => this.pickB(Number(v), this.headB)),
      dropdown('cmp-head', s.cmpHeadB, heads, String(this.headB), (v) => this.pickB(this.layerB, Number(v))),
    );
  }

  private pickB(layer: number, head: number): void {
    this.layerB = layer;
    this.headB = head;
    if (this.choice.kind !== 'head') this.request();
    else this.draw();
  }

  private request(): void {
    if (this.choice.kind === 'head') return;
    this.pendingId = this.nextId++;
    this.otherError = undefined;
    post({ type: 'compareRequest', id: this.pendingId, target: this.choice, layer: this.layerB, head: this.headB });
    this.draw();
  }

  private receive(m: CompareData | CompareUnavailable): void {
    if (m.id !== this.pendingId || !this.vm) return;
    this.pendingId = 0;
    if (m.type === 'compareUnavailable') {
      this.otherError = m.message;
      this.other = undefined;
      this.actions.log(`side by side: ${m.message}`);
    } else {
      const firstArrival = !this.other;
      this.other = m;
      // The other model's size is known now: its pickers.
      if (firstArrival) this.renderBar(this.vm);
    }
    this.draw();
  }

  private draw(): void {
    const vm = this.vm;
    const s = this.strings;
    if (!vm || !s) return;
    this.compared = undefined;
    this.grid.replaceChildren();
    this.status.textContent = '';
    const t = tokenCount(vm);
    const headA = singleHead(vm);
    const layerWeights = vm.store.modelLayer(vm.layer);
    const aWeights = layerWeights.subarray(headA * t * t, (headA + 1) * t * t);
    const nameA = this.choice.kind === 'stage' ? stageName(vm) : s.cmpThisModel;
    let bWeights: Float32Array;
    let bTokens = vm.analysis.trace.tokens;
    let nameB = s.cmpThisModel;
    let text = '';
    let textB = '';
    if (this.choice.kind === 'head') {
      if (!vm.store.ready(this.layerB)) {
        // Layer B's q and k are fetched with the others (neededNow asks for every layer in this view).
        this.note.textContent = vm.strings.geoMissing;
        return;
      }
      bWeights = vm.store.modelLayer(this.layerB).subarray(this.headB * t * t, (this.headB + 1) * t * t);
    } else {
      if (this.otherError) {
        this.note.textContent = format(s.cmpUnavailable, this.otherError);
        return;
      }
      if (!this.other || this.pendingId) {
        this.note.textContent = format(s.cmpWaiting, this.choice.kind === 'builtin' ? s.cmpBuiltin : format(s.cmpStage, String(this.choice.step)));
        document.body.dataset.cmpReady = '';
        return;
      }
      bWeights = this.other.weights;
      bTokens = this.other.tokens;
      nameB = this.other.label;
      text = textB = this.other.text;
    }
    // The panel has tokens, not the text: the other run's text must be the one they were cut from.
    const result = this.choice.kind !== 'head' && !tokensMatchText(vm.analysis.trace.tokens, text) ? { error: 'different-text' as const } : compareMatrices(text, { tokens: vm.analysis.trace.tokens, weights: aWeights }, { tokens: bTokens, weights: bWeights }, textB);
    if ('error' in result) {
      this.note.textContent = format(s.cmpCannot, result.error === 'different-text' ? s.cmpDifferentText : s.cmpNoOverlap);
      document.body.dataset.cmpReady = 'cannot';
      return;
    }
    this.compared = result;
    this.note.textContent = result.segments ? format(s.cmpAligned, t, bTokens.length, result.segments.length, result.unaligned.toFixed(2)) : format(s.cmpSame, t);
    const n = result.labels.length;
    const diff = result.a.map((v, i) => v - result.b[i]);
    let meanAbs = 0;
    let worst = 0;
    for (let i = 0; i < diff.length; i++) {
      meanAbs += Math.abs(diff[i]) / diff.length;
      if (Math.abs(diff[i]) > Math.abs(diff[worst])) worst = i;
    }
    const p = palette();
    // Three matrices in a row, each with a label gutter (about 40 px) and a gap.
    this.cell = Math.max(4, Math.min(CELL_MAX, Math.floor(((this.element.parentElement?.clientWidth ?? 900) - 40 - 3 * 56) / 3 / n)));
    const aTitle = format(s.cmpA, nameA, vm.layer, headA);
    const bTitle = format(s.cmpB, nameB, this.layerB, this.headB);
    let top = 1e-9;
    for (const v of [...result.a, ...result.b]) top = Math.max(top, v);
    let dTop = 1e-9;
    for (const v of diff) dTop = Math.max(dTop, Math.abs(v));
    this.canvases = [
      this.matrix(aTitle, result.a, n, (v) => mix(p.weight, p.bg, Math.min(1, v / top)), 'a'),
      this.matrix(bTitle, result.b, n, (v) => mix(p.weight, p.bg, Math.min(1, v / top)), 'b'),
      this.matrix(s.cmpDiff, diff, n, (v) => mix(v >= 0 ? p.q : p.k, p.bg, Math.min(1, Math.abs(v) / dTop)), 'diff'),
    ];
    this.grid.append(
      colorLegend(vm.strings.legend, '0', top.toFixed(2), p.bg, p.weight),
      colorLegend(s.cmpDiffLegend, `${s.cmpBLarger} −${dTop.toFixed(2)}`, `+${dTop.toFixed(2)} ${s.cmpALarger}`, p.k, p.q),
    );
    const row = document.createElement('div');
    row.className = 'cmp-row';
    row.append(...this.canvases.map((c) => c.parentElement as HTMLElement));
    this.grid.append(row);
    const summary = document.createElement('p');
    summary.className = 'cmp-summary';
    summary.textContent = format(s.cmpSummary, meanAbs.toFixed(4), displayText(result.labels[Math.floor(worst / n)]), displayText(result.labels[worst % n]), result.a[worst].toFixed(3), result.b[worst].toFixed(3));
    this.grid.append(summary);
    document.body.dataset.cmpReady = 'yes';
    document.body.dataset.cmpMeanAbs = meanAbs.toFixed(6);
    document.body.dataset.cmpCells = String(n);
    this.cursor = { q: Math.min(this.cursor.q, n - 1), k: Math.min(this.cursor.k, n - 1) };
  }

  private matrix(title: string, m: Float32Array, n: number, colour: (v: number) => Rgb, which: string): HTMLCanvasElement {
    const fig = document.createElement('figure');
    fig.className = 'cmp-matrix';
    const cap = document.createElement('figcaption');
    cap.textContent = title;
    const canvas = document.createElement('canvas');
    const labels = this.compared?.labels ?? [];
    const p = palette();
    // A gutter for the token (segment) names: left for queries, top for keys, when the cells can hold text.
    const named = this.cell >= 9;
    const gutter = named ? Math.min(70, Math.max(20, 8 + 7 * Math.max(1, ...labels.map((l) => Math.min(9, displayText(l).length))))) : 0;
    const size = n * this.cell;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round((size + gutter) * dpr);
    canvas.height = Math.round((size + gutter) * dpr);
    canvas.style.width = `${size + gutter}px`;
    canvas.style.height = `${size + gutter}px`;
    canvas.dataset.which = which;
    canvas.tabIndex = 0;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', format(this.strings?.cmpCanvasAria ?? '{0}', title, n));
    const ctx = canvas.getContext('2d');
    if (ctx) {
      ctx.scale(dpr, dpr);
      if (named) {
        ctx.font = `${Math.min(12, this.cell - 2)}px ${p.font}`;
        ctx.fillStyle = css(p.muted);
        ctx.textBaseline = 'middle';
        const short = (l: string) => {
          const d = displayText(l);
          return d.length > 9 ? `${d.slice(0, 8)}…` : d;
        };
        ctx.textAlign = 'right';
        labels.forEach((l, i) => ctx.fillText(short(l), gutter - 4, gutter + i * this.cell + this.cell / 2));
        labels.forEach((l, j) => {
          ctx.save();
          ctx.translate(gutter + j * this.cell + this.cell / 2, gutter - 4);
          ctx.rotate(-Math.PI / 2);
          ctx.textAlign = 'left';
          ctx.fillText(short(l), 0, 0);
          ctx.restore();
        });
      }
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          ctx.fillStyle = css(colour(m[i * n + j]));
          ctx.fillRect(gutter + j * this.cell, gutter + i * this.cell, this.cell - (this.cell > 6 ? 1 : 0), this.cell - (this.cell > 6 ? 1 : 0));
        }
      }
    }
    canvas.dataset.gutter = String(gutter);
    canvas.addEventListener('pointermove', (e) => {
      const r = canvas.getBoundingClientRect();
      const q = Math.floor((e.clientY - r.top - gutter) / this.cell);
      const k = Math.floor((e.clientX - r.left - gutter) / this.cell);
      if (q >= 0 && k >= 0 && q < n && k < n) this.showCell(q, k);
    });
    canvas.addEventListener('keydown', (e) => {
      const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const mv = moves[e.key];
      if (!mv) return;
      e.preventDefault();
      this.showCell(Math.max(0, Math.min(n - 1, this.cursor.q + mv[0])), Math.max(0, Math.min(n - 1, this.cursor.k + mv[1])));
    });
    canvas.addEventListener('focus', () => this.showCell(this.cursor.q, this.cursor.k));
    fig.append(cap, canvas);
    return canvas;
  }

  /** One cell of all three matrices: outlined, and read out. */
  private showCell(q: number, k: number): void {
    const c = this.compared;
    const s = this.strings;
    if (!c || !s) return;
    this.cursor = { q, k };
    const n = c.labels.length;
    const o = q * n + k;
    this.status.textContent = format(s.cmpCell, displayText(c.labels[q]), displayText(c.labels[k]), c.a[o].toFixed(3), c.b[o].toFixed(3), (c.a[o] - c.b[o]).toFixed(3));
    this.canvases.forEach((canvas) => {
      let mark = canvas.parentElement?.querySelector('.cmp-cursor') as HTMLElement | null;
      if (!mark) {
        mark = document.createElement('span');
        mark.className = 'cmp-cursor';
        canvas.parentElement?.append(mark);
      }
      const gutter = Number(canvas.dataset.gutter ?? 0);
      mark.style.left = `${canvas.offsetLeft + gutter + k * this.cell}px`;
      mark.style.top = `${canvas.offsetTop + gutter + q * this.cell}px`;
      mark.style.width = mark.style.height = `${this.cell}px`;
    });
  }

  paintFocus(): void {
    // The cells have their own cursor; the token focus of other views does not apply to aligned segments.
  }

  exportData(vm: ViewModel): ExportData {
    const c = this.compared;
    const lines = [csvRow(['query', 'key', 'a', 'b', 'a_minus_b'])];
    if (c) {
      const n = c.labels.length;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) lines.push(csvRow([c.labels[i], c.labels[j], fmt(c.a[i * n + j]), fmt(c.b[i * n + j]), fmt(c.a[i * n + j] - c.b[i * n + j])]));
    }
    return {
      csv: lines.join('\n') + '\n',
      json: { ...exportHeader(vm), compareWith: this.choice, b: { layer: this.layerB, head: this.headB, label: this.other?.label }, labels: c?.labels ?? [], aligned: c ? c.segments !== null : false, a: c ? Array.from(c.a, fmt) : [], bWeights: c ? Array.from(c.b, fmt) : [] },
    };
  }
}

function stageName(vm: ViewModel): string {
  const st = vm.analysis.stages.find((s) => s.step === vm.analysis.stage);
  return st ? `${st.label} (${st.step})` : vm.analysis.trace.model.name;
}
