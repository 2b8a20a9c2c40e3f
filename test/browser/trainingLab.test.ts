/**
 * The training lab in headless Chromium (WebGL through SwiftShader, or cpu): the tab opens, Train grows
 * a previous-token head on the copy task (the page's own measure, ≥ 0.8), the loss curve, attention
 * matrices and Wq/Wk heat maps are drawn; Pause stops, Step adds one step, Reset and a new seed start
 * again from random weights; the other tasks train; Chinese strings; a screenshot to look at.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import { syntheticTrace } from '../support/syntheticTrace';
import { CHROMIUM, CHROMIUM_ARGS, Harness, analysisMessage, initMessage, openHarness, zhInitMessage, exported } from '../support/webviewHarness';

const ROOT = path.resolve(__dirname, '../..');
const shots = path.join(ROOT, 'test-results');
const body = (h: Harness, key: string) => h.page.evaluate((k) => document.body.dataset[k] ?? '', key);

async function setTask(h: Harness, task: string): Promise<void> {
  await h.page.evaluate((value) => {
    const el = document.getElementById('lab-task') as HTMLElement & { value: string };
    el.value = value;
    el.dispatchEvent(new Event('change'));
  }, task);
}

describe('training lab (headless Chromium)', function () {
  this.timeout(240_000);
  let browser: Browser;
  let h: Harness;

  before(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist/webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
    fs.mkdirSync(shots, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    h = await openHarness({ theme: 'dark', browser, width: 1000, height: 1000 });
    await h.post(initMessage());
    await h.post(analysisMessage(syntheticTrace({ tokens: 24, layers: 2, heads: 2, headDim: 8 })));
    await h.page.waitForSelector('[data-token-index="0"]');
  });

  after(async () => {
    await h?.close();
    await browser?.close();
  });

  it('trains the copy task until a previous-token head forms, drawing loss, attention and Wq/Wk', async () => {
    await h.page.click('#tab-lab');
    await h.page.waitForSelector('.lab-matrix');
    assert.strictEqual(await body(h, 'labStep'), '0');
    assert.ok(Number(await body(h, 'labBest')) < 0.5, 'random weights: no previous-token head yet');
    assert.strictEqual(await h.page.$$eval('.lab-matrix', (e) => e.length), 2);
    assert.strictEqual(await h.page.$$eval('.lab-weight canvas', (e) => e.length), 4);
    const t0 = Date.now();
    await h.page.click('#lab-train');
    await h.page.waitForFunction(() => document.body.dataset.labFormedAt !== '' && document.body.dataset.labFormedAt !== undefined, undefined, { timeout: 180_000 });
    const seconds = (Date.now() - t0) / 1000;
    const best = Number(await body(h, 'labBest'));
    console.log(`      formed at step ${await body(h, 'labFormedAt')} after ${seconds.toFixed(1)} s in the page (${(await h.page.textContent('.lab-backend')) ?? ''}); best head ${best.toFixed(3)}`);
    assert.ok(best >= 0.8, `best head ${best}`);
    assert.match((await h.page.textContent('.lab-formed')) ?? '', /Formed at step \d+/);
    assert.match((await h.page.getAttribute('.lab-loss svg', 'aria-label')) ?? '', /Loss curve over \d+ steps/);
    await h.page.click('#lab-train'); // pause
    const paused = Number(await body(h, 'labStep'));
    await h.page.waitForTimeout(300);
    assert.strictEqual(Number(await body(h, 'labStep')), paused, 'paused: no more steps');
    await h.page.screenshot({ path: path.join(shots, 'training-lab-dark.png'), fullPage: true });
    await h.page.click('#lab-step');
    assert.strictEqual(Number(await body(h, 'labStep')), paused + 1);
    // Export: the loss curve as numbers, and a picture.
    const json = JSON.parse((await exported(h, 'json')).data) as { losses: number[]; formedAt: number; headScores: number[] };
    assert.strictEqual(json.losses.length, paused + 1);
    assert.ok(json.formedAt > 0 && Math.max(...json.headScores) >= 0.8);
    assert.match((await exported(h, 'svg')).data, /<polyline /);
  });

  it('Reset and a new seed start from random weights again; keyboard reaches every control', async () => {
    await h.page.click('#lab-reset');
    await h.page.waitForFunction(() => document.body.dataset.labStep === '0');
    const first = await h.page.$eval('canvas[data-matrix="Wq-0-0"]', (c) => (c as HTMLCanvasElement).toDataURL());
    await h.page.fill('#lab-seed', '7');
    await h.page.press('#lab-seed', 'Enter');
    await h.page.dispatchEvent('#lab-seed', 'change');
    await h.page.waitForFunction(() => document.body.dataset.labStep === '0');
    const other = await h.page.$eval('canvas[data-matrix="Wq-0-0"]', (c) => (c as HTMLCanvasElement).toDataURL());
    assert.notStrictEqual(first, other, 'another seed, other weights');
    // Tab order: task, seed, Train, Step, Reset.
    await h.page.focus('#lab-seed');
    await h.page.keyboard.press('Tab');
    assert.strictEqual(await h.page.evaluate(() => document.activeElement?.id), 'lab-train');
    await h.page.keyboard.press('Enter');
    await h.page.waitForFunction(() => Number(document.body.dataset.labStep) > 0);
    await h.page.keyboard.press('Enter');
  });

  it('trains the other tasks (brackets, induction, the selection) without errors', async () => {
    for (const task of ['brackets', 'induction', 'selection']) {
      await setTask(h, task);
      await h.page.waitForFunction(() => document.body.dataset.labStep === '0');
      await h.page.click('#lab-step');
      await h.page.click('#lab-step');
      assert.strictEqual(await body(h, 'labStep'), '2', task);
      assert.doesNotMatch((await h.page.textContent('.lab-status')) ?? '', /unavailable/);
      const matrices = await h.page.$$eval('.lab-matrix', (e) => e.length);
      assert.strictEqual(matrices, task === 'selection' ? 2 : 4, `${task}: one matrix per head`);
    }
    assert.match((await h.page.textContent('.lab-goal')) ?? '', /your selected text \(24 tokens/);
    assert.deepStrictEqual(await h.cspViolations(), []);
  });

  it('speaks Chinese', async () => {
    const zh = await openHarness({ theme: 'light', browser, width: 1000, height: 1000 });
    try {
      await zh.post(zhInitMessage());
      await zh.post(analysisMessage(syntheticTrace({ tokens: 12, layers: 1, heads: 2, headDim: 8 })));
      await zh.page.waitForSelector('[data-token-index="0"]');
      await zh.page.click('#tab-lab');
      await zh.page.waitForSelector('.lab-matrix');
      assert.match((await zh.page.textContent('.lab-view')) ?? '', /训练/);
      await zh.page.click('#lab-train');
      await zh.page.waitForFunction(() => !!document.body.dataset.labFormedAt, undefined, { timeout: 180_000 });
      await zh.page.click('#lab-train');
      await zh.page.screenshot({ path: path.join(shots, 'training-lab-zh-light.png'), fullPage: true });
    } finally {
      await zh.close();
    }
  });
});
