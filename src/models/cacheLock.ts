/**
 * One lock per blob while it downloads, at the path huggingface_hub uses (`<cache>/.locks/models--org--name/
 * <blob>.lock`), so two VS Code windows (two extension hosts) fetching the same model never write the same
 * `.incomplete` file at once: the second waits, then finds the finished blob.
 *
 * Node has no flock(), so the lock is the file's existence (created with O_EXCL) while its holder refreshes
 * its mtime every few seconds. A lock file that is not refreshed is stale and taken over: a holder that
 * crashed, or a lock file huggingface_hub leaves behind after its own downloads (it keeps them, empty).
 * A huggingface_hub download running at the same moment is not seen (it holds an flock, which Node cannot
 * test); the checksum before a blob is renamed into place still keeps a mixed file out of the cache.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** A held lock's mtime is refreshed this often; one not refreshed for STALE_MS is taken over. */
export const HEARTBEAT_MS = 2_000;
export const STALE_MS = 15_000;
const POLL_MS = 150;

export interface HeldLock {
  readonly file: string;
  release(): void;
}

export interface LockWait {
  signal?: AbortSignal;
  /** Called while another holder has the lock, about every POLL_MS. */
  onWait?: () => void;
  /** Stop waiting when this becomes true (the other holder finished the blob); acquire then returns undefined. */
  done?: () => boolean;
}

interface Owner {
  pid: number;
  host: string;
  token: string;
}

export function blobLockPath(cacheDir: string, repoFolder: string, blobName: string): string {
  return path.join(cacheDir, '.locks', repoFolder, `${blobName}.lock`);
}

function readOwner(file: string): Owner | undefined {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Owner>;
    return typeof value.pid === 'number' && typeof value.host === 'string' && typeof value.token === 'string' ? (value as Owner) : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stale: not refreshed for STALE_MS, or written by a process of this machine that is gone. */
function isStale(file: string, stat: fs.Stats): boolean {
  if (Date.now() - stat.mtimeMs > STALE_MS) return true;
  const owner = readOwner(file);
  return owner !== undefined && owner.host === os.hostname() && !processAlive(owner.pid);
}

function tryCreate(file: string, owner: Owner): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    fs.writeSync(fd, JSON.stringify(owner));
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

/** Removes a stale lock file, unless it changed since it was judged stale (then another process took it). */
function removeStale(file: string, judged: fs.Stats): void {
  try {
    const now = fs.statSync(file);
    if (now.ino !== judged.ino || now.mtimeMs !== judged.mtimeMs) return;
    fs.rmSync(file, { force: true });
  } catch {
    // Gone already: someone else removed or released it.
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * Waits for and takes the lock. Returns undefined when `wait.done()` became true first (nothing left to do)
 * or the signal aborted (the caller checks its signal).
 */
export async function acquireLock(file: string, wait: LockWait = {}): Promise<HeldLock | undefined> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const owner: Owner = { pid: process.pid, host: os.hostname(), token: crypto.randomBytes(8).toString('hex') };
  for (;;) {
    if (wait.signal?.aborted) return undefined;
    if (tryCreate(file, owner)) break;
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(file);
    } catch {
      continue; // released between our attempt and the stat: try again at once
    }
    if (isStale(file, stat)) {
      removeStale(file, stat);
      continue;
    }
    if (wait.done?.()) return undefined;
    wait.onWait?.();
    await sleep(POLL_MS, wait.signal);
  }
  const heartbeat = setInterval(() => {
    const t = new Date();
    try {
      fs.utimesSync(file, t, t);
    } catch {
      // The file was taken over as stale (this process was frozen for STALE_MS); nothing to refresh.
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  let released = false;
  return {
    file,
    release(): void {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      // Remove it only while it is still ours (not taken over as stale in the meantime).
      if (readOwner(file)?.token === owner.token) fs.rmSync(file, { force: true });
    },
  };
}
