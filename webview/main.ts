/**
 * The panel's entry point: says 'ready', receives validated messages, keeps the view model, switches
 * views and wires the controls. Weights come from the WeightStore: the model's own at the model's
 * settings (checked against a live GPU recompute, shown in the footer), a live recompute otherwise.
 */
import type { ExportFormat } from '../src/shared/protocol';
import { traceBytes } from '../src/engine/trace';
import { Analysis, LessonState, RecomputeBackend, parseToWebview } from '../src/shared/protocol';
import { UI_STRINGS, UiStrings, format } from '../src/shared/strings';
import { Controls } from './controls';
import { exportView } from './export/exporter';
import { DEFAULT_WHAT_IF, WhatIf, initRecomputeBackend } from './recompute';
import { palette, watchTheme } from './ui/colors';
import { tabs } from './ui/toolkit';
import { hideTooltip } from './ui/tooltip';
import { headNote } from './ui/headNote';
import { seeWhyTabs, seeWhyViews } from './views/seeWhyViews';
import { VIEW_IDS, ViewId, ViewModel } from './viewModel';
import { HeadView } from './views/headView';
import { MatrixView } from './views/matrixView';
import { ModelView } from './views/modelView';
import { StepView } from './views/stepView';
import { TokensView } from './views/tokensView';
import { View, ViewActions } from './views/view';
import { loadState, post, saveState } from './vscodeApi';
import { WeightStore } from './weightStore';

const app = document.getElementById('app') as HTMLElement;
let strings: UiStrings = { ...UI_STRINGS };
let vm: ViewModel | undefined;
let backend: string | undefined;
const saved = loadState();
const wanted = {
  view: (VIEW_IDS as readonly string[]).includes(saved?.view ?? '') ? (saved?.view as ViewId) : 'tokens',
  layer: saved?.layer ?? 0,
  head: saved?.head ?? 0,
  focused: saved?.focused ?? null,
  key: saved?.key ?? null,
  shownHeads: saved?.shownHeads,
};
let whatIf: WhatIf = saved?.whatIf ?? { ...DEFAULT_WHAT_IF };

function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}

const log = (message: string) => post({ type: 'log', level: 'warn', message });

const actions: ViewActions = {
  focus: (query, key = null) => setFocus(query, key),
  reveal: (index) => post({ type: 'revealToken', index }),
  openHead: (layer, head, at) => {
    if (!vm) return;
    vm.layer = wanted.layer = layer;
    vm.view = wanted.view = 'matrix';
    tabBar?.select('matrix');
    setHead(head);
    controls.render(vm); // after setHead: the pickers show vm's layer and head
    if (at) setFocus(at.query, at.key); // see-why: a head label opens its head where it is strongest
    scheduleCheck();
    (panel.querySelector('.matrix-canvas') as HTMLElement | null)?.focus();
  },
  showHeads: (shown) => {
    if (!vm) return;
    vm.shownHeads = shown;
    wanted.shownHeads = shown.flatMap((s, h) => (s ? [h] : []));
    renderView();
    persist();
  },
  log,
};

const views: Record<ViewId, View> = {
  tokens: new TokensView(actions),
  heads: new HeadView(actions),
  matrix: new MatrixView(actions),
  model: new ModelView(actions),
  steps: new StepView(actions),
  ...seeWhyViews(actions),
};

const header = el('header', 'panel-header');
const statusLine = el('div', 'status');
statusLine.setAttribute('role', 'status');
const tabsHost = el('nav', 'view-tabs');
const controls = new Controls({
  layer: (layer) => {
    if (!vm) return;
    vm.layer = wanted.layer = layer;
    vm.focused = vm.focused !== null && vm.focused < vm.analysis.trace.tokens.length ? vm.focused : null;
    refresh();
    scheduleCheck();
  },
  head: (head) => setHead(head),
  stage: (step) => post({ type: 'selectStage', step }),
  whatIf: (next, rebuild) => setWhatIf(next, rebuild),
  export: (kind) => void doExport(kind),
});
const notice = el('div', 'notice');
const panel = el('section', 'view-panel');
panel.id = 'view-panel';
panel.setAttribute('role', 'tabpanel');
const footer = el('footer', 'panel-footer');
const timing = el('span', 'timing');
const check = el('span', 'check');
const exportStatus = el('span', 'export-status');
exportStatus.setAttribute('role', 'status');
footer.append(timing, check, exportStatus);
let tabBar: ReturnType<typeof tabs> | undefined;

