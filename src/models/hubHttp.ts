/**
 * The few HTTP requests a Hugging Face download needs, on Node's own http/https (no dependencies):
 * HEAD a `resolve` URL for a file's commit, ETag and size, and GET it (optionally from a byte offset).
 */
import * as http from 'http';
import * as https from 'https';

export type DownloadErrorKind = 'not-found' | 'auth' | 'network' | 'checksum' | 'cancelled' | 'unsupported' | 'disk' | 'invalid';

export class DownloadError extends Error {
  constructor(message: string, readonly kind: DownloadErrorKind) {
    super(message);
    this.name = 'DownloadError';
  }
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** The endpoint to use: an explicit one (the setting), else HF_ENDPOINT, else huggingface.co; checked and without a trailing slash. */
export function resolveEndpoint(explicit: string | undefined, env: Record<string, string | undefined> = process.env): string {
  const raw = (explicit?.trim() || env.HF_ENDPOINT?.trim() || DEFAULT_ENDPOINT).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DownloadError(`the Hugging Face endpoint "${raw}" is not a URL`, 'invalid');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new DownloadError(`the Hugging Face endpoint "${raw}" must start with https:// or http://`, 'invalid');
  return raw;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Socket inactivity limit in ms (a stalled connection fails after this). */
  timeoutMs: number;
  /** Sent only to the endpoint's own origin, never to a CDN it redirects to. */
  token?: string;
  tokenOrigin?: string;
}

export function cancelledError(): DownloadError {
  return new DownloadError('the download was cancelled', 'cancelled');
}

/** One request, no redirects followed. Network failures become DownloadError('network'). */
function requestOnce(url: URL, method: 'HEAD' | 'GET', options: RequestOptions): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) return reject(cancelledError());
    const headers: Record<string, string> = { 'User-Agent': 'qkv-lens', 'Accept-Encoding': 'identity', ...options.headers };
    if (options.token && url.origin === options.tokenOrigin) headers.Authorization = `Bearer ${options.token}`;
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, { method, headers, signal: options.signal }, resolve);
    req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no data for ${Math.round(options.timeoutMs / 1000)} s`)));
    req.on('error', (err) => reject(options.signal?.aborted ? cancelledError() : new DownloadError(`cannot reach ${url.host}: ${err.message}`, 'network')));
    req.end();
  });
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Follows redirects: all of them for GET (the hub sends large files to a CDN), only same-origin ones for
 * HEAD (a renamed repo), and never the one that carries X-Linked-Etag: the hub's answer about a large
 * file is on that redirect itself.
 */
export async function request(url: string, method: 'HEAD' | 'GET', options: RequestOptions): Promise<{ res: http.IncomingMessage; url: URL }> {
  let current = new URL(url);
  for (let hop = 0; hop < 10; hop++) {
    const res = await requestOnce(current, method, options);
    const location = res.headers.location;
    if (!REDIRECTS.has(res.statusCode ?? 0) || !location) return { res, url: current };
    const next = new URL(location, current);
    if (method === 'HEAD' && (next.origin !== current.origin || res.headers['x-linked-etag'] !== undefined)) return { res, url: current };
    res.resume();
    current = next;
  }
  throw new DownloadError(`too many redirects from ${url}`, 'network');
}

export interface RemoteFile {
  /** The commit the file was resolved at (X-Repo-Commit). */
  commit: string;
  /** ETag without quotes: sha256 for large (LFS) files, the git blob sha1 for small ones. */
  etag: string;
  /** Size in bytes, when the hub said. */
  size: number | undefined;
}

function header(res: http.IncomingMessage, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function normaliseEtag(raw: string | undefined): string | undefined {
  return raw?.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1') || undefined;
}

/** What the hub says about one file: undefined when the file does not exist (404). */
export async function headFile(url: string, file: string, modelId: string, options: RequestOptions): Promise<RemoteFile | undefined> {
  const { res } = await request(url, 'HEAD', options);
  res.resume();
  const status = res.statusCode ?? 0;
  const errorCode = header(res, 'x-error-code');
  if (status === 404 && errorCode !== 'RepoNotFound' && errorCode !== 'RevisionNotFound') return undefined;
  if (status === 404 || status === 401 || errorCode === 'RepoNotFound') {
    throw new DownloadError(`the model "${modelId}" was not found (or it is private or gated and needs a token in HF_TOKEN)`, 'not-found');
  }
  if (status === 403) throw new DownloadError(`access to "${modelId}" was refused (a gated model: accept its licence on the website and set HF_TOKEN)`, 'auth');
  if (status >= 400) throw new DownloadError(`the server answered ${status} for ${file}`, 'network');
  const commit = header(res, 'x-repo-commit');
  const etag = normaliseEtag(header(res, 'x-linked-etag') ?? header(res, 'etag'));
  if (!commit || !/^[0-9a-f]{40}$/.test(commit) || !etag) {
    throw new DownloadError(`the server did not answer like the Hugging Face hub for ${file} (no commit hash or ETag); check the endpoint setting`, 'invalid');
  }
  const sizeText = header(res, 'x-linked-size') ?? (REDIRECTS.has(status) ? undefined : header(res, 'content-length'));
  const size = sizeText !== undefined && /^\d+$/.test(sizeText) ? Number(sizeText) : undefined;
  return { commit, etag, size };
}
