/**
 * Dependencies point one way: tests and benches share helpers through test/support/, so a bench never
 * imports a test file and a test never imports a bench file (either would break when the other moves).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return /\.(ts|js)$/.test(e.name) ? [rel] : [];
  });
}

/** Repository-relative paths of every relative import or require in a file. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s+|require\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specs.map((s) => path.relative(root, path.resolve(path.dirname(path.join(root, file)), s)));
}

const under = (p: string, dir: string) => p === dir || p.startsWith(dir + path.sep);

describe('dependency direction between tests, benches and their shared helpers', () => {
  it('finds the imports it checks (the scan itself works)', () => {
    assert.ok(importsOf(path.join('bench', 'hover.ts')).includes(path.join('test', 'support', 'webviewHarness')));
  });

  it('no bench imports a test file: only test/support/', () => {
    const bad = sourceFiles('bench').flatMap((f) => importsOf(f).filter((i) => under(i, 'test') && !under(i, path.join('test', 'support'))).map((i) => `${f} → ${i}`));
    assert.deepStrictEqual(bad, []);
  });

  it('no test imports a bench file, and test/support/ imports no test', () => {
    const tests = sourceFiles('test').flatMap((f) => importsOf(f).filter((i) => under(i, 'bench')).map((i) => `${f} → ${i}`));
    assert.deepStrictEqual(tests, []);
    const support = path.join('test', 'support');
    const supportImports = sourceFiles(support).flatMap((f) => importsOf(f).filter((i) => under(i, 'test') && !under(i, support)).map((i) => `${f} → ${i}`));
    assert.deepStrictEqual(supportImports, []);
  });
});
