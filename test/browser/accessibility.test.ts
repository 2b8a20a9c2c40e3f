/**
 * Accessibility audit of the panel in headless Chromium: axe-core on every view and on every step of the
 * guided lesson (the panel state each step opens, on the built-in model and the lesson's texts), in the
 * dark, light and both high-contrast themes, with no serious or critical violation allowed; screenshots of
 * every view in the high-contrast themes (test-results/a11y-*.png, look at them); and for every view drawn
 * on canvases, a text alternative in the accessibility tree that names the focused token's strongest keys
 * with the model's weights.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { Browser, Page, chromium } from 'playwright-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { AttentionTrace, attentionRow } from '../../src/engine/trace';
import { LESSON_SAMPLES, LESSON_STEPS, LessonSample } from '../../src/lesson/lessonSteps';
import { builtinModelDir } from '../../src/models/builtinModel';
import type { LessonState } from '../../src/shared/protocol';
import { RandomGpt2, SAMPLE_ZH, makeRandomGpt2 } from '../support/randomModel';
import { CHROMIUM, CHROMIUM_ARGS, Harness, analysisMessage, initMessage, openHarness } from '../support/webviewHarness';
import { ThemeName } from '../support/themes';

const root = path.resolve(__dirname, '../..');
const shots = path.join(root, 'test-results');
const VIEWS = ['tokens', 'heads', 'matrix', 'model', 'steps'] as const;
const THEMES: ThemeName[] = ['dark', 'light', 'high-contrast', 'high-contrast-light'];
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/** axe-core on the whole page (WCAG 2.x A and AA rules and best practices); only its violations. */
async function axeViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    type AxeResult = { violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: string[]; failureSummary?: string }> }> };
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<AxeResult> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').replace(/\s+/g, ' ')}`) }));
  });
}

function seriousOnes(violations: Violation[]): string[] {
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.targets.join('\n    ')}`);
}

/** Puts the panel in a state the way the lesson does, and waits for the view to draw it. */
async function showState(h: Harness, state: LessonState): Promise<void> {
  await h.post({ type: 'lesson', ...state });
  await h.page.waitForSelector(`#tab-${state.view}[aria-selected="true"]`);
  if (state.view === 'steps') await h.page.waitForSelector(`.step-body[data-query="${state.token ?? ''}"]`, { timeout: 10_000 }).catch(() => undefined);
  await h.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}

