/**
 * QKV Lens activation: registers commands and the panel serializer. Nothing heavy happens here:
 * TensorFlow.js loads only inside the model worker, on the first run.
 */
import * as vscode from 'vscode';
import * as path from 'path';
import { AttentionController } from './commands/attentionController';
import { PANEL_VIEW_TYPE, panelOptions } from './panel/attentionPanel';
import { ModelWorker } from './runtime/modelWorker';
import { selectModel } from './models/selectModel';
import { attentionHoverProvider } from './editor/attentionHover';
import { Lesson, openLessonWalkthrough } from './lesson/lesson';

export interface QkvLensApi {
  controller: AttentionController;
}

export function activate(context: vscode.ExtensionContext): QkvLensApi {
  const log = vscode.window.createOutputChannel('QKV Lens', { log: true });
  const worker = new ModelWorker(path.join(context.extensionPath, 'dist', 'worker.js'), undefined, (line) => log.warn(line));
  const controller = new AttentionController(context, worker, log);
  const lesson = new Lesson(controller, context.extensionPath, log);
  context.subscriptions.push(
    log,
    { dispose: () => worker.dispose() },
    controller,
    vscode.commands.registerCommand('qkvLens.showAttention', () => controller.showAttention()),
    vscode.commands.registerCommand('qkvLens.selectModel', () => selectModel(controller)),
    vscode.commands.registerCommand('qkvLens.lesson', (step: unknown) => lesson.run(step)),
    vscode.commands.registerCommand('qkvLens.openLesson', () => openLessonWalkthrough(context.extension.id)),
    vscode.commands.registerCommand('qkvLens.showLog', () => log.show()),
    vscode.languages.registerHoverProvider('*', attentionHoverProvider(controller)),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        panel.webview.options = panelOptions(context.extensionUri);
        await controller.restore(panel, state);
      },
    }),
  );
  return { controller };
}

export function deactivate(): void {
  // Disposables registered on the context stop the worker.
}
