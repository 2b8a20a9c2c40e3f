/**
 * The panel fetches what it shows and computes attention itself: the first paint needs only the
 * visible layer's q and k; long inputs travel as float16 within a bound the panel checks (and falls
 * back to float32 when the difference would show); the editor gets the row the panel computed; and
 * 200 layer switches leave no tensors behind on the GPU.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import type { FromWebview } from '../../src/shared/protocol';
import { UI_STRINGS } from '../../src/shared/strings';
import { AttentionTrace, headOffset } from '../../src/shared/trace';
import { recomputeLayerJs } from '../../webview/attentionMath';
import { CHROMIUM, CHROMIUM_ARGS, Harness, analysisMessage, initMessage, openHarness, setDropdown } from './harness';
import { syntheticTrace } from './syntheticTrace';

type Fetch = Extract<FromWebview, { type: 'fetchTrace' }>;

async function shown(h: Harness, trace: AttentionTrace): Promise<void> {
  await h.post(initMessage());
  await h.post(analysisMessage(trace));
  await h.page.waitForSelector(`[data-token-index="${trace.tokens.length - 1}"]`);
}

const bodyData = (h: Harness, key: string) => h.page.evaluate((k) => document.body.dataset[k] ?? '', key);

describe('trace on demand, attention in the panel', function () {
  this.timeout(180_000);
  let browser: Browser;
  before(async () => {
    if (!fs.existsSync(path.resolve(__dirname, '../../dist/webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => browser?.close());

  it('paints after fetching only the visible layer\'s q and k; the rest follows in the background', async () => {
    const trace = syntheticTrace({ tokens: 64, layers: 4, heads: 12, headDim: 64 });
    const h = await openHarness({ browser });
    try {
      await shown(h, trace);
      const layerBytes = 2 * 12 * 64 * 64 * 4;
      assert.strictEqual(Number(await bodyData(h, 'fetchedBytes')), layerBytes, 'q and k of layer 0 (float32 at this size), nothing else, before the first paint');
      const fetches = (await h.posted()).filter((m): m is Fetch => m.type === 'fetchTrace');
      assert.deepStrictEqual({ layer: fetches[0].layer, parts: fetches[0].parts }, { layer: 0, parts: ['q', 'k'] });
      // Then the check (the model's weights of the visible layer) and every other layer's q and k.
      await h.page.waitForFunction(() => (document.body.dataset.recomputeMaxDiff ?? '') !== '');
      const later = (await h.posted()).filter((m): m is Fetch => m.type === 'fetchTrace').slice(1);
      assert.deepStrictEqual(later.map((f) => `${f.layer}:${f.parts.join('+')}`).sort(), ['0:weights', '1:q+k', '2:q+k', '3:q+k']);
      assert.ok(Number(await bodyData(h, 'recomputeMaxDiff')) < 1e-5);
    } finally {
      await h.close();
    }
  });

  it('200 layer and head switches leave no tensors behind', async () => {
    const trace = syntheticTrace({ tokens: 48, layers: 4, heads: 4, headDim: 16 });
    const h = await openHarness({ browser });
    try {
      await shown(h, trace);
      await setDropdown(h, 'layer', '1');
      await h.page.waitForFunction(() => document.body.dataset.tensors !== undefined);
      const before = Number(await bodyData(h, 'tensors'));
      for (let n = 0; n < 200; n++) {
        await setDropdown(h, 'layer', String(n % 4));
        if (n % 10 === 0) await setDropdown(h, 'head', String(n % 3 === 0 ? -2 : n % 4));
      }
      await h.page.waitForSelector('[data-token-index="0"]');
      assert.strictEqual(Number(await bodyData(h, 'tensors')), before, 'live tfjs tensors after 200 switches');
    } finally {
      await h.close();
    }
  });

  it('long inputs travel as float16, and the panel\'s weights stay within 5e-4 of the model\'s', async () => {
    const trace = syntheticTrace({ tokens: 200, layers: 2, heads: 12, headDim: 64 });
    const h = await openHarness({ browser });
    try {
      await shown(h, trace);
      await h.page.waitForFunction(() => (document.body.dataset.recomputeMaxDiff ?? '') !== '');
      assert.strictEqual(await bodyData(h, 'precision'), 'f16');
      assert.strictEqual(Number(await bodyData(h, 'fetchedBytes')), 2 * 12 * 200 * 64 * 2, 'half the bytes of float32');
      const diff = Number(await bodyData(h, 'recomputeMaxDiff'));
      assert.ok(diff > 0 && diff <= 5e-4, `max difference from the model with float16 q and k: ${diff}`);
    } finally {
      await h.close();
    }
  });

  it('when float16 would show (large q and k), the panel fetches float32 again and matches the model', async () => {
    const trace = syntheticTrace({ tokens: 200, layers: 1, heads: 12, headDim: 64 });
    // Scores 40× as large: a softmax that float16's rounding of q and k moves visibly.
    for (let i = 0; i < trace.q.length; i++) trace.q[i] *= 40;
    const t = 200;
    const recomputed = recomputeLayerJs(trace.q, trace.k, 12, t, 64, { scale: true, temperature: 1, causal: true });
    trace.weights.set(recomputed);
    const h = await openHarness({ browser });
    try {
      await shown(h, trace);
      await h.page.waitForFunction(() => document.body.dataset.precision === 'f32' && (document.body.dataset.recomputeMaxDiff ?? '') !== '', undefined, { timeout: 60_000 });
      const diff = Number(await bodyData(h, 'recomputeMaxDiff'));
      assert.ok(diff < 1e-4, `after the float32 refetch: ${diff}`);
      const logs = (await h.posted()).filter((m) => m.type === 'log').map((m) => (m as { message: string }).message);
      assert.ok(logs.some((l) => /float16 q, k differ from the model by .*; fetching float32/.test(l)), logs.join('\n'));
    } finally {
      await h.close();
    }
  });

  it('tells the editor the row it shows, computed here with the what-ifs', async () => {
    const trace = syntheticTrace({ tokens: 40, layers: 2, heads: 4, headDim: 16 });
    const h = await openHarness({ browser });
    try {
      await shown(h, trace);
      await h.page.evaluate(() => {
        const slider = document.getElementById('temperature') as HTMLInputElement;
        slider.value = '2';
        slider.dispatchEvent(new Event('input'));
      });
      await h.page.hover('[data-token-index="30"]');
      const told = async () => {
        const all = (await h.posted()).filter((m): m is Extract<FromWebview, { type: 'focusToken' }> => m.type === 'focusToken' && m.index === 30 && m.row !== undefined);
        return all[all.length - 1];
      };
      await h.page.waitForFunction(() => (window as unknown as { __posted: Array<{ type: string; index?: number; row?: unknown }> }).__posted.some((m) => m.type === 'focusToken' && m.index === 30 && m.row));
      const message = await told();
      // Playwright hands typed arrays back as plain objects of their values.
      const row = Object.values(message.row as unknown as Record<string, number>);
      const at = headOffset(trace, 0, 0, 40, 16);
      const hot = recomputeLayerJs(trace.q.subarray(at, at + 40 * 16), trace.k.subarray(at, at + 40 * 16), 1, 40, 16, { scale: true, temperature: 2, causal: true });
      const want = Array.from(hot.subarray(30 * 40, 31 * 40));
      assert.strictEqual(row.length, 40);
      assert.ok(row.every((w, j) => Math.abs(w - want[j]) < 1e-5), 'the row under temperature 2, not the model\'s');
      const model = trace.weights.subarray(at + 30 * 40, at + 31 * 40);
      assert.ok(row.some((w, j) => Math.abs(w - model[j]) > 1e-3), 'and so not the model\'s own weights');
    } finally {
      await h.close();
    }
  });

  it('without any GPU path (WebGL required but missing) the panel shows the model\'s own weights, fetched', async () => {
    const trace = syntheticTrace({ tokens: 30, layers: 2, heads: 4, headDim: 16 });
    // A browser without WebGL: every canvas refuses a WebGL context.
    const noWebGl = `for (const C of [HTMLCanvasElement, OffscreenCanvas]) { const get = C.prototype.getContext; C.prototype.getContext = function (kind, ...rest) { return /webgl/.test(kind) ? null : get.call(this, kind, ...rest); }; }`;
    const h = await openHarness({ browser, initScript: noWebGl });
    try {
      await h.post({ ...initMessage(), backend: 'webgl' } as never);
      await h.post(analysisMessage(trace));
      await h.page.waitForSelector('[data-token-index="29"]');
      assert.strictEqual(await bodyData(h, 'recomputeBackend'), 'none');
      assert.strictEqual(await h.page.textContent('.panel-footer .check'), UI_STRINGS.recomputeUnavailable);
      const fetches = (await h.posted()).filter((m): m is Fetch => m.type === 'fetchTrace');
      assert.ok(fetches.some((f) => f.layer === 0 && f.parts.includes('weights') && f.head === undefined), 'the model\'s weights of the layer shown');
      await h.page.hover('[data-token-index="20"]');
      await h.page.waitForSelector('.token-strip[data-labels-for="20"]');
      const at = headOffset(trace, 0, 0, 30, 30) + 20 * 30;
      assert.strictEqual(await h.page.getAttribute('[data-token-index="19"]', 'aria-label'), `${trace.tokens[19].text}: weight ${trace.weights[at + 19].toFixed(3)}`);
    } finally {
      await h.close();
    }
  });

  it('auto on a software WebGL (SwiftShader here) computes small inputs in plain JS and large ones on WebGL', async () => {
    const h = await openHarness({ browser });
    try {
      await h.post(initMessage('auto'));
      await h.post(analysisMessage(syntheticTrace({ tokens: 26, layers: 1, heads: 4, headDim: 16 })));
      await h.page.waitForFunction(() => (document.body.dataset.recomputeMaxDiff ?? '') !== '');
      assert.strictEqual(await bodyData(h, 'recomputeBackend'), 'webgl');
      assert.match((await h.page.textContent('.panel-footer .check')) ?? '', /Live recompute on js/);
      assert.ok(Number(await bodyData(h, 'recomputeMaxDiff')) < 1e-6);
      // 12 heads × 256² × 64 = 50M multiply-adds: past plain JS's share.
      await h.post(analysisMessage(syntheticTrace({ tokens: 256, layers: 1, heads: 12, headDim: 64 }), { requestId: 2 }));
      await h.page.waitForFunction(() => /on webgl/.test(document.querySelector('.panel-footer .check')?.textContent ?? ''), undefined, { timeout: 60_000 });
    } finally {
      await h.close();
    }
  });
});
