// The integration suite (test/integration, VS Code API level) inside a real extension host: code-server
// loads this repository as the extension under development and runs dist-test/index.js as its
// extension tests (the same `extensionTestsPath` contract @vscode/test-electron uses on a desktop VS
// Code; see test/integration/runDesktop.ts). The suite writes its result to a JSON file, read here.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Browser } from 'playwright-core';
import { launchBrowser, poll, Workbench } from './browser';
import { CodeServer, REPO_ROOT, startCodeServer } from './codeServer';
import { reportFailure } from './failureReport';
import type { IntegrationResult } from '../integration/index';

const TESTS_BUNDLE = path.join(REPO_ROOT, 'dist-test', 'index.js');

describe('Integration suite in code-server\'s extension host (extensionTestsPath)', function () {
  this.timeout(300_000);
  let tmp: string;
  let cs: CodeServer | undefined;
  let browser: Browser | undefined;
  let wb: Workbench | undefined;

  before(function () {
    for (const f of [TESTS_BUNDLE, path.join(REPO_ROOT, 'dist', 'extension.js')]) {
      if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`node esbuild.js\` (or \`npm run package\`) first`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-e2e-integration-'));
  });

  afterEach(async function () {
    await reportFailure(this, wb?.page, cs, wb);
  });

  after(async function () {
    await browser?.close();
    await cs?.stop();
    if (tmp && process.env.QKV_E2E_KEEP !== '1') fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('passes every test of test/integration', async function () {
    const ws = path.join(tmp, 'workspace');
    fs.mkdirSync(ws);
    const resultFile = path.join(tmp, 'integration-result.json');
    cs = await startCodeServer({
      workspaceFolder: ws, extensionDevelopmentPath: REPO_ROOT, extensionTestsPath: TESTS_BUNDLE,
      env: { QKV_INTEGRATION_RESULT: resultFile },
    });
    browser = await launchBrowser();
    // The extension host runs the tests as soon as it starts; the workbench need not be ready for us.
    // The extension host runs the tests as soon as it starts and then ends the session, so the
    // workbench is never "ready" in the usual sense: open the page and wait for the result file.
    const context = await browser.newContext();
    const page = await context.newPage();
    const consoleLog: string[] = [];
    page.on('console', (m) => consoleLog.push(`[${m.type()}] ${m.text()}`));
    wb = { context, page, consoleLog };
    await page.goto(cs.url);
    const result = await poll(async () => (fs.existsSync(resultFile)
      ? JSON.parse(fs.readFileSync(resultFile, 'utf8')) as IntegrationResult : undefined), 'the integration result file', 240_000, 500);
    console.log(`  [integration] ${result.host}: ${result.passed.length} passed, ${result.failed.length} failed`);
    for (const f of result.failed) console.log(`    ✗ ${f.title}\n${f.error.split('\n').slice(0, 6).map((l) => `      ${l}`).join('\n')}`);
    assert.deepStrictEqual(result.failed.map((f) => f.title), []);
    assert.ok(result.passed.length >= 6, `only ${result.passed.length} tests ran`);
  });
});
