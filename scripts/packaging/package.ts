/**
 * `npm run package` (after the production build): `vsce package`, failing on any warning it prints, then
 * the offline gallery checks of checkVsix.ts (Open VSX's CLI and vsce on the finished .vsix, its file list,
 * the README's links), and a table of where the bytes go.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';
import { checkVsix, sizeByFolder } from './checkVsix';

const root = path.resolve(__dirname, '../..');
const vsix = path.join(root, 'qkv-lens.vsix');

async function main(): Promise<number> {
  const vsce = require.resolve('@vscode/vsce/vsce');
  // No stdin: a vsce question (it asks before packaging without a repository URL) fails instead of waiting.
  const run = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '-o', vsix], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  if (run.status !== 0) return run.status ?? 1;
  const warnings = `${run.stdout}\n${run.stderr}`.split('\n').filter((line) => /\bWARNING\b/.test(line));
  const report = await checkVsix(vsix, root);
  const mib = (n: number) => (n / 2 ** 20).toFixed(2) + ' MiB';
  console.log(`\n${path.basename(vsix)}: ${mib(report.vsixBytes)} compressed, ${report.entries.length} files, ${mib(report.entries.reduce((s, e) => s + e.bytes, 0))} unpacked`);
  for (const [folder, bytes] of sizeByFolder(report.entries).slice(0, 8)) console.log(`  ${mib(bytes).padStart(10)}  ${folder}`);
  const problems = [...warnings.map((w) => `vsce printed a warning: ${w.trim()}`), ...report.problems];
  if (problems.length) {
    console.error(`\npackage check failed:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    return 1;
  }
  console.log('package check: vsce printed no warnings; ovsx and vsce accept the .vsix; only runtime files; gallery links resolve');
  return 0;
}

main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
