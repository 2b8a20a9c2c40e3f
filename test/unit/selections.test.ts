/**
 * What people select: nothing, whitespace, 100,000 characters, emoji, combining marks, surrogate pairs,
 * CRLF line ends, right-to-left text. Token ranges must land on the right characters — in the engine
 * (every fixture tokenizer: byte-level BPE, WordPiece, SentencePiece) and through the extension host,
 * where they become document offsets.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { monitorEventLoopDelay } from 'perf_hooks';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { LoadedModel, loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import type { TokenSpan } from '../../src/engine/trace';
import { Host, activateExtension, lastAnalysis, readyPanel, waitFor } from '../support/hostHarness';
import { RandomGpt2, SAMPLE_ZH, makeRandomGpt2 } from '../support/randomModel';

const FIXTURES = path.resolve(__dirname, '../fixtures/hf');

export const TRICKY_TEXTS: Record<string, string> = {
  emoji: 'Hi 👋🏽 from 福州 👨‍👩‍👧 ok',
  'combining marks': 'e\u0301te\u0301 n\u0303o 程\u0301序 a\u0308\u0304',
  'surrogate pairs': '𝔘𝔫𝔦 𠀀𠀁 x𝟘y',
  CRLF: 'def add(a, b):\r\n    return (a + b)\r\n\r\nprint(add(1, 2))',
  'right-to-left': 'שלום עולם مرحبا بالعالم 程序 abc',
  mixed: '牛马 🐂🐎 e\u0301\r\nשלום 𝔘 def',
};

const isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** Every span inside the text, in order, never splitting a surrogate pair, spelling what it covers; every visible character covered. */
export function assertSpansFit(text: string, spans: TokenSpan[], label: string): void {
  const covered = new Uint8Array(text.length);
  let lastStart = 0;
  for (const [i, s] of spans.entries()) {
    const where = `${label}: token ${i} "${s.text}" [${s.start}, ${s.end})`;
    assert.ok(s.start >= 0 && s.start <= s.end && s.end <= text.length, `${where} lies inside the text`);
    assert.ok(s.start >= lastStart, `${where} starts after the previous token`);
    lastStart = s.start;
    for (const p of [s.start, s.end]) assert.ok(!(p > 0 && p < text.length && isHigh(text.charCodeAt(p - 1)) && isLow(text.charCodeAt(p))), `${where} does not cut a surrogate pair`);
    if (!s.special) assert.strictEqual(s.text, text.slice(s.start, s.end), `${where} spells its characters`);
    if (!s.special) covered.fill(1, s.start, s.end);
  }
  for (let i = 0; i < text.length; i++) {
    if (!covered[i] && !/\s/.test(text[i])) assert.fail(`${label}: character ${i} ${JSON.stringify(text[i])} is in no token`);
  }
}

