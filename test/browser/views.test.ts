/**
 * The teaching views in headless Chromium on a real (random-weight) GPT-2 trace: the view switcher,
 * head view, matrix, model view, step view, what-ifs recomputed on WebGL against a reference, mean of
 * heads and rollout, export of every view, keyboard and screen-reader labels, state after a reload,
 * and screenshots of every view in dark, light, high-contrast and Chinese (test-results/, look at them).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, headOffset } from '../../src/engine/trace';
import type { FromWebview } from '../../src/shared/protocol';
import { meanOfHeads, recomputeLayerJs, rolloutJs } from '../../webview/attentionMath';
import { RandomGpt2, SAMPLE_ZH, makeRandomGpt2 } from '../support/randomModel';
import { CHROMIUM, CHROMIUM_ARGS, Harness, analysisMessage, initMessage, openHarness, setDropdown, zhInitMessage } from './harness';
import { ThemeName } from './themes';

const shots = path.resolve(__dirname, '../../test-results');
type ExportMessage = Extract<FromWebview, { type: 'export' }>;
const VIEWS = ['tokens', 'heads', 'matrix', 'model', 'steps'] as const;

async function exported(h: Harness, kind: 'png' | 'svg' | 'csv' | 'json'): Promise<ExportMessage> {
  const before = (await h.posted()).filter((m) => m.type === 'export').length;
  await h.page.click(`#export-${kind}`);
  await h.page.waitForFunction((n) => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'export').length > n, before, { timeout: 30_000 });
  const all = (await h.posted()).filter((m): m is ExportMessage => m.type === 'export');
  return all[all.length - 1];
}

async function exportedJson<T>(h: Harness): Promise<T> {
  return JSON.parse((await exported(h, 'json')).data) as T;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.strictEqual(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('teaching views in headless Chromium', function () {
  this.timeout(180_000);
  let random: RandomGpt2;
  let loaded: LoadedModel;
  let trace: AttentionTrace;
  let browser: Browser;
  let h: Harness;
  let t: number;

  const hostRow = (layer: number, head: number, query: number) => {
    const base = headOffset(trace, layer, head, t, t) + query * t;
    return trace.weights.subarray(base, base + t);
  };
  const layerWeights = (layer: number) => trace.weights.subarray(layer * trace.model.heads * t * t, (layer + 1) * trace.model.heads * t * t);

  before(async () => {
    if (!fs.existsSync(path.resolve(__dirname, '../../dist/webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
    fs.mkdirSync(shots, { recursive: true });
    await initWasmBackend(defaultWasmDir(__dirname));
    random = makeRandomGpt2();
    loaded = loadModelFromDir(random.dir);
    trace = runTrace(loaded, SAMPLE_ZH);
    t = trace.tokens.length;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    h = await openHarness({ theme: 'dark', browser });
    await h.post(initMessage());
    await h.post(analysisMessage(trace));
    await h.page.waitForSelector('[data-token-index="25"]');
    await h.page.waitForFunction(() => (document.body.dataset.recomputeMaxDiff ?? '') !== '', undefined, { timeout: 60_000 });
  });
  after(async () => {
    await h?.close();
    await browser?.close();
    loaded?.model.dispose();
    fs.rmSync(random.dir, { recursive: true, force: true });
  });

  it('switches views with tabs, by click and with the arrow keys', async () => {
    for (const view of VIEWS) {
      await h.page.click(`#tab-${view}`);
      assert.strictEqual(await h.page.evaluate(() => document.body.dataset.view), view);
      assert.strictEqual(await h.page.getAttribute(`#tab-${view}`, 'aria-selected'), 'true');
    }
    await h.page.focus('#tab-steps');
    await h.page.keyboard.press('Home');
    assert.strictEqual(await h.page.evaluate(() => document.body.dataset.view), 'tokens');
    await h.page.keyboard.press('ArrowRight');
    assert.strictEqual(await h.page.evaluate(() => document.body.dataset.view), 'heads');
    assert.strictEqual(await h.page.evaluate(() => document.activeElement?.id), 'tab-heads');
  });

  it('head view: hovering a query isolates its lines and the tooltip gives the weights of every shown head', async () => {
    await h.page.click('#tab-heads');
    assert.strictEqual(await h.page.$$eval('.hv-head[aria-pressed="true"]', (els) => els.length), trace.model.heads);
    await h.page.hover('.hv-left [data-token-index="25"]');
    const tip = (await h.page.textContent('.qkv-tooltip')) ?? '';
    for (let head = 0; head < trace.model.heads; head++) {
      const row = hostRow(0, head, 25);
      const best = row.indexOf(Math.max(...row));
      assert.ok(tip.includes(`Head ${head}: ${SAMPLE_ZH[best]} ${row[best].toFixed(3)}`), `head ${head} in ${tip}`);
    }
    // The canvas has lines in it.
    const inked = await h.page.$eval('.hv-lines', (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? new Uint8ClampedArray();
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });
    assert.ok(inked > 500, `only ${inked} pixels drawn`);
    // Double-click shows one head only; "All" brings them back.
    await h.page.dblclick('.hv-head[data-head="2"]');
    assert.deepStrictEqual(await h.page.$$eval('.hv-head', (els) => els.map((e) => e.getAttribute('aria-pressed'))), ['false', 'false', 'true', 'false']);
    await h.page.click('.hv-all');
    assert.strictEqual(await h.page.$$eval('.hv-head[aria-pressed="true"]', (els) => els.length), trace.model.heads);
  });

  it('head view: keyboard moves within and across the columns, the tooltip follows focus, Escape closes it', async () => {
    await h.page.click('#tab-heads');
    await h.page.focus('.hv-left [data-token-index="0"]');
    await h.page.keyboard.press('ArrowDown');
    await h.page.keyboard.press('ArrowDown');
    assert.strictEqual(await h.page.evaluate(() => (document.activeElement as HTMLElement).dataset.tokenIndex), '2');
    assert.match((await h.page.textContent('.qkv-tooltip')) ?? '', /query 自 \(2\)/);
    assert.match((await h.page.getAttribute('.hv-left [data-token-index="2"]', 'aria-label')) ?? '', /Head 0: .* \d\.\d{3}/);
    await h.page.keyboard.press('ArrowRight');
    assert.strictEqual(await h.page.evaluate(() => (document.activeElement as HTMLElement).dataset.side), 'key');
    assert.match((await h.page.textContent('.qkv-tooltip')) ?? '', /key 自 \(2\)/);
    await h.page.keyboard.press('Escape');
    assert.strictEqual(await h.page.isHidden('.qkv-tooltip'), true);
  });

  it('matrix view: hover and arrow keys show a cell with the model weight; legend and hatched mask', async () => {
    await h.page.click('#tab-matrix');
    assert.match((await h.page.textContent('.matrix-view .legend')) ?? '', /Attention weight\s*0/);
    await h.page.focus('.matrix-canvas');
    for (let i = 0; i < 25; i++) await h.page.keyboard.press('ArrowDown');
    for (let j = 0; j < 23; j++) await h.page.keyboard.press('ArrowRight');
    const tip = (await h.page.textContent('.qkv-tooltip')) ?? '';
    assert.ok(tip.includes(`query 员 (25) → key 程 (23)`), tip);
    assert.ok(tip.includes(hostRow(0, 0, 25)[23].toFixed(4)), tip);
    assert.ok(((await h.page.textContent('.matrix-view [aria-live]')) ?? '').includes(hostRow(0, 0, 25)[23].toFixed(4)));
    for (let i = 0; i < 5; i++) await h.page.keyboard.press('ArrowUp');
    for (let j = 0; j < 2; j++) await h.page.keyboard.press('ArrowRight');
    assert.match((await h.page.textContent('.qkv-tooltip')) ?? '', /query 的 \(20\) → key 员 \(25\)masked/);
    await h.page.keyboard.press('Escape');
    assert.strictEqual(await h.page.isHidden('.qkv-tooltip'), true);
  });

  it('model view: one thumbnail per layer and head plus mean and rollout; a click opens it in the matrix view', async () => {
    await h.page.click('#tab-model');
    const cells = await h.page.$$eval('.mv-cell', (els) => els.map((e) => `${(e as HTMLElement).dataset.layer}/${(e as HTMLElement).dataset.head}`));
    assert.strictEqual(cells.length, trace.model.layers * (trace.model.heads + 2));
    assert.ok(cells.includes('1/-2') && cells.includes('0/-1'));
    await h.page.click('.mv-cell[data-layer="1"][data-head="2"]');
    assert.strictEqual(await h.page.evaluate(() => document.body.dataset.view), 'matrix');
    assert.match((await h.page.textContent('.matrix-view .legend')) ?? '', /Layer 1 · Head 2/);
    assert.strictEqual(await h.page.evaluate(() => (document.getElementById('layer') as HTMLElement & { value: string }).value), '1');
    // The head picker follows too (it once kept the previous head while the matrix showed head 2).
    assert.strictEqual(await h.page.evaluate(() => (document.getElementById('head') as HTMLElement & { value: string }).value), '2');
    await setDropdown(h, 'layer', '0');
    await setDropdown(h, 'head', '0');
  });

  it('step view: recomputes q·k/√dk, the mask, the softmax and the output from q, k, v, equal to the model', async () => {
    await h.page.click('#tab-steps');
    await h.page.hover('.step-view .token-strip [data-token-index="25"]');
    await h.page.waitForSelector('.step-body[data-query="25"]');
    assert.match((await h.page.textContent('.step-title')) ?? '', /query “员” \(position 25\)/);
    // The strongest keys are listed; "Show all" lists every key.
    assert.ok((await h.page.$$eval('.step-table:not(.output-table) tbody tr', (els) => els.length)) < t);
    await h.page.click('.step-view .link-button');
    assert.strictEqual(await h.page.$$eval('.step-table:not(.output-table) tbody tr', (els) => els.length), t);
    await h.page.click('.step-table tr[data-key="23"]');
    const worked = await h.page.$eval('.worked .check-line', (e) => ({ weight: Number((e as HTMLElement).dataset.weight), ref: Number((e as HTMLElement).dataset.reference), ok: e.classList.contains('ok') }));
    assert.ok(Math.abs(worked.weight - hostRow(0, 0, 25)[23]) < 1e-6, `${worked.weight} vs ${hostRow(0, 0, 25)[23]}`);
    assert.ok(worked.ok);
    assert.match((await h.page.textContent('.worked')) ?? '', /÷ √dk = .* ÷ √8 = /);
    const checks = await h.page.$$eval('.step-view .check-line', (els) => els.map((e) => ({ ok: e.classList.contains('ok'), diff: Number((e as HTMLElement).dataset.diff ?? 0) })));
    assert.ok(checks.length >= 3 && checks.every((c) => c.ok && c.diff < 1e-5), JSON.stringify(checks));
    // The numbers behind it: softmax weights and output against Σ w·v from the host's trace.
    const json = await exportedJson<{ keys: Array<{ weight: number; masked: boolean }>; output: number[] }>(h);
    assert.ok(maxDiff(json.keys.map((k) => k.weight), hostRow(0, 0, 25)) < 1e-6);
    const d = trace.model.headDim;
    const vAt = headOffset(trace, 0, 0, t, d);
    const out = new Float64Array(d);
    hostRow(0, 0, 25).forEach((w, j) => {
      for (let x = 0; x < d; x++) out[x] += w * trace.v[vAt + j * d + x];
    });
    assert.ok(maxDiff(json.output, out) < 1e-5);
    // A masked key says so.
    await h.page.hover('.step-view .token-strip [data-token-index="3"]');
    await h.page.waitForSelector('.step-body[data-query="3"]');
    await h.page.click('.step-table tr[data-key="7"]');
    assert.match((await h.page.textContent('.worked')) ?? '', /key 7 comes after query 3: masked/);
  });

  it('step view: arrow keys move the query along the tokens, labels carry the weights, Escape leaves the strip', async () => {
    await h.page.click('#tab-steps');
    await h.page.focus('.step-view .token-strip [data-token-index="20"]');
    for (let i = 0; i < 5; i++) await h.page.keyboard.press('ArrowRight');
    assert.strictEqual(await h.page.evaluate(() => (document.activeElement as HTMLElement).dataset.tokenIndex), '25');
    // The worked-through body follows once the keys rest; the labels of the other tokens then give their weight.
    await h.page.waitForSelector('.step-body[data-query="25"]');
    await h.page.waitForSelector('.step-view .token-strip[data-labels-for="25"]');
    assert.match((await h.page.textContent('.step-title')) ?? '', /query “员” \(position 25\)/);
    const label = (await h.page.getAttribute('.step-view .token-strip [data-token-index="23"]', 'aria-label')) ?? '';
    assert.strictEqual(label, `程: weight ${hostRow(0, 0, 25)[23].toFixed(3)}`);
    assert.match((await h.page.getAttribute('.step-view .token-strip [data-token-index="24"]', 'aria-label')) ?? '', /^序: weight \d\.\d{3}$/);
    assert.match((await h.page.getAttribute('.step-view .token-strip [data-token-index="25"]', 'aria-label')) ?? '', /attends to/);
    await h.page.keyboard.press('Escape');
    assert.strictEqual(await h.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.tokenIndex), undefined);
  });

  it('what-ifs: without √dk the softmax saturates, recomputed on WebGL equal to a reference; temperature and mask too', async () => {
    await h.page.click('#tab-matrix');
    const before = (await h.page.textContent('.saturation')) ?? '';
    await h.page.click('#scale');
    await h.page.waitForFunction(() => document.body.dataset.recomputeMaxDiff === '');
    const after = (await h.page.textContent('.saturation')) ?? '';
    const num = (s: string, label: string) => Number(new RegExp(`${label} ([\\d.]+)`).exec(s)?.[1]);
    assert.ok(num(after, 'entropy') < num(before, 'entropy'), `${before} → ${after}`);
    assert.ok(num(after, 'max weight') > num(before, 'max weight'), `${before} → ${after}`);
    assert.match(after, /the model: entropy/);
    const { heads, headDim } = trace.model;
    const q = trace.q.subarray(0, heads * t * headDim);
    const k = trace.k.subarray(0, heads * t * headDim);
    const noScale = recomputeLayerJs(q, k, heads, t, headDim, { scale: false, temperature: 1, causal: true });
    let json = await exportedJson<{ weights: number[][]; whatIf: { scale: boolean } }>(h);
    assert.strictEqual(json.whatIf.scale, false);
    assert.ok(maxDiff(json.weights.flat(), noScale.subarray(0, t * t)) < 1e-5);
    // The step view follows the what-if and checks against the live recompute.
    await h.page.click('#tab-steps');
    assert.match((await h.page.textContent('.step-view .check-line')) ?? '', /live GPU recompute/);
    assert.match((await h.page.textContent('.worked')) ?? '', /√dk scaling is off/);
    // Temperature 2 and no causal mask.
    await h.page.click('#tab-matrix');
    await h.page.click('#scale');
    await h.page.click('#causal');
    await h.page.$eval('#temperature', (el) => {
      (el as HTMLInputElement).value = '2';
      el.dispatchEvent(new Event('input'));
    });
    const hot = recomputeLayerJs(q, k, heads, t, headDim, { scale: true, temperature: 2, causal: false });
    json = await exportedJson<{ weights: number[][]; whatIf: { scale: boolean } }>(h);
    assert.ok(maxDiff(json.weights.flat(), hot.subarray(0, t * t)) < 1e-5);
    assert.ok(json.weights[0][5] > 0, 'no mask: the first token sees later ones');
    await h.page.click('#reset-what-if');
    await h.page.waitForFunction(() => Number(document.body.dataset.recomputeMaxDiff) < 1e-5);
    assert.strictEqual(await h.page.$eval('#temperature', (el) => (el as HTMLInputElement).value), '1');
  });

  it('aggregates: mean of heads and rollout (Abnar & Zuidema) equal a reference from the host weights', async () => {
    await h.page.click('#tab-matrix');
    await setDropdown(h, 'layer', '1');
    await setDropdown(h, 'head', '-1');
    const mean = await exportedJson<{ weights: number[][]; head: string }>(h);
    assert.strictEqual(mean.head, 'mean');
    const { heads, layers } = trace.model;
    assert.ok(maxDiff(mean.weights.flat(), meanOfHeads(layerWeights(1), heads, t)) < 1e-6);
    await setDropdown(h, 'head', '-2');
    const rollout = await exportedJson<{ weights: number[][]; head: string }>(h);
    assert.strictEqual(rollout.head, 'rollout');
    const reference = rolloutJs(Array.from({ length: layers }, (_, l) => meanOfHeads(layerWeights(l), heads, t)), t);
    assert.ok(maxDiff(rollout.weights.flat(), reference[1]) < 1e-5);
    for (const row of rollout.weights) assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-4);
    await setDropdown(h, 'head', '0');
    await setDropdown(h, 'layer', '0');
  });

  it('exports every view as PNG, SVG, CSV and JSON', async () => {
    for (const view of VIEWS) {
      await h.page.click(`#tab-${view}`);
      if (view === 'tokens' || view === 'steps') await h.page.hover('.token-strip [data-token-index="25"]');
      if (view === 'steps') await h.page.waitForSelector('.step-body[data-query="25"]');
      const png = await exported(h, 'png');
      assert.match(png.fileName, new RegExp(`^qkv-${view}.*\\.png$`));
      const bytes = Buffer.from(png.data.replace(/^data:image\/png;base64,/, ''), 'base64');
      assert.strictEqual(bytes.subarray(1, 4).toString('latin1'), 'PNG');
      assert.ok(bytes.readUInt32BE(16) > 200 && bytes.readUInt32BE(20) > 100, `${view} png ${bytes.readUInt32BE(16)}×${bytes.readUInt32BE(20)}`);
      fs.writeFileSync(path.join(shots, `export-${view}.png`), bytes);
      const svg = await exported(h, 'svg');
      assert.match(svg.data, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.ok(!svg.data.includes('foreignObject'));
      if (view !== 'model') assert.ok(svg.data.includes('>员<'), `${view} svg has the tokens`);
      fs.writeFileSync(path.join(shots, `export-${view}.svg`), svg.data);
      const csv = await exported(h, 'csv');
      assert.ok(csv.data.split('\n').length > 5);
      const json = await exportedJson<{ model: { name: string }; tokens: string[] }>(h);
      assert.strictEqual(json.tokens.join(''), SAMPLE_ZH);
    }
    const matrixCsv = (await (async () => {
      await h.page.click('#tab-matrix');
      return exported(h, 'csv');
    })()).data.trim().split('\n');
    assert.strictEqual(matrixCsv.length, t + 1);
    // The exported numbers are the panel's own (computed on the GPU from q and k): the model's to float32 rounding.
    assert.ok(Math.abs(Number(matrixCsv[26].split(',')[24]) - hostRow(0, 0, 25)[23]) < 1e-6);
  });

  it('keeps its view, layer, head and what-ifs after a reload (webview state)', async () => {
    await h.page.click('#tab-steps');
    await setDropdown(h, 'layer', '1');
    await h.page.$eval('#temperature', (el) => {
      (el as HTMLInputElement).value = '0.5';
      el.dispatchEvent(new Event('input'));
    });
    await h.page.waitForTimeout(300);
    const state = (await h.state()) as { view: string; layer: number; whatIf: { temperature: number } };
    assert.strictEqual(state.view, 'steps');
    assert.strictEqual(state.whatIf.temperature, 0.5);
    const again = await openHarness({ theme: 'dark', browser, state });
    try {
      await again.post(initMessage());
      await again.post(analysisMessage(trace));
      await again.page.waitForSelector('.step-view');
      assert.strictEqual(await again.page.evaluate(() => document.body.dataset.view), 'steps');
      assert.match((await again.page.textContent('.step-title')) ?? '', /Layer 1/);
      assert.strictEqual(await again.page.$eval('#temperature', (el) => (el as HTMLInputElement).value), '0.5');
    } finally {
      await again.close();
    }
    await h.page.click('#reset-what-if');
    await setDropdown(h, 'layer', '0');
  });

  it('loads nothing that breaks its Content-Security-Policy, in any view', async () => {
    assert.deepStrictEqual(await h.cspViolations(), []);
  });

  for (const theme of ['dark', 'light', 'high-contrast'] as ThemeName[]) {
    it(`renders every view in the ${theme} theme (screenshots in test-results/)`, async () => {
      const s = await openHarness({ theme, browser, width: 1000, height: 1100 });
      try {
        await s.post(theme === 'dark' ? zhInitMessage() : initMessage());
        await s.post(analysisMessage(trace));
        await s.page.waitForSelector('[data-token-index="25"]');
        for (const view of VIEWS) {
          await s.page.click(`#tab-${view}`);
          if (view === 'tokens' || view === 'steps') await s.page.hover('.token-strip [data-token-index="25"]');
          if (view === 'heads') await s.page.hover('.hv-left [data-token-index="25"]');
          if (view === 'steps') await s.page.waitForSelector('.step-body[data-query="25"]');
          await s.page.screenshot({ path: path.join(shots, `test-${view}-${theme}${theme === 'dark' ? '-zh' : ''}.png`), fullPage: true });
        }
        if (theme === 'dark') assert.strictEqual(await s.page.textContent('#tab-steps'), '逐步计算');
        assert.deepStrictEqual(await s.cspViolations(), []);
      } finally {
        await s.close();
      }
    });
  }
});
