/** Where the built-in teaching model lives inside the extension, and its training checkpoints. */
import * as fs from 'fs';
import * as path from 'path';

export interface TrainingStage {
  step: number;
  label: string;
  /** Weights file relative to the model folder. */
  file: string;
  loss?: number;
}

/** `root` is the extension's folder (the one holding package.json). */
export function builtinModelDir(root: string): string {
  return path.join(root, 'media', 'models', 'teaching');
}

/** Checkpoints listed in config.json's "qkv_lens" section, oldest first; empty for other models. */
export function trainingStages(modelDir: string): TrainingStage[] {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'config.json'), 'utf8')) as { qkv_lens?: { checkpoints?: unknown } };
    const list = config.qkv_lens?.checkpoints;
    if (!Array.isArray(list)) return [];
    return list
      .filter((c): c is TrainingStage => typeof c === 'object' && c !== null && typeof c.step === 'number' && typeof c.file === 'string')
      .map((c) => ({ step: c.step, label: typeof c.label === 'string' ? c.label : `step ${c.step}`, file: c.file, loss: typeof c.loss === 'number' ? c.loss : undefined }))
      .sort((a, b) => a.step - b.step);
  } catch {
    return [];
  }
}
