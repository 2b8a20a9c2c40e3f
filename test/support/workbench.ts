// Drives the code-server workbench (see ./codeServer.ts) with Debian's Chromium through
// playwright-core: no browser download. Helpers for what the end-to-end tests do: open a file,
// select text, run a command from the palette, find an extension's webview frame, screenshot.
import * as fs from 'fs';
import * as path from 'path';
import { Browser, BrowserContext, Frame, Locator, Page, chromium } from 'playwright-core';

import { Theme } from './codeServer';

/** Chromium flags that work on a headless machine without a GPU; SwiftShader gives WebGL2. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-dev-shm-usage',
  '--lang=en-US',
];

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];
  for (const c of candidates) if (c && fs.existsSync(c)) return c;
  throw new Error('no Chromium found: run .ci/install-system.sh or set CHROMIUM_PATH');
}

export interface LaunchOptions {
  /** Default true; QKV_E2E_HEADED=1 shows the window (needs a display). */
  headless?: boolean;
  executablePath?: string;
  args?: string[];
}

export async function launchBrowser(opts: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: opts.executablePath ?? chromiumPath(),
    headless: opts.headless ?? process.env.QKV_E2E_HEADED !== '1',
    args: [...CHROMIUM_ARGS, ...(opts.args ?? [])],
  });
}

export interface WorkbenchOptions {
  viewport?: { width: number; height: number };
  /** Wait until this colour theme is applied (it is, once the built-in extensions are scanned). */
  theme?: Theme;
  /** Default 120 s: the first load on a 2-core machine takes 10-20 s. */
  timeoutMs?: number;
  /** Prints the page's console errors and failed requests (QKV_E2E_DEBUG=1 prints all). */
  logConsole?: boolean;
}

export interface Workbench {
  context: BrowserContext;
  page: Page;
  /** Console messages and page errors seen so far (for failure reports). */
  consoleLog: string[];
}

/** A new browser context with one page on the workbench `url`, waited until usable. */
export async function openWorkbench(browser: Browser, url: string, opts: WorkbenchOptions = {}): Promise<Workbench> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1400, height: 900 },
    deviceScaleFactor: 1,
    locale: 'en-US',
  });
  // Clipboard access for copy/paste in the editor.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
  const page = await context.newPage();
  const consoleLog: string[] = [];
  const debug = process.env.QKV_E2E_DEBUG === '1';
  page.on('console', (m) => {
    const line = `[${m.type()}] ${m.text()}`;
    consoleLog.push(line);
    if (debug || (opts.logConsole && m.type() === 'error')) console.log(`  browser ${line}`);
  });
  page.on('pageerror', (e) => {
    consoleLog.push(`[pageerror] ${e.message}`);
    if (debug || opts.logConsole) console.log(`  browser [pageerror] ${e.message}`);
  });
  await page.goto(url);
  await waitForWorkbench(page, opts);
  return { context, page, consoleLog };
}

/** CSS class VS Code puts on .monaco-workbench for a built-in theme. */
function themeClass(theme: Theme): string {
  return theme === 'Default Light Modern' ? 'vscode-theme-defaults-themes-light_modern-json' : 'vscode-theme-defaults-themes-dark_modern-json';
}

/**
 * Waits for the workbench: its parts laid out, the explorer showing the folder, and (optionally)
 * the theme applied. The extension host may still be starting after this: runCommand and
 * openFile retry until their items appear.
 */
export async function waitForWorkbench(page: Page, opts: { theme?: Theme; timeoutMs?: number } = {}): Promise<void> {
  const timeout = opts.timeoutMs ?? 120_000;
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout });
  await page.locator('.monaco-workbench .part.editor').waitFor({ state: 'visible', timeout });
  // With a folder open the explorer lists it; the tree's first rows mean the file service works.
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ state: 'visible', timeout });
  if (opts.theme) {
    const cls = themeClass(opts.theme);
    await page.waitForFunction((c) => document.querySelector('.monaco-workbench')?.classList.contains(c), cls, { timeout });
  }
}

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = `${QUICK_INPUT} .quick-input-box input`;
const QUICK_INPUT_ROWS = `${QUICK_INPUT} .quick-input-list .monaco-list-row`;

