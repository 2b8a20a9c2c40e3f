/**
 * Runs the real webview bundle (dist/webview.js + media/panel.css) in headless Chromium, outside VS Code:
 * a stub acquireVsCodeApi records what the webview posts, and tests post host messages into the page.
 * Served from 127.0.0.1 under the Content-Security-Policy the extension ships (src/panel/webviewHtml.ts's
 * builder, with this server's origin as the webview's resource origin).
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { AddressInfo } from 'net';
import { Browser, Page, chromium } from 'playwright-core';
import { answerTraceFetch } from '../../src/panel/traceServer';
import type { Analysis, FromWebview, RecomputeBackend, ToWebview, TraceFetch } from '../../src/shared/protocol';
import { AttentionTrace, traceHeader } from '../../src/shared/trace';
import { contentSecurityPolicy } from '../../src/panel/webviewHtml';
import { UI_STRINGS } from '../../src/shared/strings';
import { ThemeName, themeCss } from './themes';

const root = path.resolve(__dirname, '../..');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

export interface Harness {
  page: Page;
  url: string;
  post(message: ToWebview): Promise<void>;
  posted(): Promise<FromWebview[]>;
  /** Bytes of trace data the fake host sent (q, k, v, the model's scores and weights). */
  bytesServed(): number;
  /** What the webview last saved with vscode.setState. */
  state(): Promise<unknown>;
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

function pageHtml(theme: ThemeName, nonce: string, state: unknown, origin: string): string {
  const { bodyClass, css } = themeCss(theme);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>QKV Lens</title>
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(origin, nonce)}">
<meta property="csp-nonce" content="${nonce}">
<style nonce="${nonce}">${css}</style>
<link rel="stylesheet" href="/media/panel.css" nonce="${nonce}">
<script nonce="${nonce}">
  window.__posted = []; window.__csp = []; window.__state = ${JSON.stringify(state ?? null)} ?? undefined;
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => ({ postMessage: (m) => { window.__posted.push(m); if (m && m.type === 'fetchTrace') (window.__qkvPageHost || window.__qkvHost)(m); }, getState: () => window.__state, setState: (s) => { window.__state = s; } });
</script>
</head><body class="${bodyClass}"><main id="app"></main><script nonce="${nonce}" src="/dist/webview.js"></script></body></html>`;
}

/** `state`: what vscode.getState() returns at start, as after a reload or a hidden panel coming back. */
/** `initScript`: runs in the page before the webview's bundle (to take WebGL away, say). */
export async function openHarness(options: { theme?: ThemeName; browser?: Browser; width?: number; height?: number; state?: unknown; initScript?: string } = {}): Promise<Harness> {
  const theme = options.theme ?? 'dark';
  const nonce = 'test' + Math.random().toString(36).slice(2);
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(pageHtml(theme, nonce, options.state, `http://127.0.0.1:${(server.address() as AddressInfo).port}`));
      return;
    }
    const file = path.join(root, path.normalize(url));
    if (!file.startsWith(root) || !(url.startsWith('/dist/') || url.startsWith('/media/')) || !fs.existsSync(file)) {
      res.writeHead(404);
      res.end();
      return;
    }
    const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream';
    res.writeHead(200, { 'content-type': type });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser = options.browser ?? (await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }));
  const page = await browser.newPage({ viewport: { width: options.width ?? 1000, height: options.height ?? 900 } });
  // The host's side of the trace: the page fetches layers as the extension's panel does (src/panel/traceServer.ts).
  let served: { id: number; trace: AttentionTrace } | undefined;
  let bytes = 0;
  await page.exposeBinding('__qkvHost', async (_source, fetch: TraceFetch) => {
    const answer = answerTraceFetch(served?.trace, served?.id, fetch);
    if (answer.type === 'traceData') for (const a of Object.values(answer.data)) bytes += a.byteLength;
    await page.evaluate((m) => window.postMessage(m, '*'), answer as unknown as Record<string, unknown>).catch(() => undefined);
  });
  if (options.initScript) await page.addInitScript(options.initScript);
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
  return {
    page,
    url,
    async post(message) {
      const full = message.type === 'analysis' ? fullTraces.get(message) : undefined;
      if (full && message.type === 'analysis') served = { id: message.analysis.requestId, trace: full };
      await page.evaluate((m) => window.postMessage(m, '*'), message as unknown as Record<string, unknown>);
    },
    bytesServed: () => bytes,
    posted: () => page.evaluate(() => (window as unknown as { __posted: FromWebview[] }).__posted),
    state: () => page.evaluate(() => (window as unknown as { __state: unknown }).__state),
    cspViolations: () => page.evaluate(() => (window as unknown as { __csp: string[] }).__csp),
    async close() {
      await page.close();
      if (!options.browser) await browser.close();
      server.close();
    },
  };
}

/** The whole trace behind each analysis message: the harness answers the page's fetches from it. */
const fullTraces = new WeakMap<ToWebview, AttentionTrace>();

/** An analysis as the host posts it (model and tokens); posting it makes the harness serve `trace`'s arrays. */
export function analysisMessage(trace: AttentionTrace, extra: Partial<Analysis> = {}): ToWebview {
  const message: ToWebview = { type: 'analysis', analysis: { requestId: 1, trace: traceHeader(trace), source: 'sample.txt', stages: [], millis: { load: 12, run: 3 }, ...extra } };
  fullTraces.set(message, trace);
  return message;
}

/**
 * The init message; `backend` webgl by default, so that the tests exercise WebGL at every size (`auto`,
 * the setting's default, computes small inputs in plain JS on SwiftShader).
 */
export function initMessage(backend: RecomputeBackend = 'webgl'): ToWebview {
  return { type: 'init', strings: { ...UI_STRINGS }, locale: 'en', backend };
}

/** The init message with the Simplified Chinese strings from the l10n bundle (as the host would send them). */
export function zhInitMessage(): ToWebview {
  const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n/bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
  const strings = { ...UI_STRINGS } as Record<string, string>;
  for (const key of Object.keys(strings)) strings[key] = bundle[strings[key]] ?? strings[key];
  return { type: 'init', strings: strings as unknown as typeof UI_STRINGS, locale: 'zh-cn', backend: 'webgl' };
}

/** Picks a value in one of the panel's dropdowns (#layer, #head, #stage) as a person's choice does: a change event. */
export async function setDropdown(h: Harness, id: string, value: string): Promise<void> {
  await h.page.evaluate(
    ([id, value]) => {
      const el = document.getElementById(id) as HTMLElement & { value: string };
      el.value = value;
      el.dispatchEvent(new Event('change'));
    },
    [id, value],
  );
}

/** Clicks an export button and returns what the page sent the host. */
export async function exported(h: Harness, kind: 'png' | 'svg' | 'csv' | 'json'): Promise<{ fileName: string; data: string }> {
  const count = async () => (await h.posted()).filter((m) => m.type === 'export').length;
  const before = await count();
  await h.page.click(`#export-${kind}`);
  await h.page.waitForFunction((n) => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'export').length > n, before, { timeout: 30_000 });
  const all = (await h.posted()).filter((m) => m.type === 'export') as Array<{ fileName: string; data: string }>;
  return all[all.length - 1];
}
