/**
 * The control bar: layer, head (or mean of heads, or rollout), training stage, the what-ifs with the
 * softmax's saturation next to them, and export. Built once per analysis, so a temperature drag is
 * never interrupted by a rebuild.
 */
import type { ExportFormat } from '../src/shared/protocol';
import { format } from '../src/shared/strings';
import { DEFAULT_WHAT_IF, WhatIf } from './recompute';
import { button, checkbox, dropdown } from './ui/toolkit';
import { meanOfHeads } from './attentionMath';
import { MEAN_OF_HEADS, ROLLOUT, ViewModel, canDraw, currentMatrix, matrixStats, tokenCount } from './viewModel';

export interface ControlEvents {
  layer(layer: number): void;
  head(head: number): void;
  stage(step: number): void;
  whatIf(next: WhatIf, rebuild: boolean): void;
  export(kind: ExportFormat): void;
}

export class Controls {
  readonly element: HTMLElement;
  /** The export buttons: placed by the panel beside the view tabs. */
  readonly exports: HTMLElement;
  private readonly saturation: HTMLElement;
  private tempText: HTMLElement | undefined;

  constructor(private readonly events: ControlEvents) {
    this.element = document.createElement('div');
    this.element.className = 'controls';
    this.exports = document.createElement('div');
    this.exports.className = 'exports';
    this.exports.setAttribute('role', 'group');
    this.saturation = document.createElement('p');
    this.saturation.className = 'saturation';
    this.saturation.setAttribute('aria-live', 'polite');
  }

  render(vm: ViewModel): void {
    const s = vm.strings;
    const { model } = vm.analysis.trace;
    const layers = Array.from({ length: model.layers }, (_, i) => ({ value: String(i), label: String(i) }));
    const heads = [
      ...Array.from({ length: model.heads }, (_, i) => ({ value: String(i), label: String(i) })),
      { value: String(MEAN_OF_HEADS), label: s.allHeads },
      { value: String(ROLLOUT), label: s.rollout },
    ];
    const pickers = document.createElement('div');
    pickers.className = 'pickers';
    pickers.append(
      dropdown('layer', s.layer, layers, String(vm.layer), (v) => this.events.layer(Number(v))),
      dropdown('head', s.head, heads, String(vm.head), (v) => this.events.head(Number(v))),
    );
    const { stages, stage } = vm.analysis;
    if (stages.length) {
      const choices = stages.map((st) => ({ value: String(st.step), label: `${st.label}${st.loss !== undefined ? ` (loss ${st.loss.toFixed(2)})` : ''}` }));
      pickers.append(dropdown('stage', s.stage, choices, String(stage ?? ''), (v) => this.events.stage(Number(v))));
    }

    const whatIf = document.createElement('fieldset');
    whatIf.className = 'what-if';
    const legend = document.createElement('legend');
    legend.textContent = s.whatIf;
    whatIf.append(legend);
    const w = vm.whatIf;
    whatIf.append(checkbox('scale', s.scaleBySqrtDk, w.scale, (c) => this.events.whatIf({ ...vm.whatIf, scale: c }, false)));
    if (model.causal) whatIf.append(checkbox('causal', s.causalMask, w.causal, (c) => this.events.whatIf({ ...vm.whatIf, causal: c }, false)));
    const tempLabel = document.createElement('label');
    tempLabel.className = 'temperature';
    this.tempText = document.createElement('span');
    this.tempText.textContent = `${s.temperature} ${w.temperature.toFixed(2)}`;
    const temp = document.createElement('input');
    temp.type = 'range';
    temp.id = 'temperature';
    temp.min = '0.1';
    temp.max = '3';
    temp.step = '0.05';
    temp.value = String(w.temperature);
    temp.setAttribute('aria-label', s.temperature);
    temp.addEventListener('input', () => {
      const t = Number(temp.value);
      if (this.tempText) this.tempText.textContent = `${s.temperature} ${t.toFixed(2)}`;
      this.events.whatIf({ ...vm.whatIf, temperature: t }, false);
    });
    tempLabel.append(this.tempText, temp);
    whatIf.append(tempLabel, button('reset-what-if', s.resetWhatIf, () => this.events.whatIf({ ...DEFAULT_WHAT_IF }, true)), this.saturation);

    this.exports.setAttribute('aria-label', s.export);
    const kinds: Array<[ExportFormat, string]> = [['png', s.exportPng], ['svg', s.exportSvg], ['csv', s.exportCsv], ['json', s.exportJson]];
    this.exports.replaceChildren(...kinds.map(([kind, label]) => button(`export-${kind}`, label, () => this.events.export(kind))));

    this.element.replaceChildren(pickers, whatIf);
    this.update(vm);
  }

  /** Saturation of the softmax for the current head: the what-ifs' effect in two numbers. */
  update(vm: ViewModel): void {
    const s = vm.strings;
    if (!vm.store.gpu && !vm.store.noGpu) return; // the backend is still starting: nothing computed yet
    if (!canDraw(vm)) {
      this.saturation.textContent = '';
      return;
    }
    const t = tokenCount(vm);
    const now = matrixStats(currentMatrix(vm), t);
    let text = `${s.saturation}: ${s.entropy} ${now.entropy.toFixed(3)} · ${s.maxWeight} ${now.max.toFixed(3)}`;
    if (!vm.store.atModelSettings && vm.head !== ROLLOUT) {
      const { model } = vm.analysis.trace;
      const base = vm.head >= 0 ? vm.store.modelHead(vm.layer, vm.head) : meanOfHeads(vm.store.modelLayer(vm.layer), model.heads, t);
      const m = matrixStats(base, t);
      text += ` · ${format(s.modelSaturation, m.entropy.toFixed(3), m.max.toFixed(3))}`;
    }
    this.saturation.textContent = text;
  }
}