describe('selections: token ranges land on the right characters', function () {
  this.timeout(120_000);

  describe('in the engine, with every fixture tokenizer', () => {
    const models: LoadedModel[] = [];
    before(async () => {
      await initWasmBackend(defaultWasmDir(__dirname));
      for (const name of ['gpt2-tiny', 'bert-tiny-chinese', 'llama-tiny', 'qwen2-tiny']) {
        if (fs.existsSync(path.join(FIXTURES, name, 'config.json'))) models.push(loadModelFromDir(path.join(FIXTURES, name)));
      }
      assert.ok(models.length >= 3, 'the Hugging Face fixtures are present');
    });
    after(() => models.forEach((m) => m.model.dispose()));

    for (const [kind, text] of Object.entries(TRICKY_TEXTS)) {
      it(`${kind}`, () => {
        for (const m of models) {
          const trace = runTrace(m, text);
          assertSpansFit(text, trace.tokens, `${m.name} / ${kind}`);
        }
      });
    }

    it('100,000 characters: cut to the context quickly, with the original length reported', () => {
      const text = (SAMPLE_ZH + ' def add(a, b): return a + b 👋🏽\r\n').repeat(Math.ceil(100_000 / 50)).slice(0, 100_000);
      for (const m of models) {
        const t0 = Date.now();
        const trace = runTrace(m, text, { maxTokens: 64 });
        assert.ok(Date.now() - t0 < 10_000, `${m.name}: a 100k-character input takes ${Date.now() - t0} ms`);
        assert.strictEqual(trace.tokens.length, 64);
        assert.ok(trace.truncatedFrom && trace.truncatedFrom > 64, `${m.name}: reports it cut the text`);
        assertSpansFit(text.slice(0, trace.tokens[63].end), trace.tokens, `${m.name} / 100k`);
      }
    });
  });

  describe('through the extension host (stub vscode, real worker)', () => {
    let model: RandomGpt2;
    let host: Host;
    before(function () {
      if (!fs.existsSync(path.resolve(__dirname, '../../dist/extension.js'))) throw new Error('dist/ is missing: run `npm run build` first');
      model = makeRandomGpt2({ layers: 1, heads: 2, hidden: 8, positions: 128 });
    });
    beforeEach(() => {
      host = activateExtension({ 'qkvLens.model': model.dir });
    });
    afterEach(() => host.dispose());
    after(() => fs.rmSync(model.dir, { recursive: true, force: true }));

    it('a selection inside a CRLF document with emoji and RTL text: every token maps to its document characters', async () => {
      const doc = `first line\r\n${TRICKY_TEXTS.mixed} 程序员\r\nlast`;
      const start = doc.indexOf('牛');
      const end = doc.indexOf('\r\nlast');
      const { run, document } = host.showAttention(doc, { start, end });
      const panel = await readyPanel(host.stub);
      await run;
      const analysis = await waitFor(() => lastAnalysis(panel), 'the analysis');
      assertSpansFit(doc.slice(start, end), analysis.trace.tokens, 'host');
      analysis.trace.tokens.forEach((t, i) => {
        const r = host.api.controller.tokenRange(i);
        assert.ok(r, `token ${i} has a document range`);
        if (!t.special) assert.strictEqual(document.getText().slice(r.start, r.end), t.text, `token ${i} lands on "${t.text}" in the document`);
      });
    });

    it('nothing selected: analyses the current line and says so', async () => {
      const doc = 'line one\r\n程序员 def add\r\nline three';
      const { run } = host.showAttention(doc, undefined, doc.indexOf('序'));
      const panel = await readyPanel(host.stub);
      await run;
      assert.ok(host.stub.shown.some((s) => s.level === 'info' && /current line/.test(s.message)), 'an information message names the current line');
      const analysis = await waitFor(() => lastAnalysis(panel), 'the analysis');
      assert.deepStrictEqual(
        analysis.trace.tokens.map((t) => t.text),
        ['程', '序', '员', 'def', 'add'],
      );
    });

    it('nothing selected on a blank line, or only whitespace selected: a clear warning and no run', async () => {
      const doc = 'text\r\n   \t \r\nmore';
      await host.showAttention(doc, undefined, doc.indexOf('\t')).run;
      await host.showAttention(doc, { start: 4, end: doc.indexOf('more') }).run;
      host.stub.setEditor(null);
      await host.stub.commands.get('qkvLens.showAttention')?.();
      const warnings = host.stub.shown.filter((s) => s.level === 'warning').map((s) => s.message);
      assert.strictEqual(warnings.filter((w) => /empty or only whitespace/.test(w)).length, 2, warnings.join(' | '));
      assert.ok(warnings.some((w) => /Open a file/.test(w)), 'no editor: asks to open a file');
      assert.strictEqual(host.stub.panels.length, 0, 'no panel opened');
    });

    it('100,000 characters: a notice that the text was cut to the context, and the host thread never stalls', async () => {
      const doc = SAMPLE_ZH.repeat(Math.ceil(100_000 / SAMPLE_ZH.length)).slice(0, 100_000);
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const t0 = Date.now();
      const { run } = host.showAttention(doc, { start: 0, end: doc.length });
      const panel = await readyPanel(host.stub);
      await run;
      delay.disable();
      const analysis = await waitFor(() => lastAnalysis(panel), 'the analysis');
      assert.strictEqual(analysis.trace.tokens.length, 128);
      assert.ok(host.stub.shown.some((s) => s.level === 'info' && /cut from \d+ to 128 tokens/.test(s.message)), host.stub.shown.map((s) => s.message).join(' | '));
      assert.ok(Date.now() - t0 < 30_000, 'finishes');
      assert.ok(delay.max / 1e6 < 250, `longest stall of the host's event loop: ${(delay.max / 1e6).toFixed(0)} ms`);
    });
  });
});
