// QKV Lens: Select Model in a real VS Code (code-server, packaged extension), as a person uses it: the quick
// pick lists a model found in the Hugging Face cache (HF_HUB_CACHE, made here from the gpt2-tiny fixture),
// picking it re-runs the open analysis on it; "Download from Hugging Face…" fetches a model by id from a
// hub on 127.0.0.1 (test/support/fakeHub.ts, the hub's URL layout) into the cache, and the analysis
// runs on it, through the proxy named in VS Code's http.proxy (test/support/connectProxy.ts); "Built-in
// teaching model" goes back. A second code-server, whose endpoint nothing answers at, shows the one-sentence
// offline message.
// code-server is a remote setup (browser UI, server-side extension host): the model is in the *server's*
// Hugging Face cache, and the extension (extensionKind workspace) runs in the server's extension host.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { openFile, poll, runCommand, screenshot, selectText, waitForEditorText, waitForNotification, webviewFrame } from '../support/workbench';
import { REPO_ROOT } from '../support/codeServer';
import { EXTENSION_ID, RESULTS, VSIX, useSession } from './session';
import { ConnectProxy } from '../support/connectProxy';
import { COMMIT, FakeHub, HubFile } from '../support/fakeHub';

const SENTENCE = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员';
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'hf');
const ROWS = '.quick-input-widget .quick-input-list .monaco-list-row';

function fixtureFiles(name: string): Record<string, HubFile> {
  const dir = path.join(FIXTURES, name);
  return Object.fromEntries(fs.readdirSync(dir).filter((f) => f !== 'reference.json')
    .map((f) => [f, { data: fs.readFileSync(path.join(dir, f)), lfs: f.endsWith('.safetensors') }]));
}

/** A model in the Hugging Face cache layout: models--org--name/{refs/main, snapshots/<commit>/…}. */
function cacheModel(hub: string, id: string, fixture: string): void {
  const repo = path.join(hub, `models--${id.replace('/', '--')}`);
  const snapshot = path.join(repo, 'snapshots', COMMIT);
  fs.mkdirSync(snapshot, { recursive: true });
  fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
  fs.writeFileSync(path.join(repo, 'refs', 'main'), COMMIT);
  for (const [f, file] of Object.entries(fixtureFiles(fixture))) fs.writeFileSync(path.join(snapshot, f), file.data);
}

async function header(page: Page, model: RegExp): Promise<{ frame: Frame; text: string }> {
  let text = '';
  const frame = await poll(async () => {
    const f = await webviewFrame(page, { extensionId: EXTENSION_ID, selector: 'body[data-tokens] header' }, 5_000).catch(() => undefined);
    text = (await f?.locator('header').textContent().catch(() => '')) ?? '';
    return f && model.test(text) ? f : undefined;
  }, `the panel's header to name ${model}`, 120_000).catch((err: Error) => {
    throw new Error(`${err.message}; header: ${JSON.stringify(text)}`);
  });
  return { frame, text };
}

async function pick(page: Page, label: RegExp): Promise<void> {
  await runCommand(page, 'QKV Lens: Select Model', 60_000, { opensQuickInput: true });
  const row = page.locator(ROWS).filter({ hasText: label }).first();
  await row.waitFor({ state: 'visible', timeout: 30_000 });
  await row.click();
}