function setHead(head: number): void {
  if (!vm) return;
  vm.head = wanted.head = head;
  if (head >= 0) {
    vm.shownHeads = vm.shownHeads.map((_, h) => h === head);
    wanted.shownHeads = [head];
  }
  refresh();
}

/** `rebuild`: redraw the controls too (after Reset; never during a slider drag, nor under a focused checkbox). */
function setWhatIf(next: WhatIf, rebuild = false): void {
  whatIf = next;
  if (!vm) return;
  vm.whatIf = next;
  vm.store = new WeightStore(vm.analysis.trace, backend, next, log);
  if (rebuild) controls.render(vm);
  refresh();
  if (vm.store.atModelSettings) scheduleCheck();
}

let persistTimer: ReturnType<typeof setTimeout> | undefined;
function persist(): void {
  if (persistTimer !== undefined) return;
  // Debounced: hover changes the focus on every token crossed.
  persistTimer = setTimeout(() => {
    persistTimer = undefined;
    if (!vm) return;
    const prev = loadState();
    saveState({
      version: 1,
      layer: vm.layer,
      head: vm.head,
      view: vm.view,
      focused: vm.focused,
      key: vm.key,
      whatIf: vm.whatIf,
      shownHeads: vm.shownHeads.flatMap((s, h) => (s ? [h] : [])),
      ...(prev?.request ? { request: prev.request } : {}),
    });
  }, 150);
}

function setFocus(query: number | null, key: number | null): void {
  if (!vm) return;
  const t = vm.analysis.trace.tokens.length;
  if (query !== null && (query < 0 || query >= t)) query = null;
  if (key !== null && (key < 0 || key >= t)) key = null;
  if (vm.focused === query && vm.key === key) return;
  const queryChanged = vm.focused !== query;
  vm.focused = wanted.focused = query;
  vm.key = wanted.key = key;
  views[vm.view].paintFocus(vm);
  persist();
  // The editor paints the same row; it knows heads and their mean, not rollout (sent as the mean).
  if (queryChanged) post({ type: 'focusToken', index: query, layer: vm.layer, head: vm.head >= 0 ? vm.head : -1 });
}

function switchView(id: ViewId): void {
  if (!vm) return;
  hideTooltip();
  vm.view = wanted.view = id;
  tabBar?.select(id);
  renderView();
  persist();
}

function renderHeader(): void {
  header.replaceChildren();
  if (!vm) return;
  const { model, tokens } = vm.analysis.trace;
  const title = el('h1', 'title');
  title.textContent = vm.analysis.source;
  const meta = el('div', 'meta');
  meta.textContent = `${strings.model}: ${model.name} (${model.architecture}, ${model.layers}×${model.heads}, dk=${model.headDim}) · ${strings.tokenizer}: ${model.tokenizer} · ${strings.tokens}: ${tokens.length}`;
  header.append(title, meta);
}

function renderTabs(): void {
  if (!vm) return;
  const items = [
    { id: 'tokens', label: strings.viewTokens },
    { id: 'heads', label: strings.viewHeads },
    { id: 'matrix', label: strings.viewMatrix },
    { id: 'model', label: strings.viewModel },
    { id: 'steps', label: strings.viewSteps },
    ...seeWhyTabs(strings),
  ];
  tabBar = tabs(strings.view, items, vm.view, panel.id, (id) => switchView(id as ViewId));
  tabsHost.replaceChildren(tabBar.element, controls.exports);
}

function renderView(): void {
  if (!vm) return;
  const view = views[vm.view];
  if (panel.firstElementChild !== view.element) panel.replaceChildren(view.element);
  panel.setAttribute('aria-labelledby', `tab-${vm.view}`);
  document.body.dataset.view = vm.view;
  view.render(vm);
}

