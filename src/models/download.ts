/**
 * Downloads a model by its Hugging Face id into the same cache layout huggingface_hub uses, so the two
 * share files: `blobs/<etag>` (written as `<etag>.incomplete`, resumed with HTTP Range, checked against
 * the ETag — sha256 for large files, the git blob sha1 for small ones — then renamed), links in
 * `snapshots/<commit>/`, and `refs/<revision>`. Snapshot links are made only once every file is
 * complete and verified, so a cancelled or failed download never leaves a half model in `snapshots/`.
 * Each blob is written under its lock in `.locks/` (cacheLock.ts), so windows downloading the same model
 * at once share the work instead of writing one file together. Requests go through the proxy VS Code or
 * the environment names (proxy.ts).
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { parseModelConfig } from '../engine/config';
import { hubCacheDirs, isValidModelId, repoFolderName } from './hfCache';
import { acquireLock, blobLockPath } from './cacheLock';
import { ProxySettings } from './proxy';
import { DownloadError, RemoteFile, RequestOptions, cancelledError, headFile, request, resolveEndpoint } from './hubHttp';

export { DownloadError } from './hubHttp';

export interface DownloadProgress {
  /** The file being fetched now. */
  file: string;
  /** Bytes of all files present so far, and their total (files of unknown size count as 0). */
  bytes: number;
  total: number;
}

export interface DownloadOptions {
  /** Hub or mirror URL; default HF_ENDPOINT, else https://huggingface.co. */
  endpoint?: string;
  /** Branch, tag or commit; default "main". */
  revision?: string;
  /** Hub cache folder; default the first of hubCacheDirs(). */
  cacheDir?: string;
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
  /** Access token for gated models; default HF_TOKEN. Sent only to the endpoint, never to its CDN. */
  token?: string;
  /** Retries (resuming where the data stopped) after a dropped or stalled connection; default 4. */
  retries?: number;
  /** Socket inactivity limit in ms; default 60 s. */
  timeoutMs?: number;
  env?: Record<string, string | undefined>;
  /** VS Code's http.proxy, http.noProxy and http.proxyStrictSSL; without them HTTPS_PROXY / HTTP_PROXY / NO_PROXY from `env` apply. */
  proxy?: ProxySettings;
}

export interface DownloadResult {
  id: string;
  /** The snapshot folder, ready for loadModelFromDir. */
  dir: string;
  /** Commit hash of the snapshot. */
  revision: string;
  cacheDir: string;
  /** Bytes actually transferred (0 when everything was already cached). */
  transferred: number;
}

interface PlannedFile {
  file: string;
  remote: RemoteFile;
  blob: string;
}

const OPTIONAL = new Set(['tokenizer_config.json']);

function blobName(etag: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(etag) && !etag.endsWith('.incomplete') ? etag : crypto.createHash('sha256').update(etag).digest('hex');
}

function exists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

/** Checks size and ETag: sha256 (LFS files) or git's blob sha1 (small files); other ETags are checked by size only. */
async function verify(file: string, name: string, remote: RemoteFile): Promise<void> {
  const size = fileSize(file);
  if (remote.size !== undefined && size !== remote.size) {
    throw new DownloadError(`${name} has ${size} bytes but the hub says ${remote.size}; the download was discarded`, 'checksum');
  }
  const etag = remote.etag.toLowerCase();
  const kind = /^[0-9a-f]{64}$/.test(etag) ? 'sha256' : /^[0-9a-f]{40}$/.test(etag) ? 'sha1' : undefined;
  if (!kind) return;
  const hash = crypto.createHash(kind);
  if (kind === 'sha1') hash.update(`blob ${size}\0`);
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  const actual = hash.digest('hex');
  if (actual !== etag) {
    throw new DownloadError(`${name} failed its checksum (expected ${kind} ${etag}, got ${actual}); the download was discarded`, 'checksum');
  }
}

class Downloader {
  private readonly http: RequestOptions;
  private readonly endpoint: string;
  private readonly repoDir: string;
  private done = 0;
  private total = 0;
  transferred = 0;

  constructor(private readonly id: string, private readonly options: DownloadOptions, readonly cacheDir: string) {
    const env = options.env ?? process.env;
    this.endpoint = resolveEndpoint(options.endpoint, env);
    this.repoDir = path.join(cacheDir, repoFolderName(id));
    this.http = { signal: options.signal, timeoutMs: options.timeoutMs ?? 60_000, token: options.token ?? env.HF_TOKEN, tokenOrigin: new URL(this.endpoint).origin, proxy: options.proxy, env };
  }

  url(revision: string, file: string): string {
    return `${this.endpoint}/${this.id}/resolve/${encodeURIComponent(revision)}/${file}`;
  }

  async plan(revision: string, file: string): Promise<PlannedFile | undefined> {
    const remote = await headFile(this.url(revision, file), file, this.id, this.http);
    return remote && { file, remote, blob: path.join(this.repoDir, 'blobs', blobName(remote.etag)) };
  }

