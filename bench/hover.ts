/**
 * Hover latency of every view on a long input: a synthetic 512-token, 12-layer, 12-head trace (dk = 64)
 * in the real webview bundle in headless Chromium. Real pointer input goes through the browser (CDP
 * Input.dispatchMouseEvent); in the page a capture listener notes when the first pointer event of each
 * move is dispatched, then requestAnimationFrame + a message posted from it marks the end of the frame
 * that shows the result (style, layout and paint done).
 *
 *   handler→paint   from the first pointer event's dispatch to the frame painted: the panel's own cost
 *   input→paint     from the event's timeStamp (the input reaching the page) to the frame painted; it also
 *                   holds the wait for the next frame, since Chromium aligns pointer moves to frames
 *
 * A no-op row (moving over the header, which has no hover behaviour) gives the floor of the method.
 * `npx tsx bench/hover.ts [tokens] [moves per view]`; results belong in bench/RESULTS-hover.md.
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS, initMessage, openHarness } from '../test/browser/harness';
import { postSyntheticAnalysisScript } from '../test/browser/syntheticTrace';

const TOKENS = Number(process.argv[2] ?? 512);
const MOVES = Number(process.argv[3] ?? 150);
const LAYERS = Number(process.env.LAYERS ?? 12);
const HEADS = 12;
/** `PROFILE=1`: also where the renderer's main thread spends each move (a Chromium trace, summed by event). */
const PROFILE = process.env.PROFILE === '1';
/** `VIEWS=tokens,heads` measures only those. */
const ONLY = process.env.VIEWS?.split(',');
const wanted = (view: string) => !ONLY || ONLY.includes(view);

/** Installed in the page: one sample per pointer move. */
const PROBE = `(() => {
  const H = (window.__hover = { samples: [], pending: false });
  const start = (e) => {
    if (H.pending) return;
    H.pending = true;
    const t0 = performance.now();
    const ts = e.timeStamp;
    requestAnimationFrame(() => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        const t1 = performance.now();
        H.samples.push([t1 - t0, t1 - ts, H.jsEnd - t0]);
        H.pending = false;
      };
      ch.port2.postMessage(null);
    });
  };
  window.addEventListener('pointerover', start, true);
  window.addEventListener('pointermove', start, true);
  // Bubbling listeners on window run after the panel's own: the end of the script part.
  const end = () => { H.jsEnd = performance.now(); };
  window.addEventListener('pointerover', end, false);
  window.addEventListener('pointermove', end, false);
})()`;

interface Row {
  view: string;
  target: string;
  handler: number[];
  input: number[];
  script: number[];
}

function stats(xs: number[]): { median: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * (s.length - 1)))];
  return { median: at(0.5), p95: at(0.95), max: s[s.length - 1] };
}

