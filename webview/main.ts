/**
 * The panel's entry point: says 'ready', receives validated messages and turns them, the controls and
 * the views' actions into `store.update(...)` calls (panelStore.ts, the one state). One subscriber
 * renders what changed, saves the state and tells the host the layer, head and token the editor paints.
 * Weights come from the WeightStore: the model's own at the model's settings (checked against a live
 * GPU recompute, shown in the footer), a live recompute otherwise.
 */
import type { ExportFormat } from '../src/shared/protocol';
import { Analysis, LessonState, RecomputeBackend, parseToWebview } from '../src/shared/protocol';
import { firstPrecision } from '../src/shared/trace';
import { UI_STRINGS, format } from '../src/shared/strings';
import { Controls } from './controls';
import { exportView } from './export/exporter';
import { DEFAULT_WHAT_IF, backendBytes, initRecomputeBackend, tensorCount } from './recompute';
import { palette, watchTheme } from './ui/colors';
import { tabs } from './ui/toolkit';
import { hideTooltip } from './ui/tooltip';
import { headNote } from './ui/headNote';
import { seeWhyTabs, seeWhyViews } from './views/seeWhyViews';
import { receiveCompare } from './views/compareView';
import { MEAN_OF_HEADS, VIEW_IDS, ViewId, ViewModel, canDraw, neededNow, singleHead, weightRow } from './viewModel';
import { HeadView } from './views/headView';
import { MatrixView } from './views/matrixView';
import { ModelView } from './views/modelView';
import { StepView } from './views/stepView';
import { TokensView } from './views/tokensView';
import { View, ViewActions } from './views/view';
import { loadState, post, saveState } from './vscodeApi';
import { NO_GPU, PanelStore, StoreField } from './panelStore';
import { TraceData, Want } from './traceData';

const app = document.getElementById('app') as HTMLElement;
const saved = loadState();
const log = (message: string) => post({ type: 'log', level: 'warn', message });
const store = new PanelStore(
  {
    view: (VIEW_IDS as readonly string[]).includes(saved?.view ?? '') ? (saved?.view as ViewId) : 'tokens',
    layer: saved?.layer ?? 0,
    head: saved?.head ?? 0,
    focused: saved?.focused ?? null,
    key: saved?.key ?? null,
    whatIf: saved?.whatIf ?? { ...DEFAULT_WHAT_IF },
    shownHeads: saved?.shownHeads,
  },
  { ...UI_STRINGS },
  log,
);
/** A single head also becomes the head view's only drawn head. */
const headPatch = (head: number) => (head >= 0 ? { head, shownHeads: [head] } : { head });

function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}

