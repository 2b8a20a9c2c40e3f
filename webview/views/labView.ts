/**
 * The training lab: a tiny transformer (webview/lab/) trains on a toy task the learner picks, on the
 * panel's tfjs backend (WebGL when present, else cpu). The loss curve, every head's attention on a test
 * sequence and the heat maps of Wq and Wk redraw as it trains; Train/Pause, Step, Reset and the seed
 * control it. Training runs in short slices between frames, so the panel stays responsive.
 */
import * as tf from '@tensorflow/tfjs-core';
import { UiStrings, format } from '../../src/shared/strings';
import { LabSession, LabSnapshot, FORMED_AT, LAB_BATCH } from '../lab/labSession';
import { LAB_TASKS, LabTask } from '../lab/toyTasks';
import { initRecomputeBackend } from '../recompute';
import { Rgb, css, mix, palette } from '../ui/colors';
import { colorLegend } from '../ui/legend';
import { button, dropdown } from '../ui/toolkit';
import type { ViewModel } from '../viewModel';
import { ExportData, View, ViewActions } from './view';

/** Milliseconds of training between two redraws. */
const SLICE_MS = 60;
/** A run stops by itself here (the tasks are solved long before). */
export const LAB_MAX_STEPS = 3000;
const CELL = 14;
const WEIGHT_CELL = 5;

export class LabView implements View {
  readonly id = 'lab' as const;
  readonly element: HTMLElement;
  private readonly intro: HTMLElement;
  private readonly bar: HTMLElement;
  private readonly goal: HTMLElement;
  private readonly modelLine: HTMLElement;
  private readonly status: HTMLElement;
  private readonly formed: HTMLElement;
  private readonly backendLine: HTMLElement;
  private readonly lossHost: HTMLElement;
  private readonly headsHost: HTMLElement;
  private readonly weightsHost: HTMLElement;
  private strings: UiStrings | undefined;
  private selection: string[] = [];
  private task: LabTask = 'previous';
  private seed = 1;
  private session: LabSession | undefined;
  private snapshot: LabSnapshot | undefined;
  private running = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Training milliseconds so far (pauses excluded), and per step. */
  private trainMs = 0;
  private formedMs: number | null = null;
  private error: string | undefined;

  constructor(private readonly actions: ViewActions) {
    this.element = document.createElement('div');
    this.element.className = 'view lab-view';
    const block = (tag: string, className: string) => {
      const e = document.createElement(tag);
      e.className = className;
      return e;
    };
    this.intro = block('p', 'hint');
    this.bar = block('div', 'lab-bar');
    this.goal = block('p', 'lab-goal');
    this.modelLine = block('p', 'hint lab-model');
    this.status = block('p', 'lab-status');
    this.status.setAttribute('role', 'status');
    this.formed = block('p', 'lab-formed');
    this.formed.setAttribute('role', 'status');
    this.backendLine = block('p', 'hint lab-backend');
    this.lossHost = block('figure', 'lab-loss');
    this.headsHost = block('div', 'lab-heads');
    this.weightsHost = block('div', 'lab-weights');
    this.element.append(this.intro, this.bar, this.goal, this.modelLine, this.status, this.formed, this.backendLine, this.lossHost, this.headsHost, this.weightsHost);
  }

  render(vm: ViewModel): void {
    const first = !this.strings;
    this.strings = vm.strings;
    const selection = vm.analysis.trace.tokens.filter((t) => !t.special).map((t) => t.text);
    // The learner's selection is the corpus: a new analysis is a new corpus.
    const newCorpus = this.task === 'selection' && selection.join('\u0000') !== this.selection.join('\u0000');
    this.selection = selection;
    this.intro.textContent = vm.strings.labIntro;
    this.renderBar(vm.strings);
    if (first || !this.session || newCorpus) void this.reset();
    else this.draw();
  }

