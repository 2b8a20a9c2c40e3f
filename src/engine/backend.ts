/** Starts TensorFlow.js on the wasm backend (about 30x the pure-JS cpu backend on these machines). */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as fs from 'fs';
import * as path from 'path';

let ready: Promise<void> | undefined;

/**
 * `wasmDir` holds tfjs-backend-wasm*.wasm (next to the bundle, or the package's dist folder in tests). Switches back
 * to wasm if something chose another backend since (a test on the cpu backend in the same process).
 */
export async function initWasmBackend(wasmDir: string): Promise<void> {
  if (!ready) {
    ready = (async () => {
      setWasmPaths(wasmDir.endsWith(path.sep) ? wasmDir : wasmDir + path.sep);
      if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js wasm backend failed to start');
      await tf.ready();
    })();
    ready.catch(() => (ready = undefined));
  }
  await ready;
  if (tf.getBackend() !== 'wasm' && !(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js wasm backend failed to start');
}

/** Next to the bundle when running from dist/, else the npm package (tests and scripts run from source). */
export function defaultWasmDir(bundleDir: string): string {
  if (fs.existsSync(path.join(bundleDir, 'tfjs-backend-wasm-simd.wasm'))) return bundleDir;
  // Resolved at run time (not by the bundler): only reached when running from source.
  const resolve: (id: string) => string = require.resolve;
  return path.dirname(resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
}