  setTotal(files: PlannedFile[]): void {
    this.total = files.reduce((sum, f) => sum + (f.remote.size ?? 0), 0);
    this.done = files.filter((f) => exists(f.blob)).reduce((sum, f) => sum + (f.remote.size ?? fileSize(f.blob)), 0);
  }

  private report(file: string, fileBytes: number): void {
    this.options.onProgress?.({ file, bytes: this.done + fileBytes, total: Math.max(this.total, this.done + fileBytes) });
  }

  /**
   * The file's verified blob, downloading (and resuming) it when it is not there yet. Holds the blob's lock in
   * `.locks/` while it writes, so another window downloading the same model waits and then uses the blob.
   */
  async ensureBlob(f: PlannedFile, commit: string): Promise<string> {
    if (exists(f.blob)) return f.blob;
    fs.mkdirSync(path.dirname(f.blob), { recursive: true });
    const incomplete = f.blob + '.incomplete';
    const signal = this.options.signal;
    const lock = await acquireLock(blobLockPath(this.cacheDir, repoFolderName(this.id), path.basename(f.blob)), {
      signal,
      done: () => exists(f.blob),
      onWait: () => this.report(f.file, fileSize(incomplete)),
    });
    if (signal?.aborted) {
      lock?.release();
      throw cancelledError();
    }
    try {
      // Another window may have finished it while this one waited.
      if (!lock || exists(f.blob)) {
        this.done += f.remote.size ?? fileSize(f.blob);
        return f.blob;
      }
      await this.downloadVerified(f, commit, incomplete);
    } finally {
      lock?.release();
    }
    this.done += f.remote.size ?? fileSize(f.blob);
    return f.blob;
  }

  private async downloadVerified(f: PlannedFile, commit: string, incomplete: string): Promise<void> {
    const retries = this.options.retries ?? 4;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.fetchInto(incomplete, f, commit);
        break;
      } catch (err) {
        const retryable = err instanceof DownloadError && err.kind === 'network';
        if (!retryable || attempt >= retries) throw err;
        await new Promise((r) => setTimeout(r, Math.min(4000, 250 * 2 ** attempt)));
        if (this.options.signal?.aborted) throw cancelledError();
      }
    }
    try {
      await verify(incomplete, f.file, f.remote);
    } catch (err) {
      fs.rmSync(incomplete, { force: true });
      throw err;
    }
    fs.renameSync(incomplete, f.blob);
  }

  /** Appends the rest of the file to `incomplete`, from where it stops (HTTP Range). */
  private async fetchInto(incomplete: string, f: PlannedFile, commit: string): Promise<void> {
    const expected = f.remote.size;
    let have = fileSize(incomplete);
    if (expected !== undefined && have > expected) have = 0;
    if (expected !== undefined && have === expected && have > 0) return;
    const { res } = await request(this.url(commit, f.file), 'GET', { ...this.http, headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
    const status = res.statusCode ?? 0;
    if (status === 206) {
      const start = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
      if (!start || Number(start[1]) !== have) {
        res.resume();
        fs.rmSync(incomplete, { force: true });
        throw new DownloadError(`the server resumed ${f.file} at the wrong place; starting it again`, 'network');
      }
    } else if (status === 200) {
      have = 0;
    } else {
      res.resume();
      if (status === 416) fs.rmSync(incomplete, { force: true });
      if (status === 404) throw new DownloadError(`${f.file} disappeared from the server`, 'not-found');
      if (status === 401 || status === 403) throw new DownloadError(`access to ${f.file} was refused (${status})`, 'auth');
      throw new DownloadError(`the server answered ${status} for ${f.file}`, status >= 500 || status === 416 || status === 429 ? 'network' : 'invalid');
    }
    const length = Number(res.headers['content-length']);
    const end = expected ?? (Number.isSafeInteger(length) ? have + length : undefined);
    const out = fs.openSync(incomplete, have > 0 ? 'a' : 'w');
    try {
      for await (const chunk of res) {
        const buf = chunk as Buffer;
        fs.writeSync(out, buf);
        have += buf.length;
        this.transferred += buf.length;
        this.report(f.file, have);
      }
    } catch (err) {
      if (this.options.signal?.aborted) throw cancelledError();
      throw new DownloadError(`the connection broke while downloading ${f.file} (${(err as Error).message}) after ${have} bytes`, 'network');
    } finally {
      fs.closeSync(out);
    }
    if (this.options.signal?.aborted) throw cancelledError();
    if (end !== undefined && have < end) throw new DownloadError(`the connection closed after ${have} of ${end} bytes of ${f.file}`, 'network');
  }

  /** Links (or, where links are not allowed, copies) every blob into snapshots/<commit>/, each atomically. */
  linkSnapshot(commit: string, files: PlannedFile[]): string {
    const dir = path.join(this.repoDir, 'snapshots', commit);
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) {
      const target = path.join(dir, f.file);
      const tmp = `${target}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
      try {
        fs.symlinkSync(path.relative(dir, f.blob), tmp);
      } catch {
        fs.copyFileSync(f.blob, tmp);
      }
      fs.renameSync(tmp, target);
    }
    return dir;
  }

  writeRef(revision: string, commit: string): void {
    if (revision === commit) return;
    const ref = path.join(this.repoDir, 'refs', ...revision.split('/'));
    fs.mkdirSync(path.dirname(ref), { recursive: true });
    const tmp = `${ref}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, commit);
    fs.renameSync(tmp, ref);
  }

  checkDiskSpace(files: PlannedFile[]): void {
    const needed = files.filter((f) => !exists(f.blob)).reduce((sum, f) => sum + (f.remote.size ?? 0) - fileSize(f.blob + '.incomplete'), 0);
    let free: number;
    try {
      fs.mkdirSync(this.repoDir, { recursive: true });
      const stats = fs.statfsSync(this.repoDir);
      free = stats.bavail * stats.bsize;
    } catch {
      return;
    }
    if (needed > free) {
      throw new DownloadError(`the model needs ${(needed / 2 ** 30).toFixed(2)} GiB but only ${(free / 2 ** 30).toFixed(2)} GiB are free in ${this.cacheDir}`, 'disk');
    }
  }
}

