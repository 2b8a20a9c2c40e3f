/**
 * The panel's entry point: says 'ready', receives validated messages, keeps the view model, and
 * redraws. Weights come from a live recompute of Q·Kᵀ on the GPU; the host's weights are the fallback
 * and the check (the difference is shown in the footer).
 */
import { Analysis, parseToWebview } from '../src/shared/protocol';
import { UI_STRINGS, UiStrings, format } from '../src/shared/strings';
import { DEFAULT_WHAT_IF, WhatIf, initRecomputeBackend, recomputeWeights } from './recompute';
import { checkbox, dropdown } from './ui/toolkit';
import { loadState, post, saveState } from './vscodeApi';
import { ViewModel, displayText, weightRow } from './viewModel';
import { TokenView } from './views/tokenView';
import { MatrixView } from './views/matrixView';

const app = document.getElementById('app') as HTMLElement;
let strings: UiStrings = { ...UI_STRINGS };
let vm: ViewModel | undefined;
let backend: string | undefined;
let checkText = '';
const saved = loadState();
let wanted = { layer: saved?.layer ?? 0, head: saved?.head ?? 0, focused: saved?.focused ?? null };
let whatIf: WhatIf = { ...DEFAULT_WHAT_IF };

const header = el('header', 'panel-header');
const statusLine = el('div', 'status');
statusLine.setAttribute('role', 'status');
const controls = el('div', 'controls');
const notice = el('div', 'notice');
const tokenView = new TokenView({ focus: setFocus, reveal: (index) => post({ type: 'revealToken', index }) });
const details = el('section', 'details');
details.setAttribute('aria-live', 'polite');
const matrixView = new MatrixView((i) => setFocus(i));
const footer = el('footer', 'panel-footer');

function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}

function layerSlice(a: Float32Array, analysis: Analysis, layer: number, cols: number): Float32Array {
  const { heads } = analysis.trace.model;
  const t = analysis.trace.tokens.length;
  const size = heads * t * cols;
  return a.subarray(layer * size, (layer + 1) * size);
}

/** Recomputes the chosen layer's weights from Q and K; compares with the host when the what-ifs are off. */
function computeLayerWeights(analysis: Analysis, layer: number): Float32Array {
  const { heads, headDim } = analysis.trace.model;
  const t = analysis.trace.tokens.length;
  const hostWeights = layerSlice(analysis.trace.weights, analysis, layer, t);
  if (!backend) return hostWeights;
  const effective: WhatIf = { ...whatIf, causal: whatIf.causal && analysis.trace.model.causal };
  try {
    const started = performance.now();
    const w = recomputeWeights(layerSlice(analysis.trace.q, analysis, layer, headDim), layerSlice(analysis.trace.k, analysis, layer, headDim), heads, t, headDim, effective);
    const ms = performance.now() - started;
    const isDefault = whatIf.scale && whatIf.temperature === 1 && whatIf.causal;
    let maxDiff = 0;
    for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs(w[i] - hostWeights[i]));
    checkText = `${format(strings.recomputeBackend, backend)} (${ms.toFixed(1)} ms)` + (isDefault ? ` · ${format(strings.recomputeCheck, maxDiff.toExponential(1))}` : '');
    document.body.dataset.recomputeMaxDiff = isDefault ? String(maxDiff) : '';
    return w;
  } catch (err) {
    post({ type: 'log', level: 'warn', message: `recompute failed: ${(err as Error).message}` });
    return hostWeights;
  }
}

function persist(): void {
  if (!vm) return;
  const prev = loadState();
  saveState({ version: 1, layer: vm.layer, head: vm.head, view: 'tokens', focused: vm.focused, ...(prev?.request ? { request: prev.request } : {}) });
}

function setFocus(index: number | null): void {
  if (!vm) return;
  if (index !== null && (index < 0 || index >= vm.analysis.trace.tokens.length)) index = null;
  if (vm.focused === index) return;
  vm.focused = index;
  wanted.focused = index;
  tokenView.paint(vm);
  renderDetails();
  matrixView.render(vm);
  persist();
  post({ type: 'focusToken', index, layer: vm.layer, head: vm.head });
}

