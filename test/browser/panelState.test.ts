/**
 * The panel's one state: whatever changes what the panel shows (a token, a layer, a head, a lesson
 * step) reaches the host, so the editor paints and hovers the same layer and head as the panel.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import type { AttentionTrace } from '../../src/engine/trace';
import type { FromWebview } from '../../src/shared/protocol';
import { RandomGpt2, SAMPLE_ZH, makeRandomGpt2 } from '../support/randomModel';
import { Harness, analysisMessage, initMessage, openHarness, setDropdown } from './harness';

type FocusMessage = Extract<FromWebview, { type: 'focusToken' }>;

/** The last layer/head/token the webview told the host, once it is `want`. */
async function hostIsTold(h: Harness, want: { index?: number | null; layer: number; head: number }): Promise<FocusMessage> {
  const deadline = Date.now() + 5_000;
  let last: FocusMessage | undefined;
  while (Date.now() < deadline) {
    const all = (await h.posted()).filter((m): m is FocusMessage => m.type === 'focusToken');
    last = all[all.length - 1];
    if (last && (want.index === undefined || last.index === want.index) && last.layer === want.layer && last.head === want.head) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`the host was last told ${JSON.stringify(last && { index: last.index, layer: last.layer, head: last.head })}, not ${JSON.stringify(want)}`);
}

describe('panel state reaches the host', function () {
  this.timeout(120_000);
  let random: RandomGpt2;
  let loaded: LoadedModel;
  let trace: AttentionTrace;
  let h: Harness;

  before(async () => {
    if (!fs.existsSync(path.resolve(__dirname, '../../dist/webview.js'))) throw new Error('dist/webview.js is missing: run `npm run build` first');
    await initWasmBackend(defaultWasmDir(__dirname));
    random = makeRandomGpt2();
    loaded = loadModelFromDir(random.dir);
    trace = runTrace(loaded, SAMPLE_ZH);
    h = await openHarness();
    await h.post(initMessage());
    await h.post(analysisMessage(trace));
    await h.page.waitForSelector('[data-token-index="25"]');
  });
  after(async () => {
    await h?.close();
    loaded?.model.dispose();
    if (random) fs.rmSync(random.dir, { recursive: true, force: true });
  });

  it('picking another head or layer in the panel tells the host, with the focused token', async () => {
    await h.page.hover('[data-token-index="5"]');
    await hostIsTold(h, { index: 5, layer: 0, head: 0 });
    await setDropdown(h, 'head', '1');
    await hostIsTold(h, { index: 5, layer: 0, head: 1 });
    await setDropdown(h, 'layer', '1');
    await hostIsTold(h, { index: 5, layer: 1, head: 1 });
    await setDropdown(h, 'head', '-1');
    await hostIsTold(h, { index: 5, layer: 1, head: -1 });
  });

  it('a lesson step that changes only the head tells the host too', async () => {
    await h.post({ type: 'lesson', view: 'tokens', token: 5, layer: 1, head: 0 });
    await hostIsTold(h, { index: 5, layer: 1, head: 0 });
  });

  it('opening a head from the model view tells the host', async () => {
    await h.page.click('#tab-model');
    await h.page.click('.mv-cell[data-layer="0"][data-head="1"]');
    // The matrix it opens may move the focus to the cell under its keyboard cursor: only layer and head are checked.
    await hostIsTold(h, { layer: 0, head: 1 });
  });
});
