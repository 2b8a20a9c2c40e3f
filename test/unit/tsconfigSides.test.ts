/**
 * The extension host and the webview are compiled under their own tsconfig (src/tsconfig.json: Node, no
 * DOM; webview/tsconfig.json: DOM, no Node). These tests compile a probe file placed in each tree under
 * that tree's config, with and without a use of the other side, so a config that stops catching it fails.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '../..');

/** Diagnostics of `source` compiled as `<dir>/__probe.ts` under `<configDir>/tsconfig.json` (the probe only, plus what it imports). */
function compileProbe(dir: string, source: string, configDir = dir): string[] {
  const configPath = path.join(root, configDir, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, path.dirname(configPath));
  const probe = path.join(root, dir, '__probe.ts');
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (file, language, onError) => (path.resolve(file) === probe ? ts.createSourceFile(file, source, language) : getSourceFile(file, language, onError));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (file) => path.resolve(file) === probe || fileExists(file);
  const program = ts.createProgram({ rootNames: [probe], options: parsed.options, host });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('each side compiles under its own tsconfig', function () {
  this.timeout(60000);

  it('host code (src/) cannot use the DOM', () => {
    assert.deepStrictEqual(compileProbe('src', "import { format } from './shared/strings';\nexport const s: string = format('{0}', 'x');\n"), []);
    const errors = compileProbe('src', 'export const body = document.body;\nexport type E = HTMLElement;\n');
    assert.ok(errors.some((e) => e.includes("'document'")), errors.join('\n'));
    assert.ok(errors.some((e) => e.includes("'HTMLElement'")), errors.join('\n'));
  });

  it('shared code (src/shared/) compiles on both sides, so it can use neither the DOM nor Node', () => {
    const clean = "import { PANEL_VIEWS } from './protocol';\nexport const n: number = PANEL_VIEWS.length;\n";
    assert.deepStrictEqual(compileProbe('src/shared', clean, 'src'), []);
    assert.deepStrictEqual(compileProbe('src/shared', clean, 'webview'), []);
    const dom = compileProbe('src/shared', 'export const w = window.innerWidth;\n', 'src');
    assert.ok(dom.some((e) => e.includes("'window'")), dom.join('\n'));
    const node = compileProbe('src/shared', "export const b = Buffer.from('x');\n", 'webview');
    assert.ok(node.some((e) => e.includes("'Buffer'")), node.join('\n'));
  });

  it('webview code (webview/) cannot import Node modules or use Node globals', () => {
    assert.deepStrictEqual(compileProbe('webview', "import { PANEL_VIEWS } from '../src/shared/protocol';\nexport const el: HTMLElement = document.body;\nexport const n = PANEL_VIEWS.length;\n"), []);
    const errors = compileProbe('webview', "import * as fs from 'fs';\nexport const a = fs;\nexport const b = Buffer.from('x');\nexport const c = process.env;\n");
    assert.ok(errors.some((e) => e.includes("'fs'")), errors.join('\n'));
    assert.ok(errors.some((e) => e.includes("'Buffer'")), errors.join('\n'));
    assert.ok(errors.some((e) => e.includes("'process'")), errors.join('\n'));
  });
});