  private renderBar(s: UiStrings): void {
    const tasks = LAB_TASKS.map((t) => ({ value: t, label: s[`labTask${t}`] }));
    const seedWrap = document.createElement('div');
    seedWrap.className = 'control';
    const seedLabel = document.createElement('label');
    seedLabel.htmlFor = 'lab-seed';
    seedLabel.textContent = s.labSeed;
    const seedInput = document.createElement('input');
    seedInput.id = 'lab-seed';
    seedInput.type = 'number';
    seedInput.min = '1';
    seedInput.max = '99999';
    seedInput.value = String(this.seed);
    seedInput.className = 'lab-seed';
    seedInput.addEventListener('change', () => {
      const v = Math.floor(Number(seedInput.value));
      if (Number.isFinite(v) && v >= 1 && v <= 99999) {
        this.seed = v;
        void this.reset();
      } else seedInput.value = String(this.seed);
    });
    seedWrap.append(seedLabel, seedInput);
    const buttons = document.createElement('div');
    buttons.className = 'lab-buttons';
    buttons.setAttribute('role', 'group');
    buttons.append(
      button('lab-train', this.running ? s.labPause : s.labTrain, () => (this.running ? this.pause() : this.train()), 'primary'),
      button('lab-step', s.labStep, () => this.stepOnce()),
      button('lab-reset', s.labReset, () => void this.reset()),
    );
    this.bar.replaceChildren(
      dropdown('lab-task', s.labTask, tasks, this.task, (v) => {
        this.task = v as LabTask;
        void this.reset();
      }),
      seedWrap,
      buttons,
    );
  }

  /** A fresh model from the seed, on the panel's backend; training stops. */
  private async reset(): Promise<void> {
    this.pause();
    this.session?.dispose();
    this.session = undefined;
    this.snapshot = undefined;
    this.trainMs = 0;
    this.formedMs = null;
    this.error = undefined;
    try {
      await initRecomputeBackend();
      this.session = new LabSession({ task: this.task, seed: this.seed, selection: this.selection });
      this.snapshot = this.session.snapshot();
    } catch (err) {
      this.error = (err as Error).message;
      this.actions.log(`training lab: ${this.error}`);
    }
    this.draw();
  }

  private train(): void {
    if (!this.session || this.running) return;
    this.running = true;
    this.updateTrainButton();
    this.tick();
  }

  private pause(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.updateTrainButton();
  }

  private stepOnce(): void {
    if (!this.session) return;
    this.pause();
    this.runSteps(1);
  }

  /** Trains for one slice, redraws, and schedules the next slice. */
  private tick(): void {
    this.timer = undefined;
    if (!this.running || !this.session) return;
    // Left the tab: stop rather than train unseen.
    if (!this.element.isConnected) {
      this.pause();
      return;
    }
    // As many steps as fit in the slice, then one measurement and one redraw.
    this.runSteps(1, false, SLICE_MS);
    this.draw();
    if (this.session.steps >= LAB_MAX_STEPS) this.pause();
    else this.timer = setTimeout(() => this.tick(), 0);
  }

  /** `n` steps (or, with `sliceMs`, as many as fit in it, at least `n`), then one measurement. */
  private runSteps(n: number, draw = true, sliceMs = 0): void {
    const session = this.session;
    if (!session) return;
    try {
      const t0 = performance.now();
      let done = 0;
      while (done < n || (performance.now() - t0 < sliceMs && session.steps < LAB_MAX_STEPS)) {
        session.step();
        done++;
      }
      this.trainMs += performance.now() - t0;
      const before = session.formedAt;
      this.snapshot = session.snapshot();
      if (before === null && session.formedAt !== null) this.formedMs = this.trainMs;
    } catch (err) {
      this.pause();
      this.error = (err as Error).message;
      this.actions.log(`training lab: ${this.error}`);
    }
    if (draw) this.draw();
  }

  private updateTrainButton(): void {
    const b = this.bar.querySelector('#lab-train');
    if (b && this.strings) b.textContent = this.running ? this.strings.labPause : this.strings.labTrain;
  }

  /** Everything that changes as it trains. */
  private draw(): void {
    const s = this.strings;
    if (!s) return;
    document.body.dataset.labStep = String(this.session?.steps ?? 0);
    if (this.error || !this.session || !this.snapshot) {
      this.status.textContent = this.error ? format(s.labUnavailable, this.error) : '';
      return;
    }
    const session = this.session;
    const snap = this.snapshot;
    const { layers, heads, dModel, headDim, length, vocab } = session.config;
    this.goal.textContent = this.task === 'selection' ? format(s.labGoalselection, this.selection.length, Math.min(vocab - 1, this.selection.length)) : s[`labGoal${this.task}`];
    this.modelLine.textContent = format(s.labModel, layers, heads, dModel, headDim, length, vocab, LAB_BATCH);
    const loss = snap.losses.at(-1);
    const best = snap.best && this.task !== 'selection' ? ` · ${format(s.labBest, snap.best.layer, snap.best.head, snap.best.score.toFixed(2), s[`labKey${this.task}`])}` : '';
    this.status.textContent = `${format(s.labStatus, snap.step, loss !== undefined ? loss.toFixed(3) : '–')}${best}`;
    document.body.dataset.labBest = snap.best ? snap.best.score.toFixed(4) : '';
    const formedText = snap.formedAt !== null ? format(s.labFormed, snap.formedAt, ((this.formedMs ?? this.trainMs) / 1000).toFixed(1), FORMED_AT) : '';
    if (this.formed.textContent !== formedText) this.formed.textContent = formedText;
    document.body.dataset.labFormedAt = snap.formedAt !== null ? String(snap.formedAt) : '';
    this.backendLine.textContent = format(s.labBackend, tf.getBackend(), session.steps ? (this.trainMs / session.steps).toFixed(0) : '–');
    this.drawLoss(s, snap);
    this.drawHeads(s, session, snap);
    this.drawWeights(s, session);
  }

