/**
 * Side by side in headless Chromium: two heads of the built-in model (A − B equals the host weights'
 * difference), two training stages and two models (the page's compareRequest is answered here as the
 * host would, from runs of the real checkpoints), with token alignment when the tokenizers differ;
 * keyboard on the cells; Chinese; screenshots to look at. The host's side runs in code-server
 * (test/e2e/seeWhy.e2e.ts).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, chromium } from 'playwright-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, headOffset } from '../../src/engine/trace';
import type { CompareRequest } from '../../src/shared/compareProtocol';
import { alignTokens } from '../../src/shared/tokenAlignment';
import { makeRandomGpt2 } from '../support/randomModel';
import { CHROMIUM, CHROMIUM_ARGS, Harness, analysisMessage, initMessage, openHarness, zhInitMessage, exported } from '../support/webviewHarness';

const ROOT = path.resolve(__dirname, '../..');
const TEACHING = path.join(ROOT, 'media/models/teaching');
const shots = path.join(ROOT, 'test-results');
const TEXT = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员';
const STAGES = [{ step: 0, label: 'random init' }, { step: 3400, label: 'final' }];

async function choose(h: Harness, id: string, value: string): Promise<void> {
  await h.page.evaluate(([id, value]) => {
    const el = document.getElementById(id) as HTMLElement & { value: string };
    el.value = value;
    el.dispatchEvent(new Event('change'));
  }, [id, value]);
}

/** Answers the page's next compareRequest with head (layer, head) of `trace`, as src/commands/compareRuns.ts does. */
async function answerNext(h: Harness, trace: AttentionTrace, label: string, text: string, seen: number): Promise<CompareRequest> {
  await h.page.waitForFunction((n) => (window as unknown as { __posted: Array<{ type: string }> }).__posted.filter((m) => m.type === 'compareRequest').length > n, seen);
  const all = (await h.posted()).filter((m): m is CompareRequest => m.type === 'compareRequest');
  const req = all[all.length - 1];
  const t = trace.tokens.length;
  const o = headOffset(trace, req.layer, req.head, t, t);
  await h.post({ type: 'compareData', id: req.id, label, model: trace.model, tokens: trace.tokens, text, layer: req.layer, head: req.head, weights: trace.weights.slice(o, o + t * t) });
  return req;
}

