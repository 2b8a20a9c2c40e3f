// The guided lesson end to end, as a learner goes through it: in a real VS Code (code-server) with the
// packaged extension, open the walkthrough from the command palette, expand every step, press every
// button, and check that the panel lands in the step's state (view, layer, head, training stage,
// what-ifs, focused token) and that the step is ticked off. A screenshot per button.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { loadTokenizer } from '../../src/engine/loadModel';
import { LESSON_SAMPLES, LESSON_STEPS, LessonSample } from '../../src/lesson/lessonSteps';
import { poll, runCommand, screenshot, webviewFrame } from '../support/workbench';
import { REPO_ROOT } from '../support/codeServer';
import { EXTENSION_ID, RESULTS, VSIX, useSession } from './session';

/** What the panel shows, read from its DOM (the controls are webview-ui-toolkit elements with value/checked). */
interface PanelReadout {
  view?: string;
  tokens?: string;
  layer?: string;
  head?: string;
  stage?: string;
  scale?: boolean;
  causal?: boolean;
  focused?: string | null;
  text?: string;
}

async function readPanel(frame: Frame): Promise<PanelReadout> {
  // No named functions inside: tsx compiles them with a __name helper that the page does not have.
  return frame.evaluate(() => {
    const [layer, head, stage, scale, causal] = ['layer', 'head', 'stage', 'scale', 'causal'].map(
      (id) => document.getElementById(id) as (HTMLElement & { value?: string; checked?: boolean }) | null,
    );
    return {
      view: document.body.dataset.view,
      tokens: document.body.dataset.tokens,
      layer: layer?.value,
      head: head?.value,
      stage: stage?.value,
      scale: scale?.checked,
      causal: causal?.checked,
      focused: document.querySelector('[data-token-index].focused')?.getAttribute('data-token-index') ?? null,
      text: document.querySelector('.view-panel')?.textContent ?? '',
    };
  });
}

interface ButtonCase {
  step: string;
  button: string;
  /** The lesson step id behind the button (its context key ticks the walkthrough step). */
  lesson: string;
}

const CASES: ButtonCase[] = [
  { step: 'sentence', button: 'Show me', lesson: 'sentence' },
  { step: 'dot', button: 'Show me', lesson: 'dot' },
  { step: 'learned', button: 'Show me', lesson: 'learned' },
  { step: 'three', button: 'Show me', lesson: 'three' },
  { step: 'scale', button: 'Show me without √dk', lesson: 'scale' },
  { step: 'mask', button: 'Show me the mask', lesson: 'mask' },
  { step: 'mask', button: 'What if it were off?', lesson: 'mask-off' },
  { step: 'heads', button: 'Show me every head', lesson: 'heads' },
  { step: 'heads', button: 'Show me the bracket head', lesson: 'brackets' },
  { step: 'induction', button: 'Show me', lesson: 'induction' },
  { step: 'training', button: 'Random initialisation', lesson: 'train-start' },
  { step: 'training', button: 'Trained', lesson: 'train-end' },
  { step: 'training', button: 'Watch a head learn: the training lab', lesson: 'train-lab' },
];

const TEACHING_DIR = path.join(REPO_ROOT, 'media', 'models', 'teaching');
const CHECKPOINTS = (JSON.parse(fs.readFileSync(path.join(TEACHING_DIR, 'config.json'), 'utf8')) as {
  qkv_lens: { checkpoints: Array<{ step: number }> };
}).qkv_lens.checkpoints.map((c) => String(c.step));

/** Each sample's tokens on the built-in model, as the panel shows them. */
const TOKENS = (() => {
  const tokenizer = loadTokenizer(TEACHING_DIR);
  return Object.fromEntries(Object.entries(LESSON_SAMPLES).map(([name, text]) => [name, tokenizer.encode(text, false).spans.map((s) => text.slice(s.start, s.end))])) as Record<LessonSample, string[]>;
})();

/** What the panel must show after a lesson step: its state in src/lesson/lessonSteps.ts. */
function expected(lesson: string): { expect: Omit<PanelReadout, 'text'>; shows?: string } {
  const { sample, stage, panel } = LESSON_STEPS[lesson];
  const tokens = TOKENS[sample];
  const expect: Omit<PanelReadout, 'text'> = {
    view: panel.view,
    tokens: String(tokens.length),
    stage: stage === 'first' ? CHECKPOINTS[0] : CHECKPOINTS[CHECKPOINTS.length - 1],
  };
  // The model view and the training lab keep whatever layer and head the panel had.
  if (panel.view !== 'model' && panel.view !== 'lab') {
    expect.layer = String(panel.layer ?? 0);
    expect.head = String(panel.head ?? 0);
  }
  if (panel.whatIf) {
    expect.scale = panel.whatIf.scale;
    expect.causal = panel.whatIf.causal;
  }
  if (panel.view === 'tokens') expect.focused = panel.token === undefined ? null : String(panel.token);
  // The step view names its query and key.
  const shows = panel.view === 'steps' && panel.token !== undefined && panel.key !== undefined ? `“${tokens[panel.token]}” → “${tokens[panel.key]}”` : undefined;
  return { expect, shows };
}

const stepButton = (page: Page, step: string) => page.locator(`button.getting-started-step[data-step-id="${EXTENSION_ID}#qkvLens.lesson#${step}"]`);

