// Entry point VS Code's extension host calls for extension tests (`extensionTestsPath` points at the
// bundle of this file, dist-test/index.js): runs the mocha suite next to it and writes a JSON summary,
// so a harness that cannot see the extension host's console (code-server in a browser) still gets the
// result. mocha is not bundled: it is required from the repository's node_modules at run time.
import * as fs from 'fs';
import * as path from 'path';
// mocha stays outside the bundle (required from node_modules at run time); `import =` keeps its CommonJS export as it is.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import Mocha = require('mocha');

export interface IntegrationResult {
  passed: string[];
  failed: Array<{ title: string; error: string }>;
  /** Where it ran: vscode.env.appName and appHost ("desktop" or "web"), and the VS Code version. */
  host: string;
}

/** Default: dist-test/integration-result.json; QKV_INTEGRATION_RESULT overrides it. */
export function resultFile(): string {
  return process.env.QKV_INTEGRATION_RESULT ?? path.join(__dirname, 'integration-result.json');
}

export function run(): Promise<void> {
  // Required here, not imported at the top: the bundle must not load vscode before the host is ready.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const vscode = require('vscode') as typeof import('vscode');
  const mocha = new Mocha({ ui: 'bdd', timeout: 120_000, color: false, reporter: 'spec' });
  mocha.addFile(path.join(__dirname, 'extension.test.js'));
  const result: IntegrationResult = { passed: [], failed: [], host: `${vscode.env.appName} (${vscode.env.appHost}) ${vscode.version}` };
  const out = resultFile();
  fs.rmSync(out, { force: true });
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      fs.writeFileSync(out, JSON.stringify(result, null, 2));
      if (failures > 0) reject(new Error(`${failures} of ${result.passed.length + result.failed.length} integration tests failed`));
      else resolve();
    });
    runner.on('pass', (test) => result.passed.push(test.fullTitle()));
    runner.on('fail', (test, err: Error) => result.failed.push({ title: test.fullTitle(), error: String(err?.stack ?? err) }));
  });
}