describe('Select Model in a real VS Code: Hugging Face cache, download, built-in', function () {
  this.timeout(300_000);
  const hub = new FakeHub();
  const proxy = new ConnectProxy();
  let cacheDir = '';
  before(async () => {
    hub.addRepo('test-org/bert-tiny-chinese', fixtureFiles('bert-tiny-chinese'));
    await hub.start();
    await proxy.start();
  });
  after(async () => {
    await hub.stop();
    await proxy.stop();
  });
  const session = useSession({
    prefix: 'qkv-e2e-models-',
    files: { 'sample.txt': `${SENTENCE}\n` },
    server: (tmp) => {
      cacheDir = path.join(tmp, 'hub');
      cacheModel(cacheDir, 'test-org/gpt2-tiny', 'gpt2-tiny');
      return { vsixPath: VSIX, env: { HF_HUB_CACHE: cacheDir, HF_HOME: path.join(tmp, 'hf-home'), HF_ENDPOINT: hub.endpoint }, settings: { 'http.proxy': proxy.url } };
    },
    workbench: { viewport: { width: 1600, height: 900 } },
  });
  let page: Page;
  before(async () => {
    page = session().page;
    await openFile(page, 'sample.txt');
    await waitForEditorText(page, SENTENCE);
    await selectText(page, SENTENCE);
    await runCommand(page, 'QKV Lens: Show Attention');
    await header(page, /QKV Lens teaching model/);
  });

  it('lists the model in the Hugging Face cache; picking it runs the open analysis on it', async function () {
    await pick(page, /test-org\/gpt2-tiny/);
    const { frame, text } = await header(page, /test-org\/gpt2-tiny/);
    assert.match(text, /BPE/);
    // Byte-level BPE: tokens never cross a character boundary the editor cannot show.
    const n = await frame.locator('[data-token-index]').count();
    assert.ok(n >= SENTENCE.length, `${n} tokens`);
    await screenshot(page, path.join(RESULTS, 'select-model-cache.png'));
  });

  it('downloads a model by id from the configured endpoint into the cache and runs it', async function () {
    hub.log.length = 0;
    await pick(page, /Download from Hugging Face/);
    const box = page.locator('.quick-input-widget .quick-input-box input');
    await box.waitFor({ state: 'visible', timeout: 10_000 });
    await box.fill('test-org/bert-tiny-chinese');
    await page.keyboard.press('Enter');
    const { frame, text } = await header(page, /bert-tiny-chinese/);
    assert.match(text, /WordPiece/);
    const tokens = await frame.locator('[data-token-index] .token-text').allTextContents();
    assert.deepStrictEqual(tokens.filter((t) => !/^\[(CLS|SEP)\]$/.test(t)), Array.from(SENTENCE), 'one token per Chinese character');
    const snapshot = path.join(cacheDir, 'models--test-org--bert-tiny-chinese', 'snapshots', COMMIT);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) assert.ok(fs.existsSync(path.join(snapshot, f)), `${f} in the cache`);
    assert.ok(hub.log.some((r) => r.url.endsWith('/model.safetensors')), 'the weights came from the endpoint');
    assert.ok(proxy.log.some((e) => e.target === `${hub.endpoint}/test-org/bert-tiny-chinese/resolve/main/config.json`), `through http.proxy: ${JSON.stringify(proxy.log.slice(0, 3))}`);
  });

  it("runs in the server's extension host (extensionKind workspace), reading the server's Hugging Face cache", async function () {
    const logs = session().cs.extensionHostLogs().map((f) => ({ f, text: fs.readFileSync(f, 'utf8') }));
    const activated = logs.filter(({ text }) => text.includes(EXTENSION_ID));
    assert.ok(activated.length > 0 && activated.every(({ f }) => /remoteexthost/.test(path.basename(f))), `QKV Lens appears in: ${logs.map(({ f, text }) => `${path.basename(f)}${text.includes(EXTENSION_ID) ? ' (QKV Lens)' : ''}`).join(', ')}`);
  });

  it('goes back to the built-in teaching model', async function () {
    await pick(page, /Built-in teaching model/);
    await header(page, /QKV Lens teaching model/);
  });
});

describe('Select Model in a real VS Code: a download without a network', function () {
  this.timeout(300_000);
  // Nothing listens at the endpoint: what a download meets when the machine is offline.
  const session = useSession({
    prefix: 'qkv-e2e-offline-',
    files: { 'sample.txt': `${SENTENCE}\n` },
    server: (tmp) => ({ vsixPath: VSIX, env: { HF_HUB_CACHE: path.join(tmp, 'hub'), HF_HOME: path.join(tmp, 'hf-home'), HF_ENDPOINT: 'http://127.0.0.1:9' } }),
    workbench: { viewport: { width: 1600, height: 900 } },
  });

  it('says in one sentence, localised, that the computer seems to be offline', async function () {
    const page = session().page;
    await pick(page, /Download from Hugging Face/);
    const box = page.locator('.quick-input-widget .quick-input-box input');
    await box.waitFor({ state: 'visible', timeout: 10_000 });
    await box.fill('test-org/another-model');
    await page.keyboard.press('Enter');
    const message = await waitForNotification(page, 'seems to be offline', 60_000);
    assert.match(message, /^Could not download test-org\/another-model: 127\.0\.0\.1:9 cannot be reached, so this computer seems to be offline \(or it needs a proxy: set http\.proxy\)\.$/);
    await screenshot(page, path.join(RESULTS, 'select-model-offline.png'));
  });
});
