/** Messages between the extension host and the model worker thread (Node only; not the webview protocol). */
import type { AttentionTrace } from '../shared/trace';

export interface RunRequest {
  /** Model folder (config.json, safetensors, tokenizer.json). */
  modelDir: string;
  /** A weights file inside the folder instead of model.safetensors (training checkpoints). */
  weightsFile?: string;
  modelName?: string;
  text: string;
  ids?: number[];
  maxTokens?: number;
}

export type ToWorker = { type: 'run'; requestId: number; request: RunRequest };

export type ErrorKind = 'input' | 'model' | 'internal';

/** The worker's tfjs memory after a run (cached model weights included): for leak checks and benchmarks. */
export interface WorkerMemory {
  tensors: number;
  tensorBytes: number;
}

export type FromWorker =
  | { type: 'progress'; requestId: number; message: string }
  | { type: 'result'; requestId: number; trace: AttentionTrace; millis: { load: number; run: number }; memory: WorkerMemory }
  | { type: 'error'; requestId: number; kind: ErrorKind; message: string };