const actions: ViewActions = {
  focus: (query, key = null) => store.update({ focused: query, key }),
  reveal: (index) => post({ type: 'revealToken', index }),
  openHead: (layer, head, at) => {
    // `at` (see why: a head label) opens the head on the query and key where its pattern is strongest.
    store.update({ layer, view: 'matrix', ...headPatch(head), ...(at ? { focused: at.query, key: at.key } : {}) });
    (panel.querySelector('.matrix-canvas') as HTMLElement | null)?.focus();
  },
  showHeads: (shown) => store.update({ shownHeads: shown.flatMap((s, h) => (s ? [h] : [])) }),
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
  layer: (layer) => store.update({ layer }, 'controls'),
  head: (head) => store.update(headPatch(head), 'controls'),
  stage: (step) => post({ type: 'selectStage', step }),
  // `rebuild` (Reset): the controls must show the new values; never during a slider drag, nor under a focused checkbox.
  whatIf: (whatIf, rebuild) => store.update({ whatIf }, rebuild ? 'panel' : 'controls'),
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

let persistTimer: ReturnType<typeof setTimeout> | undefined;
/** Saves the selection after a short pause: hover changes the focus on every token crossed. */
function persist(): void {
  if (persistTimer !== undefined) return;
  persistTimer = setTimeout(() => {
    persistTimer = undefined;
    saveNow();
  }, 150);
}

/** Saves the selection at once: a panel hidden right after a choice (its webview destroyed) must not lose it. */
function saveNow(): void {
  const s = store.selection;
  const prev = loadState();
  saveState({
    version: 1,
    layer: s.layer,
    head: s.head,
    view: s.view,
    focused: s.focused,
    key: s.key,
    whatIf: s.whatIf,
    ...(s.shownHeads ? { shownHeads: s.shownHeads } : {}),
    ...(prev?.request ? { request: prev.request } : {}),
  });
}

/** Everything the panel shows is computed and the backend is settled: views may draw. */
function drawable(vm: ViewModel): boolean {
  return (vm.store.gpu !== undefined || vm.store.noGpu) && canDraw(vm);
}

/**
 * The editor paints and hovers what the panel shows: told on every change of layer, head or focused
 * token, with the focused row as computed here (until it can be, the host paints the model's own).
 */
function tellHost(): void {
  const vm = store.vm;
  if (!vm) return;
  const row = vm.focused !== null && drawable(vm) ? weightRow(vm, vm.focused).slice() : undefined;
  // Rollout needs the panel's row; without one the host paints the mean of heads.
  post({ type: 'focusToken', index: vm.focused, layer: vm.layer, head: row || vm.head >= MEAN_OF_HEADS ? vm.head : MEAN_OF_HEADS, ...(row ? { row } : {}) });
}

/** The visible layer's arrays first, then the check against the model, then every other layer in the background. */
function fetchWhatIsShown(): void {
  const vm = store.vm;
  if (!vm || vm.data.error) return;
  const now = neededNow(vm);
  const t = vm.data.tokens;
  // The model's own weights, only to check the GPU against (one head past 256 tokens: 4 MiB at 1024).
  const check: Want[] = store.backend && store.backend !== NO_GPU ? [{ layer: vm.layer, parts: ['weights'], ...(t > CHECK_ALL_HEADS_UP_TO ? { head: singleHead(vm) } : {}) }] : [];
  const layers = vm.analysis.trace.model.layers;
  const rest: Want[] = [];
  for (let d = 1; d < layers; d++) for (const l of [vm.layer + d, vm.layer - d]) if (l >= 0 && l < layers) rest.push({ layer: l, parts: ['q', 'k'] });
  vm.data.want([...now, ...check, ...rest]);
}

/** Past this many tokens the check compares one head (the model's weights of a whole layer would be 48 MiB at 1024). */
const CHECK_ALL_HEADS_UP_TO = 256;
/** A difference from the model above this shows in the three decimals the panel prints: q and k then travel as float32. */
const VISIBLE_DIFFERENCE = 5e-4;
/** True while the panel shows "fetching" instead of the view (what it shows has not all arrived). */
let waiting = false;

store.subscribe(({ fields, origin }) => {
  const vm = store.vm;
  const has = (...names: StoreField[]) => names.some((n) => fields.has(n));
  // Saved before drawing (which can take a while on a software GPU).
  if (has('view', 'layer', 'head', 'whatIf', 'shownHeads')) saveNow();
  else if (has('focused', 'key')) persist();
  if (vm) {
    if (has('analysis', 'view', 'layer', 'head', 'backend', 'weights')) fetchWhatIsShown();
    if (has('analysis', 'strings')) renderAll();
    else if (has('data', 'backend')) {
      // More arrived: draw what was waiting for it (and let the editor paint the panel's numbers).
      if (waiting && drawable(vm)) {
        renderView();
        controls.update(vm);
        tellHost();
      }
      scheduleCheck();
    } else {
      if (has('view')) {
        hideTooltip();
        tabBar?.select(vm.view);
      }
      if (has('view', 'layer', 'head', 'whatIf', 'shownHeads', 'weights')) {
        renderView();
        if (origin !== 'controls' && has('layer', 'head', 'whatIf')) controls.render(vm);
        else controls.update(vm);
        renderCheck();
      } else if (has('focused', 'key') && !waiting) views[vm.view].paintFocus(vm);
    }
    if (has('view', 'layer', 'head')) headNote.follow(vm.view, vm.layer, vm.head);
    if (has('layer', 'weights')) scheduleCheck();
    if (has('analysis', 'layer', 'head', 'focused', 'weights')) tellHost();
  }
});

function renderHeader(): void {
  header.replaceChildren();
  const vm = store.vm;
  if (!vm) return;
  const { model, tokens } = vm.analysis.trace;
  const title = el('h1', 'title');
  title.textContent = vm.analysis.source;
  const meta = el('div', 'meta');
  const strings = vm.strings;
  meta.textContent = `${strings.model}: ${model.name} (${model.architecture}, ${model.layers}×${model.heads}, dk=${model.headDim}) · ${strings.tokenizer}: ${model.tokenizer} · ${strings.tokens}: ${tokens.length}`;
  header.append(title, meta);
}

function renderTabs(): void {
  const vm = store.vm;
  if (!vm) return;
  const strings = vm.strings;
  const items = [
    { id: 'tokens', label: strings.viewTokens },
    { id: 'heads', label: strings.viewHeads },
    { id: 'matrix', label: strings.viewMatrix },
    { id: 'model', label: strings.viewModel },
    { id: 'steps', label: strings.viewSteps },
    ...seeWhyTabs(strings),
  ];
  tabBar = tabs(strings.view, items, vm.view, panel.id, (id) => store.update({ view: id as ViewId }));
  tabsHost.replaceChildren(tabBar.element, controls.exports);
}

const fetching = el('p', 'empty fetching');
fetching.setAttribute('aria-busy', 'true');

function renderView(): void {
  const vm = store.vm;
  if (!vm) return;
  waiting = !drawable(vm);
  document.body.dataset.view = vm.view;
  if (waiting) {
    // Nothing is drawn from data that has not arrived; the view appears as soon as it has.
    fetching.textContent = vm.data.error ? `${vm.strings.error}: ${vm.data.error}` : format(vm.strings.fetchingLayers, neededNow(vm).filter((w) => !vm.data.hasAll(w)).length);
    panel.replaceChildren(fetching);
    return;
  }
  const view = views[vm.view];
  if (panel.firstElementChild !== view.element) panel.replaceChildren(view.element);
  panel.setAttribute('aria-labelledby', `tab-${vm.view}`);
  view.render(vm);
  // For tests and benches: what has crossed from the host, and the GPU's live tensors (must not grow).
  document.body.dataset.fetchedBytes = String(vm.data.bytes);
  document.body.dataset.tensors = String(tensorCount());
  document.body.dataset.backendBytes = String(backendBytes());
}

function renderFooter(): void {
  const vm = store.vm;
  if (!vm) return;
  timing.textContent = format(vm.strings.timing, vm.analysis.millis.load.toFixed(0), vm.analysis.millis.run.toFixed(0));
  renderCheck();
}

function renderCheck(): void {
  const vm = store.vm;
  const strings = store.strings;
  const info = vm?.store.info;
  if (!vm || !info) {
    check.textContent = store.backend === NO_GPU ? strings.recomputeUnavailable : '';
    return;
  }
  const shown = vm.store.atModelSettings && info.maxDiff !== undefined && info.checked?.layer === vm.layer;
  const diff = shown ? ` · ${format(strings.recomputeCheck, (info.maxDiff as number).toExponential(1))}` : '';
  check.textContent = `${format(strings.recomputeBackend, info.backend)} (${info.ms.toFixed(1)} ms)${diff}`;
  document.body.dataset.recomputeMaxDiff = shown ? String(info.maxDiff) : '';
  document.body.dataset.precision = vm.data.precision;
}

let checkTimer: ReturnType<typeof setTimeout> | undefined;
/** The GPU recompute of the current layer, compared with the model: after the frame, not in the way of the first paint. */
function scheduleCheck(): void {
  if (checkTimer !== undefined) clearTimeout(checkTimer);
  checkTimer = setTimeout(() => {
    checkTimer = undefined;
    const vm = store.vm;
    if (!vm || !drawable(vm) || !vm.store.atModelSettings) return;
    const head = vm.data.tokens > CHECK_ALL_HEADS_UP_TO ? singleHead(vm) : undefined;
    const info = vm.store.check(vm.layer, head);
    if (info?.maxDiff !== undefined && info.maxDiff > VISIBLE_DIFFERENCE && vm.data.precision === 'f16') {
      // float16 q and k moved a weight by a visible amount: fetch them again as float32 and recompute.
      log(`layer ${vm.layer}: float16 q, k differ from the model by ${info.maxDiff.toExponential(1)}; fetching float32`);
      vm.data.raisePrecision();
      store.update({ arrived: 'weights' });
      return;
    }
    renderCheck();
  }, 30);
}

function renderAll(): void {
  const vm = store.vm;
  if (!vm) return;
  app.replaceChildren(header, statusLine, tabsHost, controls.element, notice, headNote.element, panel, footer);
  document.body.dataset.tokens = String(vm.analysis.trace.tokens.length);
  hideTooltip();
  renderHeader();
  renderTabs();
  controls.render(vm);
  const trace = vm.analysis.trace;
  notice.textContent = trace.truncatedFrom ? format(vm.strings.truncated, trace.truncatedFrom, trace.tokens.length) : '';
  renderView();
  renderFooter();
}

/** A step of the guided lesson: the same changes the tabs and controls make, all at once. */
function applyLesson(lesson: LessonState): void {
  hideTooltip();
  store.update(
    {
      view: lesson.view,
      ...(lesson.layer !== undefined ? { layer: lesson.layer } : {}),
      ...(lesson.head !== undefined ? headPatch(lesson.head) : {}),
      ...(lesson.whatIf ? { whatIf: { ...lesson.whatIf } } : {}),
      focused: lesson.token ?? null,
      key: lesson.key ?? null,
    },
    'host',
  );
}

let recomputeStarted = false;
/** Starts the live recompute once, on the backend the host's `qkvLens.backend` setting names. */
function startRecompute(preference: RecomputeBackend): void {
  if (recomputeStarted) return;
  recomputeStarted = true;
  initRecomputeBackend(preference)
    .then((name) => {
      document.body.dataset.recomputeBackend = name;
      store.update({ backend: name });
    })
    .catch((err: Error) => {
      log(`no tfjs backend for live recompute: ${err.message}`);
      document.body.dataset.recomputeBackend = NO_GPU;
      store.update({ backend: NO_GPU });
      renderCheck();
    });
}

function showEmpty(): void {
  const p = el('p', 'empty');
  p.textContent = store.strings.empty;
  app.replaceChildren(statusLine, p);
}

async function doExport(kind: ExportFormat): Promise<void> {
  const vm = store.vm;
  if (!vm) return;
  exportStatus.textContent = '';
  try {
    const file = await exportView(vm, views[vm.view], kind);
    post({ type: 'export', format: file.format, fileName: file.fileName, data: file.data });
  } catch (err) {
    exportStatus.textContent = `${store.strings.error}: ${(err as Error).message}`;
    log(`export failed: ${(err as Error).message}`);
  }
}

/**
 * Tells the host (its log), once the first view is drawn, how long the analysis took to arrive (host
 * clock), how many bytes were fetched before that paint, and when it was painted.
 */
function reportFirstPaint(analysis: Analysis, sentAt: number | undefined, arrived: number, received: number): void {
  const transfer = sentAt !== undefined ? `arrived ${arrived - sentAt} ms after it was posted, ` : '';
  const unsubscribe = store.subscribe(() => {
    const vm = store.vm;
    if (store.analysis !== analysis) return unsubscribe();
    if (!vm || waiting) return;
    unsubscribe();
    const bytes = vm.data.bytes;
    const fetched = vm.data.firstAnswerAt !== undefined ? `first layer data ${(vm.data.firstAnswerAt - received).toFixed(0)} ms after it, ` : '';
    const computed = vm.store.info ? `computed on ${vm.store.info.backend} in ${vm.store.info.ms.toFixed(0)} ms, ` : '';
    const drawnAt = performance.now();
    requestAnimationFrame(() => setTimeout(() => {
      post({ type: 'log', level: 'info', message: `analysis ${analysis.requestId} (${(bytes / 2 ** 20).toFixed(2)} MiB fetched before the first paint, ${vm.data.precision}): ${transfer}${fetched}${computed}drawn ${(drawnAt - received).toFixed(0)} ms and painted ${(performance.now() - received).toFixed(0)} ms after it arrived` });
    }, 0));
  });
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
      document.documentElement.lang = message.locale;
      // The setting picks the first view of a new panel; a restored panel keeps the one it had.
      store.update({ strings: message.strings, ...(!saved && !store.vm && message.defaultView ? { view: message.defaultView } : {}) }, 'host');
      startRecompute(message.backend ?? 'auto');
      if (!store.vm) showEmpty();
      break;
    case 'analysis': {
      startRecompute('auto');
      const { analysis } = message;
      // float16 where it saves bytes that matter (a layer's q and k over 1 MiB); the check raises it back when visible.
      const data = new TraceData(analysis.requestId, analysis.trace, (fetch) => post({ type: 'fetchTrace', ...fetch }), message.pushed?.precision ?? firstPrecision(analysis.trace));
      if (message.pushed) data.expect({ layer: message.pushed.layer, parts: ['q', 'k'] });
      reportFirstPaint(analysis, message.sentAt, arrived, t0);
      headNote.hide();
      store.update({ analysis: { analysis, data } }, 'host');
      break;
    }
    case 'compareData':
    case 'compareUnavailable':
      receiveCompare(message); // see why: the side-by-side view's other run
      break;
    case 'traceData':
      if (store.data?.receive(message)) store.update({ arrived: 'data' }, 'host');
      break;
    case 'traceUnavailable':
      if (store.data?.unavailable(message)) {
        log(`the host could not send layer data: ${message.message}`);
        if (waiting) renderView();
      }
      break;
    case 'rowRequest': {
      const vm = store.vm;
      const ok = vm && drawable(vm) && message.index < vm.data.tokens;
      post({ type: 'row', id: message.id, index: message.index, layer: vm?.layer ?? 0, head: vm?.head ?? 0, weights: ok ? weightRow(vm, message.index).slice() : new Float32Array(0) });
      break;
    }
    case 'lesson':
      applyLesson(message);
      break;
    case 'status': {
      document.body.dataset.status = message.status;
      const strings = store.strings;
      const text = message.status === 'loading' ? strings.loading : message.status === 'running' ? strings.running : message.status === 'error' ? `${strings.error}: ${message.message ?? ''}` : '';
      statusLine.textContent = text;
      statusLine.classList.toggle('error', message.status === 'error');
      break;
    }
    case 'stale':
      document.body.classList.toggle('stale', message.stale);
      notice.textContent = message.stale ? store.strings.stale : '';
      break;
    case 'focusToken':
      store.update({ focused: message.index, key: null }, 'host');
      // The editor's cursor moved: show it here, but never pull keyboard focus out of the editor.
      if (store.vm && document.hasFocus()) views[store.vm.view].focusToken?.(message.index);
      break;
  }
});

window.addEventListener('keydown', (e) => {
  if (e.key === 'Escape') {
    hideTooltip();
    store.update({ focused: null, key: null });
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
  const vm = store.vm;
  if (!vm || Math.abs(width - lastWidth) < 24) return;
  lastWidth = width;
  if (resizeTimer !== undefined) clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    const now = store.vm;
    if (now && now.view !== 'tokens' && now.view !== 'steps') renderView();
  }, 120);
}).observe(panel);

showEmpty();
post({ type: 'ready' });
