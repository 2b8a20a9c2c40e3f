import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { checkVsix, linkProblems, pageLinks } from '../../scripts/packaging/checkVsix';

const root = path.resolve(__dirname, '../..');
const vsix = path.join(root, 'qkv-lens.vsix');

/** Packages a throwaway extension with vsce's most permissive flags: what the check must catch. */
function packageSloppyExtension(dir: string): string {
  fs.mkdirSync(path.join(dir, 'media'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'sloppy', publisher: 'someone', version: '0.0.1', engines: { vscode: '^1.95.0' }, main: 'extension.js', activationEvents: [] }));
  fs.writeFileSync(path.join(dir, 'extension.js'), 'exports.activate = () => {};\n');
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'left in by mistake\n');
  fs.writeFileSync(path.join(dir, 'README.md'), '# Sloppy\n\n![screenshot](media/shot.png)\n');
  fs.writeFileSync(path.join(dir, 'media', 'shot.png'), 'not really a png');
  const out = path.join(dir, 'sloppy.vsix');
  const vsce = require.resolve('@vscode/vsce/vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '-o', out], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.strictEqual(r.status, 0, r.stderr);
  return out;
}

describe('the packaged .vsix (Marketplace and Open VSX checks, offline)', function () {
  this.timeout(60_000);

  it('qkv-lens.vsix passes: manifest accepted by ovsx and vsce, 128×128 icon, only runtime files, gallery links resolve', async () => {
    if (!fs.existsSync(vsix)) throw new Error('qkv-lens.vsix is missing: run `npm run package` first');
    const report = await checkVsix(vsix, root);
    assert.deepStrictEqual(report.problems, []);
    const names = report.entries.map((e) => e.path);
    assert.ok(names.includes('extension/media/icon.png'));
    assert.ok(!names.some((n) => /\.(ts|map)$|^extension\/(src|test|scripts|bench|node_modules)\//.test(n) || n === 'extension/dist/cli.js'), names.join('\n'));
  });

  it('the manifest carries what a gallery page shows', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Record<string, unknown>;
    for (const field of ['icon', 'galleryBanner', 'categories', 'keywords', 'repository', 'bugs', 'homepage', 'license', 'extensionKind']) assert.ok(manifest[field], field);
    assert.deepStrictEqual(manifest.extensionKind, ['workspace']);
  });

  it('reports a stray file, a relative image link and a missing icon in a sloppy package', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-sloppy-'));
    try {
      const report = await checkVsix(packageSloppyExtension(dir), dir);
      const text = report.problems.join('\n');
      assert.match(text, /extension\/notes\.txt is in the \.vsix but nothing in the extension reads it/);
      assert.match(text, /relative link "media\/shot\.png" does not resolve/);
      assert.match(text, /names no icon/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds links in Markdown and HTML but not in code, and checks links into the repository against committed files', () => {
    const page = '![a](media/a.png) [b](https://github.com/o/r/blob/HEAD/docs/b.md "title") <img src="https://x.org/c.png"> `[d](e)`\n```\n[f](g)\n```';
    assert.deepStrictEqual(pageLinks(page), ['media/a.png', 'https://github.com/o/r/blob/HEAD/docs/b.md', 'https://x.org/c.png']);
    const problems = linkProblems('readme.md', page, 'https://github.com/o/r', new Set(['docs/b.md']));
    assert.strictEqual(problems.length, 1);
    assert.deepStrictEqual(linkProblems('readme.md', '[b](https://github.com/o/r/raw/HEAD/gone.png)', 'https://github.com/o/r', new Set()).length, 1);
  });
});