async function closeQuickInput(page: Page): Promise<void> {
  if (await page.locator(QUICK_INPUT).isVisible()) {
    await page.keyboard.press('Escape');
    await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
  }
}

/**
 * Opens Quick Open / the command palette with `key` and puts `text` into its box. Typing goes
 * through the real input box: it is the same as a user typing.
 */
async function quickInput(page: Page, key: string, text: string): Promise<void> {
  const box = page.locator(QUICK_INPUT_BOX);
  // A webview that takes focus just as the box opens (its tab was clicked a moment before) closes the box again
  // on blur: seen in CI. Open it again then, up to three times, before giving up.
  for (let attempt = 1; ; attempt++) {
    await closeQuickInput(page);
    await page.keyboard.press(key);
    try {
      await box.waitFor({ state: 'visible', timeout: 10_000 });
      await box.fill(text, { timeout: 5_000 });
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
      console.log(`      [workbench] the quick input closed before "${text}" was typed (attempt ${attempt}); opening it again`);
    }
  }
}

/** The labels of the rows that Quick Open / the palette shows now. */
export async function quickInputLabels(page: Page): Promise<string[]> {
  return page.locator(QUICK_INPUT_ROWS).evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label') ?? ''));
}

/** Polls `fn` until it returns a value (not undefined) or the time is up. */
export async function poll<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 60_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The value of the panel's toolkit dropdown `#id`. */
export function pickerValue(frame: Frame, id: string): Promise<string> {
  return frame.locator(`#${id}`).evaluate((e) => (e as HTMLElement & { value: string }).value);
}

/** Picks `value` in the panel's toolkit dropdown `#id` as a person does (open it, click the option) and waits until it holds. */
export async function pickOption(frame: Frame, id: string, value: string): Promise<void> {
  await frame.locator(`#${id}`).click();
  await frame.locator(`#${id} vscode-option[value="${value}"]`).click();
  await poll(async () => ((await pickerValue(frame, id)) === value ? true : undefined), `${id} ${value} picked`, 10_000);
}

/**
 * Opens a workspace file with Quick Open (Ctrl+P) and waits until its editor is active.
 * The first search waits for the extension host (it serves file search): up to a minute.
 * With `notebook`, waits for the notebook editor's first cell instead of a text editor.
 */
export async function openFile(page: Page, relativePath: string, timeoutMs = 90_000, opts: { notebook?: boolean } = {}): Promise<void> {
  const base = path.posix.basename(relativePath.replace(/\\/g, '/'));
  const deadline = Date.now() + timeoutMs;
  // Re-type the query now and then: a search started before the search provider was ready
  // can end empty and is not re-run by itself.
  for (;;) {
    await quickInput(page, 'Control+P', relativePath);
    const row = page.locator(QUICK_INPUT_ROWS).filter({ has: page.locator('.label-name', { hasText: base }) }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: Math.min(15_000, Math.max(1000, deadline - Date.now())) });
      // Enter takes the highlighted row, which under load can still be a recently opened file before the
      // list filters (seen when reopening a file): wait until the highlighted row is this file. (Keys, not a
      // click: the mouse stays where it was, away from where menus open next.)
      await page.locator(`${QUICK_INPUT_ROWS}.focused`).filter({ has: page.locator('.label-name', { hasText: base }) }).first()
        .waitFor({ state: 'visible', timeout: 10_000 });
      await page.keyboard.press('Enter');
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`Quick Open found no ${relativePath}; rows: ${JSON.stringify(await quickInputLabels(page))}`);
    }
  }
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 10_000 });
  await page.locator('.tabs-container .tab.active', { hasText: base }).waitFor({ state: 'visible', timeout: 30_000 });
  const editor = opts.notebook ? page.locator('.notebook-editor .cell-editor-container .view-lines').first() : activeEditor(page).locator('.view-lines');
  await editor.waitFor({ state: 'visible', timeout: 30_000 });
}

