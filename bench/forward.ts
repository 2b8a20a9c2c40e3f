/**
 * Forward pass with full trace capture (q, k, v, scores, weights of every layer and head, read off the
 * backend), timed against a plain tfjs wasm matmul of the same size measured in the same process and
 * interleaved with it. Times are CPU time of the thread (tfjs wasm runs on one thread), so a machine
 * shared with other work slows the wall clock but not the numbers; wall time is shown beside them.
 *
 *   model GFLOP   the matmul work the engine does: q/k/v, q·kᵀ, weights·v, and for every layer but the
 *                 last the output projection and the MLP (the last layer's MLP and the LM head change no
 *                 attention, so the engine skips them)
 *   matmul        GFLOP/s of tf.matMul([T, C] × [C, 4C]) on the same backend: the model's biggest matmul
 *   ratio         model GFLOP/s ÷ matmul GFLOP/s
 *
 * `npx tsx bench/forward.ts [--models builtin,small] [--tokens 32,128] [--reps N] [--json]`
 */
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../src/engine/backend';
import { loadModelFromDir } from '../src/engine/loadModel';
import { traceBytes } from '../src/engine/trace';
import { BenchModel, builtinLongModel, builtinModel, gpt2SmallModel } from './lib/models';
import { arg, median, threadCpuMs, timed } from './lib/stats';

export interface ForwardRow {
  model: string;
  random: boolean;
  tokens: number;
  /** Median thread-CPU milliseconds of one forward pass with capture, and its median wall time. */
  ms: number;
  wallMs: number;
  gflop: number;
  gflops: number;
  matmulGflops: number;
  ratio: number;
  /** Bytes of the captured trace (float32). */
  traceBytes: number;
}

/**
 * Matmul FLOPs of one forward pass as the engine runs it (the last layer stops after its attention): GPT-2's MLP has
 * two matrices, LLaMA's SwiGLU three (`mlpMatrices`).
 */
export function forwardFlops(m: { layers: number; heads: number; hidden: number }, t: number, intermediate = 4 * m.hidden, mlpMatrices = 2): number {
  const c = m.hidden;
  const d = c / m.heads;
  const attention = 2 * t * c * 3 * c + 2 * 2 * m.heads * t * t * d;
  const rest = 2 * t * c * c + mlpMatrices * 2 * t * c * intermediate;
  return m.layers * attention + (m.layers - 1) * rest;
}

function timeMatmul(t: number, c: number, a: tf.Tensor2D, w: tf.Tensor2D, minMs: number): number {
  let calls = 0;
  const t0 = threadCpuMs();
  do {
    tf.matMul(a, w).dataSync();
    calls++;
  } while (threadCpuMs() - t0 < minMs);
  const ms = (threadCpuMs() - t0) / calls;
  return (2 * t * c * 4 * c) / ms / 1e6;
}

export async function benchForward(models: BenchModel[], tokensFor: (m: BenchModel) => number[], reps: (m: BenchModel, t: number) => number): Promise<ForwardRow[]> {
  await initWasmBackend(defaultWasmDir(__dirname));
  const rows: ForwardRow[] = [];
  for (const m of models) {
    const loaded = loadModelFromDir(m.dir, { maxWeightBytes: 2 ** 32 });
    try {
      for (const t of tokensFor(m)) {
        if (t > loaded.config.maxPositions) continue;
        const ids = Array.from({ length: t }, (_, i) => (i * 7919 + 3) % loaded.config.vocabSize);
        const a = tf.randomNormal([t, m.hidden]) as tf.Tensor2D;
        const w = tf.randomNormal([m.hidden, 4 * m.hidden]) as tf.Tensor2D;
        const first = loaded.model.forward(ids);
        const bytes = traceBytes(first);
        timeMatmul(t, m.hidden, a, w, 50);
        const fwd: number[] = [];
        const wall: number[] = [];
        const mm: number[] = [];
        for (let r = 0; r < reps(m, t); r++) {
          const { cpu, wall: w0 } = timed(() => loaded.model.forward(ids));
          fwd.push(cpu);
          wall.push(w0);
          mm.push(timeMatmul(t, m.hidden, a, w, Math.min(Math.max(cpu, 50), 500)));
        }
        tf.dispose([a, w]);
        const gflop = forwardFlops(m, t, loaded.config.intermediate, loaded.config.architecture === 'llama' ? 3 : 2) / 1e9;
        const ms = median(fwd);
        const gflops = gflop / (ms / 1000);
        const matmulGflops = median(mm);
        rows.push({ model: m.label, random: m.random, tokens: t, ms, wallMs: median(wall), gflop, gflops, matmulGflops, ratio: gflops / matmulGflops, traceBytes: bytes });
      }
    } finally {
      loaded.model.dispose();
    }
  }
  return rows;
}

export function forwardTable(rows: ForwardRow[]): string {
  const lines = [
    '| model | tokens | CPU ms | wall ms | GFLOP | GFLOP/s | wasm matmul GFLOP/s | ratio | trace MiB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.model} | ${r.tokens} | ${r.ms.toFixed(1)} | ${r.wallMs.toFixed(1)} | ${r.gflop.toFixed(2)} | ${r.gflops.toFixed(1)} | ${r.matmulGflops.toFixed(1)} | ${(r.ratio * 100).toFixed(0)}% | ${(r.traceBytes / 2 ** 20).toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

/** The token counts each model is timed at: the 64/256/512 for the built-in model (up to its context; the rest on its long stand-in), 32/128/512 for GPT-2-small. */
export function defaultTokens(m: BenchModel): number[] {
  if (m.hidden >= 768) return [32, 128, 512];
  return [64, 128, 256, 512].filter((t) => t <= m.positions && (!m.longOnly || t > 128));
}

/** Repetitions per row: fewer for the long ones. */
export function defaultReps(m: BenchModel, t: number): number {
  return m.hidden * t >= 768 * 512 ? 3 : m.hidden * t >= 768 * 128 ? 5 : 10;
}

async function main(): Promise<void> {
  const which = arg('models', 'builtin,small').split(',');
  const tokens = arg('tokens', '');
  const fixedReps = Number(arg('reps', '0'));
  const models: BenchModel[] = [];
  if (which.includes('builtin')) models.push(builtinModel());
  // The random stand-in covers the lengths a built-in model with fewer than 512 positions cannot take (v1 had 128).
  if (which.includes('builtin') && !models[0].random && models[0].positions < 512) models.push(builtinLongModel());
  if (which.includes('small')) models.push(gpt2SmallModel());
  const rows = await benchForward(
    models,
    (m) => (tokens ? tokens.split(',').map(Number) : defaultTokens(m)),
    (m, t) => fixedReps || defaultReps(m, t),
  );
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
  else console.log(forwardTable(rows));
}

if (require.main === module) void main();
