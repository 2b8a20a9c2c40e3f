// The integration suite: runs inside a VS Code extension host (desktop VS Code through
// @vscode/test-electron, or code-server's extension host through the workbench URL's payload), drives
// QKV Lens through VS Code's API and checks the result through the extension's exported API.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { QkvLensApi } from '../../src/extension';
import { AT, SENTENCE, SENTENCE_TOKENS, tokenStart } from '../support/teachingSentence';

const EXTENSION_ID = 'qkv-lens.qkv-lens';
/** Text before the sentence, so that offsets inside the document differ from offsets in the selection. */
const PREFIX = '# 例句\n';

async function waitFor<T>(what: string, get: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('QKV Lens in a VS Code extension host', function () {
  this.timeout(120_000);
  let api: QkvLensApi;
  let document: vscode.TextDocument;
  let extensionPath: string;

  before(async function () {
    const extension = vscode.extensions.getExtension<QkvLensApi>(EXTENSION_ID);
    assert.ok(extension, `${EXTENSION_ID} is not loaded`);
    extensionPath = extension.extensionPath;
    api = await extension.activate();
    assert.ok(api?.controller, 'activate() returns { controller }');
  });

  after(async function () {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('registers its commands', async function () {
    const commands = await vscode.commands.getCommands(true);
    for (const id of ['qkvLens.showAttention', 'qkvLens.selectModel', 'qkvLens.lesson', 'qkvLens.openLesson', 'qkvLens.showLog']) {
      assert.ok(commands.includes(id), `${id} is registered`);
    }
  });

  it('Show Attention on the selected sentence: its tokens with their document ranges', async function () {
    document = await vscode.workspace.openTextDocument({ content: `${PREFIX}${SENTENCE}\n`, language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(document);
    const start = document.positionAt(PREFIX.length);
    editor.selection = new vscode.Selection(start, document.positionAt(PREFIX.length + SENTENCE.length));
    await vscode.commands.executeCommand('qkvLens.showAttention');
    const analysis = await waitFor('the panel\'s analysis', () => api.controller.currentPanel?.analysis);
    const { tokens, model } = analysis.trace;
    assert.strictEqual(model.name, 'QKV Lens teaching model');
    assert.strictEqual(tokens.length, SENTENCE_TOKENS.length);
    SENTENCE_TOKENS.forEach((ch, i) => {
      const start = tokenStart(i);
      assert.deepStrictEqual({ text: tokens[i].text, start: tokens[i].start, end: tokens[i].end }, { text: ch, start, end: start + ch.length }, `token ${i}`);
      const range = api.controller.tokenRange(i);
      assert.ok(range && range.uri.toString() === document.uri.toString());
      assert.strictEqual(document.getText(new vscode.Range(document.positionAt(range.start), document.positionAt(range.end))), ch);
    });
  });

  it('every attention row sums to 1, and no query attends to a later token', function () {
    const trace = api.controller.currentPanel!.trace!;
    const t = trace.tokens.length;
    const { layers, heads } = trace.model;
    let worst = 0;
    for (let row = 0; row < layers * heads * t; row++) {
      const query = row % t;
      let sum = 0;
      for (let key = 0; key < t; key++) {
        const w = trace.weights[row * t + key];
        if (key > query) assert.strictEqual(w, 0, `row ${row}: key ${key} after query ${query}`);
        sum += w;
      }
      worst = Math.max(worst, Math.abs(sum - 1));
    }
    assert.ok(worst < 1e-5, `largest |row sum − 1| = ${worst}`);
  });

  it('an editor hover on 员 lists the tokens it attends to most, with weights', async function () {
    const position = document.positionAt(PREFIX.length + tokenStart(AT.员));
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
    assert.match(text, /QKV Lens/);
    assert.match(text, /员/);
    assert.match(text, /\| 0\.\d{3} \|/);
  });

  it('marks the analysis stale when its text is edited', async function () {
    assert.ok(api.controller.target(document.uri), 'current before the edit');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, document.positionAt(0), 'X');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await waitFor('the analysis to go stale', () => (api.controller.target(document.uri) ? undefined : true), 10_000);
  });

  it('a lesson step opens the sample sentence on the built-in model at the right training stage', async function () {
    await vscode.commands.executeCommand('qkvLens.lesson', 'train-start');
    const shown = await waitFor('the lesson\'s analysis', () => api.controller.shownSource);
    assert.strictEqual(shown.text, SENTENCE);
    assert.strictEqual(shown.stage, 0);
    assert.strictEqual(api.controller.currentPanel?.analysis?.stage, 0);
    await vscode.commands.executeCommand('qkvLens.lesson', 'train-end');
    // The last checkpoint of the built-in model is the trained one.
    const config = JSON.parse(fs.readFileSync(path.join(extensionPath, 'media', 'models', 'teaching', 'config.json'), 'utf8')) as { qkv_lens: { checkpoints: Array<{ step: number }> } };
    assert.strictEqual(api.controller.currentPanel?.analysis?.stage, config.qkv_lens.checkpoints.at(-1)?.step);
    assert.strictEqual(api.controller.shownSource?.uri.toString(), shown.uri.toString(), 'the same document, reused');
  });
});