function renderFooter(): void {
  if (!vm) return;
  timing.textContent = format(strings.timing, vm.analysis.millis.load.toFixed(0), vm.analysis.millis.run.toFixed(0));
  renderCheck();
}

function renderCheck(): void {
  const info = vm?.store.info;
  if (!vm || !info) {
    check.textContent = backend ? '' : strings.recomputeUnavailable;
    return;
  }
  const diff = vm.store.atModelSettings && info.maxDiff !== undefined ? ` · ${format(strings.recomputeCheck, info.maxDiff.toExponential(1))}` : '';
  check.textContent = `${format(strings.recomputeBackend, info.backend)} (${info.ms.toFixed(1)} ms)${diff}`;
  document.body.dataset.recomputeMaxDiff = vm.store.atModelSettings && info.maxDiff !== undefined ? String(info.maxDiff) : '';
}

let checkTimer: ReturnType<typeof setTimeout> | undefined;
/** The GPU recompute of the current layer, compared with the model: after the frame, not in the way of the first paint. */
function scheduleCheck(): void {
  if (checkTimer !== undefined) clearTimeout(checkTimer);
  checkTimer = setTimeout(() => {
    checkTimer = undefined;
    if (!vm || !backend || !vm.store.atModelSettings) return;
    vm.store.check(vm.layer);
    renderCheck();
  }, 30);
}

/** Layer, head or what-ifs changed: redraw the view and the saturation readout. */
function refresh(): void {
  if (!vm) return;
  renderView();
  controls.update(vm);
  renderCheck();
  persist();
}

function renderAll(): void {
  if (!vm) return;
  renderHeader();
  renderTabs();
  controls.render(vm);
  const trace = vm.analysis.trace;
  notice.textContent = trace.truncatedFrom ? format(strings.truncated, trace.truncatedFrom, trace.tokens.length) : '';
  renderView();
  renderFooter();
  persist();
}

function showAnalysis(analysis: Analysis): void {
  const { model, tokens } = analysis.trace;
  const layer = Math.min(wanted.layer, model.layers - 1);
  const head = wanted.head < 0 ? wanted.head : Math.min(wanted.head, model.heads - 1);
  const focused = wanted.focused !== null && wanted.focused < tokens.length ? wanted.focused : null;
  const key = wanted.key !== null && wanted.key < tokens.length ? wanted.key : null;
  const shown = wanted.shownHeads?.filter((h) => h < model.heads);
  const shownHeads = Array.from({ length: model.heads }, (_, h) => (shown && shown.length ? shown.includes(h) : true));
  const store = new WeightStore(analysis.trace, backend, whatIf, log);
  vm = { analysis, strings, view: wanted.view, layer, head, focused, key, whatIf, shownHeads, store };
  headNote.hide();
  app.replaceChildren(header, statusLine, tabsHost, controls.element, notice, headNote.element, panel, footer);
  document.body.dataset.tokens = String(tokens.length);
  renderAll();
  scheduleCheck();
}

/** A step of the guided lesson: the same changes the tabs and controls make, all at once. */
function applyLesson(lesson: LessonState): void {
  if (lesson.whatIf) whatIf = { ...lesson.whatIf };
  wanted.view = lesson.view;
  wanted.layer = lesson.layer ?? wanted.layer;
  wanted.head = lesson.head ?? wanted.head;
  wanted.focused = lesson.token ?? null;
  wanted.key = lesson.key ?? null;
  if (!vm) return;
  hideTooltip();
  const { layers, heads } = vm.analysis.trace.model;
  vm.layer = wanted.layer = Math.min(wanted.layer, layers - 1);
  vm.view = wanted.view;
  vm.whatIf = whatIf;
  vm.store = new WeightStore(vm.analysis.trace, backend, whatIf, log);
  // Cleared so that setFocus below tells the editor the new layer and head even for the same token.
  vm.focused = vm.key = null;
  tabBar?.select(vm.view);
  // The head first: the controls are rebuilt from vm, so the head picker must show the new head.
  setHead(Math.min(wanted.head, heads - 1));
  controls.render(vm);
  setFocus(wanted.focused, wanted.key);
  scheduleCheck();
}