/** The focused text editor's Monaco root. */
export function activeEditor(page: Page) {
  return page.locator('.editor-group-container.active .editor-instance .monaco-editor').first();
}

/**
 * The text of the lines the active editor renders now (only the visible ones), with Monaco's
 * non-breaking spaces turned back into spaces.
 */
export async function editorText(page: Page): Promise<string> {
  const lines = await activeEditor(page).locator('.view-lines .view-line').evaluateAll((els) =>
    els.map((e) => ({ top: parseFloat((e as HTMLElement).style.top) || 0, text: (e as HTMLElement).textContent ?? '' })));
  return lines.sort((a, b) => a.top - b.top).map((l) => l.text.replace(/\u00a0/g, ' ')).join('\n');
}

/** Waits until the active editor shows `text`. */
export async function waitForEditorText(page: Page, text: string, timeoutMs = 30_000): Promise<void> {
  await poll(async () => ((await editorText(page)).includes(text) ? true : undefined), `editor text ${JSON.stringify(text)}`, timeoutMs);
}

/** Puts the keyboard focus into the active editor (clicks its first line if it has no focus). */
export async function focusEditor(page: Page): Promise<void> {
  const focused = () => page.evaluate(() => {
    const active = document.activeElement;
    return !!active?.closest('.editor-instance .monaco-editor');
  });
  if (await focused()) return;
  // After working in a webview panel its group is the active one: click the first text editor instead.
  const target = (await activeEditor(page).count()) > 0 ? activeEditor(page) : page.locator('.editor-instance .monaco-editor').first();
  await target.locator('.view-lines').click({ position: { x: 5, y: 5 } });
  // The hidden textarea (or the EditContext div in newer VS Code) takes the keys.
  await poll(async () => (await focused()) || undefined, 'editor focus', 10_000);
}

/** Ctrl+A in the active editor; waits until the status bar shows the selection. */
export async function selectAll(page: Page): Promise<void> {
  await focusEditor(page);
  await page.keyboard.press('Control+A');
  // The status bar updates a moment later; an empty document never shows "selected".
  await poll(async () => ((await cursorPosition(page)).selected > 0 ? true : undefined), 'the status bar to show the selection', 5_000, 50)
    .catch(() => undefined);
}

/** The status bar's cursor item, e.g. "Ln 1, Col 5 (3 selected)". */
export async function cursorStatus(page: Page): Promise<string> {
  const item = page.locator('#status\\.editor\\.selection');
  return ((await item.textContent({ timeout: 10_000 })) ?? '').trim();
}

/** Parses cursorStatus(): line and column of the cursor (the selection's active end), count selected. */
export async function cursorPosition(page: Page): Promise<{ line: number; column: number; selected: number }> {
  const s = await cursorStatus(page);
  const m = /Ln (\d+), Col (\d+)(?: \((\d+) selected\))?/.exec(s);
  if (!m) throw new Error(`cannot read the cursor from the status bar: ${JSON.stringify(s)}`);
  return { line: Number(m[1]), column: Number(m[2]), selected: m[3] ? Number(m[3]) : 0 };
}

async function waitCursor(page: Page, line: number, column: number): Promise<void> {
  await poll(async () => {
    const p = await cursorPosition(page);
    return p.line === line && p.column === column ? true : undefined;
  }, `cursor at Ln ${line}, Col ${column} (status bar: ${await cursorStatus(page).catch(() => '?')})`, 10_000, 50);
}