function readJsonBlob(blob: string, name: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(blob, 'utf8'));
  } catch (err) {
    throw new DownloadError(`${name} is not valid JSON: ${(err as Error).message}`, 'invalid');
  }
}

/** The shard files a model.safetensors.index.json names (plain file names only). */
function shardNames(index: unknown): string[] {
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null) throw new DownloadError('model.safetensors.index.json has no weight_map', 'invalid');
  const shards = [...new Set(Object.values(map as Record<string, unknown>))];
  if (!shards.length || !shards.every((s): s is string => typeof s === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]*\.safetensors$/.test(s))) {
    throw new DownloadError('model.safetensors.index.json names a shard that is not a plain .safetensors file name', 'invalid');
  }
  return shards;
}

/** Downloads config.json, tokenizer files and safetensors weights (single or sharded) of a hub model. */
export async function downloadModel(id: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  if (!isValidModelId(id)) throw new DownloadError(`"${id}" is not a Hugging Face model id (like gpt2 or Qwen/Qwen2.5-0.5B)`, 'invalid');
  const revision = options.revision ?? 'main';
  if (!/^[A-Za-z0-9._/-]+$/.test(revision) || revision.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new DownloadError(`"${revision}" is not a valid revision`, 'invalid');
  }
  const cacheDir = options.cacheDir ?? hubCacheDirs(options.env ?? process.env)[0];
  const d = new Downloader(id, options, cacheDir);

  const config = await d.plan(revision, 'config.json');
  if (!config) throw new DownloadError(`"${id}" has no config.json; it is not a transformers model`, 'unsupported');
  const commit = config.remote.commit;
  // Check the architecture before fetching gigabytes of weights.
  d.setTotal([config]);
  await d.ensureBlob(config, commit);
  try {
    parseModelConfig(readJsonBlob(config.blob, 'config.json'));
  } catch (err) {
    throw err instanceof DownloadError ? err : new DownloadError(`${id}: ${(err as Error).message}`, 'unsupported');
  }
  const files: PlannedFile[] = [config];
  for (const name of ['tokenizer.json', 'tokenizer_config.json']) {
    const planned = await d.plan(commit, name);
    if (planned) files.push(planned);
    else if (!OPTIONAL.has(name)) throw new DownloadError(`"${id}" has no ${name}; QKV Lens needs a fast tokenizer (tokenizer.json)`, 'unsupported');
  }
  const single = await d.plan(commit, 'model.safetensors');
  if (single) {
    files.push(single);
  } else {
    const index = await d.plan(commit, 'model.safetensors.index.json');
    if (!index) {
      const bin = await d.plan(commit, 'pytorch_model.bin');
      throw new DownloadError(bin ? `"${id}" has only pytorch_model.bin weights; QKV Lens reads safetensors only (pickle files can run code)` : `"${id}" has no model.safetensors weights`, 'unsupported');
    }
    d.setTotal([...files, index]);
    await d.ensureBlob(index, commit);
    files.push(index);
    for (const shard of shardNames(readJsonBlob(index.blob, 'model.safetensors.index.json'))) {
      const planned = await d.plan(commit, shard);
      if (!planned) throw new DownloadError(`"${id}" is missing the weights shard ${shard}`, 'not-found');
      files.push(planned);
    }
  }
  d.setTotal(files);
  d.checkDiskSpace(files);
  for (const f of files) await d.ensureBlob(f, commit);
  if (options.signal?.aborted) throw cancelledError();
  const dir = d.linkSnapshot(commit, files);
  d.writeRef(revision, commit);
  return { id, dir, revision: commit, cacheDir, transferred: d.transferred };
}
