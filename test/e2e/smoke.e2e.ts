// End-to-end smoke test of the harness: a real VS Code (code-server) in headless Chromium.
// It proves, without the QKV Lens extension, that everything the real tests need works:
// opening a file with Chinese text, selecting, running an extension's command from the
// palette, finding its webview frame, reading it, hovering in it, screenshots.
//
//   .ci/install-system.sh && scripts/install-code-server.sh      (once)
//   npx mocha --require tsx --timeout 300000 'test/e2e/*.e2e.ts'
//
// Screenshots go to test-results/e2e/ (gitignored).
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';

import {
  cursorPosition, editorText, notifications, openFile, runCommand, screenshot,
  selectAll, selectRange, selectText, waitForEditorText, waitForNotification, webviewFrame,
} from '../support/workbench';
import { REPO_ROOT } from '../support/codeServer';
import { useSession } from './session';

const SENTENCE = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员';
const RESULTS = path.join(REPO_ROOT, 'test-results', 'e2e');

// ---- the throwaway probe extension -------------------------------------------------------------
const PROBE = {
  id: 'qkv-test.qkv-e2e-probe',
  command: 'qkvProbe.show',
  title: 'QKV Probe: Show Webview',
  panelTitle: 'QKV Probe',
  marker: 'qkv-probe-ready',
} as const;

const EXTENSION_JS = String.raw`
const vscode = require('vscode');

function activate(context) {
  context.subscriptions.push(vscode.commands.registerCommand('${PROBE.command}', () => {
    const editor = vscode.window.activeTextEditor;
    const text = editor ? (editor.selection.isEmpty ? editor.document.getText() : editor.document.getText(editor.selection)) : '';
    const panel = vscode.window.createWebviewPanel('qkvProbe', '${PROBE.panelTitle}', vscode.ViewColumn.Beside, { enableScripts: true });
    const nonce = String(Math.random()).slice(2);
    const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
    const tokens = Array.from(text.trim()).map((ch, i) =>
      '<span class="tok" data-token-index="' + i + '">' + esc(ch) + '</span>').join('');
    panel.webview.html = '<!DOCTYPE html><html lang="zh"><head><meta charset="UTF-8">' +
      '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; script-src \'nonce-' + nonce + '\';">' +
      '<style>body{font-size:20px} .tok{display:inline-block;padding:2px 3px;margin:1px;border:1px solid var(--vscode-editor-foreground)}' +
      ' .tok.hover{background:var(--vscode-editor-selectionBackground)}</style></head><body>' +
      '<h1 id="marker">${PROBE.marker}</h1><div id="tokens">' + tokens + '</div><p id="status">no hover</p>' +
      '<script nonce="' + nonce + '">const vscode = acquireVsCodeApi();' +
      'for (const el of document.querySelectorAll(".tok")) el.addEventListener("mouseenter", () => {' +
      ' document.querySelectorAll(".tok.hover").forEach((t) => t.classList.remove("hover")); el.classList.add("hover");' +
      ' document.getElementById("status").textContent = "hover " + el.dataset.tokenIndex + " " + el.textContent;' +
      ' vscode.postMessage({ type: "hover", index: Number(el.dataset.tokenIndex), text: el.textContent }); });' +
      '</script></body></html>';
    panel.webview.onDidReceiveMessage((m) => {
      if (m.type === 'hover') vscode.window.showInformationMessage('QKV probe hover ' + m.index + ' ' + m.text);
    });
  }));
}

module.exports = { activate, deactivate() {} };
`;

/** Writes the probe extension's folder into `dir` (created). */
function writeProbeExtension(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'qkv-e2e-probe',
    displayName: 'QKV e2e probe',
    description: 'Throwaway extension for the QKV Lens end-to-end harness',
    publisher: 'qkv-test',
    version: '0.0.1',
    license: 'MIT',
    engines: { vscode: '^1.90.0' },
    main: './extension.js',
    activationEvents: [],
    contributes: { commands: [{ command: PROBE.command, title: PROBE.title }] },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(dir, 'extension.js'), EXTENSION_JS);
  fs.writeFileSync(path.join(dir, 'README.md'), '# QKV e2e probe\n\nThrowaway test extension.\n');
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'MIT\n');
  return dir;
}

