import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, headOffset } from '../../src/engine/trace';
import { RandomGpt2, SAMPLE_ZH, makeRandomGpt2 } from '../support/randomModel';
import { Harness, analysisMessage, initMessage, openHarness } from '../support/webviewHarness';

const shots = path.resolve(__dirname, '../../test-results');

describe('webview in headless Chromium', function () {
  this.timeout(120_000);
  let random: RandomGpt2;
  let loaded: LoadedModel;
  let trace: AttentionTrace;
  let h: Harness;

  before(async () => {
    if (!fs.existsSync(path.resolve(__dirname, '../../dist/webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
    fs.mkdirSync(shots, { recursive: true });
    await initWasmBackend(defaultWasmDir(__dirname));
    random = makeRandomGpt2();
    loaded = loadModelFromDir(random.dir);
    trace = runTrace(loaded, SAMPLE_ZH);
    h = await openHarness({ theme: 'dark' });
    await h.post(initMessage());
    await h.post(analysisMessage(trace));
    await h.page.waitForSelector('[data-token-index="25"]');
  });
  after(async () => {
    await h?.close();
    loaded?.model.dispose();
    fs.rmSync(random.dir, { recursive: true, force: true });
  });

  it('shows one chip per token, in order', async () => {
    const texts = await h.page.$$eval('[data-token-index] .token-text', (els) => els.map((e) => e.textContent));
    assert.deepStrictEqual(texts, SAMPLE_ZH.split(''));
  });

  it('recomputes the weights on WebGL and they equal the host weights', async () => {
    await h.page.waitForFunction(() => document.body.dataset.recomputeBackend !== undefined);
    const backend = await h.page.evaluate(() => document.body.dataset.recomputeBackend);
    assert.strictEqual(backend, 'webgl');
    await h.page.waitForFunction(() => (document.body.dataset.recomputeMaxDiff ?? '') !== '');
    const diff = Number(await h.page.evaluate(() => document.body.dataset.recomputeMaxDiff));
    assert.ok(diff < 1e-5, `max difference ${diff}`);
  });

  it('hovering 员 shows its weights on 程 and 序, equal to the model', async () => {
    await h.page.hover('[data-token-index="25"]');
    // The weights are drawn on a canvas; each token's label carries its weight for screen readers
    // (updated once the focus rests).
    await h.page.waitForSelector('.token-strip[data-labels-for="25"]');
    const labels = await h.page.$$eval('[data-token-index]', (els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    const t = trace.tokens.length;
    const base = headOffset(trace, 0, 0, t, t) + 25 * t;
    assert.strictEqual(labels[23], `程: weight ${trace.weights[base + 23].toFixed(3)}`);
    assert.strictEqual(labels[24], `序: weight ${trace.weights[base + 24].toFixed(3)}`);
    const title = await h.page.textContent('.details-title');
    assert.match(title ?? '', /员/);
    await h.page.screenshot({ path: path.join(shots, 'webview-dark-hover.png') });
  });

  it('masks future tokens for a causal model and tells the host which token is focused', async () => {
    await h.page.hover('[data-token-index="3"]');
    await h.page.waitForSelector('.token-strip[data-labels-for="3"]');
    const masked = await h.page.$$eval('[data-token-index]', (els) => els.map((e) => /masked/.test(e.getAttribute('aria-label') ?? '')));
    assert.deepStrictEqual(masked.map((m, i) => m === i > 3), masked.map(() => true));
    const posted = await h.posted();
    assert.ok(posted.some((m) => m.type === 'focusToken' && m.index === 3));
    // Token 3 sees 4 keys: the list of the keys it attends to most has 4 rows, none for masked keys.
    const rows = await h.page.$$eval('.top-item', (els) => els.filter((e) => getComputedStyle(e).display !== 'none').map((e) => e.textContent ?? ''));
    assert.strictEqual(rows.length, 4, `visible rows: ${JSON.stringify(rows)}`);
  });

  it('veils exactly the masked tokens, on every line of a wrapped strip', async () => {
    /** Per token: is its centre under one of the veil layers (as clipped by the strip)? */
    const veiled = () =>
      h.page.$$eval('.tokens-view [data-token-index]', (chips) => {
        const clip = document.querySelector('.tokens-view .strip-veil')!.getBoundingClientRect();
        const layers = [...document.querySelectorAll('.tokens-view .veil-layer')].map((l) => l.getBoundingClientRect());
        return chips.map((c) => {
          const r = c.getBoundingClientRect();
          const x = r.left + r.width / 2;
          const y = r.top + r.height / 2;
          // (No named helper: tsx would wrap it in a __name call the page does not have.)
          return [clip, layers.find((b) => x >= b.left && x <= b.right && y >= b.top && y <= b.bottom)].every((b) => b && x >= b.left && x <= b.right && y >= b.top && y <= b.bottom);
        });
      });
    const size = h.page.viewportSize();
    await h.page.setViewportSize({ width: 320, height: 900 });
    try {
      const lines = await h.page.$$eval('.tokens-view [data-token-index]', (els) => new Set(els.map((e) => Math.round(e.getBoundingClientRect().top))).size);
      assert.ok(lines >= 3, `the strip wraps onto ${lines} lines`);
      for (const focus of [0, 3, 9, 24, 25]) {
        await h.page.hover(`.tokens-view [data-token-index="${focus}"]`);
        await h.page.waitForSelector(`.token-strip[data-labels-for="${focus}"]`);
        assert.deepStrictEqual(await veiled(), trace.tokens.map((_, i) => i > focus), `focus on token ${focus}`);
      }
    } finally {
      if (size) await h.page.setViewportSize(size);
    }
  });

  it('moves between tokens with the arrow keys and clears with Escape', async () => {
    await h.page.focus('[data-token-index="0"]');
    await h.page.keyboard.press('ArrowRight');
    await h.page.keyboard.press('ArrowRight');
    assert.strictEqual(await h.page.evaluate(() => (document.activeElement as HTMLElement).dataset.tokenIndex), '2');
    assert.match((await h.page.getAttribute('[data-token-index="2"]', 'aria-label')) ?? '', /attends to/);
    // The details follow the keyboard focus as they follow the pointer; the other tokens' labels give the weights.
    assert.match((await h.page.textContent('.details-title')) ?? '', /自/);
    await h.page.waitForSelector('.token-strip[data-labels-for="2"]');
    const base = headOffset(trace, 0, 0, trace.tokens.length, trace.tokens.length) + 2 * trace.tokens.length;
    assert.strictEqual(await h.page.getAttribute('[data-token-index="1"]', 'aria-label'), `${trace.tokens[1].text}: weight ${trace.weights[base + 1].toFixed(3)}`);
    assert.match((await h.page.getAttribute('[data-token-index="3"]', 'aria-label')) ?? '', /masked/);
    await h.page.keyboard.press('Escape');
    assert.strictEqual(await h.page.$$eval('.token.focused', (els) => els.length), 0);
  });

  it('drops malformed messages and reports them to the host', async () => {
    await h.post({ type: 'analysis', analysis: { bogus: true } } as never);
    const posted = await h.posted();
    assert.ok(posted.some((m) => m.type === 'log' && /malformed/.test(m.message)));
    assert.strictEqual(await h.page.$$eval('[data-token-index]', (els) => els.length), SAMPLE_ZH.length);
  });

  it('loads nothing that breaks its Content-Security-Policy', async () => {
    assert.deepStrictEqual(await h.cspViolations(), []);
  });

  it('renders in the light theme too', async () => {
    const light = await openHarness({ theme: 'light' });
    try {
      await light.post(initMessage());
      await light.post(analysisMessage(trace));
      await light.page.waitForSelector('[data-token-index="25"]');
      await light.page.hover('[data-token-index="25"]');
      await light.page.screenshot({ path: path.join(shots, 'webview-light-hover.png') });
      assert.deepStrictEqual(await light.cspViolations(), []);
    } finally {
      await light.close();
    }
  });
});
