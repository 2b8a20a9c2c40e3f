import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { ModelWorker, RunError } from '../../src/runtime/modelWorker';
import { RandomGpt2, SAMPLE_ZH, makeRandomGpt2 } from '../support/randomModel';

const root = path.resolve(__dirname, '../..');
const workerScript = path.join(root, 'dist', 'worker.js');

describe('model worker thread', function () {
  this.timeout(60_000);
  let random: RandomGpt2;
  before(function () {
    if (!fs.existsSync(workerScript)) throw new Error('dist/worker.js is missing: run `npm run build` first');
    random = makeRandomGpt2({ layers: 2, positions: 128 });
  });
  after(() => fs.rmSync(random.dir, { recursive: true, force: true }));

  it('runs a model off the calling thread and returns the trace as typed arrays', async () => {
    const worker = new ModelWorker(workerScript);
    try {
      const stages: string[] = [];
      const { trace, millis } = await worker.run({ modelDir: random.dir, text: SAMPLE_ZH }, { onProgress: (s) => stages.push(s) });
      assert.strictEqual(trace.tokens.length, SAMPLE_ZH.length);
      assert.ok(trace.weights instanceof Float32Array);
      assert.strictEqual(trace.weights.length, 2 * 4 * SAMPLE_ZH.length ** 2);
      assert.deepStrictEqual(stages, ['loading', 'running']);
      assert.ok(millis.run >= 0);
    } finally {
      worker.dispose();
    }
  });

  it('reports a clear error for a missing model and keeps working', async () => {
    const worker = new ModelWorker(workerScript);
    try {
      await assert.rejects(worker.run({ modelDir: path.join(random.dir, 'nope'), text: 'x' }), (e: RunError) => e.kind === 'model' && /config\.json is missing/.test(e.message));
      await assert.rejects(worker.run({ modelDir: random.dir, text: '   ' }), (e: RunError) => e.kind === 'input');
      const { trace } = await worker.run({ modelDir: random.dir, text: '程序员' });
      assert.strictEqual(trace.tokens.length, 3);
    } finally {
      worker.dispose();
    }
  });

  it('survives a worker that dies mid-run: the run fails clearly and the next one starts a fresh worker', async () => {
    const worker = new ModelWorker(path.join(root, 'test/support/dyingWorker.js'));
    try {
      await assert.rejects(worker.run({ modelDir: random.dir, text: 'die' }), (e: RunError) => e.kind === 'crashed' && /exit code 7/.test(e.message));
      const { trace } = await worker.run({ modelDir: random.dir, text: '程序员' });
      assert.strictEqual(trace.tokens.length, 3);
    } finally {
      worker.dispose();
    }
  });

  it('cancels a run (terminating the thread), then runs again', async () => {
    const worker = new ModelWorker(workerScript);
    try {
      const abort = new AbortController();
      const run = worker.run({ modelDir: random.dir, text: SAMPLE_ZH }, { signal: abort.signal, onProgress: () => abort.abort() });
      await assert.rejects(run, (e: RunError) => e.kind === 'cancelled');
      const { trace } = await worker.run({ modelDir: random.dir, text: '北京' });
      assert.strictEqual(trace.tokens.length, 2);
    } finally {
      worker.dispose();
    }
  });

  it('serialises two runs started at once; both finish', async () => {
    const worker = new ModelWorker(workerScript);
    try {
      const [a, b] = await Promise.all([worker.run({ modelDir: random.dir, text: '福州' }), worker.run({ modelDir: random.dir, text: '北京是' })]);
      assert.strictEqual(a.trace.tokens.length, 2);
      assert.strictEqual(b.trace.tokens.length, 3);
    } finally {
      worker.dispose();
    }
  });

  it('stops a run that exceeds its time limit', async () => {
    const worker = new ModelWorker(workerScript, 1);
    try {
      await assert.rejects(worker.run({ modelDir: random.dir, text: SAMPLE_ZH }), (e: RunError) => e.kind === 'timeout');
    } finally {
      worker.dispose();
    }
  });

  it('keeps its tensor count flat over 200 runs (texts of different lengths, errors in between)', async function () {
    this.timeout(120_000);
    const worker = new ModelWorker(workerScript);
    try {
      const first = await worker.run({ modelDir: random.dir, text: SAMPLE_ZH });
      assert.ok(first.memory && first.memory.tensors > 0, 'the worker reports its tensors');
      const texts = [SAMPLE_ZH, '程序员', 'def add(a, b): return a + b', SAMPLE_ZH.repeat(3)];
      let last = first;
      for (let i = 1; i < 200; i++) {
        if (i % 50 === 0) await assert.rejects(worker.run({ modelDir: random.dir, text: ' ' }), (e: RunError) => e.kind === 'input');
        last = await worker.run({ modelDir: random.dir, text: texts[i % texts.length], maxTokens: 100 });
      }
      assert.deepStrictEqual(last.memory, first.memory, 'the same tensors and bytes after 200 runs as after the first');
    } finally {
      worker.dispose();
    }
  });

  it('cancelling the running request leaves the queued one to run; cancelling a queued one never starts it', async () => {
    const worker = new ModelWorker(workerScript);
    try {
      const a = new AbortController();
      const b = new AbortController();
      const first = worker.run({ modelDir: random.dir, text: SAMPLE_ZH }, { signal: a.signal, onProgress: () => a.abort() });
      const second = worker.run({ modelDir: random.dir, text: '福州' });
      const third = worker.run({ modelDir: random.dir, text: '北京' }, { signal: b.signal });
      b.abort();
      await assert.rejects(first, (e: RunError) => e.kind === 'cancelled');
      assert.strictEqual((await second).trace.tokens.length, 2);
      await assert.rejects(third, (e: RunError) => e.kind === 'cancelled');
      assert.strictEqual((await worker.run({ modelDir: random.dir, text: '程序员' })).trace.tokens.length, 3);
    } finally {
      worker.dispose();
    }
  });

  it('a run started after dispose() starts a fresh worker', async () => {
    const worker = new ModelWorker(workerScript);
    try {
      await worker.run({ modelDir: random.dir, text: '福州' });
      worker.dispose();
      assert.strictEqual((await worker.run({ modelDir: random.dir, text: '北京是' })).trace.tokens.length, 3);
    } finally {
      worker.dispose();
    }
  });
});
