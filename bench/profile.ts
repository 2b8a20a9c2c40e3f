/**
 * Where the time of one forward pass goes, kernel by kernel (tf.profile on the wasm backend).
 * `npx tsx bench/profile.ts [tokens] [small|builtin]`
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../src/engine/backend';
import { loadModelFromDir } from '../src/engine/loadModel';
import { builtinModel, gpt2SmallModel } from './lib/models';

async function main(): Promise<void> {
  const tokens = Number(process.argv[2] ?? 128);
  const which = process.argv[3] ?? 'small';
  await initWasmBackend(defaultWasmDir(__dirname));
  const m = which === 'small' ? gpt2SmallModel() : builtinModel();
  const loaded = loadModelFromDir(m.dir, { maxWeightBytes: 2 ** 32 });
  const ids = Array.from({ length: tokens }, (_, i) => 2 + (i % (loaded.config.vocabSize - 2)));
  loaded.model.forward(ids);
  const t0 = performance.now();
  loaded.model.forward(ids);
  const wall = performance.now() - t0;
  const info = await tf.profile(() => {
    loaded.model.forward(ids);
  });
  const byKernel = new Map<string, { ms: number; n: number }>();
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    const key = `${k.name} ${k.name === 'BatchMatMul' || k.name === '_FusedMatMul' ? JSON.stringify(k.inputShapes) : ''}`;
    const e = byKernel.get(key) ?? { ms: 0, n: 0 };
    e.ms += ms;
    e.n++;
    byKernel.set(key, e);
  }
  const rows = [...byKernel].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((a, [, e]) => a + e.ms, 0);
  console.log(`${m.label}, ${tokens} tokens: wall ${wall.toFixed(1)} ms, kernels ${total.toFixed(1)} ms, ${info.kernels.length} kernels`);
  for (const [k, e] of rows.slice(0, 30)) console.log(`${e.ms.toFixed(1).padStart(8)} ms ${String(e.n).padStart(4)}x  ${k}`);
  loaded.model.dispose();
}

void main();
