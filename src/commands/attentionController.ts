/**
 * Show Attention end to end: takes the selection, runs the model in the worker with progress and
 * cancel, and shows the result in the panel. Also reruns for a training-stage switch, reveals tokens
 * in the editor, and marks the analysis stale when its text changes.
 */
import * as vscode from 'vscode';
import * as path from 'path';
import { AttentionPanel, PanelEvents, isPanelState } from '../panel/attentionPanel';
import { ModelWorker, RunError } from '../runtime/modelWorker';
import { Analysis, FromWebview } from '../shared/protocol';
import { attentionRow, traceHeader } from '../shared/trace';
import { ModelChoice, currentModel } from '../models/modelChoice';
import { AttentionDecorations, DecorationTarget, tokenAtOffset } from '../editor/attentionDecorations';
import type { HoverSource } from '../editor/attentionHover';
import { saveExport } from '../panel/exportFile';
import { RunStatusBar } from './runStatusBar';
import { CompareRuns } from './compareRuns';
import { DEFAULT_MAX_TOKENS } from '../models/limits';

/** What the current analysis was run on. */
export interface AnalysisSource {
  uri: vscode.Uri;
  version: number;
  /** Document offset of the analysed text's first character. */
  baseOffset: number;
  text: string;
  model: ModelChoice;
  stage?: number;
}

const NOTEBOOK_CELL = 'vscode-notebook-cell';

/** True if `doc` is (a cell of) the analysed document and holds the analysed text at the analysed place. */
function holdsSource(doc: vscode.TextDocument, source: AnalysisSource): boolean {
  const end = source.baseOffset + source.text.length;
  if (doc.uri.scheme !== source.uri.scheme || doc.uri.path !== source.uri.path || doc.getText().length < end) return false;
  return doc.getText(new vscode.Range(doc.positionAt(source.baseOffset), doc.positionAt(end))) === source.text;
}

export class AttentionController implements PanelEvents, HoverSource, vscode.Disposable {
  private panel: AttentionPanel | undefined;
  private source: AnalysisSource | undefined;
  private requestSeq = 0;
  private running: AbortController | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly decorations = new AttentionDecorations();
  /** The layer and head the panel shows (head -1: mean of heads); the editor paints the same. */
  private view = { layer: 0, head: 0 };
  private stale = false;
  /** The source of the analysis the panel shows (set when it arrives, unlike `source`, set when a run starts). */
  private shown: AnalysisSource | undefined;
  private readonly statusBar = new RunStatusBar();
  private readonly compareRuns: CompareRuns;