describe('side by side (headless Chromium)', function () {
  this.timeout(180_000);
  let browser: Browser;
  let h: Harness;
  let final: AttentionTrace;
  let first: AttentionTrace;
  let t: number;
  const requests = async () => (await h.posted()).filter((m) => m.type === 'compareRequest').length;

  before(async () => {
    if (!fs.existsSync(path.join(ROOT, 'dist/webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
    fs.mkdirSync(shots, { recursive: true });
    await initWasmBackend(defaultWasmDir(__dirname));
    const run = (file: string | undefined, text: string) => {
      const m: LoadedModel = loadModelFromDir(TEACHING, file ? { weightsFile: file } : {});
      try {
        return runTrace(m, text);
      } finally {
        m.model.dispose();
      }
    };
    final = run(undefined, TEXT);
    first = run('checkpoints/step-0000.safetensors', TEXT);
    t = final.tokens.length;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    h = await openHarness({ theme: 'dark', browser, width: 1300, height: 900 });
    await h.post(initMessage());
    await h.post(analysisMessage(final, { stages: STAGES, stage: 3400 }));
    await h.page.waitForSelector('[data-token-index="0"]');
    await h.post({ type: 'lesson', view: 'compare', layer: 0, head: 1 });
    await h.page.waitForFunction(() => document.body.dataset.cmpReady === 'yes');
  });

  after(async () => {
    await h?.close();
    await browser?.close();
  });

  it('two heads: A, B and A − B, the mean |A − B| equal to the host weights', async () => {
    // B defaults to the next head of the same layer.
    assert.strictEqual(await h.page.$$eval('.cmp-matrix canvas', (e) => e.length), 3);
    const a = headOffset(final, 0, 1, t, t);
    const b = headOffset(final, 0, 2, t, t);
    let mean = 0;
    for (let i = 0; i < t * t; i++) mean += Math.abs(final.weights[a + i] - final.weights[b + i]) / (t * t);
    const page = Number(await h.page.evaluate(() => document.body.dataset.cmpMeanAbs));
    assert.ok(Math.abs(page - mean) < 1e-4, `page ${page} vs ${mean}`);
    assert.match((await h.page.textContent('.cmp-note')) ?? '', new RegExp(`split the text the same way: ${t} tokens`));
    // Keyboard: a cell's three values are read out.
    await h.page.focus('.cmp-matrix canvas[data-which="diff"]');
    await h.page.keyboard.press('ArrowDown');
    await h.page.keyboard.press('ArrowRight');
    const status = (await h.page.textContent('.cmp-status')) ?? '';
    const w = (o: number) => final.weights[o + 1 * t + 1].toFixed(3);
    const second = final.tokens[1].text;
    assert.strictEqual(status, `“${second}” → “${second}”: A ${w(a)}, B ${w(b)}, A − B ${(final.weights[a + t + 1] - final.weights[b + t + 1]).toFixed(3)}`);
  });

  it('two training stages: asks the host for the other checkpoint and shows the difference training made', async () => {
    const seen = await requests();
    await choose(h, 'cmp-with', 'stage:0');
    await choose(h, 'cmp-head', '1');
    // The first request may be for the default head; answer until the page asks for head 1.
    let req = await answerNext(h, first, 'random init (0)', TEXT, seen);
    if (req.head !== 1) req = await answerNext(h, first, 'random init (0)', TEXT, seen + 1);
    assert.deepStrictEqual([req.target, req.layer, req.head], [{ kind: 'stage', step: 0 }, 0, 1]);
    await h.page.waitForFunction(() => document.body.dataset.cmpReady === 'yes');
    const a = headOffset(final, 0, 1, t, t);
    let mean = 0;
    for (let i = 0; i < t * t; i++) mean += Math.abs(final.weights[a + i] - first.weights[a + i]) / (t * t);
    const page = Number(await h.page.evaluate(() => document.body.dataset.cmpMeanAbs));
    assert.ok(Math.abs(page - mean) < 1e-4, `page ${page} vs ${mean}`);
    assert.match((await h.page.textContent('.cmp-row')) ?? '', /A: final \(3400\) · layer 0 · head 1.*B: random init \(0\) · layer 0 · head 1/);
    await h.page.screenshot({ path: path.join(shots, 'compare-stages-dark.png') });
    const csv = (await exported(h, 'csv')).data.trim().split('\n');
    assert.strictEqual(csv.length, 1 + t * t);
    assert.strictEqual(csv[0], 'query,key,a,b,a_minus_b');
    assert.match((await exported(h, 'png')).data, /^data:image\/png;base64,/);
  });

  it('two models with different tokenizers: aligned by shared characters, or told they cannot be', async () => {
    const text = 'hello programmers wrote code';
    const random = makeRandomGpt2();
    const rm = loadModelFromDir(random.dir);
    const other = runTrace(rm, text);
    rm.model.dispose();
    const tm = loadModelFromDir(TEACHING);
    const teaching = runTrace(tm, text);
    tm.model.dispose();
    const al = alignTokens(text, other.tokens, teaching.tokens);
    assert.ok(al.ok && !al.identical, 'the two tokenizers split this text differently');
    const p = await openHarness({ theme: 'dark', browser, width: 1300, height: 900 });
    try {
      await p.post(initMessage());
      await p.post(analysisMessage(other));
      await p.page.waitForSelector('[data-token-index="0"]');
      await p.post({ type: 'lesson', view: 'compare', layer: 0, head: 0 });
      await p.page.waitForFunction(() => document.body.dataset.cmpReady === 'yes');
      await choose(p, 'cmp-with', 'builtin');
      await answerNext(p, teaching, 'QKV Lens teaching model', text, 0);
      await p.page.waitForFunction(() => document.body.dataset.cmpReady === 'yes');
      assert.strictEqual(Number(await p.page.evaluate(() => document.body.dataset.cmpCells)), al.segments.length);
      assert.match((await p.page.textContent('.cmp-note')) ?? '', new RegExp(`split the text differently \\(${other.tokens.length} and ${teaching.tokens.length} tokens\\): they are aligned into ${al.segments.length} segments`));
      await p.page.screenshot({ path: path.join(shots, 'compare-models-dark.png') });
      // Another text from the host cannot be aligned with this analysis.
      const seen = (await p.posted()).filter((m) => m.type === 'compareRequest').length;
      await choose(p, 'cmp-head', '1');
      await answerNext(p, teaching, 'QKV Lens teaching model', 'some other text', seen);
      await p.page.waitForFunction(() => document.body.dataset.cmpReady === 'cannot');
      assert.match((await p.page.textContent('.cmp-note')) ?? '', /cannot be aligned: they did not analyse the same text/);
    } finally {
      await p.close();
    }
  });

  it('speaks Chinese', async () => {
    const zh = await openHarness({ theme: 'light', browser, width: 1300, height: 900 });
    try {
      await zh.post(zhInitMessage());
      await zh.post(analysisMessage(final, { stages: STAGES, stage: 3400 }));
      await zh.page.waitForSelector('[data-token-index="0"]');
      await zh.page.click('#tab-compare');
      await zh.page.waitForFunction(() => document.body.dataset.cmpReady === 'yes');
      assert.match((await zh.page.textContent('.compare-view')) ?? '', /两个分词器对文本的切分相同/);
      await zh.page.screenshot({ path: path.join(shots, 'compare-zh-light.png') });
      assert.deepStrictEqual(await zh.cspViolations(), []);
    } finally {
      await zh.close();
    }
  });
});
