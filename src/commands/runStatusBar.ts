/** A status-bar item while a model loads or runs; clicking it shows the QKV Lens log. */
import * as vscode from 'vscode';

export class RunStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('qkvLens.run', vscode.StatusBarAlignment.Left, 0);

  constructor() {
    this.item.name = vscode.l10n.t('QKV Lens: model status');
    this.item.command = 'qkvLens.showLog';
    this.item.tooltip = vscode.l10n.t('Show the QKV Lens log');
  }

  show(stage: 'loading' | 'running', modelName: string): void {
    const text = stage === 'loading' ? vscode.l10n.t('Loading {0}…', modelName) : vscode.l10n.t('Running {0}…', modelName);
    this.item.text = `$(loading~spin) QKV Lens: ${text}`;
    this.item.accessibilityInformation = { label: `QKV Lens: ${text}`, role: 'status' };
    this.item.show();
  }

  hide(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