function renderHeader(): void {
  header.replaceChildren();
  if (!vm) return;
  const { model, tokens } = vm.analysis.trace;
  const title = el('h1', 'title');
  title.textContent = `${vm.analysis.source}`;
  const meta = el('div', 'meta');
  meta.textContent = `${strings.model}: ${model.name} (${model.architecture}, ${model.layers}×${model.heads}, dk=${model.headDim}) · ${strings.tokenizer}: ${model.tokenizer} · ${strings.tokens}: ${tokens.length}`;
  header.append(title, meta);
}

function renderControls(): void {
  controls.replaceChildren();
  if (!vm) return;
  const { model } = vm.analysis.trace;
  const layers = Array.from({ length: model.layers }, (_, i) => ({ value: String(i), label: String(i) }));
  const heads = [{ value: '-1', label: strings.allHeads }, ...Array.from({ length: model.heads }, (_, i) => ({ value: String(i), label: String(i) }))];
  controls.append(
    dropdown('layer', strings.layer, layers, String(vm.layer), (v) => {
      if (!vm) return;
      vm.layer = wanted.layer = Number(v);
      vm.layerWeights = computeLayerWeights(vm.analysis, vm.layer);
      renderAll(false);
    }),
    dropdown('head', strings.head, heads, String(vm.head), (v) => {
      if (!vm) return;
      vm.head = wanted.head = Number(v);
      renderAll(false);
    }),
  );
  const { stages, stage } = vm.analysis;
  if (stages.length) {
    controls.append(
      dropdown('stage', strings.stage, stages.map((s) => ({ value: String(s.step), label: `${s.label}${s.loss !== undefined ? ` (loss ${s.loss.toFixed(2)})` : ''}` })), String(stage ?? ''), (v) => post({ type: 'selectStage', step: Number(v) })),
    );
  }
  const whatIfBox = el('div', 'what-if');
  const refresh = () => {
    if (!vm) return;
    vm.whatIf = whatIf;
    vm.layerWeights = computeLayerWeights(vm.analysis, vm.layer);
    renderAll(false);
  };
  whatIfBox.append(
    checkbox('scale', strings.scaleBySqrtDk, whatIf.scale, (c) => {
      whatIf = { ...whatIf, scale: c };
      refresh();
    }),
  );
  if (model.causal) {
    whatIfBox.append(
      checkbox('causal', strings.causalMask, whatIf.causal, (c) => {
        whatIf = { ...whatIf, causal: c };
        refresh();
      }),
    );
  }
  const tempLabel = document.createElement('label');
  tempLabel.className = 'temperature';
  const tempText = document.createElement('span');
  tempText.textContent = `${strings.temperature} ${whatIf.temperature.toFixed(2)}`;
  const temp = document.createElement('input');
  temp.type = 'range';
  temp.min = '0.1';
  temp.max = '3';
  temp.step = '0.05';
  temp.value = String(whatIf.temperature);
  temp.setAttribute('aria-label', strings.temperature);
  temp.addEventListener('input', () => {
    whatIf = { ...whatIf, temperature: Number(temp.value) };
    tempText.textContent = `${strings.temperature} ${whatIf.temperature.toFixed(2)}`;
    refresh();
  });
  tempLabel.append(tempText, temp);
  whatIfBox.append(tempLabel);
  controls.append(whatIfBox);
}

