/**
 * `npm run bench`: every benchmark, one after another in fresh processes, each printing its table, under
 * a header that names the machine. Paste the output into bench/RESULTS.md. Needs `npm run package` (or
 * `node esbuild.js`) first; the browser benchmarks need Chromium, the code-server one code-server
 * (both installed by scripts/setup.sh).
 *
 *   npx tsx bench/run.ts [--only forward,activation,memory,hover,lab,paint]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { arg } from './lib/stats';

const root = path.resolve(__dirname, '..');

const BENCHES: Array<{ id: string; title: string; script: string; args: string[] }> = [
  { id: 'forward', title: 'Forward pass with full trace capture vs a plain wasm matmul (thread CPU time)', script: 'forward.ts', args: [] },
  { id: 'activation', title: 'Extension activation (dist/extension.js loaded + activate(), fresh Node processes)', script: 'activation.ts', args: [] },
  { id: 'memory', title: 'Memory over repeated runs in the model worker, and the trace that crosses to the webview', script: 'memory.ts', args: [] },
  { id: 'hover', title: 'Webview hover latency, 512 tokens × 12 layers × 12 heads (headless Chromium)', script: 'hover.ts', args: [] },
  { id: 'lab', title: 'Training lab: seconds until a previous-token head forms (copy task, cpu and wasm backends)', script: 'trainingLab.ts', args: [] },
  { id: 'paint', title: 'Show Attention → first painted panel in code-server (cold and warm)', script: 'commandToPaint.ts', args: [] },
];

function machine(): string {
  const cpus = os.cpus();
  return [
    `date: ${new Date().toISOString()}`,
    `machine: ${os.type()} ${os.release()} ${os.arch()}, ${cpus.length} × ${cpus[0]?.model ?? '?'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
    `node ${process.version}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  ].join('\n');
}

function main(): void {
  const only = arg('only', '').split(',').filter(Boolean);
  console.log(machine());
  let failed = 0;
  for (const b of BENCHES) {
    if (only.length && !only.includes(b.id)) continue;
    const file = path.join(__dirname, b.script);
    console.log(`\n## ${b.title}\n`);
    if (!fs.existsSync(file)) {
      console.log(`(bench/${b.script} is not in this checkout)`);
      continue;
    }
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...b.args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 2 ** 20 });
    process.stdout.write(r.stdout ?? '');
    if (r.status !== 0) {
      failed++;
      console.log(`(bench/${b.script} failed: exit ${r.status ?? r.signal})`);
    }
    console.log(`\n_${b.script}: ${((Date.now() - t0) / 1000).toFixed(0)} s_`);
  }
  process.exit(failed ? 1 : 0);
}

main();