  private drawLoss(s: UiStrings, snap: LabSnapshot): void {
    const w = 360;
    const h = 110;
    const ns = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('width', String(w));
    svg.setAttribute('height', String(h));
    svg.setAttribute('role', 'img');
    const losses = snap.losses;
    svg.setAttribute('aria-label', format(s.labLossAria, losses.length, losses[0]?.toFixed(3) ?? '–', losses.at(-1)?.toFixed(3) ?? '–'));
    const top = Math.max(1e-3, ...losses.slice(0, 50), Math.log(this.session?.config.vocab ?? 2));
    const axis = document.createElementNS(ns, 'path');
    axis.setAttribute('d', `M30 4 V${h - 14} H${w - 4}`);
    axis.setAttribute('class', 'lab-axis');
    // Colours as attributes too, so that the SVG export keeps them.
    const p = palette();
    axis.setAttribute('stroke', css(p.border));
    axis.setAttribute('fill', 'none');
    const label = (x: number, y: number, text: string, anchor = 'end') => {
      const t = document.createElementNS(ns, 'text');
      t.setAttribute('x', String(x));
      t.setAttribute('y', String(y));
      t.setAttribute('text-anchor', anchor);
      t.setAttribute('class', 'lab-tick');
      t.setAttribute('fill', css(p.muted));
      t.setAttribute('font-size', '9');
      t.textContent = text;
      return t;
    };
    svg.append(axis, label(27, 10, top.toFixed(1)), label(27, h - 14, '0'), label(w - 4, h - 2, String(Math.max(losses.length, 1))), label(30, h - 2, '0', 'start'));
    if (losses.length) {
      const x = (i: number) => 30 + ((w - 34) * (i + 1)) / Math.max(losses.length, 1);
      const y = (v: number) => 4 + (h - 18) * (1 - Math.min(v, top) / top);
      // At most one point per pixel column.
      const stride = Math.max(1, Math.floor(losses.length / (w - 34)));
      const pts: string[] = [];
      for (let i = 0; i < losses.length; i += stride) pts.push(`${x(i).toFixed(1)},${y(losses[i]).toFixed(1)}`);
      pts.push(`${x(losses.length - 1).toFixed(1)},${y(losses[losses.length - 1]).toFixed(1)}`);
      const line = document.createElementNS(ns, 'polyline');
      line.setAttribute('points', pts.join(' '));
      line.setAttribute('class', 'lab-loss-line');
      line.setAttribute('stroke', css(p.weight));
      line.setAttribute('fill', 'none');
      svg.append(line);
    }
    const caption = document.createElement('figcaption');
    caption.textContent = s.labLoss;
    this.lossHost.replaceChildren(caption, svg);
  }

