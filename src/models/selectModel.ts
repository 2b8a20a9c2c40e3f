/**
 * The Select Model command: a quick pick of the built-in teaching model, the Hugging Face models already
 * in the user's cache, a model folder, or a download by id (with progress and cancel). The choice is
 * stored in `qkvLens.model` (user settings) and an open analysis runs again with it.
 */
import * as vscode from 'vscode';
import { hubCacheDirs, isValidModelId, listCachedModels, missingModelFiles } from './hfCache';
import { DownloadError, downloadModel } from './download';
import { ProxySettings } from './proxy';

export interface ModelSelectionHost {
  /** Runs the open analysis again with the model now chosen; does nothing when none is open. */
  rerunWithCurrentModel(): Promise<void>;
}

type Action = { kind: 'builtin' } | { kind: 'dir'; dir: string; name: string } | { kind: 'folder' } | { kind: 'download' };
type Item = vscode.QuickPickItem & { action?: Action };

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

function settings(): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration('qkvLens');
}

function items(current: string): Item[] {
  const mark = (dir: string) => (dir === current ? vscode.l10n.t('current') : undefined);
  const cached = listCachedModels().filter((m) => !m.unsupported);
  const list: Item[] = [
    { label: `$(mortar-board) ${vscode.l10n.t('Built-in teaching model')}`, description: mark(''), detail: vscode.l10n.t('Small, trained for this extension, works offline'), action: { kind: 'builtin' } },
    { label: cached.length ? vscode.l10n.t('Hugging Face cache') : vscode.l10n.t('Hugging Face cache: no usable models found'), kind: vscode.QuickPickItemKind.Separator },
    ...cached.map((m): Item => ({
      label: `$(database) ${m.id}`,
      description: [m.modelType, formatBytes(m.weightBytes), mark(m.dir)].filter(Boolean).join(' · '),
      detail: m.dir,
      action: { kind: 'dir', dir: m.dir, name: m.id },
    })),
    { label: '', kind: vscode.QuickPickItemKind.Separator },
    { label: `$(folder-opened) ${vscode.l10n.t('Open model folder…')}`, detail: vscode.l10n.t('A folder with config.json, model.safetensors and tokenizer.json'), action: { kind: 'folder' } },
    { label: `$(cloud-download) ${vscode.l10n.t('Download from Hugging Face…')}`, detail: vscode.l10n.t('Into {0}', hubCacheDirs()[0]), action: { kind: 'download' } },
  ];
  return list;
}

async function pickFolder(): Promise<Action | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: vscode.l10n.t('Use this model') });
  const dir = picked?.[0]?.fsPath;
  if (!dir) return undefined;
  const missing = missingModelFiles(dir);
  if (missing) {
    void vscode.window.showErrorMessage(vscode.l10n.t('This folder has no {0}, so QKV Lens cannot use it as a model.', missing));
    return undefined;
  }
  return { kind: 'dir', dir, name: dir };
}

/** VS Code's own proxy settings (http.proxy, http.noProxy, http.proxyStrictSSL); empty ones leave HTTPS_PROXY etc. to apply. */
function proxySettings(): ProxySettings {
  const http = vscode.workspace.getConfiguration('http');
  return { proxy: http.get<string>('proxy') || undefined, noProxy: http.get<string[]>('noProxy') ?? [], strictSSL: http.get<boolean>('proxyStrictSSL', true) };
}

/** The message for a failed download: one localised sentence when the machine is offline, else the download's own reason. */
export function downloadFailureMessage(id: string, err: unknown): string {
  if (err instanceof DownloadError && err.kind === 'offline') {
    return vscode.l10n.t('Could not download {0}: {1} cannot be reached, so this computer seems to be offline (or it needs a proxy: set http.proxy).', id, err.host ?? '');
  }
  return vscode.l10n.t('Could not download {0}: {1}', id, (err as Error).message);
}

function explicitEndpoint(): string | undefined {
  const inspected = settings().inspect<string>('hfEndpoint');
  return inspected?.globalValue ?? inspected?.workspaceValue ?? inspected?.workspaceFolderValue;
}

async function download(): Promise<Action | undefined> {
  const id = (
    await vscode.window.showInputBox({
      title: vscode.l10n.t('Download from Hugging Face'),
      prompt: vscode.l10n.t('Model id'),
      placeHolder: 'gpt2, bert-base-chinese, HuggingFaceTB/SmolLM2-135M, Qwen/Qwen2.5-0.5B',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() === '' || isValidModelId(v.trim()) ? undefined : vscode.l10n.t('A model id looks like gpt2 or Qwen/Qwen2.5-0.5B.')),
    })
  )?.trim();
  if (!id) return undefined;
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Downloading {0}', id), cancellable: true },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        let shown = 0;
        let lastReport = 0;
        return downloadModel(id, {
          endpoint: explicitEndpoint(),
          proxy: proxySettings(),
          signal: abort.signal,
          onProgress: ({ file, bytes, total }) => {
            const now = Date.now();
            if (now - lastReport < 100 && bytes < total) return;
            lastReport = now;
            const percent = total > 0 ? (100 * bytes) / total : 0;
            progress.report({ increment: Math.max(0, percent - shown), message: vscode.l10n.t('{0}: {1} of {2}', file, formatBytes(bytes), formatBytes(total)) });
            shown = Math.max(shown, percent);
          },
        });
      },
    );
    return { kind: 'dir', dir: result.dir, name: id };
  } catch (err) {
    if (err instanceof DownloadError && err.kind === 'cancelled') {
      void vscode.window.showInformationMessage(vscode.l10n.t('The download of {0} was cancelled; download it again to resume where it stopped.', id));
    } else {
      void vscode.window.showErrorMessage(downloadFailureMessage(id, err));
    }
    return undefined;
  }
}

/** Shows the quick pick and applies the choice. Returns the chosen folder ('' for the built-in model). */
export async function selectModel(host: ModelSelectionHost): Promise<string | undefined> {
  const current = settings().get<string>('model', '').trim();
  const picked = await vscode.window.showQuickPick(items(current), {
    title: vscode.l10n.t('Select Model'),
    placeHolder: vscode.l10n.t('Which model should QKV Lens run?'),
    matchOnDescription: true,
    matchOnDetail: true,
  });
  let action = picked?.action;
  if (action?.kind === 'folder') action = await pickFolder();
  else if (action?.kind === 'download') action = await download();
  if (!action || (action.kind !== 'builtin' && action.kind !== 'dir')) return undefined;
  const dir = action.kind === 'dir' ? action.dir : '';
  await settings().update('model', dir || undefined, vscode.ConfigurationTarget.Global);
  const inspected = settings().inspect<string>('model');
  const override = inspected?.workspaceFolderValue ?? inspected?.workspaceValue;
  if (override !== undefined && override !== dir && vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage(vscode.l10n.t('This workspace sets qkvLens.model, which still takes precedence here.'));
  } else {
    const name = action.kind === 'dir' ? action.name : vscode.l10n.t('Built-in teaching model');
    vscode.window.setStatusBarMessage(vscode.l10n.t('QKV Lens now uses {0}.', name), 5000);
  }
  await host.rerunWithCurrentModel();
  return dir;
}
