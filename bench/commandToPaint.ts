/**
 * From Show Attention to the first painted panel, in a real VS Code (code-server 1.100 in headless
 * Chromium, the harness of test/e2e): the key press (Ctrl+Alt+Q with text selected) to the moment the
 * webview shows every token of the selection. Polled every ~20 ms from the test driver, so numbers carry
 * that much slack.
 *
 *   cold   the window's first run: extension activation, webview creation, worker start, wasm init,
 *          model load, forward pass, trace transfer host → webview, first render
 *   warm   a second run on other text: the panel, worker and model are there already
 *
 * Both for the built-in model (or its random stand-in) and for the GPT-2-small-shaped model at 128 tokens
 * (its 31.5 MiB trace crosses the host → webview boundary). `npx tsx bench/commandToPaint.ts [--json]`
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { focusEditor, launchBrowser, openFile, openWorkbench, selectText, waitForEditorText } from '../test/support/workbench';
import { codeServerDir, startCodeServer } from '../test/support/codeServer';
import { BenchModel, builtinModel, gpt2SmallModel } from './lib/models';

export interface PaintRow {
  model: string;
  tokens: number;
  coldMs: number;
  warmMs: number;
}

const ZH = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员';
const ZH2 = '程序员在北京写代码,牛马在福州吃草,现在是一个正值壮年的时候';

/** Chinese text of exactly `n` characters starting at a different place for each `variant`. */
function zhText(n: number, variant: number): string {
  const pool = (ZH + ZH2).replace(/,/g, '');
  let out = '';
  for (let i = 0; out.length < n; i++) out += pool[(i * (variant + 1) * 7 + variant) % pool.length];
  return out;
}

/** The tokens the panel shows, spelled out, and its header (which names the model). */
async function panelView(page: Page): Promise<{ tokens: string; header: string } | undefined> {
  for (const frame of page.frames()) {
    const outer = frame.parentFrame();
    if (!outer || !/\/webview\/browser\/pre\/index\.html/.test(outer.url())) continue;
    const view = await (frame as Frame)
      .evaluate(() => ({
        tokens: Array.from(document.querySelectorAll('[data-token-index] .token-text')).map((e) => e.textContent ?? '').join(''),
        header: document.querySelector('header')?.textContent ?? '',
      }))
      .catch(() => undefined);
    if (view?.tokens) return view;
  }
  return undefined;
}

/** Selects `text`, presses the keybinding, and waits until the panel shows its tokens from `model`; milliseconds. */
async function showAttention(page: Page, text: string, model: string, timeoutMs = 60_000): Promise<number> {
  await selectText(page, text);
  await focusEditor(page);
  const t0 = Date.now();
  await page.keyboard.press('Control+Alt+KeyQ');
  for (;;) {
    const view = await panelView(page);
    if (view && view.tokens === text && view.header.includes(model)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) throw new Error(`the panel never showed "${text.slice(0, 20)}…" from ${model}; it shows ${JSON.stringify(view)?.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One window on a fresh code-server: the first run (cold) and a second one on other text (warm). */
async function session(ws: string, settings: Record<string, unknown>, texts: [string, string], model: string): Promise<[number, number]> {
  const cs = await startCodeServer({ workspaceFolder: ws, extensionDevelopmentPath: path.resolve(__dirname, '..'), settings });
  const browser = await launchBrowser();
  try {
    const { page } = await openWorkbench(browser, cs.url, { viewport: { width: 1600, height: 900 } });
    await openFile(page, 'sample.txt');
    await waitForEditorText(page, ZH);
    const cold = await showAttention(page, texts[0], model);
    const warm = await showAttention(page, texts[1], model);
    // Where the time went, from the extension's log: the worker's load and run, the webview's arrival.
    await new Promise((r) => setTimeout(r, 500));
    for (const file of cs.extensionHostLogs().filter((f) => f.endsWith('QKV Lens.log'))) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (/tokens, load|analysis \d+ \(/.test(line)) console.log(`  ${line.replace(/^\S+ \S+ \[\w+\] /, '')}`);
      }
    }
    return [cold, warm];
  } finally {
    await browser.close();
    await cs.stop();
  }
}

export async function benchCommandToPaint(): Promise<PaintRow[]> {
  if (!fs.existsSync(path.join(codeServerDir(), 'out', 'node', 'entry.js'))) throw new Error('code-server is not installed: run scripts/install-code-server.sh');
  const builtin = builtinModel();
  const small: BenchModel = gpt2SmallModel();
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-bench-paint-'));
  const lines = [ZH, ZH2, zhText(128, 1), zhText(128, 2)];
  fs.writeFileSync(path.join(ws, 'sample.txt'), lines.join('\n') + '\n');
  try {
    const builtinName = builtin.random ? path.basename(builtin.dir) : 'teaching model';
    const [cold, warm] = await session(ws, builtin.random ? { 'qkvLens.model': builtin.dir } : {}, [ZH, ZH2], builtinName);
    const [smallCold, smallWarm] = await session(ws, { 'qkvLens.model': small.dir }, [lines[2], lines[3]], path.basename(small.dir));
    return [
      { model: builtin.label, tokens: ZH.length, coldMs: cold, warmMs: warm },
      { model: small.label, tokens: 128, coldMs: smallCold, warmMs: smallWarm },
    ];
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

if (require.main === module) {
  benchCommandToPaint().then(
    (rows) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
      else for (const r of rows) console.log(`${r.model}, ${r.tokens} tokens: cold ${r.coldMs} ms, warm ${r.warmMs} ms`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