  private drawHeads(s: UiStrings, session: LabSession, snap: LabSnapshot): void {
    const { layers, heads, length } = session.config;
    const p = palette();
    const vocab = session.task.vocab;
    const title = document.createElement('p');
    title.className = 'hint';
    title.textContent = s.labAttention;
    const grid = document.createElement('div');
    grid.className = 'lab-head-grid';
    const tokens = Array.from(snap.sequence, (id) => vocab[id] ?? '?');
    for (let l = 0; l < layers; l++) {
      for (let h = 0; h < heads; h++) {
        const score = snap.scores[l * heads + h];
        const fig = document.createElement('figure');
        fig.className = 'lab-head';
        const cap = document.createElement('figcaption');
        cap.textContent = score !== undefined ? format(s.labHead, l, h, score.toFixed(2)) : `${s.layer} ${l} · ${s.head} ${h}`;
        const canvas = document.createElement('canvas');
        const label = 12;
        canvas.width = label + length * CELL;
        canvas.height = label + length * CELL;
        canvas.className = 'lab-matrix';
        canvas.dataset.layer = String(l);
        canvas.dataset.head = String(h);
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', format(s.labMatrixAria, l, h, score !== undefined ? score.toFixed(2) : '–'));
        const ctx = canvas.getContext('2d');
        if (ctx) {
          ctx.fillStyle = css(p.bg);
          ctx.fillRect(0, 0, canvas.width, canvas.height);
          ctx.font = `9px ${p.monoFont}`;
          ctx.fillStyle = css(p.muted);
          ctx.textAlign = 'center';
          for (let i = 0; i < length; i++) {
            ctx.fillText(tokens[i], label + i * CELL + CELL / 2, 9);
            ctx.fillText(tokens[i], 5, label + i * CELL + CELL - 1);
          }
          const base = (l * heads + h) * length * length;
          for (let q = 0; q < length; q++) {
            for (let k = 0; k <= q; k++) {
              ctx.fillStyle = css(mix(p.weight, p.bg, Math.min(1, snap.attention[base + q * length + k])));
              ctx.fillRect(label + k * CELL, label + q * CELL, CELL - 1, CELL - 1);
            }
            const want = session.task.expectedKey(snap.sequence, 0, length, q);
            if (want >= 0) {
              ctx.strokeStyle = css(p.focus);
              ctx.lineWidth = 1;
              ctx.strokeRect(label + want * CELL - 0.5, label + q * CELL - 0.5, CELL, CELL);
            }
          }
        }
        fig.append(cap, canvas);
        grid.append(fig);
      }
    }
    this.headsHost.replaceChildren(title, grid);
  }

  private drawWeights(s: UiStrings, session: LabSession): void {
    const { layers, heads, dModel, headDim } = session.config;
    const p = palette();
    const title = document.createElement('p');
    title.className = 'hint';
    title.textContent = format(s.labWeights, dModel, headDim);
    const legend = colorLegend(s.labWeightsLegend, '−', '+', p.k, p.q, '');
    const grid = document.createElement('div');
    grid.className = 'lab-weight-grid';
    for (let l = 0; l < layers; l++) {
      const wq = session.model.projection(l, 'q');
      const wk = session.model.projection(l, 'k');
      for (let h = 0; h < heads; h++) {
        for (const [name, m] of [['Wq', wq], ['Wk', wk]] as const) {
          const part = m.subarray(h * dModel * headDim, (h + 1) * dModel * headDim);
          let max = 1e-9;
          for (const v of part) max = Math.max(max, Math.abs(v));
          const fig = document.createElement('figure');
          fig.className = 'lab-weight';
          const cap = document.createElement('figcaption');
          cap.textContent = `${name} · L${l} H${h}`;
          const canvas = document.createElement('canvas');
          canvas.width = headDim * WEIGHT_CELL;
          canvas.height = dModel * WEIGHT_CELL;
          canvas.dataset.matrix = `${name}-${l}-${h}`;
          canvas.setAttribute('role', 'img');
          canvas.setAttribute('aria-label', format(s.labWeightsAria, name, l, h, dModel, headDim, max.toFixed(2)));
          const ctx = canvas.getContext('2d');
          if (ctx) paintSigned(ctx, part, dModel, headDim, max, p.k, p.q, p.bg);
          fig.append(cap, canvas);
          grid.append(fig);
        }
      }
    }
    this.weightsHost.replaceChildren(title, legend, grid);
  }

  paintFocus(): void {
    // The lab has its own tokens; the analysed text's focus does not apply.
  }

  exportData(vm: ViewModel): ExportData {
    const snap = this.snapshot;
    const lines = ['step,loss', ...(snap?.losses ?? []).map((l, i) => `${i + 1},${l}`)];
    return {
      csv: lines.join('\n') + '\n',
      json: { view: 'lab', task: this.task, seed: this.seed, config: this.session?.config, steps: snap?.step ?? 0, losses: snap?.losses ?? [], headScores: snap?.scores ?? [], formedAt: snap?.formedAt ?? null, model: vm.analysis.trace.model.name },
    };
  }
}

/** A signed matrix: negative towards `neg`, positive towards `pos`, scaled by `max`. */
function paintSigned(ctx: CanvasRenderingContext2D, m: Float32Array, rows: number, cols: number, max: number, neg: Rgb, pos: Rgb, bg: Rgb): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = m[r * cols + c] / max;
      ctx.fillStyle = css(mix(v < 0 ? neg : pos, bg, Math.min(1, Math.abs(v))));
      ctx.fillRect(c * WEIGHT_CELL, r * WEIGHT_CELL, WEIGHT_CELL, WEIGHT_CELL);
    }
  }
}