/** Expands a walkthrough step (clicking its title, as a learner does) unless it is open. */
async function openStep(page: Page, step: string): Promise<void> {
  const button = stepButton(page, step);
  await button.waitFor({ state: 'visible', timeout: 30_000 });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.locator('.step-title').click();
  await poll(async () => ((await button.getAttribute('aria-expanded')) === 'true' ? true : undefined), `step ${step} expanded`, 10_000);
}

describe('Guided lesson (walkthrough) in a real VS Code', function () {
  this.timeout(300_000);
  // A model setting must not change the lesson: it always runs on the built-in model.
  const session = useSession({
    prefix: 'qkv-e2e-lesson-',
    files: { 'notes.txt': 'QKV Lens lesson\n' },
    server: () => ({ vsixPath: VSIX, settings: { 'qkvLens.model': '/nonexistent/model' } }),
    workbench: { theme: 'Default Dark Modern', viewport: { width: 1800, height: 1000 } },
  });
  let page: Page;
  before(() => {
    page = session().page;
  });

  it('opens from the command palette with ten steps', async function () {
    await runCommand(page, 'View: Close Primary Side Bar');
    await runCommand(page, 'QKV Lens: Learn Q, K and V (Guided Lesson)');
    await page.locator('.gettingStartedContainer').getByText('Learn Q, K and V with QKV Lens').first().waitFor({ timeout: 30_000 });
    const steps = await page.locator('button.getting-started-step').evaluateAll((els) => els.map((e) => e.getAttribute('data-step-id')?.split('#').pop()));
    assert.deepStrictEqual(steps, ['sentence', 'dot', 'learned', 'three', 'scale', 'mask', 'heads', 'induction', 'training', 'own']);
    // The first step's diagram (an SVG in its own webview) is drawn.
    await webviewFrame(page, async (f) => (await f.locator('svg text', { hasText: `T = ${TOKENS.sentence.length}` }).count()) > 0, 30_000);
    await screenshot(page, path.join(RESULTS, 'lesson-00-walkthrough.png'));
  });

  CASES.forEach((c, i) => {
    it(`${c.step}: "${c.button}" puts the panel in the step's state`, async function () {
      await openStep(page, c.step);
      const statusSeen = i === 0 ? watchStatusBar(page) : undefined;
      await stepButton(page, c.step).locator('.button-container a', { hasText: new RegExp(`^${c.button.replace(/[?√]/g, '.')}$`) }).click();
      const frame = await webviewFrame(page, { extensionId: EXTENSION_ID, selector: 'body[data-tokens]' }, 120_000);
      const { expect: wanted, shows } = expected(c.lesson);
      let last: PanelReadout = {};
      await poll(async () => {
        last = await readPanel(frame);
        const ok = (Object.keys(wanted) as Array<keyof typeof wanted>).every((k) => last[k] === wanted[k]) && (!shows || (last.text ?? '').includes(shows));
        return ok ? true : undefined;
      }, `the panel in the state of "${c.lesson}"`, 90_000).catch((err: Error) => {
        const { text, ...rest } = last;
        throw new Error(`${err.message}\n  expected ${JSON.stringify(wanted)}${shows ? ` showing ${shows}` : ''}\n  panel     ${JSON.stringify(rest)} ${JSON.stringify(text?.slice(0, 200))}`);
      });
      // Ticked off in the walkthrough (the lesson sets its context key).
      if (c.lesson === c.step || c.lesson === 'train-end') {
        await page.locator(`[data-done-step-id="${EXTENSION_ID}#qkvLens.lesson#${c.step}"].codicon-getting-started-step-checked`).waitFor({ timeout: 10_000 });
      }
      if (statusSeen) assert.ok(await statusSeen, 'a status-bar item while the model loaded or ran');
      if (c.lesson === 'sentence') {
        // The editor paints 员's attention on the sentence.
        await poll(async () => ((await page.locator('.monaco-editor .view-overlays div[class*="ced-"]').count()) > 0 ? true : undefined), 'attention decorations in the editor', 20_000);
      }
      await page.waitForTimeout(300); // let the canvas views finish their frame before the picture
      await screenshot(page, path.join(RESULTS, `lesson-${String(i + 1).padStart(2, '0')}-${c.lesson}.png`));
    });
  });

  it('ends with a step about your own text that links to the settings', async function () {
    await openStep(page, 'own');
    const link = stepButton(page, 'own').locator('.button-container a', { hasText: 'Open the QKV Lens settings' });
    await link.waitFor({ timeout: 10_000 });
    await screenshot(page, path.join(RESULTS, `lesson-${String(CASES.length + 1).padStart(2, '0')}-own.png`));
    await link.click();
    await page.locator('.settings-editor').waitFor({ timeout: 30_000 });
    await page.locator('.setting-item-contents', { hasText: 'Default View' }).first().waitFor({ timeout: 30_000 });
    await page.locator('.setting-item-contents', { hasText: 'Backend' }).first().waitFor({ timeout: 30_000 });
    await screenshot(page, path.join(RESULTS, `lesson-${String(CASES.length + 2).padStart(2, '0')}-settings.png`));
  });
});

/** Resolves true if the status bar shows QKV Lens loading or running the model within 20 s. */
function watchStatusBar(page: Page): Promise<boolean> {
  return poll(async () => {
    const text = (await page.locator('.part.statusbar').textContent()) ?? '';
    return /QKV Lens: (Loading|Running)/.test(text) ? true : undefined;
  }, 'the QKV Lens status-bar item', 20_000, 30).catch(() => false);
}
