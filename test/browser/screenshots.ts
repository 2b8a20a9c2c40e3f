/**
 * Screenshots of every view in the dark, light and high-contrast themes (and Chinese strings), to look
 * at: `npx tsx test/browser/screenshots.ts` after `node esbuild.js`. Files go to test-results/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { chromium } from 'playwright-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { makeRandomGpt2, SAMPLE_ZH } from '../support/randomModel';
import { CHROMIUM, CHROMIUM_ARGS, analysisMessage, initMessage, openHarness, zhInitMessage } from '../support/webviewHarness';
import { ThemeName } from '../support/themes';

const VIEWS = ['tokens', 'heads', 'matrix', 'model', 'steps'] as const;

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const out = path.resolve(__dirname, '../../test-results');
  fs.mkdirSync(out, { recursive: true });
  await initWasmBackend(defaultWasmDir(__dirname));
  const random = makeRandomGpt2();
  const loaded = loadModelFromDir(random.dir);
  const trace = runTrace(loaded, SAMPLE_ZH);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    for (const theme of ['dark', 'light', 'high-contrast'] as ThemeName[]) {
      for (const lang of ['en', 'zh'] as const) {
        if (lang === 'zh' && theme !== 'dark') continue;
        const h = await openHarness({ theme, browser, width: 1000, height: 1100 });
        await h.post(lang === 'zh' ? zhInitMessage() : initMessage());
        await h.post(analysisMessage(trace));
        await h.page.waitForSelector('[data-token-index="25"]');
        for (const view of VIEWS) {
          if (only.length && !only.includes(view)) continue;
          await h.page.click(`#tab-${view}`);
          if (view === 'tokens' || view === 'steps') await h.page.hover('.token-strip [data-token-index="25"]');
          if (view === 'heads') await h.page.hover('.hv-left [data-token-index="25"]');
          if (view === 'matrix') {
            const box = await h.page.locator('.matrix-canvas').boundingBox();
            if (box) await h.page.mouse.move(box.x + 72 + 23 * (box.width - 72) / 26 + 4, box.y + 72 + 25 * (box.height - 72) / 26 + 4);
          }
          if (view === 'steps') await h.page.waitForSelector('.step-body[data-query="25"]');
          await h.page.waitForTimeout(300);
          await h.page.screenshot({ path: path.join(out, `view-${view}-${theme}${lang === 'zh' ? '-zh' : ''}.png`), fullPage: true });
        }
        // A what-if on: no √dk scaling (the matrix saturates; the step view says the scaling is off).
        if (!only.length || only.includes('whatif')) {
          await h.page.click('#scale');
          await h.page.waitForFunction(() => document.body.dataset.recomputeMaxDiff === '');
          for (const view of ['matrix', 'steps'] as const) {
            await h.page.click(`#tab-${view}`);
            if (view === 'steps') await h.page.hover('.token-strip [data-token-index="25"]');
            await h.page.waitForTimeout(400);
            await h.page.screenshot({ path: path.join(out, `view-whatif-${view}-${theme}${lang === 'zh' ? '-zh' : ''}.png`), fullPage: true });
          }
        }
        await h.close();
      }
    }
  } finally {
    await browser.close();
    loaded.model.dispose();
    fs.rmSync(random.dir, { recursive: true, force: true });
  }
}

void main();
