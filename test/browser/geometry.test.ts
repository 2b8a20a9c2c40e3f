/**
 * The q·k geometry view in headless Chromium, on the built-in teaching model: the PCA in the page keeps
 * the variance the same code keeps in Node; focusing a query (keyboard) lists its strongest keys with
 * the model's own weights; the √dk and temperature what-ifs change those weights live, equal to a
 * reference; the shift's explanation is on screen; Chinese; a screenshot to look at.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Browser, chromium } from 'playwright-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, headOffset } from '../../src/engine/trace';
import { recomputeLayerJs } from '../../webview/attentionMath';
import { projectQk } from '../../webview/geometry/qkProjection';
import { CHROMIUM, CHROMIUM_ARGS, Harness, analysisMessage, initMessage, openHarness, zhInitMessage, exported } from '../support/webviewHarness';

const ROOT = path.resolve(__dirname, '../..');
const shots = path.join(ROOT, 'test-results');
const TEXT = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员';
const LAYER = 0;
const HEAD = 1;

describe('q·k geometry view (headless Chromium)', function () {
  this.timeout(120_000);
  let browser: Browser;
  let h: Harness;
  let trace: AttentionTrace;
  let t: number;
  const headQk = () => {
    const d = trace.model.headDim;
    const o = headOffset(trace, LAYER, HEAD, t, d);
    return { q: trace.q.subarray(o, o + t * d), k: trace.k.subarray(o, o + t * d), d };
  };
  const top = async () => ((await h.page.evaluate(() => document.body.dataset.geoTop)) ?? '').split(',').filter(Boolean).map((s) => s.split(':').map(Number) as [number, number]);

  before(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist/webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
    fs.mkdirSync(shots, { recursive: true });
    await initWasmBackend(defaultWasmDir(__dirname));
    const m = loadModelFromDir(path.join(ROOT, 'media/models/teaching'));
    trace = runTrace(m, TEXT);
    m.model.dispose();
    t = trace.tokens.length;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    h = await openHarness({ theme: 'dark', browser, width: 1100, height: 900 });
    await h.post(initMessage());
    await h.post(analysisMessage(trace));
    await h.page.waitForSelector('[data-token-index="0"]');
    await h.post({ type: 'lesson', view: 'geometry', layer: LAYER, head: HEAD });
    await h.page.waitForSelector('.geo-query');
  });

  after(async () => {
    await h?.close();
    await browser?.close();
  });

  it('plots every query and key, keeping the variance the PCA keeps in Node, and says why the shift is harmless', async () => {
    assert.strictEqual(await h.page.$$eval('.geo-query', (e) => e.length), t);
    assert.strictEqual(await h.page.$$eval('.geo-key', (e) => e.length), t);
    const { q, k, d } = headQk();
    await tf.setBackend('cpu');
    const node = projectQk(q, k, t, d);
    const page = Number(await h.page.evaluate(() => document.body.dataset.geoExplained));
    assert.ok(Math.abs(page - (node.explained[0] + node.explained[1])) < 1e-3, `page ${page} vs node ${node.explained}`);
    const text = (await h.page.textContent('.geometry-view')) ?? '';
    assert.match(text, /The two axes keep [\d.]+% of the variance/);
    assert.match(text, /adds the same q·c to every score of a query q, and the softmax ignores a constant added to a whole row/);
  });

  it('a focused query lists its strongest keys with the model’s weights, and the lines go to them', async () => {
    await h.page.focus('.geo-plot');
    await h.page.keyboard.press('End');
    await h.page.waitForFunction(() => !!document.body.dataset.geoTop);
    const rows = await top();
    assert.strictEqual(rows.length, 5);
    const base = headOffset(trace, LAYER, HEAD, t, t) + (t - 1) * t;
    const model = Array.from(trace.weights.subarray(base, base + t));
    const best = model.map((w, j) => [j, w]).sort((a, b) => b[1] - a[1]).slice(0, 5);
    assert.deepStrictEqual(rows.map((r) => r[0]), best.map((b) => b[0]));
    rows.forEach(([j, w]) => assert.ok(Math.abs(w - model[j]) < 1e-4, `key ${j}: ${w} vs ${model[j]}`));
    assert.strictEqual(await h.page.$$eval('.geo-line', (e) => e.length), 5);
    const table = (await h.page.textContent('.geo-table')) ?? '';
    assert.match(table, /q·k.*\|k\|.*cos θ/);
    const line = (await h.page.textContent('.geo-query-line')) ?? '';
    assert.ok(line.startsWith(`Query “${trace.tokens[t - 1].text}” (position ${t - 1}), |q| = `), line);
    await h.page.keyboard.press('ArrowLeft');
    await h.page.waitForFunction((p) => (document.querySelector('.geo-query-line')?.textContent ?? '').includes(`position ${p}`), t - 2);
    await h.page.keyboard.press('ArrowRight');
    await h.page.screenshot({ path: path.join(shots, 'geometry-dark.png') });
    // Export: the plot as vector shapes, the coordinates as numbers.
    const svg = await exported(h, 'svg');
    assert.match(svg.fileName, /^qkv-geometry-L0-h1\.svg$/);
    assert.strictEqual((svg.data.match(/<circle /g) ?? []).length, t, 'one circle per query in the SVG');
    const json = JSON.parse((await exported(h, 'json')).data) as { explained: number[]; queries: number[][]; keys: number[][] };
    assert.strictEqual(json.queries.length, t);
    assert.ok(json.explained[0] >= json.explained[1] && json.explained[1] > 0);
    assert.match((await exported(h, 'png')).data, /^data:image\/png;base64,/);
  });

  it('√dk off and temperature 2 change the weights beside the plot live, equal to a reference', async () => {
    const { q, k, d } = headQk();
    const ref = (scale: boolean, temperature: number) => {
      const w = recomputeLayerJs(q, k, 1, t, d, { scale, temperature, causal: true });
      return w.subarray((t - 1) * t, t * t);
    };
    const was = (await h.page.evaluate(() => document.body.dataset.geoTop)) ?? '';
    await h.page.click('#scale');
    await h.page.waitForFunction((before) => document.body.dataset.geoTop !== before, was);
    let rows = await top();
    let r = ref(false, 1);
    rows.forEach(([j, w]) => assert.ok(Math.abs(w - r[j]) < 1e-4, `no √dk, key ${j}: ${w} vs ${r[j]}`));
    assert.match((await h.page.textContent('.geo-score-note')) ?? '', /not divided by √dk/);
    await h.page.click('#scale');
    await h.page.$eval('#temperature', (el) => {
      (el as HTMLInputElement).value = '2';
      el.dispatchEvent(new Event('input'));
    });
    await h.page.waitForFunction(() => (document.querySelector('.geo-score-note')?.textContent ?? '').includes('temperature 2.00'));
    rows = await top();
    r = ref(true, 2);
    rows.forEach(([j, w]) => assert.ok(Math.abs(w - r[j]) < 1e-4, `temperature 2, key ${j}: ${w} vs ${r[j]}`));
    await h.page.click('#reset-what-if');
  });

  it('speaks Chinese', async () => {
    const zh = await openHarness({ theme: 'light', browser, width: 1100, height: 900 });
    try {
      await zh.post(zhInitMessage());
      await zh.post(analysisMessage(trace));
      await zh.page.waitForSelector('[data-token-index="0"]');
      await zh.page.click('#tab-geometry');
      await zh.page.waitForSelector('.geo-query');
      await zh.page.hover(`.geo-query[data-query="${t - 1}"]`);
      await zh.page.waitForFunction(() => !!document.body.dataset.geoTop);
      assert.match((await zh.page.textContent('.geometry-view')) ?? '', /softmax 对整行加上的常数视而不见/);
      await zh.page.screenshot({ path: path.join(shots, 'geometry-zh-light.png') });
      assert.deepStrictEqual(await zh.cspViolations(), []);
    } finally {
      await zh.close();
    }
  });
});