let recomputeStarted = false;
/** Starts the live recompute once, on the backend the host's `qkvLens.backend` setting names. */
function startRecompute(preference: RecomputeBackend): void {
  if (recomputeStarted) return;
  recomputeStarted = true;
  initRecomputeBackend(preference)
    .then((name) => {
      backend = name;
      document.body.dataset.recomputeBackend = name;
      if (!vm) return;
      vm.store = new WeightStore(vm.analysis.trace, backend, vm.whatIf, log);
      if (!vm.store.atModelSettings) refresh();
      scheduleCheck();
    })
    .catch((err: Error) => {
      log(`no tfjs backend for live recompute: ${err.message}`);
      renderCheck();
    });
}

function showEmpty(): void {
  const p = el('p', 'empty');
  p.textContent = strings.empty;
  app.replaceChildren(statusLine, p);
}

async function doExport(kind: ExportFormat): Promise<void> {
  if (!vm) return;
  exportStatus.textContent = '';
  try {
    const file = await exportView(vm, views[vm.view], kind);
    post({ type: 'export', format: file.format, fileName: file.fileName, data: file.data });
  } catch (err) {
    exportStatus.textContent = `${strings.error}: ${(err as Error).message}`;
    log(`export failed: ${(err as Error).message}`);
  }
}

/** Tells the host (its log) how long a trace took to arrive (host clock), to be checked and drawn, and painted. */
function reportArrival(analysis: Analysis, sentAt: number | undefined, arrived: number, received: number, renderStart: number): void {
  const mib = traceBytes(analysis.trace) / 2 ** 20;
  const drawn = performance.now();
  requestAnimationFrame(() => setTimeout(() => {
    const transfer = sentAt !== undefined ? `arrived ${arrived - sentAt} ms after it was posted, ` : '';
    post({ type: 'log', level: 'info', message: `analysis ${analysis.requestId} (${mib.toFixed(1)} MiB): ${transfer}checked in ${(renderStart - received).toFixed(0)} ms, drawn in ${(drawn - renderStart).toFixed(0)} ms, painted ${(performance.now() - received).toFixed(0)} ms after it arrived` });
  }, 0));
}

window.addEventListener('message', (event: MessageEvent) => {
  const arrived = Date.now();
  const t0 = performance.now();
  const message = parseToWebview(event.data);
  if (!message) {
    post({ type: 'log', level: 'warn', message: `dropped a malformed message of type ${String((event.data as { type?: unknown })?.type)}` });
    return;
  }
  switch (message.type) {
    case 'init':
      strings = message.strings;
      document.documentElement.lang = message.locale;
      // The setting picks the first view of a new panel; a restored panel keeps the one it had.
      if (!saved && !vm && message.defaultView) wanted.view = message.defaultView;
      startRecompute(message.backend ?? 'auto');
      if (vm) {
        vm.strings = strings;
        renderAll();
      } else showEmpty();
      break;
    case 'analysis': {
      const renderStart = performance.now();
      startRecompute('auto');
      showAnalysis(message.analysis);
      reportArrival(message.analysis, message.sentAt, arrived, t0, renderStart);
      break;
    }
    case 'lesson':
      applyLesson(message);
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
      setFocus(message.index, null);
      // The editor's cursor moved: show it here, but never pull keyboard focus out of the editor.
      if (vm && document.hasFocus()) views[vm.view].focusToken?.(message.index);
      break;
  }
});

window.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    hideTooltip();
    setFocus(null, null);
  }
});

watchTheme(() => {
  palette();
  renderView();
});

let resizeTimer: ReturnType<typeof setTimeout> | undefined;
let lastWidth = 0;
new ResizeObserver(() => {
  const width = panel.clientWidth;
  if (!vm || Math.abs(width - lastWidth) < 24) return;
  lastWidth = width;
  if (resizeTimer !== undefined) clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (vm && vm.view !== 'tokens' && vm.view !== 'steps') renderView();
  }, 120);
}).observe(panel);

showEmpty();
post({ type: 'ready' });
