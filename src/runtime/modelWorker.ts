/**
 * The extension host's handle on the model worker: runs one request at a time, reports progress,
 * cancels by terminating the thread, and starts a fresh worker after a crash or a cancel.
 */
import { Worker } from 'worker_threads';
import type { AttentionTrace } from '../shared/trace';
import type { ErrorKind, FromWorker, RunRequest, ToWorker, WorkerMemory } from './workerMessages';

export class RunError extends Error {
  constructor(message: string, readonly kind: ErrorKind | 'cancelled' | 'crashed' | 'timeout') {
    super(message);
    this.name = 'RunError';
  }
}

export interface RunResult {
  trace: AttentionTrace;
  millis: { load: number; run: number };
  /** The worker's tensors after the run (weights of cached models included). */
  memory?: WorkerMemory;
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (stage: string) => void;
}

interface Pending {
  requestId: number;
  resolve: (r: RunResult) => void;
  reject: (e: RunError) => void;
  onProgress?: (stage: string) => void;
  timer?: NodeJS.Timeout;
}

export class ModelWorker {
  private worker: Worker | undefined;
  private current: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private nextId = 1;

  /**
   * @param scriptPath the bundled worker (dist/worker.js)
   * @param timeoutMs a run that takes longer is stopped, so the host never waits forever
   */
  constructor(private readonly scriptPath: string, private readonly timeoutMs = 5 * 60_000, private readonly log: (line: string) => void = () => undefined) {}

  /** Runs after any earlier request has finished; rejects with RunError. */
  run(request: RunRequest, options: RunOptions = {}): Promise<RunResult> {
    const result = this.queue.then(() => this.start(request, options));
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Stops the thread (and with it any run in progress). */
  dispose(): void {
    this.kill(new RunError('the model worker was stopped', 'cancelled'));
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.scriptPath);
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', (err) => {
      this.log(`model worker error: ${err.message}`);
      this.fail(worker, new RunError(`the model worker crashed: ${err.message}`, 'crashed'));
    });
    worker.on('exit', (code) => {
      this.log(`model worker exited with code ${code}`);
      this.fail(worker, new RunError(`the model worker stopped unexpectedly (exit code ${code})`, 'crashed'));
    });
    this.worker = worker;
    return worker;
  }

  private start(request: RunRequest, options: RunOptions): Promise<RunResult> {
    return new Promise<RunResult>((resolve, reject) => {
      if (options.signal?.aborted) return reject(new RunError('cancelled', 'cancelled'));
      const requestId = this.nextId++;
      const pending: Pending = { requestId, resolve, reject, onProgress: options.onProgress };
      this.current = pending;
      options.signal?.addEventListener('abort', () => {
        if (this.current === pending) this.kill(new RunError('cancelled', 'cancelled'));
      });
      pending.timer = setTimeout(() => {
        if (this.current === pending) this.kill(new RunError(`the model took longer than ${Math.round(this.timeoutMs / 1000)} s and was stopped`, 'timeout'));
      }, this.timeoutMs);
      try {
        const message: ToWorker = { type: 'run', requestId, request };
        this.ensureWorker().postMessage(message);
      } catch (err) {
        this.settle();
        reject(new RunError(`could not start the model worker: ${(err as Error).message}`, 'crashed'));
      }
    });
  }

  private onMessage(message: FromWorker): void {
    const pending = this.current;
    if (!pending || message.requestId !== pending.requestId) return;
    if (message.type === 'progress') {
      pending.onProgress?.(message.message);
      return;
    }
    this.settle();
    if (message.type === 'result') pending.resolve({ trace: message.trace, millis: message.millis, memory: message.memory });
    else pending.reject(new RunError(message.message, message.kind));
  }

  private settle(): void {
    if (this.current?.timer) clearTimeout(this.current.timer);
    this.current = undefined;
  }

  private fail(worker: Worker, error: RunError): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const pending = this.current;
    this.settle();
    pending?.reject(error);
  }

  private kill(error: RunError): void {
    const worker = this.worker;
    const pending = this.current;
    this.worker = undefined;
    this.settle();
    pending?.reject(error);
    if (worker) void worker.terminate();
  }
}
