/**
 * Runs the real webview bundle (dist/webview.js + media/panel.css) in headless Chromium, outside VS Code:
 * a stub acquireVsCodeApi records what the webview posts, and tests post host messages into the page.
 * Served from 127.0.0.1 with the same CSP shape as the extension's panel.
 */
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { AddressInfo } from 'net';
import { Browser, Page, chromium } from 'playwright-core';
import type { AttentionTrace } from '../../src/engine/trace';
import type { Analysis, FromWebview, ToWebview } from '../../src/shared/protocol';
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
  /** What the webview last saved with vscode.setState. */
  state(): Promise<unknown>;
  cspViolations(): Promise<string[]>;
  close(): Promise<void>;
}

function pageHtml(theme: ThemeName, nonce: string, state: unknown): string {
  const { bodyClass, css } = themeCss(theme);
  return `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8"><title>QKV Lens</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data: blob:; style-src 'self' 'nonce-${nonce}'; font-src 'self'; script-src 'nonce-${nonce}'">
<meta property="csp-nonce" content="${nonce}">
<style nonce="${nonce}">${css}</style>
<link rel="stylesheet" href="/media/panel.css" nonce="${nonce}">
<script nonce="${nonce}">
  window.__posted = []; window.__csp = []; window.__state = ${JSON.stringify(state ?? null)} ?? undefined;
  document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__state, setState: (s) => { window.__state = s; } });
</script>
</head><body class="${bodyClass}"><main id="app"></main><script nonce="${nonce}" src="/dist/webview.js"></script></body></html>`;
}

/** `state`: what vscode.getState() returns at start, as after a reload or a hidden panel coming back. */
export async function openHarness(options: { theme?: ThemeName; browser?: Browser; width?: number; height?: number; state?: unknown } = {}): Promise<Harness> {
  const theme = options.theme ?? 'dark';
  const nonce = 'test' + Math.random().toString(36).slice(2);
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(pageHtml(theme, nonce, options.state));
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
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string }> }).__posted.some((m) => m.type === 'ready'));
  return {
    page,
    url,
    async post(message) {
      await page.evaluate((m) => window.postMessage(m, '*'), message as unknown as Record<string, unknown>);
    },
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

export function analysisMessage(trace: AttentionTrace, extra: Partial<Analysis> = {}): ToWebview {
  return { type: 'analysis', analysis: { requestId: 1, trace, source: 'sample.txt', stages: [], millis: { load: 12, run: 3 }, ...extra } };
}

export function initMessage(): ToWebview {
  return { type: 'init', strings: { ...UI_STRINGS }, locale: 'en' };
}

/** The init message with the Simplified Chinese strings from the l10n bundle (as the host would send them). */
export function zhInitMessage(): ToWebview {
  const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n/bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;
  const strings = { ...UI_STRINGS } as Record<string, string>;
  for (const key of Object.keys(strings)) strings[key] = bundle[strings[key]] ?? strings[key];
  return { type: 'init', strings: strings as unknown as typeof UI_STRINGS, locale: 'zh-cn' };
}
