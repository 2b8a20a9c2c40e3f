/**
 * The model worker thread: loads models on tfjs's wasm backend and runs them, so the extension host's
 * own thread never computes. Loaded models are cached (the last few, by folder and weights file).
 */
import { parentPort } from 'worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../engine/backend';
import { LoadedModel, ModelLoadError, loadModelFromDir } from '../engine/loadModel';
import { InputError, runTrace } from '../engine/runTrace';
import { TokenizerError } from '../engine/tokenizer';
import type { ErrorKind, FromWorker, ToWorker } from './workerMessages';

const CACHE_SIZE = 4;
const cache = new Map<string, LoadedModel>();

function post(message: FromWorker, transfer: ArrayBuffer[] = []): void {
  parentPort?.postMessage(message, transfer);
}

function cachedModel(dir: string, weightsFile: string | undefined, name: string | undefined): LoadedModel {
  const key = `${dir}\u0000${weightsFile ?? ''}`;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const loaded = loadModelFromDir(dir, { weightsFile, name });
  cache.set(key, loaded);
  // Large models are never kept side by side.
  const big = loaded.weightBytes > 256 * 2 ** 20;
  for (const [k, m] of cache) {
    if (cache.size <= (big ? 1 : CACHE_SIZE)) break;
    m.model.dispose();
    cache.delete(k);
  }
  return loaded;
}

function kindOf(err: unknown): ErrorKind {
  if (err instanceof InputError) return 'input';
  if (err instanceof ModelLoadError || err instanceof TokenizerError) return 'model';
  return 'internal';
}

parentPort?.on('message', async (message: ToWorker) => {
  if (message?.type !== 'run') return;
  const { requestId, request } = message;
  try {
    await initWasmBackend(defaultWasmDir(__dirname));
    post({ type: 'progress', requestId, message: 'loading' });
    const t0 = performance.now();
    const loaded = cachedModel(request.modelDir, request.weightsFile, request.modelName);
    const t1 = performance.now();
    post({ type: 'progress', requestId, message: 'running' });
    const trace = runTrace(loaded, request.text, { ids: request.ids, maxTokens: request.maxTokens });
    const t2 = performance.now();
    const buffers = [trace.q, trace.k, trace.v, trace.scores, trace.weights].map((a) => a.buffer as ArrayBuffer);
    const { numTensors: tensors, numBytes: tensorBytes } = tf.memory();
    post({ type: 'result', requestId, trace, millis: { load: t1 - t0, run: t2 - t1 }, memory: { tensors, tensorBytes } }, buffers);
  } catch (err) {
    post({ type: 'error', requestId, kind: kindOf(err), message: (err as Error).message ?? String(err) });
  }
});
