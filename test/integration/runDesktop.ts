// Runs the integration suite in a desktop VS Code that @vscode/test-electron downloads (so it needs
// access to update.code.visualstudio.com; it cannot run on the offline build machine, where the same
// suite runs in code-server instead: test/e2e/integration.e2e.ts). Build first:
//   node esbuild.js && npx tsx test/integration/runDesktop.ts        (or: npm run test:integration)
// VSCODE_VERSION picks the version (default: stable); on Linux without a display, run it under xvfb-run.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';

const ROOT = path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const testsBundle = path.join(ROOT, 'dist-test', 'index.js');
  if (!fs.existsSync(testsBundle)) throw new Error(`${testsBundle} is missing: run \`node esbuild.js\` first`);
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-integration-'));
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: testsBundle,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