async function main(): Promise<void> {
  execFileSync('node', ['esbuild.js'], { cwd: path.resolve(__dirname, '..'), stdio: 'inherit' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const h = await openHarness({ theme: 'dark', browser, width: 1100, height: 900 });
  const page = h.page;
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await h.post(initMessage());
  const started = Date.now();
  // Past 512 tokens the stand-in host keeps q, k, v only (scores and weights would be 1.2 GB at 1024) and
  // computes the model's weights for the head the panel checks when it asks.
  await page.evaluate(postSyntheticAnalysisScript({ tokens: TOKENS, layers: LAYERS, heads: HEADS, headDim: 64, attention: TOKENS <= 512 }));
  await page.waitForSelector(`[data-token-index="${TOKENS - 1}"]`, { timeout: 600_000 });
  console.log(`trace built and shown in ${((Date.now() - started) / 1000).toFixed(1)} s (${TOKENS} tokens, ${LAYERS}×${HEADS} heads, dk 64)`);
  // The webview's memory: its JS heap (which here also holds the stand-in host's q, k, v: 3·L·H·T·64·4 bytes)
  // and what tfjs holds on the GPU, sampled after every view switch; the largest is reported at the end.
  const memory = { heap: 0, backend: 0 };
  const sampleMemory = async () => {
    const m = (await page.evaluate('({ heap: performance.memory ? performance.memory.usedJSHeapSize : 0, backend: Number(document.body.dataset.backendBytes || 0) })')) as { heap: number; backend: number };
    memory.heap = Math.max(memory.heap, m.heap);
    memory.backend = Math.max(memory.backend, m.backend);
  };
  await sampleMemory();
  await page.waitForFunction(() => (document.body.dataset.recomputeMaxDiff ?? '') !== '', undefined, { timeout: 600_000 });
  const check = await page.textContent('.panel-footer .check');
  console.log(`GPU check: ${check}`);
  await page.evaluate(PROBE);

  const rows: Row[] = [];
  const measure = async (view: string, target: string, points: Array<{ x: number; y: number }>) => {
    const handler: number[] = [];
    const input: number[] = [];
    const script: number[] = [];
    // Warm up (first paints compile shaders, fill caches), then measure.
    for (let n = 0; n < MOVES + 10; n++) {
      if (PROFILE && n === 10) await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      const p = points[n % points.length];
      const count = (await page.evaluate('window.__hover.samples.length')) as number;
      await page.mouse.move(p.x, p.y);
      await page.evaluate(`new Promise((resolve) => { const tick = () => (window.__hover.samples.length > ${count} && !window.__hover.pending ? resolve() : setTimeout(tick, 1)); tick(); })`);
      if (n < 10) continue;
      const [a, b, c] = (await page.evaluate('window.__hover.samples[window.__hover.samples.length - 1]')) as [number, number, number];
      handler.push(a);
      input.push(b);
      script.push(c);
    }
    if (PROFILE) console.log(summariseTrace(await browser.stopTracing(), MOVES));
    rows.push({ view, target, handler, input, script });
    const s = stats(handler);
    console.log(`${view.padEnd(8)} ${target.padEnd(28)} median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms (script median ${stats(script).median.toFixed(1)} ms)`);
  };

  /** Centres of the elements matching `selector` that are inside the viewport, spread over it. */
  const centres = async (selector: string, limit = 60) =>
    page.$$eval(
      selector,
      (els, limit) => {
        const out: Array<{ x: number; y: number }> = [];
        for (const e of els) {
          const r = e.getBoundingClientRect();
          if (r.width > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth) out.push({ x: r.left + r.width / 2, y: r.top + r.height / 2 });
        }
        const step = Math.max(1, Math.floor(out.length / limit));
        // Alternate ends so consecutive moves always land on a different element.
        const picked = out.filter((_, i) => i % step === 0);
        const mixed: typeof picked = [];
        for (let i = 0, j = picked.length - 1; i <= j; i++, j--) mixed.push(picked[i], ...(i !== j ? [picked[j]] : []));
        return mixed;
      },
      limit,
    );

  const switchTo = async (view: string) => {
    const t0 = Date.now();
    await page.click(`#tab-${view}`);
    // A view that needs layers not fetched yet (the model view: all of them) shows "fetching" until they are.
    await page.waitForFunction(() => !document.querySelector('.view-panel .fetching'), undefined, { timeout: 600_000 });
    await page.evaluate('new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))');
    const ms = Date.now() - t0;
    console.log(`switch to ${view}: ${ms} ms (full render)`);
    await sampleMemory();
    return ms;
  };
  const switches: Record<string, number> = {};

  await page.evaluate('window.scrollTo(0, 0)');
  const header = (await centres('.panel-header .meta, .panel-header .title')).flatMap((p) => [p, { x: p.x + 40, y: p.y }]);
  await measure('(no-op)', 'header text, nothing changes', header);
  // The floor for any frame that paints: one character of text changes per move.
  await page.evaluate(`(() => { const t = document.querySelector('.panel-header .title'); let n = 0;
    const change = () => { t.dataset.n = String(++n); t.firstChild.textContent = t.firstChild.textContent.replace(/.$/, String(n % 10)); };
    window.__floor = change; t.parentElement.addEventListener('pointermove', change); })()`);
  await measure('(floor)', 'header text, 1 character changes', header);
  await page.evaluate(`document.querySelector('.panel-header').removeEventListener('pointermove', window.__floor)`);

  if (wanted('tokens')) {
    switches.tokens = await switchTo('tokens');
    await measure('tokens', `token chips (${TOKENS})`, await centres('.token-strip [data-token-index]'));
  }
  if (wanted('heads')) {
    switches.heads = await switchTo('heads');
    await measure('heads', `query tokens, ${HEADS} heads shown`, await centres('.hv-left [data-token-index]'));
    await measure('heads', `key tokens, ${HEADS} heads shown`, await centres('.hv-right [data-token-index]'));
  }
  if (wanted('matrix')) await measureMatrix();
  if (wanted('model')) {
    switches.model = await switchTo('model');
    await page.waitForTimeout(500);
    await measure('model', `thumbnails (${LAYERS}×${HEADS + 2})`, await centres('.mv-cell'));
  }
  if (wanted('steps')) {
    switches.steps = await switchTo('steps');
    const queries = await centres('.step-view .token-strip [data-token-index]');
    await measure('steps', `query tokens (${TOKENS} keys each)`, queries);
    await measureRest(queries);
  }
  report(rows, switches);
  await sampleMemory();
  const hostMiB = (3 * LAYERS * HEADS * TOKENS * 64 * 4) / 2 ** 20;
  console.log(`webview memory, largest seen: JS heap ${(memory.heap / 2 ** 20).toFixed(0)} MiB (of which the stand-in host's q, k, v ${hostMiB.toFixed(0)} MiB), tfjs backend ${(memory.backend / 2 ** 20).toFixed(0)} MiB`);
  await h.close();
  await browser.close();

  /**
   * The step view rebuilds its worked-through body once the pointer rests on a query: timed from the
   * start of the rebuild (a performance mark) to the frame that shows it.
   */
  async function measureRest(points: Array<{ x: number; y: number }>): Promise<void> {
    const body: number[] = [];
    const n = Math.min(40, points.length);
    for (let i = 0; i < n + 3; i++) {
      if (PROFILE && i === 3) await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
      const p = points[(i * 7 + 1) % points.length];
      await page.evaluate(`window.__rest = new Promise((resolve) => {
        const el = document.querySelector('.step-body');
        const before = el.dataset.query;
        const obs = new MutationObserver(() => {
          if (el.dataset.query === before || el.hasAttribute('aria-busy')) return;
          obs.disconnect();
          const marks = performance.getEntriesByName('qkv-step-body');
          const t0 = marks[marks.length - 1].startTime;
          requestAnimationFrame(() => { const ch = new MessageChannel(); ch.port1.onmessage = () => resolve(performance.now() - t0); ch.port2.postMessage(null); });
        });
        obs.observe(el, { attributes: true });
        // Resting on the query already shown rebuilds nothing.
        setTimeout(() => { obs.disconnect(); resolve(NaN); }, 2000);
      })`);
      await page.mouse.move(p.x, p.y);
      const ms = (await page.evaluate('window.__rest')) as number;
      if (i >= 3 && Number.isFinite(ms)) body.push(ms);
    }
    if (PROFILE) console.log(summariseTrace(await browser.stopTracing(), n));
    // Only the rebuild-to-paint span applies here: no pointer event starts it.
    rows.push({ view: 'steps', target: 'worked-through body, rebuilt once the pointer rests (start of rebuild → painted)', handler: body, input: [NaN], script: [NaN] });
    const s = stats(body);
    console.log(`steps    body after rest                median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(1)} ms`);
  }

  async function measureMatrix(): Promise<void> {
  switches.matrix = await switchTo('matrix');
  const box = await page.locator('.matrix-canvas').boundingBox();
  if (!box) throw new Error('no matrix');
  const cells: Array<{ x: number; y: number }> = [];
  for (let n = 0; n < 60; n++) {
    const fx = ((n * 37) % 60) / 60;
    const fy = ((n * 23) % 60) / 60;
    const y = box.y + 20 + fy * Math.min(box.height - 30, 900 - box.y - 30);
    cells.push({ x: box.x + 20 + fx * (box.width - 30), y });
  }
  await measure('matrix', `cells of ${TOKENS}×${TOKENS}`, cells);
  }
}

interface TraceEvent {
  name: string;
  ph: string;
  dur?: number;
  tid: number;
  pid: number;
  args?: { name?: string };
}

/** Mean milliseconds per move of the main thread's rendering steps, the largest first. */
function summariseTrace(buffer: Buffer, moves: number): string {
  const events = (JSON.parse(buffer.toString()) as { traceEvents: TraceEvent[] }).traceEvents;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const totals = new Map<string, number>();
  for (const e of events) {
    if (!main || e.pid !== main.pid || e.tid !== main.tid || e.ph !== 'X' || e.dur === undefined) continue;
    if (!/^(UpdateLayoutTree|Layout|PrePaint|Paint|Layerize|Commit|FunctionCall|EventDispatch|FireAnimationFrame|HitTest|UpdateLayer|IntersectionObserverController::computeIntersections|ParseHTML|ScrollLayer|RasterTask|PaintImage|Decode)/.test(e.name)) continue;
    totals.set(e.name, (totals.get(e.name) ?? 0) + e.dur / 1000);
  }
  return [...totals].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([n, ms]) => `    ${n}: ${(ms / moves).toFixed(2)} ms/move`).join('\n');
}

function report(rows: Row[], switches: Record<string, number>): void {
  console.log('\n| view | hover target | handler→paint median | p95 | max | of which script (median) | input→paint median | p95 | max |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const ms = (x: number) => (Number.isNaN(x) ? '—' : `${x.toFixed(1)} ms`);
  for (const r of rows) {
    const a = stats(r.handler);
    const b = stats(r.input);
    console.log(`| ${r.view} | ${r.target} | ${ms(a.median)} | ${ms(a.p95)} | ${ms(a.max)} | ${ms(stats(r.script).median)} | ${ms(b.median)} | ${ms(b.p95)} | ${ms(b.max)} |`);
  }
  console.log('\n| view | switch (full render, click → painted) |');
  console.log('| --- | --- |');
  for (const [view, ms] of Object.entries(switches)) console.log(`| ${view} | ${ms} ms |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
