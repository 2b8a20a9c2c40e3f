/**
 * The `qkvLens.lesson` command behind the walkthrough's buttons: opens (or reuses) an untitled document
 * with the step's sample, selects it, analyses it on the built-in teaching model at the step's training
 * checkpoint (only when the panel does not show exactly that already), then puts the panel into the
 * step's state (view, token, layer, head, what-ifs).
 */
import * as vscode from 'vscode';
import type { AttentionController } from '../commands/attentionController';
import { builtinModelDir, trainingStages } from '../models/builtinModel';
import { BUILTIN_MODEL_NAME, ModelChoice } from '../models/modelChoice';
import { LESSON_SAMPLES, LESSON_SAMPLE_LANGUAGE, LessonSample, WALKTHROUGH_ID, lessonStep } from './lessonSteps';

export class Lesson {
  /** The untitled documents lessons opened, one per sample; reused while open and unchanged. */
  private readonly documents = new Map<LessonSample, string>();
  /** A newer click wins: an older step still waiting for its run does not apply its state afterwards. */
  private seq = 0;

  constructor(
    private readonly controller: AttentionController,
    private readonly extensionRoot: string,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async run(stepId: unknown): Promise<void> {
    const step = lessonStep(stepId);
    if (!step) {
      this.log.warn(`unknown lesson step ${JSON.stringify(stepId)}`);
      void vscode.window.showWarningMessage(vscode.l10n.t('QKV Lens has no lesson step “{0}”.', String(stepId)));
      return;
    }
    const seq = ++this.seq;
    const text = LESSON_SAMPLES[step.sample];
    const editor = await this.showSample(step.sample);
    const document = editor.document;
    const range = new vscode.Range(document.positionAt(0), document.positionAt(text.length));
    editor.selection = new vscode.Selection(range.start, range.end);

    const model = builtinModel(this.extensionRoot);
    const stage = step.stage === 'first' ? model.stages[0]?.step : model.stages.at(-1)?.step;
    const shown = this.controller.shownSource;
    const same = shown && shown.uri.toString() === document.uri.toString() && shown.baseOffset === 0 && shown.text === text && shown.model.dir === model.dir;
    this.log.info(`lesson step ${String(stepId)}${same ? ' (analysis already shown)' : ''}`);
    if (!same) await this.controller.showAttentionOn(document, range, model, stage);
    else if (stage !== undefined && shown.stage !== stage) await this.controller.selectStage(stage);
    if (seq !== this.seq) return;

    const panel = this.controller.currentPanel;
    const now = this.controller.shownSource;
    // The run failed or was cancelled: the controller has already said why.
    if (!panel || !now || now.uri.toString() !== document.uri.toString()) return;
    panel.showLesson(step.panel);
    panel.reveal();
    await vscode.commands.executeCommand('setContext', `qkvLens.lesson.${String(stepId)}`, true);
  }

  private async showSample(sample: LessonSample): Promise<vscode.TextEditor> {
    const text = LESSON_SAMPLES[sample];
    const known = this.documents.get(sample);
    let document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === known && !d.isClosed && d.getText() === text);
    if (!document) {
      document = await vscode.workspace.openTextDocument({ content: text, language: LESSON_SAMPLE_LANGUAGE[sample] });
      this.documents.set(sample, document.uri.toString());
    }
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === document.uri.toString());
    // Beside the walkthrough (the panel then opens beside the text), or where it is already shown.
    return vscode.window.showTextDocument(document, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.Beside, preview: false });
  }
}

/** The built-in teaching model, whatever `qkvLens.model` says: the lesson's numbers are about it. */
export function builtinModel(extensionRoot: string): ModelChoice {
  const dir = builtinModelDir(extensionRoot);
  return { dir, name: BUILTIN_MODEL_NAME, stages: trainingStages(dir), builtin: true };
}

/** Opens the walkthrough (the Welcome page's "Learn Q, K and V" section). */
export function openLessonWalkthrough(extensionId: string): Thenable<unknown> {
  return vscode.commands.executeCommand('workbench.action.openWalkthrough', `${extensionId}#${WALKTHROUGH_ID}`, false);
}