/** Moves the cursor with Go to Line (Ctrl+G, "line:column"); 1-based like the status bar. */
export async function goTo(page: Page, line: number, column = 1): Promise<void> {
  await focusEditor(page);
  await quickInput(page, 'Control+G', `:${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 10_000 });
  await waitCursor(page, line, column);
}

/**
 * Selects from `start` to `end` (1-based lines and columns, as in the status bar; `end`
 * exclusive like a VS Code Range's end) with the keyboard: Go to Line, then Shift+arrows.
 * Columns count UTF-16 units, so one per CJK character. Lines with tabs are not supported
 * (the status bar's column is then visual).
 */
export async function selectRange(page: Page, start: { line: number; column: number }, end: { line: number; column: number }): Promise<void> {
  await goTo(page, start.line, start.column);
  for (let l = start.line; l < end.line; l++) await page.keyboard.press('Shift+ArrowDown');
  for (let l = start.line; l > end.line; l--) await page.keyboard.press('Shift+ArrowUp');
  // Shift+Down keeps the column where it can; step to the wanted one.
  const now = await poll(async () => {
    const p = await cursorPosition(page);
    return p.line === end.line ? p : undefined;
  }, `cursor on line ${end.line}`, 10_000, 50);
  const key = end.column > now.column ? 'Shift+ArrowRight' : 'Shift+ArrowLeft';
  for (let i = 0; i < Math.abs(end.column - now.column); i++) await page.keyboard.press(key);
  await waitCursor(page, end.line, end.column);
}

/**
 * Selects the first occurrence of `text` after the cursor with the Find widget (Ctrl+F, type,
 * Enter, Escape): Find moves the selection onto the match and leaves it there when closed.
 */
export async function selectText(page: Page, text: string): Promise<void> {
  await focusEditor(page);
  await page.keyboard.press('Control+F');
  const find = activeEditor(page).locator('.find-widget.visible textarea, .find-widget.visible input').first();
  await find.waitFor({ state: 'visible', timeout: 10_000 });
  await find.fill(text);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  await activeEditor(page).locator('.find-widget.visible').waitFor({ state: 'hidden', timeout: 10_000 });
  await poll(async () => ((await cursorPosition(page)).selected === text.length ? true : undefined),
    `selection of ${text.length} characters`, 10_000, 50);
}

/**
 * Runs a command by its palette title (e.g. "QKV Lens: Show Attention") via F1. Retries until
 * the palette lists it: an extension's commands appear once the extension is registered. Waits for
 * the palette to close unless the command opens a quick pick of its own (`opensQuickInput`).
 */
export async function runCommand(page: Page, title: string, timeoutMs = 60_000, opts: { opensQuickInput?: boolean } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await quickInput(page, 'F1', `>${title}`);
    // A row's label is the title; the aria-label may add the keybinding or "recently used".
    const row = page.locator(QUICK_INPUT_ROWS).filter({
      has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }),
    }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: Math.min(10_000, Math.max(1000, deadline - Date.now())) });
      await row.click();
      break;
    } catch {
      if (Date.now() > deadline) {
        throw new Error(`the command palette has no "${title}"; rows: ${JSON.stringify(await quickInputLabels(page))}`);
      }
    }
  }
  // A command that opens its own quick pick keeps the widget open: the caller waits for its items.
  if (!opts.opensQuickInput) await page.locator(QUICK_INPUT).waitFor({ state: 'hidden', timeout: 10_000 });
}

/**
 * Right-clicks `target` and clicks the context menu item `label`, as a person does, then waits for
 * `ran()` (what the command shows). The workbench rebuilds an open context menu when context keys
 * change (extensions still activating right after start-up), and a click that lands during the
 * rebuild is lost: the menu then stays open or closes without running anything. Such a click is
 * retried (logged, at most `attempts` clicks); `ran()` must say whether the command started.
 */
export async function runFromContextMenu(
  page: Page, target: Locator, label: string, ran: () => Promise<boolean>,
  opts: { position?: { x: number; y: number }; attempts?: number; waitMs?: number } = {},
): Promise<number> {
  const attempts = opts.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    await target.click({ button: 'right', position: opts.position ?? { x: 40, y: 8 } });
    const item = page.locator('.context-view .action-item', { hasText: label }).first();
    await item.waitFor({ state: 'visible', timeout: 30_000 });
    // As a person does: point at the item, then click. A click that lands the moment the menu appears can be
    // swallowed by the menu; if it is still open after a moment, the highlighted item is chosen with Enter.
    await item.hover();
    await page.waitForTimeout(200);
    await item.click();
    const menuVisible = () => page.locator('.context-view .monaco-menu').isVisible().catch(() => false);
    const settled = await poll(async () => ((await ran()) || !(await menuVisible()) ? true : undefined), 'the menu to close', 1500).then(() => true, () => false);
    if (!settled) {
      console.log(`  [note] context menu "${label}": the click left the menu open; choosing the item with Enter`);
      await item.hover();
      await page.keyboard.press('Enter');
    }
    const started = Date.now();
    let menuOpen = false;
    const ok = await poll(async () => {
      if (await ran()) return true;
      menuOpen = await menuVisible();
      return undefined;
    }, `"${label}" to run`, opts.waitMs ?? 20_000).then(() => true, () => false);
    if (ok) return attempt;
    const why = menuOpen ? 'the menu is still open' : 'the menu closed and nothing ran';
    console.log(`  [retry] context menu "${label}", attempt ${attempt}: ${why} after ${Date.now() - started} ms`);
    if (attempt >= attempts) throw new Error(`the context menu item "${label}" did not run after ${attempts} clicks (${why})`);
    if (menuOpen) await page.keyboard.press('Escape');
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface WebviewQuery {
  /** `publisher.name` of the extension that owns the webview (from the outer iframe's URL). */
  extensionId?: string;
  /** A CSS selector that must match inside the webview's document. */
  selector?: string;
  /** Text the webview's body must contain. */
  text?: string;
}

/**
 * The Frame with an extension webview's own document. VS Code nests it: an outer
 * `iframe.webview` (URL `.../webview/browser/pre/index.html?id=...&extensionId=...`) holds an
 * inner iframe (created as `pending-frame`, its id becomes `active-frame` when shown) with the
 * extension's HTML; both are same-origin with the workbench in code-server. Returns the inner frame whose parent
 * matches `extensionId` and whose document matches `selector`/`text`, or that satisfies a
 * predicate. When the extension sets `webview.html` again VS Code swaps in a new inner frame:
 * call this again rather than keeping an old Frame.
 */
export async function webviewFrame(page: Page, query: WebviewQuery | ((frame: Frame) => Promise<boolean>), timeoutMs = 60_000): Promise<Frame> {
  const matches = async (frame: Frame): Promise<boolean> => {
    if (frame.isDetached()) return false;
    const outer = frame.parentFrame();
    if (!outer || !/\/webview\/browser\/pre\/index\.html/.test(outer.url())) return false;
    // Playwright's frame.name() is the name at creation ("pending-frame"); VS Code renames the
    // element's id to "active-frame" once the content is shown. Skip frames still pending.
    const id = await frame.evaluate(() => (window.frameElement ? window.frameElement.id : null));
    if (id !== null && id !== 'active-frame') return false;
    if (typeof query === 'function') return query(frame);
    if (query.extensionId) {
      const id = new URL(outer.url()).searchParams.get('extensionId');
      if (id?.toLowerCase() !== query.extensionId.toLowerCase()) return false;
    }
    if (query.selector && (await frame.locator(query.selector).count()) === 0) return false;
    if (query.text && !((await frame.locator('body').textContent()) ?? '').includes(query.text)) return false;
    return true;
  };
  return poll(async () => {
    for (const frame of page.frames()) {
      if (await matches(frame).catch(() => false)) return frame;
    }
    return undefined;
  }, `a webview frame matching ${typeof query === 'function' ? 'the predicate' : JSON.stringify(query)}`, timeoutMs);
}

/** Texts of the notification toasts shown now (e.g. from showInformationMessage). */
export async function notifications(page: Page): Promise<string[]> {
  return page.locator('.notifications-toasts .notification-toast .notification-list-item-message')
    .evaluateAll((els) => els.map((e) => (e.textContent ?? '').trim()));
}

/** Waits for a notification toast containing `text`. */
export async function waitForNotification(page: Page, text: string, timeoutMs = 30_000): Promise<string> {
  return poll(async () => (await notifications(page)).find((n) => n.includes(text)), `a notification with ${JSON.stringify(text)}`, timeoutMs);
}

/** A PNG of the page; creates the folder. */
export async function screenshot(page: Page, file: string): Promise<string> {
  const out = path.resolve(file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out });
  return out;
}
