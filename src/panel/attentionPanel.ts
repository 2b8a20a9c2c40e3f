/**
 * The attention panel beside the editor: one at a time, reused by every run. Messages wait until the
 * webview says 'ready'; everything it sends is validated; its UI state survives hiding and reloads.
 */
import * as vscode from 'vscode';
import { Analysis, FromWebview, LessonState, PANEL_VIEWS, PanelState, PanelView, RECOMPUTE_BACKENDS, RecomputeBackend, RunStatus, ToWebview, parseFromWebview } from '../shared/protocol';
import { AttentionTrace, firstPrecision } from '../shared/trace';
import { answerTraceFetch } from './traceServer';
import { panelHtml } from './webviewHtml';
import { localizedUiStrings } from './strings';

export const PANEL_VIEW_TYPE = 'qkvLens.attention';

export interface PanelEvents {
  onMessage(message: FromWebview, panel: AttentionPanel): void;
  onDispose(panel: AttentionPanel): void;
}

export function panelOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class AttentionPanel {
  private ready = false;
  private outbox: ToWebview[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  /** The last analysis sent, re-sent if the webview reloads. */
  private lastAnalysis: Analysis | undefined;
  /** Its whole trace: the panel fetches the layers it shows from here. */
  private lastTrace: AttentionTrace | undefined;
  private rowRequests = new Map<number, (row: Float32Array | undefined, layer: number, head: number) => void>();
  private nextRowRequest = 1;

  static create(extensionUri: vscode.Uri, events: PanelEvents, log: (line: string) => void): AttentionPanel {
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, vscode.l10n.t('Attention'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, panelOptions(extensionUri));
    return new AttentionPanel(panel, extensionUri, events, log);
  }

  constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, private readonly events: PanelEvents, private readonly log: (line: string) => void) {
    panel.webview.options = panelOptions(extensionUri);
    panel.webview.html = panelHtml(panel.webview, extensionUri, vscode.Uri.joinPath, vscode.env.language);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidDispose(() => this.dispose()),
      // Hidden, the webview's page is gone (no retainContextWhenHidden) and says 'ready' again when shown:
      // until then messages wait in the outbox (a lesson step sent while its text's editor covers the panel was lost).
      panel.onDidChangeViewState((e) => {
        if (!e.webviewPanel.visible) this.ready = false;
      }),
    );
  }

  private receive(raw: unknown): void {
    const message = parseFromWebview(raw);
    if (!message) {
      this.log(`rejected a malformed message from the webview: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    if (message.type === 'ready') {
      // A webview that reloads (after hiding, without retainContextWhenHidden) says ready again.
      this.ready = true;
      this.send({ type: 'init', strings: localizedUiStrings(), locale: vscode.env.language, ...panelSettings() }, true);
      if (this.lastAnalysis && !this.outbox.some((m) => m.type === 'analysis')) this.outbox.unshift({ type: 'analysis', analysis: this.lastAnalysis });
      const queued = this.outbox;
      this.outbox = [];
      for (const m of queued) this.post(m);
      return;
    }
    if (message.type === 'log') this.log(`webview ${message.level}: ${message.message}`);
    if (message.type === 'fetchTrace') {
      this.post(answerTraceFetch(this.lastTrace, this.lastAnalysis?.requestId, message));
      return;
    }
    if (message.type === 'row') {
      this.rowRequests.get(message.id)?.(message.weights, message.layer, message.head);
      this.rowRequests.delete(message.id);
      return;
    }
    this.events.onMessage(message, this);
  }

  private send(message: ToWebview, immediately = false): void {
    if (!(this.ready || immediately)) {
      this.outbox.push(message);
      return;
    }
    this.post(message);
  }

  private post(message: ToWebview): void {
    if (message.type !== 'analysis') {
      void this.panel.webview.postMessage(message);
      return;
    }
    // Stamped as it leaves (queued or not): the webview logs how long the trace took to arrive and to paint.
    // The layer the panel showed last follows at once, unasked: the first paint needs no round trip.
    const trace = this.lastTrace;
    const analysis = message.analysis;
    const pushed = trace && analysis === this.lastAnalysis ? { layer: Math.min(this.shownLayer, trace.model.layers - 1), precision: firstPrecision(trace) } : undefined;
    void this.panel.webview.postMessage({ ...message, sentAt: Date.now(), ...(pushed ? { pushed } : {}) });
    if (trace && pushed) void this.panel.webview.postMessage(answerTraceFetch(trace, analysis.requestId, { analysis: analysis.requestId, fetchId: 0, layer: pushed.layer, parts: ['q', 'k'], precision: pushed.precision }));
  }

  /** The layer the panel shows (from its focusToken messages): pushed with the next analysis. */
  private shownLayer = 0;
  noteShownLayer(layer: number): void {
    this.shownLayer = layer;
  }

  /**
   * Token `index`'s row as the panel shows it (its layer, head and what-ifs), for the editor's hover;
   * undefined when the panel is hidden or does not answer within `timeoutMs`.
   */
  requestRow(index: number, timeoutMs = 400): Promise<{ row: Float32Array; layer: number; head: number } | undefined> {
    if (!this.ready || !this.panel.visible) return Promise.resolve(undefined);
    const id = this.nextRowRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.rowRequests.delete(id);
        resolve(undefined);
      }, timeoutMs);
      this.rowRequests.set(id, (row, layer, head) => {
        clearTimeout(timer);
        resolve(row && row.length ? { row, layer, head } : undefined);
      });
      this.post({ type: 'rowRequest', id, index });
    });
  }

  /** `trace` stays here; the webview gets `analysis` (model and tokens) and fetches the layers it shows. */
  showAnalysis(analysis: Analysis, trace: AttentionTrace): void {
    this.lastAnalysis = analysis;
    this.lastTrace = trace;
    this.outbox = this.outbox.filter((m) => m.type !== 'analysis');
    this.send({ type: 'analysis', analysis });
  }

  setStatus(status: RunStatus, message?: string): void {
    this.send({ type: 'status', status, ...(message !== undefined ? { message } : {}) });
  }

  setStale(stale: boolean): void {
    this.send({ type: 'stale', stale });
  }

  focusToken(index: number): void {
    this.send({ type: 'focusToken', index });
  }

  /** See why: the side-by-side view's other run (or why there is none). */
  postCompare(message: Extract<ToWebview, { type: 'compareData' | 'compareUnavailable' }>): void {
    this.send(message);
  }

  /** A lesson step: view, token, layer, head and what-ifs, applied after the analysis sent before it. */
  showLesson(state: LessonState): void {
    this.send({ type: 'lesson', ...state });
  }

  get analysis(): Analysis | undefined {
    return this.lastAnalysis;
  }

  /** The whole trace of the analysis shown (the editor falls back on its weights when the panel cannot answer). */
  get trace(): AttentionTrace | undefined {
    return this.lastTrace;
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  private disposed = false;
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.events.onDispose(this);
    for (const answer of this.rowRequests.values()) answer(undefined, 0, 0);
    this.rowRequests.clear();
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}

/** `qkvLens.defaultView` and `qkvLens.backend`, checked (a hand-edited settings.json may hold anything). */
function panelSettings(): { defaultView: PanelView; backend: RecomputeBackend } {
  const config = vscode.workspace.getConfiguration('qkvLens');
  const view = config.get<string>('defaultView', 'tokens');
  const backend = config.get<string>('backend', 'auto');
  return {
    defaultView: (PANEL_VIEWS as readonly string[]).includes(view) ? (view as PanelView) : 'tokens',
    backend: (RECOMPUTE_BACKENDS as readonly string[]).includes(backend) ? (backend as RecomputeBackend) : 'auto',
  };
}

export function isPanelState(v: unknown): v is PanelState {
  return typeof v === 'object' && v !== null && (v as PanelState).version === 1;
}
