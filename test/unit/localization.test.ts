import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { UI_STRINGS } from '../../src/shared/strings';

const root = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

describe('localisation (English and Simplified Chinese)', () => {
  const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n/bundle.l10n.zh-cn.json'), 'utf8')) as Record<string, string>;

  it('translates every vscode.l10n.t string in the host code', () => {
    const missing: string[] = [];
    for (const file of sourceFiles(path.join(root, 'src'))) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) {
        const key = m[1].replace(/\\'/g, "'");
        if (!(key in bundle)) missing.push(`${path.relative(root, file)}: ${key}`);
      }
    }
    assert.deepStrictEqual(missing, []);
  });

  it('translates every webview string, keeping its placeholders', () => {
    for (const english of Object.values(UI_STRINGS)) {
      const zh = bundle[english];
      assert.ok(zh, `no translation for ${JSON.stringify(english)}`);
      assert.deepStrictEqual(zh.match(/\{\d\}/g)?.sort() ?? [], english.match(/\{\d\}/g)?.sort() ?? [], english);
    }
  });

  it('has a Chinese entry for every %key% in package.json', () => {
    const manifest = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
    const en = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const zh = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>;
    for (const m of manifest.matchAll(/"%([^%"]+)%"/g)) {
      assert.ok(en[m[1]], `package.nls.json lacks ${m[1]}`);
      assert.ok(zh[m[1]], `package.nls.zh-cn.json lacks ${m[1]}`);
    }
  });
});
