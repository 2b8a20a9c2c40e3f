/**
 * A hostile model cannot freeze the extension host: a tokenizer.json whose split pattern backtracks
 * catastrophically hangs only the worker thread, the host's event loop keeps turning, the run is stopped
 * at its time limit (or by Cancel), and the next run starts a fresh worker.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { ModelWorker, RunError } from '../../src/runtime/modelWorker';
import { RandomGpt2, makeRandomGpt2 } from '../support/randomModel';

const workerScript = path.resolve(__dirname, '../../dist/worker.js');

describe('robustness: a model that hangs the worker', function () {
  this.timeout(60_000);
  let good: RandomGpt2;
  let evil: RandomGpt2;
  before(() => {
    if (!fs.existsSync(workerScript)) throw new Error('dist/worker.js is missing: run `npm run build` first');
    good = makeRandomGpt2({ layers: 1, heads: 2, hidden: 8, positions: 64 });
    evil = makeRandomGpt2({ layers: 1, heads: 2, hidden: 8, positions: 64 });
    const tokenizerFile = path.join(evil.dir, 'tokenizer.json');
    const tokenizer = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8')) as Record<string, unknown>;
    // (a+)+$ on "aaaa…ab" takes exponential time in a backtracking regex engine (ReDoS).
    tokenizer.pre_tokenizer = { type: 'Split', pattern: { Regex: '(a+)+$' }, behavior: 'Isolated', invert: false };
    fs.writeFileSync(tokenizerFile, JSON.stringify(tokenizer));
  });
  after(() => [good, evil].forEach((m) => fs.rmSync(m.dir, { recursive: true, force: true })));

  it('is stopped at the time limit while the host stays responsive; the next run works', async () => {
    const worker = new ModelWorker(workerScript, 3000);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    try {
      delay.enable();
      const t0 = Date.now();
      await assert.rejects(worker.run({ modelDir: evil.dir, text: 'a'.repeat(48) + 'b' }), (e: RunError) => e.kind === 'timeout');
      delay.disable();
      assert.ok(Date.now() - t0 < 10_000, 'stopped near its 3 s limit');
      assert.ok(delay.max / 1e6 < 250, `the host's event loop stalled at most ${(delay.max / 1e6).toFixed(0)} ms`);
      const { trace } = await worker.run({ modelDir: good.dir, text: '程序员' });
      assert.strictEqual(trace.tokens.length, 3);
    } finally {
      worker.dispose();
    }
  });

  it('is stopped at once by Cancel', async () => {
    const worker = new ModelWorker(workerScript);
    try {
      const abort = new AbortController();
      const run = worker.run({ modelDir: evil.dir, text: 'a'.repeat(48) + 'b' }, { signal: abort.signal, onProgress: (s) => s === 'running' && setTimeout(() => abort.abort(), 200) });
      const t0 = Date.now();
      await assert.rejects(run, (e: RunError) => e.kind === 'cancelled');
      assert.ok(Date.now() - t0 < 5000);
      assert.strictEqual((await worker.run({ modelDir: good.dir, text: '北京' })).trace.tokens.length, 2);
    } finally {
      worker.dispose();
    }
  });
});
