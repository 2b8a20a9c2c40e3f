// The integration suite (test/integration, VS Code API level) inside a real extension host: code-server
// loads this repository as the extension under development and runs dist-test/index.js as its
// extension tests (the same `extensionTestsPath` contract @vscode/test-electron uses on a desktop VS
// Code; see test/integration/runDesktop.ts). The suite writes its result to a JSON file, read here.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { poll } from '../support/workbench';
import { REPO_ROOT } from '../support/codeServer';
import { useSession } from './session';
import type { IntegrationResult } from '../integration/index';

const TESTS_BUNDLE = path.join(REPO_ROOT, 'dist-test', 'index.js');

describe('Integration suite in code-server\'s extension host (extensionTestsPath)', function () {
  this.timeout(300_000);
  // Where the suite writes its result: QKV_INTEGRATION_RESULT in code-server's (and so the extension host's) environment.
  const resultIn = (tmp: string) => path.join(tmp, 'integration-result.json');
  const resultFile = () => resultIn(session().tmp);
  const session = useSession({
    prefix: 'qkv-e2e-integration-',
    files: {},
    server: (tmp) => {
      for (const f of [TESTS_BUNDLE, path.join(REPO_ROOT, 'dist', 'extension.js')]) {
        if (!fs.existsSync(f)) throw new Error(`${f} is missing: run \`node esbuild.js\` (or \`npm run package\`) first`);
      }
      return {
        extensionDevelopmentPath: REPO_ROOT, extensionTestsPath: TESTS_BUNDLE,
        env: { QKV_INTEGRATION_RESULT: resultIn(tmp) },
      };
    },
    // The extension host runs the tests as soon as it starts and then ends the session, so the
    // workbench is never "ready" in the usual sense: the test opens the page and waits for the result file.
    workbench: { open: false },
  });

  it('passes every test of test/integration', async function () {
    const { page, cs } = session();
    await page.goto(cs.url);
    const result = await poll(async () => (fs.existsSync(resultFile())
      ? JSON.parse(fs.readFileSync(resultFile(), 'utf8')) as IntegrationResult : undefined), 'the integration result file', 240_000, 500);
    console.log(`  [integration] ${result.host}: ${result.passed.length} passed, ${result.failed.length} failed`);
    for (const f of result.failed) console.log(`    ✗ ${f.title}\n${f.error.split('\n').slice(0, 6).map((l) => `      ${l}`).join('\n')}`);
    assert.deepStrictEqual(result.failed.map((f) => f.title), []);
    assert.ok(result.passed.length >= 6, `only ${result.passed.length} tests ran`);
  });
});
