/**
 * Head labels in the model view, in headless Chromium, on the built-in teaching model's real weights:
 * every head shows the label computed by src/shared/headLabels.ts; a click (or Enter) on a label shows
 * its sentence and opens the head in the matrix view on the token where the pattern is strongest;
 * arrow keys reach the labels; the Chinese strings; a screenshot to look at.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import type { AttentionTrace } from '../../src/engine/trace';
import { HeadLabel, labelHeads } from '../../src/shared/headLabels';
import { CHROMIUM, CHROMIUM_ARGS, Harness, analysisMessage, initMessage, openHarness, zhInitMessage } from '../support/webviewHarness';

const ROOT = path.resolve(__dirname, '../..');
const shots = path.join(ROOT, 'test-results');
const TEXT = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员';

describe('head labels in the model view (headless Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let h: Harness;
  let trace: AttentionTrace;
  let labels: HeadLabel[];

  before(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist/webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
    fs.mkdirSync(shots, { recursive: true });
    await initWasmBackend(defaultWasmDir(__dirname));
    const m = loadModelFromDir(path.join(ROOT, 'media/models/teaching'));
    trace = runTrace(m, TEXT);
    m.model.dispose();
    labels = labelHeads({ layers: trace.model.layers, heads: trace.model.heads, causal: trace.model.causal, weights: trace.weights, tokens: trace.tokens.map((t) => t.text), special: trace.tokens.map((t) => t.special) });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    h = await openHarness({ theme: 'dark', browser, width: 1000, height: 800 });
    await h.post(initMessage());
    await h.post(analysisMessage(trace));
    await h.page.waitForSelector('[data-token-index="0"]');
  });

  after(async () => {
    await h?.close();
    await browser?.close();
  });

  it('shows every head its label and score, as the shared module computes them', async () => {
    await h.page.click('#tab-model');
    const shown = await h.page.$$eval('.mv-label', (els) => els.map((e) => ({ layer: Number((e as HTMLElement).dataset.layer), head: Number((e as HTMLElement).dataset.head), kind: (e as HTMLElement).dataset.kind, text: e.textContent, aria: e.getAttribute('aria-label') })));
    assert.strictEqual(shown.length, trace.model.layers * trace.model.heads);
    for (const l of labels) {
      const s = shown.find((x) => x.layer === l.layer && x.head === l.head);
      assert.ok(s, `L${l.layer}H${l.head} has a label`);
      assert.strictEqual(s.kind, l.top.kind);
      assert.ok(s.text?.includes(l.top.score.toFixed(2)), `${s.text} shows ${l.top.score.toFixed(2)}`);
      assert.match(s.aria ?? '', new RegExp(`Layer ${l.layer}, head ${l.head}: .*score ${l.top.score.toFixed(2)}`));
    }
    // The trained model has a previous-token head on this sentence (its model card says so).
    assert.ok(labels.some((l) => l.top.kind === 'previous'), 'a previous-token label');
  });

  it('a click explains the label and opens the head on the token where it is strongest', async () => {
    const best = labels.filter((l) => l.top.kind === 'previous').sort((a, b) => b.top.score - a.top.score)[0];
    await h.page.click(`.mv-label[data-layer="${best.layer}"][data-head="${best.head}"]`);
    assert.strictEqual(await h.page.evaluate(() => document.body.dataset.view), 'matrix');
    const note = (await h.page.textContent('.head-note')) ?? '';
    assert.match(note, /Previous-token head: each token gives on average/);
    const at = best.top.at;
    assert.ok(at);
    assert.ok(note.includes(`“${trace.tokens[at.query].text}” → “${trace.tokens[at.key].text}”`), note);
    assert.match((await h.page.textContent('.matrix-view .legend')) ?? '', new RegExp(`Layer ${best.layer} · Head ${best.head}`));
    await h.page.waitForFunction((q) => (window as unknown as { __state?: { focused?: number } }).__state?.focused === q, at.query);
    const state = (await h.state()) as { focused: number; key: number; layer: number; head: number };
    assert.deepStrictEqual([state.layer, state.head, state.focused, state.key], [best.layer, best.head, at.query, at.key]);
    await h.page.screenshot({ path: path.join(shots, 'head-label-opened.png') });
    await h.page.click('.head-note-close');
    assert.ok(await h.page.isHidden('.head-note'));
  });

  it('arrow keys reach the labels from the thumbnails, and Enter on a label does the same as a click', async () => {
    await h.page.click('#tab-model');
    await h.page.focus('.mv-cell[data-layer="0"][data-head="0"]');
    await h.page.keyboard.press('ArrowDown');
    assert.strictEqual(await h.page.evaluate(() => (document.activeElement as HTMLElement).className.split(' ')[0]), 'mv-label');
    await h.page.keyboard.press('ArrowRight');
    assert.deepStrictEqual(await h.page.evaluate(() => [(document.activeElement as HTMLElement).dataset.layer, (document.activeElement as HTMLElement).dataset.head]), ['0', '1']);
    await h.page.keyboard.press('Enter');
    assert.strictEqual(await h.page.evaluate(() => document.body.dataset.view), 'matrix');
    assert.ok(!(await h.page.isHidden('.head-note')));
    await h.page.click('#tab-model');
    await h.page.screenshot({ path: path.join(shots, 'head-labels-dark.png') });
  });

  it('speaks Chinese', async () => {
    const zh = await openHarness({ theme: 'light', browser, width: 1000, height: 800 });
    try {
      await zh.post(zhInitMessage());
      await zh.post(analysisMessage(trace));
      await zh.page.waitForSelector('[data-token-index="0"]');
      await zh.page.click('#tab-model');
      const text = (await zh.page.textContent('.model-view')) ?? '';
      assert.match(text, /前一个词元/);
      await zh.page.click('.mv-label[data-layer="0"][data-head="1"]');
      assert.match((await zh.page.textContent('.head-note')) ?? '', /第 0 层 · 第 1 头/);
      await zh.page.click('#tab-model');
      await zh.page.screenshot({ path: path.join(shots, 'head-labels-zh-light.png') });
      assert.deepStrictEqual(await zh.cspViolations(), []);
    } finally {
      await zh.close();
    }
  });
});