function renderDetails(): void {
  details.replaceChildren();
  if (!vm) return;
  if (vm.focused === null) {
    const hint = el('p', 'hint');
    hint.textContent = strings.hoverHint;
    details.append(hint);
    return;
  }
  const tokens = vm.analysis.trace.tokens;
  const row = weightRow(vm, vm.focused);
  const title = el('h2', 'details-title');
  title.textContent = format(strings.attendsTo, displayText(tokens[vm.focused].text));
  const list = el('ol', 'top-list');
  const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a]).slice(0, 8);
  for (const j of order) {
    if (row[j] <= 0) continue;
    const item = el('li', 'top-item');
    const name = el('span', 'top-token');
    name.textContent = displayText(tokens[j].text);
    const bar = el('span', 'top-bar');
    bar.style.setProperty('--w', `${(row[j] * 100).toFixed(1)}%`);
    const value = el('span', 'top-value');
    value.textContent = row[j].toFixed(3);
    item.append(name, bar, value);
    list.append(item);
  }
  details.append(title, list);
  // Entropy and max weight: what √dk and temperature change.
  let entropy = 0;
  let max = 0;
  for (const w of row) {
    if (w > 0) entropy -= w * Math.log(w);
    max = Math.max(max, w);
  }
  const stats = el('p', 'stats');
  stats.textContent = `${strings.entropy} ${entropy.toFixed(3)} · ${strings.maxWeight} ${max.toFixed(3)}`;
  details.append(stats);
}

function renderFooter(): void {
  footer.replaceChildren();
  if (!vm) return;
  const timing = el('span', 'timing');
  timing.textContent = format(strings.timing, vm.analysis.millis.load.toFixed(0), vm.analysis.millis.run.toFixed(0));
  const check = el('span', 'check');
  check.textContent = checkText;
  footer.append(timing, check);
}

function renderAll(rebuildTokens: boolean): void {
  if (!vm) return;
  renderHeader();
  renderControls();
  if (rebuildTokens) tokenView.render(vm);
  else tokenView.paint(vm);
  renderDetails();
  matrixView.render(vm);
  renderFooter();
  const trace = vm.analysis.trace;
  notice.textContent = trace.truncatedFrom ? format(strings.truncated, trace.truncatedFrom, trace.tokens.length) : '';
  persist();
}

function showAnalysis(analysis: Analysis): void {
  const { model, tokens } = analysis.trace;
  const layer = Math.min(wanted.layer, model.layers - 1);
  const head = Math.min(wanted.head, model.heads - 1);
  const focused = wanted.focused !== null && wanted.focused < tokens.length ? wanted.focused : null;
  vm = { analysis, strings, layer, head, focused, whatIf, layerWeights: analysis.trace.weights };
  vm.layerWeights = computeLayerWeights(analysis, layer);
  app.replaceChildren(header, statusLine, controls, notice, tokenView.element, details, matrixView.element, footer);
  document.body.dataset.tokens = String(tokens.length);
  renderAll(true);
}

function showEmpty(): void {
  const p = el('p', 'empty');
  p.textContent = strings.empty;
  app.replaceChildren(statusLine, p);
}

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseToWebview(event.data);
  if (!message) {
    post({ type: 'log', level: 'warn', message: `dropped a malformed message of type ${String((event.data as { type?: unknown })?.type)}` });
    return;
  }
  switch (message.type) {
    case 'init':
      strings = message.strings;
      document.documentElement.lang = message.locale;
      if (vm) {
        vm.strings = strings;
        renderAll(true);
      } else showEmpty();
      break;
    case 'analysis':
      showAnalysis(message.analysis);
      break;
    case 'status': {
      document.body.dataset.status = message.status;
      const text = message.status === 'loading' ? strings.loading : message.status === 'running' ? strings.running : message.status === 'error' ? `${strings.error}: ${message.message ?? ''}` : '';
      statusLine.textContent = text;
      statusLine.classList.toggle('error', message.status === 'error');
      break;
    }
    case 'stale':
      document.body.classList.toggle('stale', message.stale);
      notice.textContent = message.stale ? strings.stale : '';
      break;
    case 'focusToken':
      setFocus(message.index);
      tokenView.focusChip(message.index);
      break;
  }
});

window.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') setFocus(null);
});

initRecomputeBackend()
  .then((name) => {
    backend = name;
    document.body.dataset.recomputeBackend = name;
    if (vm) {
      vm.layerWeights = computeLayerWeights(vm.analysis, vm.layer);
      renderAll(false);
    }
  })
  .catch((err: Error) => post({ type: 'log', level: 'warn', message: `no tfjs backend for live recompute: ${err.message}` }));
showEmpty();
post({ type: 'ready' });
