/**
 * Can the multi-threaded build of tfjs-backend-wasm run in Node, and is it faster? tfjs turns threads off
 * in Node (flags_wasm.ts: WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE) and hands Emscripten its
 * pthread worker as a Blob URL, which worker_threads cannot load. This bench works around both in a child
 * process per setting (one wasm backend per process): it sets the flag, writes the worker script to a
 * temporary file, answers URL.createObjectURL with that file while the backend starts, and points the
 * worker at the package's threaded main script. Then it times tf.matMul([T, 768] × [768, 3072]) (GPT-2's
 * MLP shape) in wall time against the single-threaded SIMD build, started the same way but without threads.
 *
 *   npx tsx bench/wasmThreads.ts [--threads 1,2,4] [--tokens 128]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { arg, median } from './lib/stats';

const load: (id: string) => unknown = require;
const pkg = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));

interface Row {
  build: string;
  requested: number;
  threads: number;
  ms: number;
  gflops: number;
}

/** Starts the threaded build in this Node process (see the header), or the plain SIMD build when threads is 0. */
async function startBackend(threads: number): Promise<string> {
  setWasmPaths(path.join(pkg, 'dist') + path.sep);
  if (threads === 0) {
    await tf.setBackend('wasm');
    return 'simd (shipped)';
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-wasm-threads-'));
  const mainScript = path.join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js');
  let worker = (load(path.join(pkg, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string }).wasmWorkerContents;
  const hook = 'parentPort.on("message",data=>onmessage({data:data}))';
  if (!worker.includes(hook)) throw new Error('the threaded worker script changed: update bench/wasmThreads.ts');
  // The worker would import the main script from a Blob; give it the package's file instead.
  worker = worker.replace(hook, `parentPort.on("message",data=>{if(data&&data.cmd==="load")data.urlOrBlob=${JSON.stringify(mainScript)};onmessage({data:data})})`);
  // As tfjs does before making its Blob: the template literal turned "\n" escapes into newlines.
  const workerFile = path.join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js');
  fs.writeFileSync(workerFile, worker.replace(/\n/g, '\\n'));
  const createObjectURL = URL.createObjectURL;
  URL.createObjectURL = ((blob: Blob) => (blob.type === 'application/javascript' ? workerFile : createObjectURL(blob))) as typeof URL.createObjectURL;
  try {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    setThreadsCount(threads);
    await tf.setBackend('wasm');
  } finally {
    URL.createObjectURL = createObjectURL;
  }
  return 'threaded-simd';
}

async function child(threads: number, t: number): Promise<void> {
  const build = await startBackend(threads);
  const c = 768;
  const a = tf.randomNormal([t, c]) as tf.Tensor2D;
  const w = tf.randomNormal([c, 4 * c]) as tf.Tensor2D;
  tf.tidy(() => tf.matMul(a, w).dataSync());
  const times: number[] = [];
  const until = performance.now() + 3000;
  while (performance.now() < until || times.length < 3) {
    const t0 = performance.now();
    tf.tidy(() => tf.matMul(a, w).dataSync());
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  const row: Row = { build, requested: threads, threads: threads === 0 ? 1 : getThreadsCount(), ms, gflops: (2 * t * c * 4 * c) / ms / 1e6 };
  console.log(JSON.stringify(row));
  process.exit(0);
}

function main(): void {
  const t = Number(arg('tokens', '128'));
  const threads = arg('threads', `1,2,${os.cpus().length}`).split(',').map(Number);
  const rows: Row[] = [];
  for (const n of [0, ...new Set(threads)]) {
    const r = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', String(n), '--tokens', String(t)], { encoding: 'utf8', timeout: 300_000 });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) {
      console.error(`threads ${n}: failed (${r.status}): ${r.stderr.slice(-400)}`);
      continue;
    }
    rows.push(JSON.parse(line) as Row);
  }
  const base = rows.find((r) => r.requested === 0);
  console.log(`tf.matMul [${t}, 768] × [768, 3072], wall-clock median, ${os.cpus().length} logical cores, load average ${os.loadavg()[0].toFixed(1)}\n`);
  console.log('| build | threads asked | threads used | ms | GFLOP/s | vs shipped build |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.build} | ${r.requested || '-'} | ${r.threads} | ${r.ms.toFixed(2)} | ${r.gflops.toFixed(1)} | ${base ? (base.ms / r.ms).toFixed(2) + '×' : '-'} |`);
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) void child(Number(process.argv[childAt + 1]), Number(arg('tokens', '128')));
else main();
