/**
 * The panel's one state. Every change goes through `update(patch)`: the patch is clamped to the
 * analysis (a layer or token it does not have), what depends on the changed fields is rebuilt (the
 * weight store, when the analysis, the what-ifs or the GPU backend change), the view model the views
 * read is brought up to date in place, and every subscriber hears which fields changed.
 *
 * main.ts subscribes to render, to save the state (vscode.setState) and to tell the host what the
 * editor must paint (layer, head, focused token). A new view or panel part subscribes the same way:
 *
 *   store.subscribe(({ fields }) => { if (fields.has('layer')) redrawMyPart(store.vm); });
 *
 * and changes state only through `store.update({ ... })`, never by writing to `store.vm`.
 */
import type { Analysis } from '../src/shared/protocol';
import type { UiStrings } from '../src/shared/strings';
import type { WhatIf } from './recompute';
import type { TraceData } from './traceData';
import type { ViewId, ViewModel } from './viewModel';
import { WeightStore } from './weightStore';

/** What the person chose: the part of the state that is saved and restored. */
export interface PanelSelection {
  view: ViewId;
  layer: number;
  /** A head index, MEAN_OF_HEADS or ROLLOUT (viewModel.ts). */
  head: number;
  focused: number | null;
  key: number | null;
  whatIf: WhatIf;
  /** Heads drawn in the head view; undefined: all of them. */
  shownHeads: number[] | undefined;
}

/** The tfjs backend that computes attention in the panel, or `none` when no GPU path works. */
export const NO_GPU = 'none';

export type StorePatch = Partial<PanelSelection> & {
  /** A new analysis comes with the holder its arrays arrive in. */
  analysis?: { analysis: Analysis; data: TraceData };
  strings?: UiStrings;
  /** The tfjs backend of the panel's attention once it is up, or NO_GPU. */
  backend?: string;
  /** Arrays of the analysis arrived (`data`), or their precision was raised (`weights`: recompute everything). */
  arrived?: 'data' | 'weights';
};

/**
 * A field of the selection, or one of the inputs the rest is derived from. `weights`: the weight store
 * was rebuilt (what every drawn number depends on); `data`: more of the trace arrived.
 */
export type StoreField = keyof PanelSelection | 'analysis' | 'strings' | 'backend' | 'weights' | 'data';

/**
 * Who made the change: `controls` is the control bar itself (it already shows the new value, so it is
 * not rebuilt under the person's pointer); `panel` anything else in the webview; `host` a message from
 * the extension (editor cursor, lesson step, new analysis).
 */
export type ChangeOrigin = 'controls' | 'panel' | 'host';

export interface StoreChange {
  fields: ReadonlySet<StoreField>;
  origin: ChangeOrigin;
}

export type StoreListener = (change: StoreChange, store: PanelStore) => void;

const sameWhatIf = (a: WhatIf, b: WhatIf) => a.scale === b.scale && a.temperature === b.temperature && a.causal === b.causal;
const sameHeads = (a: number[] | undefined, b: number[] | undefined) => a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((h, i) => h === b[i]));

export class PanelStore {
  private sel: PanelSelection;
  private current: Analysis | undefined;
  private traceData: TraceData | undefined;
  private uiStrings: UiStrings;
  private backendName: string | undefined;
  private model: ViewModel | undefined;
  private readonly listeners: StoreListener[] = [];

  constructor(initial: PanelSelection, strings: UiStrings, private readonly log: (message: string) => void) {
    this.sel = { ...initial };
    this.uiStrings = strings;
  }

  /** What the views read; undefined until an analysis arrives. One object, updated in place. */
  get vm(): ViewModel | undefined {
    return this.model;
  }

  get selection(): Readonly<PanelSelection> {
    return this.sel;
  }

  get analysis(): Analysis | undefined {
    return this.current;
  }

  get strings(): UiStrings {
    return this.uiStrings;
  }

  /** undefined while the backend starts; then its name or NO_GPU. */
  get backend(): string | undefined {
    return this.backendName;
  }

  get data(): TraceData | undefined {
    return this.traceData;
  }

  subscribe(listener: StoreListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  update(patch: StorePatch, origin: ChangeOrigin = 'panel'): void {
    const fields = new Set<StoreField>();
    if (patch.analysis && patch.analysis.analysis !== this.current) {
      this.current = patch.analysis.analysis;
      this.traceData = patch.analysis.data;
      fields.add('analysis');
    }
    if (patch.arrived) fields.add(patch.arrived);
    if (patch.strings && patch.strings !== this.uiStrings) {
      this.uiStrings = patch.strings;
      fields.add('strings');
    }
    if (patch.backend !== undefined && patch.backend !== this.backendName) {
      this.backendName = patch.backend;
      fields.add('backend');
    }
    const next = this.clamp({ ...this.sel, ...stripInputs(patch) });
    const prev = this.sel;
    for (const key of ['view', 'layer', 'head', 'focused', 'key'] as const) if (next[key] !== prev[key]) fields.add(key);
    if (!sameWhatIf(next.whatIf, prev.whatIf)) fields.add('whatIf');
    if (!sameHeads(next.shownHeads, prev.shownHeads)) fields.add('shownHeads');
    this.sel = next;
    if (!fields.size) return;
    if (this.current && (fields.has('analysis') || fields.has('whatIf') || fields.has('backend') || !this.model)) fields.add('weights');
    this.derive(fields.has('weights'));
    const change: StoreChange = { fields, origin };
    for (const listener of this.listeners.slice()) listener(change, this);
  }

  /** Keeps the selection inside the analysis: a layer, head or token it does not have is dropped. */
  private clamp(s: PanelSelection): PanelSelection {
    const a = this.current;
    if (!a) return s;
    const { layers, heads } = a.trace.model;
    const t = a.trace.tokens.length;
    const inRange = (i: number | null) => (i !== null && i >= 0 && i < t ? i : null);
    const shown = s.shownHeads?.filter((h) => h >= 0 && h < heads);
    return {
      ...s,
      layer: Math.max(0, Math.min(s.layer, layers - 1)),
      head: s.head < 0 ? s.head : Math.min(s.head, heads - 1),
      focused: inRange(s.focused),
      key: inRange(s.key),
      shownHeads: shown && shown.length ? shown : undefined,
    };
  }

  private derive(rebuildWeights: boolean): void {
    const a = this.current;
    if (!a) return;
    const heads = a.trace.model.heads;
    const shownHeads = Array.from({ length: heads }, (_, h) => this.sel.shownHeads?.includes(h) ?? true);
    const data = this.traceData as TraceData;
    const gpu = this.backendName === NO_GPU ? undefined : this.backendName;
    const store = rebuildWeights || !this.model ? new WeightStore(a.trace, data, gpu, this.sel.whatIf, this.log, this.backendName === NO_GPU) : this.model.store;
    const fields = { analysis: a, data, strings: this.uiStrings, view: this.sel.view, layer: this.sel.layer, head: this.sel.head, focused: this.sel.focused, key: this.sel.key, whatIf: this.sel.whatIf, shownHeads, store };
    if (this.model) Object.assign(this.model, fields);
    else this.model = fields;
  }
}

function stripInputs(patch: StorePatch): Partial<PanelSelection> {
  const { analysis: _a, strings: _s, backend: _b, arrived: _d, ...selection } = patch;
  return selection;
}