describe('accessibility: axe-core on every view and the lesson, high-contrast themes, text alternatives', function () {
  this.timeout(180_000);
  let browser: Browser;
  let random: RandomGpt2;
  let loaded: LoadedModel;
  let trace: AttentionTrace;
  const minor: string[] = [];

  before(async () => {
    if (!fs.existsSync(path.join(root, 'dist/webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
    fs.mkdirSync(shots, { recursive: true });
    await initWasmBackend(defaultWasmDir(__dirname));
    random = makeRandomGpt2();
    loaded = loadModelFromDir(random.dir);
    trace = runTrace(loaded, SAMPLE_ZH);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  });
  after(async () => {
    if (minor.length) console.log(`      axe, minor and moderate findings (allowed): ${[...new Set(minor)].join('; ')}`);
    await browser?.close();
    loaded?.model.dispose();
    if (random) fs.rmSync(random.dir, { recursive: true, force: true });
  });

  for (const theme of THEMES) {
    it(`every view in the ${theme} theme: no serious or critical axe violation`, async () => {
      const h = await openHarness({ theme, browser, width: 1000, height: 1100 });
      try {
        await h.post(initMessage());
        await h.post(analysisMessage(trace));
        await h.page.waitForSelector('[data-token-index="25"]');
        const problems: string[] = [];
        for (const view of VIEWS) {
          await showState(h, { view, token: 25, layer: 0, head: 1 });
          const violations = await axeViolations(h.page);
          problems.push(...seriousOnes(violations).map((p) => `${view}: ${p}`));
          minor.push(...violations.filter((v) => v.impact === 'minor' || v.impact === 'moderate').map((v) => `${v.id} (${view}, ${theme})`));
          if (theme.startsWith('high-contrast')) await h.page.screenshot({ path: path.join(shots, `a11y-${view}-${theme}.png`), fullPage: true });
        }
        assert.deepStrictEqual(problems, []);
      } finally {
        await h.close();
      }
    });
  }

  it('every step of the guided lesson (built-in model, the lesson\'s texts), dark and high-contrast light: no serious or critical violation', async () => {
    const teaching = loadModelFromDir(builtinModelDir(root));
    try {
      const traces = Object.fromEntries(Object.entries(LESSON_SAMPLES).map(([name, text]) => [name, runTrace(teaching, text)])) as Record<LessonSample, AttentionTrace>;
      const problems: string[] = [];
      for (const theme of ['dark', 'high-contrast-light'] as ThemeName[]) {
        const h = await openHarness({ theme, browser, width: 1000, height: 1100 });
        try {
          await h.post(initMessage());
          let shown: LessonSample | undefined;
          let requestId = 0;
          for (const [name, step] of Object.entries(LESSON_STEPS)) {
            if (shown !== step.sample) {
              await h.post(analysisMessage(traces[step.sample], { source: `lesson-${step.sample}`, requestId: ++requestId }));
              await h.page.waitForSelector(`header h1:text-is("lesson-${step.sample}")`, { state: 'attached' });
              shown = step.sample;
            }
            await showState(h, step.panel);
            problems.push(...seriousOnes(await axeViolations(h.page)).map((p) => `lesson step ${name} (${theme}): ${p}`));
          }
        } finally {
          await h.close();
        }
      }
      assert.deepStrictEqual(problems, []);
    } finally {
      teaching.model.dispose();
    }
  });

  it('every canvas view has a text alternative in the accessibility tree: the focused token\'s strongest keys and weights', async () => {
    const h = await openHarness({ theme: 'dark', browser, width: 1000, height: 1100 });
    try {
      await h.post(initMessage());
      await h.post(analysisMessage(trace));
      await h.page.waitForSelector('[data-token-index="25"]');
      // Layer 0, head 1, query 员 (25) on the host's own weights: the three strongest keys.
      const row = attentionRow(trace, 0, 1, 25);
      const top = Array.from(row.keys()).sort((a, b) => row[b] - row[a]).slice(0, 3);
      const expected = top.map((j) => ({ token: trace.tokens[j].text, weight: row[j] }));
      const check = (view: string, text: string) => {
        const m = /“员” attends to: (.+?)(?:"|$|, mean entropy)/m.exec(text);
        assert.ok(m, `${view}: no text alternative naming 员's strongest keys in:\n${text}`);
        const said = m[1].split(', ').slice(0, 3).map((part) => {
          const [token, weight] = part.split(' ');
          return { token, weight: Number(weight) };
        });
        assert.deepStrictEqual(said.map((s) => s.token), expected.map((e) => e.token), view);
        said.forEach((s, i) => assert.ok(Math.abs(s.weight - expected[i].weight) <= 0.0015, `${view}: ${s.token} ${s.weight} vs ${expected[i].weight}`));
      };
      for (const view of VIEWS) {
        await showState(h, { view, token: 25, layer: 0, head: 1 });
        if (view === 'heads') assert.deepStrictEqual(await h.page.locator('.hv-heads [aria-pressed="true"]').allTextContents(), ['1'], 'the head view shows head 1 only');
        // The model view names it in a thumbnail's label, read when the thumbnail takes the keyboard focus.
        if (view === 'model') await h.page.locator('.mv-cell[data-layer="0"][data-head="1"]').focus();
        check(view, await h.page.locator(`[role="tabpanel"]:not([hidden])`).ariaSnapshot());
      }
    } finally {
      await h.close();
    }
  });
});
