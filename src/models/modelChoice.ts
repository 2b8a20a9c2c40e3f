/** Which model a run uses: the `qkvLens.model` setting (a folder) or the built-in teaching model. */
import * as vscode from 'vscode';
import * as path from 'path';
import { builtinModelDir, trainingStages, TrainingStage } from './builtinModel';
import { modelIdFromSnapshotDir } from './hfCache';

export interface ModelChoice {
  dir: string;
  name: string;
  stages: TrainingStage[];
  builtin: boolean;
}

export const BUILTIN_MODEL_NAME = 'QKV Lens teaching model';

export function currentModel(extensionRoot: string): ModelChoice {
  const setting = vscode.workspace.getConfiguration('qkvLens').get<string>('model', '').trim();
  if (setting) {
    // A snapshot in the Hugging Face cache is named by its model id, not its commit hash.
    return { dir: setting, name: modelIdFromSnapshotDir(setting) ?? path.basename(setting), stages: trainingStages(setting), builtin: false };
  }
  const dir = builtinModelDir(extensionRoot);
  return { dir, name: BUILTIN_MODEL_NAME, stages: trainingStages(dir), builtin: true };
}
