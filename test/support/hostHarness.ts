/**
 * The built extension (dist/extension.js) activated in this Node process against the vscode stub, with
 * helpers to drive Show Attention and read what the panel was sent. The real model worker
 * (dist/worker.js) runs the models. Used by test/unit/selections.test.ts and robustnessHost.test.ts.
 */
import * as path from 'path';
import type { QkvLensApi } from '../../src/extension';
import type { Analysis, ToWebview } from '../../src/shared/protocol';
import { FakeDocument, FakePanel, Position, Selection, Uri, VscodeStub, createVscodeStub, installVscodeStub } from './vscodeStub';

export const ROOT = path.resolve(__dirname, '../..');

let shared: VscodeStub | undefined;

export interface Host {
  stub: VscodeStub;
  api: QkvLensApi;
  /** Runs the Show Attention command on `text` with this selection (offsets; omitted: an empty selection at `cursor`). */
  showAttention(text: string, selection?: { start: number; end: number }, cursor?: number): { run: Promise<unknown>; document: FakeDocument };
  dispose(): void;
}

/** Activates the extension once more (the stub is installed on first use and shared: bundles bind `vscode` once). */
export function activateExtension(settings: Record<string, unknown>): Host {
  if (!shared) {
    shared = createVscodeStub();
    installVscodeStub(shared);
  }
  const stub = shared;
  stub.shown.length = 0;
  stub.panels.length = 0;
  stub.log.length = 0;
  for (const k of Object.keys(stub.settings)) delete stub.settings[k];
  Object.assign(stub.settings, settings);
  const dynamicRequire: (id: string) => unknown = require;
  const extension = dynamicRequire(path.join(ROOT, 'dist', 'extension.js')) as { activate(context: unknown): QkvLensApi };
  const context = stub.extensionContext(ROOT) as { subscriptions: Array<{ dispose(): unknown }> };
  const api = extension.activate(context);
  let docs = 0;
  return {
    stub,
    api,
    showAttention(text, selection, cursor = 0) {
      const document = new FakeDocument(Uri.file(path.join(ROOT, `sample-${++docs}.txt`)), text);
      const start = document.positionAt(selection ? selection.start : cursor);
      const end = document.positionAt(selection ? selection.end : cursor);
      stub.setEditor(document, new Selection(new Position(start.line, start.character), new Position(end.line, end.character)));
      const command = stub.commands.get('qkvLens.showAttention');
      if (!command) throw new Error('qkvLens.showAttention is not registered');
      return { run: Promise.resolve(command()), document };
    },
    dispose() {
      for (const d of context.subscriptions.splice(0)) d.dispose();
    },
  };
}

export async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The messages a panel was sent, typed. */
export function postedTo(panel: FakePanel): ToWebview[] {
  return panel.posted as ToWebview[];
}

export function lastAnalysis(panel: FakePanel): Analysis | undefined {
  const m = postedTo(panel).filter((p) => p.type === 'analysis').at(-1);
  return m && m.type === 'analysis' ? m.analysis : undefined;
}

export function statuses(panel: FakePanel): string[] {
  return postedTo(panel).flatMap((m) => (m.type === 'status' ? [m.status] : []));
}

/** Opens the panel's message flow as the webview would (it posts nothing before 'ready'). */
export async function readyPanel(stub: VscodeStub, index = 0): Promise<FakePanel> {
  const panel = await waitFor(() => stub.panels[index], `panel ${index}`);
  panel.receive({ type: 'ready' });
  return panel;
}
