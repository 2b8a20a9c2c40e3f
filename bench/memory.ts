/**
 * Memory and the trace's size, through the real model worker (dist/worker.js driven by ModelWorker, as
 * the extension host does). Rows:
 *
 *   runs          Show-Attention-sized runs on one text, one after another
 *   tensors       tfjs tensors alive in the worker after the first and the last run (the cached model's
 *                 weights stay: growth, not the count, is what matters)
 *   RSS           resident memory of this process (extension host stand-in + the worker thread, which
 *                 shares it) after the first and the last run, and the largest seen
 *   trace         bytes of q, k, v, scores and weights that cross host → webview (float32), and what
 *                 structuredClone of them costs here (the copy a postMessage makes at least), beside the
 *                 same for one plain Float32Array of the same size (this machine's copy speed)
 *
 * `npx tsx bench/memory.ts [--runs 200] [--small-runs 10] [--long-runs 2] [--json]` (build first: `node esbuild.js`);
 * `--long-runs` adds GPT-2-small at 1024 tokens.
 */
import * as fs from 'fs';
import * as path from 'path';
import { traceBytes } from '../src/engine/trace';
import { ModelWorker } from '../src/runtime/modelWorker';
import type { RunResult } from '../src/runtime/modelWorker';
import { BenchModel, builtinModel, gpt2SmallModel } from './lib/models';
import { arg, median } from './lib/stats';

export interface MemoryRow {
  model: string;
  tokens: number;
  runs: number;
  tensorsFirst: number;
  tensorsLast: number;
  rssFirstMiB: number;
  rssLastMiB: number;
  rssMaxMiB: number;
  runMs: number;
  traceMiB: number;
  cloneMs: number;
  /** structuredClone of one plain Float32Array of the same size, in the same run: the machine's copy speed. */
  plainCloneMs: number;
}

const root = path.resolve(__dirname, '..');
const MiB = 2 ** 20;

function medianCloneMs(payload: unknown): number {
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    structuredClone(payload);
    times.push(performance.now() - t0);
  }
  return median(times);
}

async function benchModel(worker: ModelWorker, m: BenchModel, text: string, runs: number, maxTokens = 128): Promise<MemoryRow> {
  let first: RunResult | undefined;
  let last: RunResult | undefined;
  let rssFirst = 0;
  let rssMax = 0;
  const runMs: number[] = [];
  // Sampled during the runs too: the peak is inside the forward pass (the worker shares this process).
  const sampler = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 25);
  for (let i = 0; i < runs; i++) {
    last = await worker.run({ modelDir: m.dir, modelName: m.label, text, maxTokens });
    runMs.push(last.millis.run);
    const rss = process.memoryUsage().rss;
    rssMax = Math.max(rssMax, rss);
    if (i === 0) {
      first = last;
      rssFirst = rss;
    }
  }
  clearInterval(sampler);
  if (!first || !last) throw new Error('no runs');
  return {
    model: m.label, tokens: last.trace.tokens.length, runs,
    tensorsFirst: first.memory?.tensors ?? NaN, tensorsLast: last.memory?.tensors ?? NaN,
    rssFirstMiB: rssFirst / MiB, rssLastMiB: process.memoryUsage().rss / MiB, rssMaxMiB: rssMax / MiB,
    runMs: median(runMs), traceMiB: traceBytes(last.trace) / MiB,
    cloneMs: medianCloneMs({ q: last.trace.q, k: last.trace.k, v: last.trace.v, scores: last.trace.scores, weights: last.trace.weights, tokens: last.trace.tokens }),
    plainCloneMs: medianCloneMs(new Float32Array(traceBytes(last.trace) / 4)),
  };
}

export function memoryTable(rows: MemoryRow[]): string {
  const lines = [
    '| model | tokens | runs | tensors first → last | RSS MiB first → last (max) | run ms (median) | trace MiB | structuredClone ms (plain Float32Array, same size) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(`| ${r.model} | ${r.tokens} | ${r.runs} | ${r.tensorsFirst} → ${r.tensorsLast} | ${r.rssFirstMiB.toFixed(0)} → ${r.rssLastMiB.toFixed(0)} (${r.rssMaxMiB.toFixed(0)}) | ${r.runMs.toFixed(1)} | ${r.traceMiB.toFixed(2)} | ${r.cloneMs.toFixed(1)} (${r.plainCloneMs.toFixed(1)}) |`);
  }
  return lines.join('\n');
}

export async function benchMemory(runs: number, smallRuns: number, longRuns = 0): Promise<MemoryRow[]> {
  const script = path.join(root, 'dist', 'worker.js');
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: run \`node esbuild.js\` first`);
  const worker = new ModelWorker(script);
  const rows: MemoryRow[] = [];
  try {
    rows.push(await benchModel(worker, builtinModel(), '我来自福州,现在住在北京,是一个正值壮年的牛马程序员', runs));
    // 128 tokens of English on the GPT-2-small shape: its byte-level BPE gives about one token per word.
    const words = 'the quick brown fox jumps over the lazy dog while a programmer in Beijing writes code '.repeat(12);
    if (smallRuns > 0) rows.push(await benchModel(worker, gpt2SmallModel(), words, smallRuns));
    // GPT-2's whole context: the trace the extension host keeps (the panel fetches from it layer by layer).
    const zh = '我来自福州现在住在北京是一个正值壮年的牛马程序员';
    if (longRuns > 0) rows.push(await benchModel(worker, gpt2SmallModel(), Array.from({ length: 1100 }, (_, i) => zh[(i * 7) % zh.length]).join(''), longRuns, 1024));
  } finally {
    worker.dispose();
  }
  return rows;
}

async function main(): Promise<void> {
  const rows = await benchMemory(Number(arg('runs', '200')), Number(arg('small-runs', '10')), Number(arg('long-runs', '0')));
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
  else console.log(memoryTable(rows));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
