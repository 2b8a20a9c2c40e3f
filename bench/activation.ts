/**
 * Extension activation time: dist/extension.js required and activate() called with a stub `vscode`
 * module, in fresh Node processes (plain node, no TypeScript loader in the way). VS Code's own count of
 * activation covers the same two steps (loading the code, calling activate). Target: under 50 ms.
 *
 * `npx tsx bench/activation.ts [runs] [--json]`
 */
import { execFileSync } from 'child_process';
import * as esbuild from 'esbuild';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { median } from './lib/stats';

export interface ActivationResult {
  runs: number;
  /** `bare`: a fresh Node process; `host`: http, https, crypto, os and worker_threads loaded first, as in VS Code's extension host. */
  mode: 'bare' | 'host';
  requireMs: number;
  activateMs: number;
  totalMs: number;
  maxTotalMs: number;
  tfjsModules: number;
  bundleKiB: number;
  hostRssMiB: number;
}

const root = path.resolve(__dirname, '..');

export function benchActivation(runs = 15, mode: 'bare' | 'host' = 'host'): ActivationResult {
  const bundle = path.join(root, 'dist', 'extension.js');
  if (!fs.existsSync(bundle)) throw new Error('dist/extension.js is missing: run `npm run build` first');
  const probe = path.join(os.tmpdir(), 'qkv-activation-probe.js');
  esbuild.buildSync({ entryPoints: [path.join(__dirname, 'lib', 'activationProbe.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node18', outfile: probe, logLevel: 'warning' });
  const samples: Array<{ requireMs: number; activateMs: number; tfjsModules: number; rssMiB: number }> = [];
  for (let i = 0; i < runs; i++) samples.push(JSON.parse(execFileSync(process.execPath, [probe, root, mode], { encoding: 'utf8' })));
  const totals = samples.map((s) => s.requireMs + s.activateMs);
  return {
    runs,
    mode,
    requireMs: median(samples.map((s) => s.requireMs)),
    activateMs: median(samples.map((s) => s.activateMs)),
    totalMs: median(totals),
    maxTotalMs: Math.max(...totals),
    tfjsModules: Math.max(...samples.map((s) => s.tfjsModules)),
    bundleKiB: fs.statSync(bundle).size / 1024,
    hostRssMiB: median(samples.map((s) => s.rssMiB)),
  };
}

if (require.main === module) {
  for (const mode of ['host', 'bare'] as const) {
    const r = benchActivation(Number(process.argv[2]) || 15, mode);
    if (process.argv.includes('--json')) console.log(JSON.stringify(r));
    else console.log(`activation (${mode}): load ${r.requireMs.toFixed(1)} ms + activate() ${r.activateMs.toFixed(1)} ms = ${r.totalMs.toFixed(1)} ms (median of ${r.runs}; worst ${r.maxTotalMs.toFixed(1)} ms), bundle ${r.bundleKiB.toFixed(0)} KiB, TensorFlow.js modules in the host: ${r.tfjsModules}`);
  }
}
