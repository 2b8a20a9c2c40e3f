// Show Attention in a Jupyter notebook (.ipynb opened in code-server's notebook editor, from its built-in
// ipynb extension): a selection in a cell is analysed, the attention is painted in that cell's editor (and
// no other), stays on the cell when it moves, follows the cursor inside it, and comes back when the notebook
// is closed and opened again (VS Code then gives the cells new editors, without decorations).
import * as assert from 'assert';
import * as path from 'path';
import type { Frame, Locator, Page } from 'playwright-core';
import { openFile, poll, screenshot, webviewFrame } from '../support/workbench';
import { EXTENSION_ID, RESULTS, VSIX, useSession } from './session';
import { AT, SENTENCE, SENTENCE_TOKENS, tokenStart } from '../support/teachingSentence';

function notebook(): string {
  const cell = (source: string, cell_type = 'code') => ({ cell_type, metadata: {}, source: [source], ...(cell_type === 'code' ? { execution_count: null, outputs: [] } : {}) });
  return JSON.stringify({
    cells: [cell('x = 1 + 2'), cell(SENTENCE), cell('print(x)')],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  }, null, 1);
}

const ROWS = '.notebook-editor .cell-list-container .code-cell-row';

/** The cell row (and its editor) that shows `text`. */
function cell(page: Page, text: string): Locator {
  return page.locator(ROWS).filter({ has: page.locator('.cell-editor-container .view-lines', { hasText: text }) }).first();
}

/** The code cells' texts, top to bottom as shown (the list places its rows by absolute position, not DOM order). */
async function cellTexts(page: Page): Promise<string[]> {
  const rows = await page.locator(ROWS).evaluateAll((els) => els.map((e) => ({ top: e.getBoundingClientRect().top, text: (e.querySelector('.cell-editor-container .view-lines')?.textContent ?? '').replace(/\u00a0/g, ' ') })));
  return rows.sort((a, b) => a.top - b.top).map((r) => r.text);
}

/** Texts of the cells whose editor carries attention decorations. */
async function paintedCells(page: Page): Promise<string[]> {
  return page.locator(ROWS).evaluateAll((els) => els.filter((e) => e.querySelector('.cell-editor-container .view-overlays div[class*="ced-"], .cell-editor-container .view-lines span[class*="ced-"]'))
    .map((e) => (e.querySelector('.cell-editor-container .view-lines')?.textContent ?? '').replace(/\u00a0/g, ' ')));
}

async function panelFrame(page: Page, tokens: number): Promise<Frame> {
  const frame = await webviewFrame(page, { extensionId: EXTENSION_ID, selector: `[data-token-index="${tokens - 1}"]` }, 120_000);
  await poll(async () => ((await frame.locator('[data-token-index]').count()) === tokens ? true : undefined), `${tokens} tokens in the panel`, 60_000);
  return frame;
}

describe('Show Attention in a Jupyter notebook cell (code-server notebook editor)', function () {
  this.timeout(300_000);
  const session = useSession({
    prefix: 'qkv-e2e-notebook-',
    files: { 'notes.ipynb': notebook() },
    server: () => ({ vsixPath: VSIX }),
    workbench: { viewport: { width: 1600, height: 900 } },
  });
  let page: Page;
  before(async () => {
    page = session().page;
    await openFile(page, 'notes.ipynb', 90_000, { notebook: true });
    await poll(async () => ((await cellTexts(page)).includes(SENTENCE) ? true : undefined), 'the notebook editor to show the cells', 60_000);
  });

  it('analyses the selection in a cell and paints that cell only', async function () {
    await cell(page, SENTENCE).locator('.cell-editor-container .view-lines').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+Alt+Q');
    const frame = await panelFrame(page, SENTENCE_TOKENS.length);
    assert.deepStrictEqual(await frame.locator('[data-token-index] .token-text').allTextContents(), SENTENCE_TOKENS);
    assert.match((await frame.locator('header').textContent()) ?? '', /notes\.ipynb/);
    await frame.locator(`[data-token-index="${AT.员}"]`).hover();
    await frame.locator('.details-title', { hasText: '员' }).waitFor({ timeout: 10_000 });
    const painted = await poll(async () => {
      const p = await paintedCells(page);
      return p.length ? p : undefined;
    }, 'attention painted in a cell', 20_000);
    assert.deepStrictEqual(painted, [SENTENCE], 'only the analysed cell is painted');
    await screenshot(page, path.join(RESULTS, 'notebook-cell.png'));
  });

  it('the painting stays on the cell when it moves, and the cursor in the cell focuses tokens in the panel', async function () {
    // Move the analysed cell to the top (command mode: Escape, then Move Cell Up twice).
    await page.mouse.move(200, 200);
    const before = (await cellTexts(page)).indexOf(SENTENCE);
    assert.strictEqual(before, 1);
    await cell(page, SENTENCE).locator('.cell-editor-container .view-lines').click();
    await page.keyboard.press('Escape');
    for (let i = 0; i < before; i++) await page.keyboard.press('Alt+ArrowUp');
    await poll(async () => ((await cellTexts(page))[0] === SENTENCE ? true : undefined), 'the cell moved to the top', 20_000);
    // No new hover or cursor move: the moved cell's editor is painted again by itself.
    await poll(async () => ((await paintedCells(page)).join('|') === SENTENCE ? true : undefined), 'the moved cell painted, and no other', 20_000);
    const frame = await panelFrame(page, SENTENCE_TOKENS.length);
    // The editor's cursor before 程 focuses the token 程序 in the panel.
    await page.mouse.move(200, 600);
    await cell(page, SENTENCE).locator('.cell-editor-container .view-lines').click();
    await page.keyboard.press('Home');
    for (let i = 0; i < tokenStart(AT.程序); i++) await page.keyboard.press('ArrowRight');
    await frame.locator(`[data-token-index="${AT.程序}"].focused`).waitFor({ timeout: 20_000 });
    assert.deepStrictEqual(await paintedCells(page), [SENTENCE]);
    await screenshot(page, path.join(RESULTS, 'notebook-cell-moved.png'));
  });

  it('paints the cell again when the notebook is closed and opened again (its cells get new editors)', async function () {
    await cell(page, SENTENCE).locator('.cell-editor-container .view-lines').click();
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+W');
    await page.locator('.tabs-container .tab', { hasText: 'notes.ipynb' }).waitFor({ state: 'detached', timeout: 20_000 });
    await openFile(page, 'notes.ipynb', 90_000, { notebook: true });
    await poll(async () => ((await paintedCells(page)).join('|') === SENTENCE ? true : undefined), 'the cell painted again, and no other', 20_000);
  });
});
