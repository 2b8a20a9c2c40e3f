/**
 * Which proxy a download goes through, as VS Code and curl decide it: the `http.proxy` setting first, else
 * HTTPS_PROXY / HTTP_PROXY (upper or lower case) by the target's scheme, else ALL_PROXY; no proxy for a host
 * that `http.noProxy` or NO_PROXY names. Only http:// proxies are spoken to (CONNECT for https targets,
 * absolute-form requests for http ones), which is what corporate proxies offer.
 */
import { DownloadError } from './downloadError';

export interface ProxySettings {
  /** VS Code's `http.proxy` (empty: use the environment). */
  proxy?: string;
  /** VS Code's `http.noProxy`. */
  noProxy?: readonly string[];
  /** VS Code's `http.proxyStrictSSL` (default true): verify TLS certificates. */
  strictSSL?: boolean;
}

function envValue(env: Record<string, string | undefined>, name: string): string | undefined {
  return (env[name] ?? env[name.toLowerCase()])?.trim() || undefined;
}

/** A NO_PROXY entry matches host (and port): `*`, `example.com` / `.example.com` (and its subdomains), `host:port`, an IP. */
function bypassed(url: URL, entries: readonly string[]): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) continue;
    const name = m[1].replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (m[2] && m[2] !== port) continue;
    if (host === name || host.endsWith('.' + name)) return true;
  }
  return false;
}

/** The proxy for `url`, or undefined for a direct connection. Throws a clear DownloadError for a proxy it cannot use. */
export function proxyFor(url: URL, settings: ProxySettings, env: Record<string, string | undefined>): URL | undefined {
  const noProxy = [...(settings.noProxy ?? []), ...(envValue(env, 'NO_PROXY')?.split(/[\s,]+/) ?? [])];
  if (bypassed(url, noProxy)) return undefined;
  const raw = settings.proxy?.trim() || (url.protocol === 'https:' ? envValue(env, 'HTTPS_PROXY') : envValue(env, 'HTTP_PROXY')) || envValue(env, 'ALL_PROXY');
  if (!raw) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`);
  } catch {
    throw new DownloadError(`the proxy "${raw}" is not a URL (expected http://host:port)`, 'proxy');
  }
  if (proxy.protocol !== 'http:') throw new DownloadError(`the proxy ${proxy.protocol}//${proxy.host} is not supported; QKV Lens speaks to http:// proxies (for https sites it tunnels with CONNECT)`, 'proxy');
  return proxy;
}

/** `Proxy-Authorization` for a proxy URL with user:password@, else undefined. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  return 'Basic ' + Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64');
}