/** `vsce package` from the repository's node_modules; returns the .vsix path. */
function packageExtension(dir: string, outFile: string): string {
  const vsce = path.join(REPO_ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  if (!fs.existsSync(vsce)) throw new Error(`no ${vsce}: run npm ci in the repository root`);
  execFileSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', outFile], {
    cwd: dir, stdio: 'pipe', timeout: 120_000,
  });
  return outFile;
}

// ---- helpers -----------------------------------------------------------------------------------

const WORKSPACE_FILES = { 'sample.txt': `${SENTENCE}\n`, 'two-lines.txt': 'first line here\nsecond line there\n' };

describe('e2e harness: code-server in headless Chromium', function () {
  this.timeout(300_000);
  const session = useSession({
    prefix: 'qkv-e2e-',
    files: WORKSPACE_FILES,
    server: (tmp) => ({ vsixPath: packageExtension(writeProbeExtension(path.join(tmp, 'probe')), path.join(tmp, 'probe.vsix')) }),
    workbench: { theme: 'Default Dark Modern' },
  });
  let page: Page;
  before(() => {
    page = session().page;
  });

  it('opens sample.txt with Quick Open and shows the Chinese text', async function () {
    const t0 = Date.now();
    await openFile(page, 'sample.txt');
    await waitForEditorText(page, SENTENCE);
    assert.ok((await editorText(page)).includes(SENTENCE));
    console.log(`  [timing] openFile ${Date.now() - t0} ms`);
    await screenshot(page, path.join(RESULTS, 'smoke-editor.png'));
  });

  it('selects text: all, a substring (Find), a range (Go to Line + Shift+arrows)', async function () {
    await selectAll(page);
    assert.strictEqual((await cursorPosition(page)).selected, SENTENCE.length + 1); // with the final newline
    await selectText(page, '福州');
    assert.deepStrictEqual(await cursorPosition(page), { line: 1, column: 6, selected: 2 });
    await selectRange(page, { line: 1, column: 7 }, { line: 1, column: 11 }); // 现在住在
    assert.deepStrictEqual(await cursorPosition(page), { line: 1, column: 11, selected: 4 });
  });

  it('runs an extension command from the palette; reads and hovers in its webview', async function () {
    // The probe shows the editor's selection, still "现在住在" from the previous test.
    const t0 = Date.now();
    await runCommand(page, PROBE.title);
    const frame = await webviewFrame(page, { extensionId: PROBE.id, selector: '#marker' });
    console.log(`  [timing] command to webview ${Date.now() - t0} ms`);
    assert.strictEqual(await frame.locator('#marker').textContent(), PROBE.marker);
    const tokens = frame.locator('[data-token-index]');
    assert.deepStrictEqual(await tokens.allTextContents(), Array.from('现在住在'));

    await tokens.nth(2).hover();
    await frame.locator('#status', { hasText: 'hover 2 住' }).waitFor({ timeout: 10_000 });
    assert.ok(await tokens.nth(2).evaluate((e) => e.classList.contains('hover')));
    // The webview's postMessage reached the extension, which answered with a notification.
    await waitForNotification(page, 'QKV probe hover 2 住');
    await screenshot(page, path.join(RESULTS, 'smoke-webview.png'));
  });

  it('finds the webview by a predicate as well', async function () {
    const frame = await webviewFrame(page, async (f) => (await f.locator('[data-token-index="3"]').count()) === 1, 10_000);
    assert.strictEqual(await frame.locator('[data-token-index="3"]').textContent(), '在');
    assert.ok((await notifications(page)).length >= 1);
  });
});

describe('e2e harness: an unpackaged extension (extensionDevelopmentPath)', function () {
  this.timeout(300_000);
  const session = useSession({
    prefix: 'qkv-e2e-dev-',
    files: WORKSPACE_FILES,
    server: (tmp) => ({ extensionDevelopmentPath: writeProbeExtension(path.join(tmp, 'probe')) }),
    workbench: { theme: 'Default Light Modern' },
  });

  it('loads the extension from its folder and shows its webview (light theme)', async function () {
    const { page } = session();
    await openFile(page, 'sample.txt');
    await waitForEditorText(page, SENTENCE);
    await selectText(page, '北京');
    await runCommand(page, PROBE.title);
    const frame = await webviewFrame(page, { extensionId: PROBE.id, text: PROBE.marker });
    assert.deepStrictEqual(await frame.locator('[data-token-index]').allTextContents(), ['北', '京']);
    await screenshot(page, path.join(RESULTS, 'smoke-dev-light.png'));
  });
});

