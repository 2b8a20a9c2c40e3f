/**
 * The extension host under stress, driven through the built extension with a stub vscode and the real
 * model worker: the panel closed during a run, two runs at once, a run cancelled from its notification,
 * malformed messages from the webview, the panel's Content-Security-Policy, what package.json declares
 * for untrusted and virtual workspaces, and that activation never loads TensorFlow.js into the host.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Host, ROOT, activateExtension, lastAnalysis, postedTo, readyPanel, statuses, waitFor } from '../support/hostHarness';
import { RandomGpt2, SAMPLE_ZH, makeRandomGpt2 } from '../support/randomModel';

describe('robustness of the extension host', function () {
  this.timeout(120_000);
  let model: RandomGpt2;
  let host: Host;
  before(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/ is missing: run `npm run build` first');
    // Big enough that a run lasts a moment: there is time to close the panel or cancel while it runs.
    model = makeRandomGpt2({ layers: 4, heads: 4, hidden: 64, positions: 512 });
  });
  beforeEach(() => {
    host = activateExtension({ 'qkvLens.model': model.dir });
  });
  afterEach(() => host.dispose());
  after(() => fs.rmSync(model.dir, { recursive: true, force: true }));

  const longText = SAMPLE_ZH.repeat(12);

  it('the panel closed during a run: no error, and the next run opens a new panel and works', async () => {
    const first = host.showAttention(longText, { start: 0, end: longText.length });
    const panel = await readyPanel(host.stub);
    panel.close();
    await first.run;
    assert.deepStrictEqual(host.stub.shown.filter((s) => s.level !== 'info'), [], 'closing the panel is not an error');
    const second = host.showAttention('程序员', { start: 0, end: 3 });
    const panel2 = await readyPanel(host.stub, 1);
    await second.run;
    assert.strictEqual((await waitFor(() => lastAnalysis(panel2), 'the second analysis')).trace.tokens.length, 3);
    assert.ok(!postedTo(panel).some((m) => m.type === 'analysis'), 'nothing is posted to the closed panel');
  });

  it('two runs started at once: the later one wins, the earlier is cancelled quietly', async () => {
    const a = host.showAttention(longText, { start: 0, end: longText.length });
    const b = host.showAttention('北京是', { start: 0, end: 3 });
    const panel = await readyPanel(host.stub);
    await Promise.all([a.run, b.run]);
    const analyses = postedTo(panel).filter((m) => m.type === 'analysis');
    assert.strictEqual(analyses.length, 1, 'only the later analysis reaches the panel');
    assert.strictEqual(lastAnalysis(panel)?.trace.tokens.length, 3);
    assert.strictEqual(host.stub.panels.length, 1, 'one panel, reused');
    assert.deepStrictEqual(host.stub.shown.filter((s) => s.level !== 'info'), []);
  });

  it('a run cancelled from its notification: the panel says cancelled, and the next run works', async () => {
    const first = host.showAttention(longText, { start: 0, end: longText.length });
    const panel = await readyPanel(host.stub);
    host.stub.cancelProgress();
    await first.run;
    assert.strictEqual(statuses(panel).at(-1), 'cancelled');
    assert.strictEqual(lastAnalysis(panel), undefined);
    const second = host.showAttention('福州', { start: 0, end: 2 });
    await second.run;
    assert.strictEqual((await waitFor(() => lastAnalysis(panel), 'an analysis')).trace.tokens.length, 2);
    assert.strictEqual(statuses(panel).at(-1), 'idle');
  });

  it('malformed messages from the webview are rejected and logged; the panel keeps working', async () => {
    const { run } = host.showAttention('程序员', { start: 0, end: 3 });
    const panel = await readyPanel(host.stub);
    await run;
    await waitFor(() => lastAnalysis(panel), 'the analysis');
    const bad: unknown[] = [
      'ready',
      42,
      null,
      [],
      { type: 'nope' },
      { type: 'revealToken', index: -1 },
      { type: 'revealToken', index: 1.5 },
      { type: 'revealToken', index: '2' },
      { type: 'selectStage', step: Number.NaN },
      { type: 'focusToken', index: 0, layer: -1, head: 0 },
      { type: 'export', format: 'exe', fileName: 'x', data: '' },
      { type: 'export', format: 'png', fileName: '../../etc/passwd', data: '' },
      { type: 'log', level: 'info', message: 'x'.repeat(20_000) },
      { type: 'log', level: 'shout', message: 'x' },
    ];
    for (const m of bad) panel.receive(m);
    const rejected = host.stub.log.filter((l) => /rejected a malformed message/.test(l));
    assert.strictEqual(rejected.length, bad.length, `every malformed message is logged as rejected:\n${host.stub.log.join('\n')}`);
    assert.ok(rejected.every((l) => l.length < 400), 'log lines stay short even for huge messages');
    // Still answering: a valid message is handled.
    panel.receive({ type: 'revealToken', index: 1 });
    const posts = panel.posted.length;
    panel.receive({ type: 'ready' });
    assert.ok(panel.posted.length > posts, 'the panel answers a valid ready');
  });

  it("the panel's Content-Security-Policy allows no remote content, no inline or eval'd script", async () => {
    const { run } = host.showAttention('程序员', { start: 0, end: 3 });
    const panel = await readyPanel(host.stub);
    await run;
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(panel.html)?.[1];
    assert.ok(csp, 'the panel declares a CSP');
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
    assert.deepStrictEqual(directives.get('default-src'), ["'none'"]);
    const cspSource = 'https://webview.test'; // the stub's webview.cspSource: the extension's own files
    for (const [name, values] of directives) {
      for (const v of values) {
        const allowed = v === "'none'" || v === cspSource || v === 'data:' || v === 'blob:' || /^'nonce-[A-Za-z0-9+/=]+'$/.test(v) || v === "'wasm-unsafe-eval'";
        assert.ok(allowed, `${name} allows ${v}`);
      }
    }
    assert.ok(!/unsafe-inline|'unsafe-eval'/.test(csp), 'no unsafe-inline, no unsafe-eval');
    assert.ok(!directives.has('connect-src') || directives.get('connect-src')?.every((v) => v === "'none'"), 'no connections');
    const scripts = [...panel.html.matchAll(/<script[^>]*>/g)].map((m) => m[0]);
    assert.ok(scripts.length > 0 && scripts.every((s) => /nonce="/.test(s)), 'every script carries the nonce');
  });

  it('package.json declares untrusted-workspace limits (the model folder setting is restricted) and virtual-workspace support', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      capabilities: { untrustedWorkspaces: { supported: unknown; restrictedConfigurations?: string[]; description?: string }; virtualWorkspaces: unknown };
      contributes: { configuration: { properties: Record<string, { scope?: string; type?: string }> } };
      activationEvents?: string[];
    };
    const untrusted = pkg.capabilities.untrustedWorkspaces;
    assert.strictEqual(untrusted.supported, 'limited');
    assert.ok(untrusted.description, 'says what is limited');
    // Any setting a workspace could point at code or data outside it is restricted, or machine-scoped.
    for (const [key, prop] of Object.entries(pkg.contributes.configuration.properties)) {
      if (/model|endpoint|path|dir|url/i.test(key)) assert.ok(prop.scope === 'machine' || untrusted.restrictedConfigurations?.includes(key), `${key} is restricted in untrusted workspaces or machine-scoped`);
    }
    assert.ok(pkg.capabilities.virtualWorkspaces === true || typeof pkg.capabilities.virtualWorkspaces === 'object', 'virtual workspaces declared');
    assert.ok(!(pkg.activationEvents ?? []).includes('*'), 'never activates on startup');
  });

  it('activation loads no TensorFlow.js into the extension host and registers the commands', () => {
    const out = execFileSync(process.execPath, ['--require', 'tsx', path.join(ROOT, 'bench', 'lib', 'activationProbe.ts'), ROOT], { encoding: 'utf8', cwd: ROOT });
    const r = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { tfjsModules: number; commands: number; requireMs: number; activateMs: number };
    assert.strictEqual(r.tfjsModules, 0);
    assert.ok(r.commands >= 1);
  });
});
