// The attention panel survives being hidden behind another editor and a window reload, in a real VS Code
// (code-server, packaged extension, no retainContextWhenHidden): hidden, its webview is destroyed and
// comes back from the webview state; after a reload, VS Code recreates it through the extension's
// WebviewPanelSerializer, which runs the same analysis again. The learner's view, layer and head stay.
import * as assert from 'assert';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { openFile, pickOption, poll, runCommand, screenshot, selectText, waitForEditorText, waitForWorkbench, webviewFrame } from '../support/workbench';
import { EXTENSION_ID, RESULTS, useSession } from './session';

import { SENTENCE, SENTENCE_TOKENS } from '../support/teachingSentence';

interface PanelState { view?: string; tokens?: string; layer?: string; head?: string }

/** The panel's frame once it shows the sentence's tokens (a new Frame after every re-creation). */
async function panel(page: Page, timeoutMs = 120_000): Promise<Frame> {
  return webviewFrame(page, { extensionId: EXTENSION_ID, selector: `body[data-tokens="${SENTENCE_TOKENS.length}"]` }, timeoutMs);
}

async function readState(frame: Frame): Promise<PanelState> {
  return frame.evaluate(() => ({
    view: document.body.dataset.view,
    tokens: document.body.dataset.tokens,
    layer: (document.getElementById('layer') as (HTMLElement & { value?: string }) | null)?.value,
    head: (document.getElementById('head') as (HTMLElement & { value?: string }) | null)?.value,
  }));
}

async function waitForState(page: Page, expected: PanelState, what: string): Promise<void> {
  let last: PanelState = {};
  await poll(async () => {
    const frame = await panel(page, 5_000).catch(() => undefined);
    if (!frame) return undefined;
    last = await readState(frame).catch(() => ({}));
    return (Object.keys(expected) as Array<keyof PanelState>).every((k) => last[k] === expected[k]) ? true : undefined;
  }, what, 120_000).catch((err: Error) => {
    throw new Error(`${err.message}: expected ${JSON.stringify(expected)}, panel ${JSON.stringify(last)}`);
  });
}

describe('The attention panel survives hiding and a window reload (real VS Code)', function () {
  this.timeout(300_000);
  const session = useSession({
    prefix: 'qkv-e2e-restore-',
    files: { 'sample.txt': `${SENTENCE}\n`, 'other.txt': 'another file\n' },
    workbench: { viewport: { width: 1600, height: 900 } },
  });
  let page: Page;
  before(() => {
    page = session().page;
  });
  const chosen: PanelState = { view: 'matrix', tokens: String(SENTENCE_TOKENS.length), layer: '1', head: '2' };

  it('a learner picks the matrix view, layer 1 and head 2', async function () {
    await openFile(page, 'sample.txt');
    await waitForEditorText(page, SENTENCE);
    await selectText(page, SENTENCE);
    await runCommand(page, 'QKV Lens: Show Attention');
    const frame = await panel(page);
    await frame.locator('#tab-matrix').click();
    for (const [id, value] of [['layer', '1'], ['head', '2']]) await pickOption(frame, id, value);
    assert.deepStrictEqual(await readState(frame), chosen);
  });

  it('keeps them when the panel is hidden behind another editor and shown again', async function () {
    // Open a file in the panel's editor group: the panel's tab stays, its webview goes away.
    await page.locator('.tab', { hasText: /^Attention/ }).click();
    await openFile(page, 'other.txt');
    await poll(async () => ((await page.locator('.tab.active', { hasText: 'other.txt' }).count()) >= 1 ? true : undefined), 'other.txt active', 20_000);
    await poll(async () => ((await panel(page, 1_000).catch(() => undefined)) ? undefined : true), 'the hidden panel\'s webview to go', 20_000);
    await page.locator('.tab', { hasText: /^Attention/ }).click();
    await waitForState(page, chosen, 'the panel back in the learner\'s state');
  });

  it('comes back after Developer: Reload Window, through the serializer, in the same state', async function () {
    await runCommand(page, 'Developer: Reload Window');
    await waitForWorkbench(page);
    await waitForState(page, chosen, 'the restored panel');
    const frame = await panel(page);
    assert.match((await frame.locator('header').textContent()) ?? '', /sample\.txt/);
    await screenshot(page, path.join(RESULTS, 'panel-restored-after-reload.png'));
  });
});