  constructor(private readonly context: vscode.ExtensionContext, private readonly worker: ModelWorker, private readonly log: vscode.LogOutputChannel) {
    this.compareRuns = new CompareRuns(worker, context.extensionPath, (line) => log.info(line));
    this.disposables.push(
      this.decorations,
      this.statusBar,
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.source && e.document.uri.toString() === this.source.uri.toString() && e.contentChanges.length && !this.stale) {
          // Offsets no longer match the text: never paint colours on the wrong characters.
          this.stale = true;
          this.decorations.clear();
          this.panel?.setStale(true);
        }
      }),
      vscode.window.onDidChangeTextEditorSelection((e) => this.onEditorCursor(e.textEditor)),
      // Decorations belong to an editor instance: a file closed and opened again gets a new one.
      vscode.window.onDidChangeVisibleTextEditors((editors) => this.onVisibleEditors(editors)),
    );
  }

  get currentPanel(): AttentionPanel | undefined {
    return this.panel;
  }

  get currentSource(): AnalysisSource | undefined {
    return this.source;
  }

  /** What the panel shows now, unless its text changed since (the lesson reuses it instead of running again). */
  get shownSource(): Readonly<AnalysisSource> | undefined {
    return this.panel && !this.stale ? this.shown : undefined;
  }

  /** Analyses `range` of `document` with `model` at training checkpoint `stage` (default: its last): the lesson's entry. */
  async showAttentionOn(document: vscode.TextDocument, range: vscode.Range, model: ModelChoice, stage = model.stages.at(-1)?.step): Promise<void> {
    await this.run({ uri: document.uri, version: document.version, baseOffset: document.offsetAt(range.start), text: document.getText(range), model, stage });
  }

  async showAttention(editor = vscode.window.activeTextEditor): Promise<void> {
    if (!editor) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Open a file and select some text first.'));
      return;
    }
    const document = editor.document;
    let range: vscode.Range = editor.selection;
    if (editor.selection.isEmpty) {
      range = document.lineAt(editor.selection.active.line).range;
      if (document.getText(range).trim() !== '') {
        void vscode.window.showInformationMessage(vscode.l10n.t('Nothing was selected, so QKV Lens analyses the current line.'));
      }
    }
    const text = document.getText(range);
    if (text.trim() === '') {
      void vscode.window.showWarningMessage(vscode.l10n.t('The selection is empty or only whitespace: select some text to analyse.'));
      return;
    }
    const model = currentModel(this.context.extensionPath);
    const stage = model.stages.length ? model.stages[model.stages.length - 1].step : undefined;
    await this.run({ uri: document.uri, version: document.version, baseOffset: document.offsetAt(range.start), text, model, stage });
  }

  /** Runs the open analysis again with the model now chosen (after Select Model); nothing when none is open. */
  async rerunWithCurrentModel(): Promise<void> {
    if (!this.source || !this.panel) return;
    const model = currentModel(this.context.extensionPath);
    await this.run({ ...this.source, model, stage: model.stages.at(-1)?.step });
  }

  /** Runs the analysis again on the same text with another training checkpoint. */
  async selectStage(step: number): Promise<void> {
    if (!this.source || !this.source.model.stages.some((s) => s.step === step)) return;
    await this.run({ ...this.source, stage: step });
  }

  private ensurePanel(): AttentionPanel {
    if (!this.panel) this.panel = AttentionPanel.create(this.context.extensionUri, this, (l) => this.log.info(l));
    else this.panel.reveal();
    return this.panel;
  }

  private async run(source: AnalysisSource): Promise<void> {
    this.running?.abort();
    const abort = new AbortController();
    this.running = abort;
    const requestId = ++this.requestSeq;
    const panel = this.ensurePanel();
    this.source = source;
    this.stale = false;
    this.decorations.clear();
    panel.setStale(false);
    panel.setStatus('loading');
    this.statusBar.show('loading', source.model.name);
    const maxTokens = vscode.workspace.getConfiguration('qkvLens').get<number>('maxTokens', DEFAULT_MAX_TOKENS);
    const weightsFile = source.model.stages.find((s) => s.step === source.stage)?.file;
    const fileName = path.basename(source.uri.fsPath || source.uri.path);
    this.log.info(`run ${requestId}: ${source.text.length} characters of ${fileName} on ${source.model.name}${weightsFile ? ` (${weightsFile})` : ''}`);
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('QKV Lens'), cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          return this.worker.run(
            { modelDir: source.model.dir, weightsFile, modelName: source.model.name, text: source.text, maxTokens },
            {
              signal: abort.signal,
              onProgress: (stage) => {
                const message = stage === 'loading' ? vscode.l10n.t('Loading the model…') : vscode.l10n.t('Running the model…');
                progress.report({ message });
                panel.setStatus(stage === 'loading' ? 'loading' : 'running');
                this.statusBar.show(stage === 'loading' ? 'loading' : 'running', source.model.name);
              },
            },
          );
        },
      );
      if (requestId !== this.requestSeq || this.panel !== panel) return;
      const { trace, millis } = result;
      this.log.info(`run ${requestId}: ${trace.tokens.length} tokens, load ${millis.load.toFixed(0)} ms, run ${millis.run.toFixed(0)} ms`);
      if (trace.truncatedFrom) {
        void vscode.window.showInformationMessage(vscode.l10n.t('The text was cut from {0} to {1} tokens to fit the model.', trace.truncatedFrom, trace.tokens.length));
      }
      const analysis: Analysis = {
        requestId,
        trace: traceHeader(trace),
        source: fileName,
        stages: source.model.stages.map((s) => ({ step: s.step, label: s.label, ...(s.loss !== undefined ? { loss: s.loss } : {}) })),
        ...(source.stage !== undefined ? { stage: source.stage } : {}),
        millis,
      };
      panel.showAnalysis(analysis, trace);
      this.shown = source;
      panel.setStatus('idle');
      this.persistRequest(source);
    } catch (err) {
      if (requestId !== this.requestSeq) return;
      const error = err instanceof RunError ? err : new RunError(String(err), 'internal');
      this.log.warn(`run ${requestId} failed (${error.kind}): ${error.message}`);
      if (error.kind === 'cancelled') {
        this.panel?.setStatus('cancelled');
        return;
      }
      this.panel?.setStatus('error', error.message);
      const message = vscode.l10n.t('QKV Lens could not analyse the text: {0}', error.message);
      if (error.kind === 'input') void vscode.window.showWarningMessage(message);
      else void vscode.window.showErrorMessage(message);
    } finally {
      if (this.running === abort) {
        this.running = undefined;
        this.statusBar.hide();
      }
    }
  }

  private persistRequest(source: AnalysisSource): void {
    void this.context.workspaceState.update('qkvLens.lastRequest', {
      documentUri: source.uri.toString(),
      start: source.baseOffset,
      end: source.baseOffset + source.text.length,
      stage: source.stage,
    });
  }

  /** Restores a panel after a window reload and runs its last analysis again. */
  async restore(webviewPanel: vscode.WebviewPanel, state: unknown): Promise<void> {
    this.panel?.dispose();
    this.panel = new AttentionPanel(webviewPanel, this.context.extensionUri, this, (l) => this.log.info(l));
    const request = isPanelState(state) && state.request ? state.request : this.context.workspaceState.get<{ documentUri: string; start: number; end: number; stage?: number }>('qkvLens.lastRequest');
    if (!request) return;
    try {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(request.documentUri));
      const range = new vscode.Range(document.positionAt(request.start), document.positionAt(request.end));
      const model = currentModel(this.context.extensionPath);
      const stage = model.stages.some((s) => s.step === request.stage) ? request.stage : model.stages.at(-1)?.step;
      await this.run({ uri: document.uri, version: document.version, baseOffset: request.start, text: document.getText(range), model, stage });
    } catch (err) {
      this.log.warn(`could not restore the last analysis: ${(err as Error).message}`);
    }
  }

  /** The analysis as the editor needs it, unless the text changed since. */
  target(uri?: vscode.Uri): DecorationTarget | undefined {
    const trace = this.panel?.trace;
    if (!trace || !this.source || this.stale) return undefined;
    if (uri && uri.toString() !== this.source.uri.toString()) return undefined;
    if (this.source.uri.scheme === NOTEBOOK_CELL) {
      const source = this.source;
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === source.uri.toString());
      if (!doc || !holdsSource(doc, source)) return undefined;
    }
    return { uri: this.source.uri, baseOffset: this.source.baseOffset, trace };
  }

  /**
   * Token `index`'s row as the panel shows it (computed there on the GPU, with its what-ifs); the
   * model's own weights for the panel's layer and head when the panel is hidden or does not answer.
   */
  async rowFor(index: number): Promise<{ row: Float32Array; layer: number; head: number } | undefined> {
    const fromPanel = await this.panel?.requestRow(index);
    if (fromPanel && fromPanel.row.length === this.panel?.trace?.tokens.length) return fromPanel;
    const trace = this.panel?.trace;
    if (!trace || index >= trace.tokens.length) return undefined;
    return { row: attentionRow(trace, this.view.layer, this.view.head, index), ...this.view };
  }

  /**
   * Paints the picture again on new editors of the analysed text. A notebook opened again numbers its cells
   * anew, so a cell's URI can come to name another cell: the analysis follows its text to the cell that holds
   * it (same notebook, the same text at the same place) and is never painted on other text.
   */
  private onVisibleEditors(editors: readonly vscode.TextEditor[]): void {
    const source = this.source;
    if (source && source.uri.scheme === NOTEBOOK_CELL && !editors.some((e) => e.document.uri.toString() === source.uri.toString() && holdsSource(e.document, source))) {
      const moved = editors.find((e) => holdsSource(e.document, source));
      if (moved) source.uri = moved.document.uri;
    }
    this.decorations.repaint(this.target());
  }

  private onEditorCursor(editor: vscode.TextEditor): void {
    const target = this.target(editor.document.uri);
    if (!target || !this.panel) return;
    const index = tokenAtOffset(target, editor.document.offsetAt(editor.selection.active));
    if (index === undefined) return;
    // A visible panel answers with the row it shows (its focusToken) and the editor paints that;
    // a hidden one cannot compute, so the model's weights are painted here.
    if (!this.panel.panel.visible) this.decorations.paint(target, this.view.layer, this.view.head, index);
    this.panel.focusToken(index);
  }

  onMessage(message: FromWebview): void {
    switch (message.type) {
      case 'focusToken': {
        this.view = { layer: message.layer, head: message.head };
        this.panel?.noteShownLayer(message.layer);
        const target = this.target();
        if (target) this.decorations.paint(target, message.layer, message.head, message.index, message.row);
        break;
      }
      case 'selectStage':
        void this.selectStage(message.step);
        break;
      case 'compareRequest': {
        // See why: side by side with another stage or the built-in model (src/commands/compareRuns.ts).
        const panel = this.panel;
        void this.compareRuns.answer(message, this.shown, (m) => panel?.postCompare(m));
        break;
      }
      case 'revealToken':
        void this.revealToken(message.index);
        break;
      case 'export':
        void saveExport(message, this.source?.uri, (line) => this.log.info(line));
        break;
      default:
        break;
    }
  }

  onDispose(panel: AttentionPanel): void {
    if (this.panel === panel) {
      this.panel = undefined;
      this.shown = undefined;
      this.decorations.clear();
      this.running?.abort();
    }
  }

  /** The document range of token `index` of the current analysis. */
  tokenRange(index: number): { uri: vscode.Uri; start: number; end: number } | undefined {
    const token = this.panel?.trace?.tokens[index];
    if (!token || !this.source) return undefined;
    return { uri: this.source.uri, start: this.source.baseOffset + token.start, end: this.source.baseOffset + token.end };
  }

  private async revealToken(index: number): Promise<void> {
    const range = this.tokenRange(index);
    if (!range) return;
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === range.uri.toString());
    if (!editor) return;
    const selection = new vscode.Selection(editor.document.positionAt(range.start), editor.document.positionAt(range.end));
    editor.selection = selection;
    editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    this.running?.abort();
    this.panel?.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
