// The "see why" features in a real VS Code (code-server) with the packaged extension, on the built-in
// model and the sample sentence: head labels in the model view (a label opens its head where it is
// strongest), the q·k geometry, side by side with the random-init checkpoint (run by the extension
// host's model worker), and the training lab forming a previous-token head. A screenshot of each.
import * as assert from 'assert';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { openFile, poll, runCommand, screenshot, selectText, waitForEditorText, webviewFrame } from '../support/workbench';
import { EXTENSION_ID, RESULTS, VSIX, useSession } from './session';
import { SENTENCE, SENTENCE_TOKENS } from '../support/teachingSentence';

const bodyData = (frame: Frame, key: string) => frame.evaluate((k) => document.body.dataset[k] ?? '', key);

describe('See why (head labels, q·k geometry, side by side, training lab) in a real VS Code', function () {
  this.timeout(300_000);
  const session = useSession({
    prefix: 'qkv-e2e-seewhy-',
    files: { 'sample.txt': `${SENTENCE}\n` },
    server: () => ({ vsixPath: VSIX }),
    workbench: { theme: 'Default Dark Modern', viewport: { width: 1700, height: 1000 } },
  });
  let page: Page;
  let frame: Frame;

  before(async () => {
    page = session().page;
    await runCommand(page, 'View: Close Primary Side Bar');
    await openFile(page, 'sample.txt');
    await waitForEditorText(page, SENTENCE);
    await selectText(page, SENTENCE);
    await runCommand(page, 'QKV Lens: Show Attention');
    frame = await webviewFrame(page, { extensionId: EXTENSION_ID, selector: `[data-token-index="${SENTENCE_TOKENS.length - 1}"]` }, 120_000);
  });

  it('model view: every head is labelled; a label explains itself and opens the head where it is strongest', async () => {
    await frame.locator('#tab-model').click();
    await frame.locator('.mv-label').first().waitFor({ timeout: 30_000 });
    const kinds = await frame.locator('.mv-label').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.kind));
    assert.strictEqual(kinds.length, Number(await frame.evaluate(() => document.querySelectorAll('.mv-cell').length)) - 2 * Number(await frame.evaluate(() => document.querySelectorAll('.mv-layer').length)));
    assert.ok(kinds.includes('previous'), `labels: ${kinds.join(', ')}`);
    await screenshot(page, path.join(RESULTS, 'seewhy-1-head-labels.png'));
    await frame.locator('.mv-label[data-kind="previous"]').first().click();
    await poll(async () => ((await bodyData(frame, 'view')) === 'matrix' ? true : undefined), 'the matrix view', 20_000);
    assert.match((await frame.locator('.head-note').textContent()) ?? '', /Previous-token head/);
    await page.waitForTimeout(300);
    await screenshot(page, path.join(RESULTS, 'seewhy-2-label-opened.png'));
  });

  it('q·k geometry: queries and keys in one plane, a query’s strongest keys beside it', async () => {
    await frame.locator('#tab-geometry').click();
    await frame.locator('.geo-query').first().waitFor({ timeout: 30_000 });
    await frame.locator('.geo-query').last().hover();
    await poll(async () => ((await bodyData(frame, 'geoTop')) ? true : undefined), 'the focused query’s keys', 20_000);
    assert.match((await frame.locator('.geometry-view').textContent()) ?? '', /The two axes keep [\d.]+% of the variance/);
    await screenshot(page, path.join(RESULTS, 'seewhy-3-geometry.png'));
  });

  it('side by side with the random-init checkpoint, run by the extension host', async () => {
    await frame.locator('#tab-compare').click();
    await poll(async () => ((await bodyData(frame, 'cmpReady')) === 'yes' ? true : undefined), 'two heads side by side', 30_000);
    const firstStage = await frame.evaluate(() => Array.from(document.querySelectorAll('#cmp-with vscode-option')).map((o) => o.getAttribute('value') ?? '').find((v) => v.startsWith('stage:')));
    assert.ok(firstStage, 'the training stages are offered');
    await frame.evaluate((v) => {
      const el = document.getElementById('cmp-with') as HTMLElement & { value: string };
      el.value = v;
      el.dispatchEvent(new Event('change'));
    }, firstStage);
    await poll(async () => ((await bodyData(frame, 'cmpReady')) === 'yes' && ((await frame.locator('.cmp-row').textContent()) ?? '').includes('B: random init') ? true : undefined), 'the random-init run from the host', 120_000);
    const mean = Number(await bodyData(frame, 'cmpMeanAbs'));
    assert.ok(mean > 0, `training changed the head: mean |A − B| ${mean}`);
    await page.waitForTimeout(300);
    await screenshot(page, path.join(RESULTS, 'seewhy-4-side-by-side.png'));
  });

  it('training lab: a previous-token head forms from random weights', async () => {
    await frame.locator('#tab-lab').click();
    await frame.locator('.lab-matrix').first().waitFor({ timeout: 30_000 });
    const started = Date.now();
    await frame.locator('#lab-train').click();
    await poll(async () => ((await bodyData(frame, 'labFormedAt')) ? true : undefined), 'the previous-token head', 120_000);
    const seconds = (Date.now() - started) / 1000;
    const best = Number(await bodyData(frame, 'labBest'));
    console.log(`  [timing] training lab in code-server: formed at step ${await bodyData(frame, 'labFormedAt')} after ${seconds.toFixed(1)} s (${(await frame.locator('.lab-backend').textContent()) ?? ''}), best head ${best.toFixed(3)}`);
    assert.ok(best >= 0.8);
    await frame.locator('#lab-train').click();
    await page.waitForTimeout(300);
    await screenshot(page, path.join(RESULTS, 'seewhy-5-training-lab.png'));
  });
});
