/**
 * Saves what the panel exports (PNG and SVG of the current view, CSV and JSON of its numbers): a save
 * dialog next to the analysed document, then vscode.workspace.fs, so remote and virtual workspaces work.
 */
import * as vscode from 'vscode';
import type { ExportFormat } from '../shared/protocol';
import { exportBytes, exportFileName } from './exportBytes';

function filters(format: ExportFormat): Record<string, string[]> {
  switch (format) {
    case 'png':
      return { [vscode.l10n.t('PNG image')]: ['png'] };
    case 'svg':
      return { [vscode.l10n.t('SVG image')]: ['svg'] };
    case 'csv':
      return { [vscode.l10n.t('CSV table')]: ['csv'] };
    case 'json':
      return { JSON: ['json'] };
  }
}

/** Asks where to save and writes the file; returns where it went (undefined when cancelled or failed). */
export async function saveExport(message: { format: ExportFormat; fileName: string; data: string }, near: vscode.Uri | undefined, log: (line: string) => void): Promise<vscode.Uri | undefined> {
  const name = exportFileName(message.format, message.fileName);
  const folder = (near && vscode.workspace.getWorkspaceFolder(near)?.uri) ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  try {
    const bytes = exportBytes(message.format, message.data);
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
      filters: filters(message.format),
      saveLabel: vscode.l10n.t('Export'),
      title: vscode.l10n.t('Export the attention view'),
    });
    if (!target) return undefined;
    await vscode.workspace.fs.writeFile(target, bytes);
    log(`exported ${message.format} (${bytes.length} bytes) to ${target.toString()}`);
    void vscode.window.showInformationMessage(vscode.l10n.t('Saved {0}', target.path.split('/').pop() ?? name));
    return target;
  } catch (err) {
    const reason = (err as Error).message;
    log(`export failed: ${reason}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('Could not save {0}: {1}', name, reason));
    return undefined;
  }
}
