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
 * For the built-in model (26 tokens, and 512 tokens on the built-in model or its 512-position random
 * stand-in) and the GPT-2-small-shaped model at 128 and 1024 tokens. Beside each time, from the
 * extension's log: the warm run's forward pass (worker), how far the paint came after it, and the bytes
 * the panel fetched before its first paint (it fetches the visible layer's q and k; the rest follows).
 * `npx tsx bench/commandToPaint.ts [--json] [--only builtin,builtin512,small128,small1024]`
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { focusEditor, launchBrowser, openFile, openWorkbench, selectText, waitForEditorText } from '../test/support/workbench';
import { codeServerDir, startCodeServer } from '../test/support/codeServer';
import { loadTokenizer } from '../src/engine/loadModel';
import type { TextTokenizer } from '../src/engine/tokenizer';
import { BenchModel, builtinLongModel, builtinModel, gpt2SmallModel } from './lib/models';
import { arg } from './lib/stats';

export interface PaintRow {
  model: string;
  tokens: number;
  coldMs: number;
  warmMs: number;
  /** The warm run's forward pass in the worker (its log line). */
  warmForwardMs?: number;
  /** MiB the panel fetched before its first paint, warm run, and the precision of q and k. */
  warmFetchedMiB?: number;
  precision?: string;
  /** From the analysis reaching the webview to its first paint, warm run. */
  warmPaintAfterArrivalMs?: number;
}

/** What the extension's log says about runs 1 (cold) and 2 (warm). */
interface RunLog {
  /** Tokens of the warm run. */
  tokens?: number;
  forwardMs?: number;
  fetchedMiB?: number;
  precision?: string;
  paintAfterArrivalMs?: number;
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

/**
 * Chinese text that the model folder's tokenizer cuts into exactly `n` tokens (or one fewer, where the last
 * character is two tokens): a byte-level BPE merges common words, so `n` characters would be fewer tokens.
 */
function zhTextOfTokens(tokenizer: TextTokenizer, n: number, variant: number): string {
  const count = (text: string) => tokenizer.encode(text).ids.length;
  let chars = n;
  while (count(zhText(chars, variant)) < n) chars *= 2;
  let lo = 0;
  let hi = chars;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (count(zhText(mid, variant)) <= n) lo = mid;
    else hi = mid - 1;
  }
  return zhText(lo, variant);
}

/** The tokens the panel shows, spelled out, and its header (which names the model). */
async function panelView(page: Page): Promise<{ tokens: string; header: string } | undefined> {
  for (const frame of page.frames()) {
    const outer = frame.parentFrame();
    if (!outer || !/\/webview\/browser\/pre\/index\.html/.test(outer.url())) continue;
    const view = await (frame as Frame)
      .evaluate(() => ({
        // A character split over two byte tokens shows on both (each marked partial): count it once.
        tokens: Array.from(document.querySelectorAll('[data-token-index]'))
          .filter((e, i, all) => !(e.classList.contains('partial') && all[i - 1]?.classList.contains('partial') && all[i - 1].textContent === e.textContent))
          .map((e) => e.querySelector('.token-text')?.textContent ?? '')
          .join(''),
        header: document.querySelector('header')?.textContent ?? '',
      }))
      .catch(() => undefined);
    if (view?.tokens) return view;
  }
  return undefined;
}

/** Selects `text`, presses the keybinding, and waits until the panel shows its tokens from `model`; milliseconds. */
async function showAttention(page: Page, text: string, model: string, timeoutMs = 300_000): Promise<number> {
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
async function session(ws: string, settings: Record<string, unknown>, texts: [string, string], model: string): Promise<[number, number, RunLog]> {
  const cs = await startCodeServer({ workspaceFolder: ws, extensionDevelopmentPath: path.resolve(__dirname, '..'), settings });
  const browser = await launchBrowser();
  try {
    const { page } = await openWorkbench(browser, cs.url, { viewport: { width: 1600, height: 900 } });
    await openFile(page, 'sample.txt');
    await waitForEditorText(page, ZH);
    const cold = await showAttention(page, texts[0], model);
    const warm = await showAttention(page, texts[1], model);
    // Where the time went, from the extension's log: the worker's load and run, the webview's arrival.
    await new Promise((r) => setTimeout(r, 1500));
    const warmLog: RunLog = {};
    for (const file of cs.extensionHostLogs().filter((f) => f.endsWith('QKV Lens.log'))) {
      for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
        if (/tokens, load|analysis \d+ \(/.test(line)) console.log(`  ${line.replace(/^\S+ \S+ \[\w+\] /, '')}`);
        const run = /run 2: (\d+) tokens, load \d+ ms, run (\d+) ms/.exec(line);
        if (run) Object.assign(warmLog, { tokens: Number(run[1]), forwardMs: Number(run[2]) });
        const paint = /analysis 2 \(([\d.]+) MiB fetched before the first paint, (f16|f32)\):.*painted (\d+) ms after it arrived/.exec(line);
        if (paint) Object.assign(warmLog, { fetchedMiB: Number(paint[1]), precision: paint[2], paintAfterArrivalMs: Number(paint[3]) });
      }
    }
    return [cold, warm, warmLog];
  } finally {
    await browser.close();
    await cs.stop();
  }
}

export async function benchCommandToPaint(only: string[] = []): Promise<PaintRow[]> {
  if (!fs.existsSync(path.join(codeServerDir(), 'out', 'node', 'entry.js'))) throw new Error('code-server is not installed: run scripts/install-code-server.sh');
  const builtin = builtinModel();
  // The built-in model at 512 tokens: itself once it has 512 positions, its random stand-in until then.
  const builtin512 = builtin.positions >= 512 ? builtin : builtinLongModel();
  const small: BenchModel = gpt2SmallModel();
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-bench-paint-'));
  const lines = [ZH, ZH2, zhText(128, 1), zhText(128, 2), zhText(512, 1), zhText(512, 2), zhText(1024, 1), zhText(1024, 2)];
  fs.writeFileSync(path.join(ws, 'sample.txt'), lines.join('\n') + '\n');
  const rows: PaintRow[] = [];
  const want = (id: string) => !only.length || only.includes(id);
  const run = async (label: string, m: BenchModel, texts: [string, string], maxTokens: number) => {
    const name = m.random ? path.basename(m.dir) : 'teaching model';
    const settings = { ...(m.random ? { 'qkvLens.model': m.dir } : {}), 'qkvLens.maxTokens': maxTokens };
    const [coldMs, warmMs, log] = await session(ws, settings, texts, name);
    rows.push({ model: label, tokens: log.tokens ?? texts[0].length, coldMs, warmMs, warmForwardMs: log.forwardMs, warmFetchedMiB: log.fetchedMiB, precision: log.precision, warmPaintAfterArrivalMs: log.paintAfterArrivalMs });
  };
  try {
    if (want('builtin')) await run(builtin.label, builtin, [ZH, ZH2], 512);
    if (want('builtin512')) {
      const tokenizer = builtin512.random ? undefined : loadTokenizer(builtin512.dir);
      const texts: [string, string] = tokenizer ? [zhTextOfTokens(tokenizer, 512, 1), zhTextOfTokens(tokenizer, 512, 2)] : [lines[4], lines[5]];
      fs.appendFileSync(path.join(ws, 'sample.txt'), texts.join('\n') + '\n');
      await run(builtin512.label, builtin512, texts, 512);
    }
    if (want('small128')) await run(small.label, small, [lines[2], lines[3]], 512);
    if (want('small1024')) await run(small.label, small, [lines[6], lines[7]], 1024);
    return rows;
  } finally {
    fs.rmSync(ws, { recursive: true, force: true });
  }
}

export function paintTable(rows: PaintRow[]): string {
  const n = (x: number | undefined, digits = 0) => (x === undefined ? '?' : x.toFixed(digits));
  return [
    '| model | tokens | cold ms | warm ms | forward (warm) ms | warm − forward ms | fetched before first paint MiB | paint after arrival ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.model} | ${r.tokens} | ${r.coldMs} | ${r.warmMs} | ${n(r.warmForwardMs)} | ${r.warmForwardMs === undefined ? '?' : r.warmMs - r.warmForwardMs} | ${n(r.warmFetchedMiB, 2)} (${r.precision ?? '?'}) | ${n(r.warmPaintAfterArrivalMs)} |`),
  ].join('\n');
}

if (require.main === module) {
  benchCommandToPaint(arg('only', '').split(',').filter(Boolean)).then(
    (rows) => {
      if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
      else console.log(paintTable(rows));
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
