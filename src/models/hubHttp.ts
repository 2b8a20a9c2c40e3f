/**
 * The few HTTP requests a Hugging Face download needs, on Node's own http/https (no dependencies):
 * HEAD a `resolve` URL for a file's commit, ETag and size, and GET it (optionally from a byte offset).
 */
import * as http from 'http';
import * as https from 'https';
import * as net from 'net';
import * as tls from 'tls';
import { DownloadError } from './downloadError';
import { ProxySettings, proxyAuthorization, proxyFor } from './proxy';

export { DownloadError } from './downloadError';
export type { DownloadErrorKind } from './downloadError';

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
  /** VS Code's http.proxy / http.noProxy / http.proxyStrictSSL; the environment's HTTPS_PROXY etc. fill in. */
  proxy?: ProxySettings;
  env?: Record<string, string | undefined>;
}

export function cancelledError(): DownloadError {
  return new DownloadError('the download was cancelled', 'cancelled');
}

/** Errors that mean the machine cannot reach the host at all (no network, no DNS, nothing listening, no route). */
const UNREACHABLE = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL']);
const CERTIFICATE = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT/;

/** Turns a socket error into a DownloadError that says what to do about it. */
function connectionError(err: NodeJS.ErrnoException, host: string, via: URL | undefined, options: RequestOptions): DownloadError {
  if (options.signal?.aborted) return cancelledError();
  const code = err.code ?? '';
  if (CERTIFICATE.test(code)) {
    return new DownloadError(`the TLS certificate of ${host} could not be verified (${code}); behind a proxy that inspects TLS, add its certificate (NODE_EXTRA_CA_CERTS) or set http.proxyStrictSSL to false`, 'tls');
  }
  if (UNREACHABLE.has(code)) {
    // A proxy that cannot be reached is a proxy problem first (the settings name it); a host, being offline.
    if (via) return new DownloadError(`cannot reach the proxy ${via.host} (${code}): the computer seems to be offline or the proxy is down`, 'proxy');
    return new DownloadError(`cannot reach ${host} (${code}): the computer seems to be offline, or a proxy is needed (http.proxy or HTTPS_PROXY)`, 'offline', host);
  }
  return new DownloadError(`cannot reach ${host}${via ? ` through the proxy ${via.host}` : ''}: ${err.message}`, 'network');
}

/**
 * Requests to and through a proxy are made with `new http.ClientRequest`, not `http.request`: VS Code patches
 * the module functions in the extension host to route requests through its own proxy agent, which would send
 * our request to the proxy through the proxy once more. Direct requests keep `http(s).request`, so a proxy
 * only VS Code knows about (a PAC script, the system's settings) still applies to them.
 */
function unpatchedRequest(options: http.ClientRequestArgs, onResponse?: (res: http.IncomingMessage) => void): http.ClientRequest {
  return new http.ClientRequest(options, onResponse);
}

/** A socket to `url`'s host through an http proxy's CONNECT tunnel. */
function connectTunnel(url: URL, proxy: URL, options: RequestOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const headers: Record<string, string> = { Host: `${url.hostname}:${port}`, 'User-Agent': 'qkv-lens' };
    const auth = proxyAuthorization(proxy);
    if (auth) headers['Proxy-Authorization'] = auth;
    const req = unpatchedRequest({ host: proxy.hostname, port: proxy.port || 80, method: 'CONNECT', path: `${url.hostname}:${port}`, headers, signal: options.signal, agent: false });
    req.setTimeout(options.timeoutMs, () => req.destroy(Object.assign(new Error(`the proxy ${proxy.host} did not answer for ${Math.round(options.timeoutMs / 1000)} s`), { code: 'ETIMEDOUT' })));
    req.on('connect', (res, socket) => {
      req.setTimeout(0);
      if (res.statusCode === 200) return resolve(socket);
      socket.destroy();
      const why = res.statusCode === 407 ? 'asks for credentials (put user:password@ in http.proxy or HTTPS_PROXY)' : `answered ${res.statusCode} ${res.statusMessage ?? ''}`.trim();
      reject(new DownloadError(`the proxy ${proxy.host} refused to connect to ${url.host}: it ${why}`, 'proxy'));
    });
    req.on('error', (err) => reject(connectionError(err, url.host, proxy, options)));
    req.end();
  });
}

/** One request, no redirects followed, through the proxy that applies to `url`. Network failures become DownloadErrors. */
async function requestOnce(url: URL, method: 'HEAD' | 'GET', options: RequestOptions): Promise<http.IncomingMessage> {
  if (options.signal?.aborted) throw cancelledError();
  const headers: Record<string, string> = { 'User-Agent': 'qkv-lens', 'Accept-Encoding': 'identity', ...options.headers };
  if (options.token && url.origin === options.tokenOrigin) headers.Authorization = `Bearer ${options.token}`;
  const proxy = proxyFor(url, options.proxy ?? {}, options.env ?? process.env);
  const rejectUnauthorized = options.proxy?.strictSSL !== false;
  const tunnel = proxy && url.protocol === 'https:' ? await connectTunnel(url, proxy, options) : undefined;
  return new Promise((resolve, reject) => {
    let req: http.ClientRequest;
    if (proxy && tunnel) {
      // HTTP over TLS over the tunnel; the proxy sees only the host name.
      const socket = tls.connect({ socket: tunnel, servername: net.isIP(url.hostname) ? undefined : url.hostname, rejectUnauthorized });
      req = unpatchedRequest({ method, host: url.hostname, port: url.port || 443, path: `${url.pathname}${url.search}`, headers: { ...headers, Host: url.host }, signal: options.signal, createConnection: () => socket }, resolve);
    } else if (proxy) {
      // Plain http through a proxy: the absolute URL as the request target (what proxies expect for http://).
      const auth = proxyAuthorization(proxy);
      req = unpatchedRequest({ method, host: proxy.hostname, port: proxy.port || 80, path: url.href, headers: { ...headers, Host: url.host, ...(auth ? { 'Proxy-Authorization': auth } : {}) }, signal: options.signal, agent: false }, resolve);
    } else {
      req = (url.protocol === 'https:' ? https : http).request(url, { method, headers, signal: options.signal, rejectUnauthorized }, resolve);
    }
    req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no data for ${Math.round(options.timeoutMs / 1000)} s`)));
    req.on('error', (err) => reject(err instanceof DownloadError ? err : connectionError(err, url.host, proxy && !tunnel ? proxy : undefined, options)));
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
