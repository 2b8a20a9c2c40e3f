import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { RandomGpt2, SAMPLE_ZH, makeRandomGpt2 } from '../support/randomModel';

const cli = path.resolve(__dirname, '../../dist/cli.js');

describe('command line (dist/cli.js)', function () {
  this.timeout(60_000);
  let random: RandomGpt2;
  before(() => {
    if (!fs.existsSync(cli)) throw new Error('dist/cli.js is missing: run `npm run build` first');
    random = makeRandomGpt2();
  });
  after(() => fs.rmSync(random.dir, { recursive: true, force: true }));

  it('prints the stable JSON shape: model, tokens with ranges, attentions[layer][head][query][key]', () => {
    const out = JSON.parse(execFileSync('node', [cli, '--model', random.dir, '--text', SAMPLE_ZH, '--json'], { encoding: 'utf8' })) as {
      model: string;
      tokens: Array<{ text: string; id: number; start: number; end: number }>;
      attentions: number[][][][];
    };
    assert.deepStrictEqual(Object.keys(out), ['model', 'tokens', 'attentions']);
    assert.strictEqual(out.tokens.length, SAMPLE_ZH.length);
    assert.deepStrictEqual(Object.keys(out.tokens[0]), ['text', 'id', 'start', 'end']);
    assert.deepStrictEqual(out.tokens[25], { text: '员', id: out.tokens[25].id, start: 25, end: 26 });
    assert.strictEqual(out.attentions.length, random.layers);
    assert.strictEqual(out.attentions[0].length, random.heads);
    assert.strictEqual(out.attentions[0][0].length, SAMPLE_ZH.length);
    assert.strictEqual(out.attentions[0][0][0].length, SAMPLE_ZH.length);
    assert.strictEqual(out.attentions[1][3][0][1], 0);
    assert.ok(Math.abs(out.attentions[1][3][25].reduce((a, b) => a + b, 0) - 1) < 1e-5);
  });

  it('runs given token ids', () => {
    const first = JSON.parse(execFileSync('node', [cli, '--model', random.dir, '--text', '程序员', '--json'], { encoding: 'utf8' })) as { tokens: Array<{ id: number }> };
    const ids = first.tokens.map((t) => t.id).join(',');
    const out = JSON.parse(execFileSync('node', [cli, '--model', random.dir, '--ids', ids, '--json'], { encoding: 'utf8' })) as { tokens: Array<{ text: string }> };
    assert.deepStrictEqual(out.tokens.map((t) => t.text), ['程', '序', '员']);
  });

  it('fails with a clear message and a non-zero code on bad input', () => {
    const empty = spawnSync('node', [cli, '--model', random.dir, '--text', '  '], { encoding: 'utf8' });
    assert.strictEqual(empty.status, 1);
    assert.match(empty.stderr, /empty/);
    const badModel = spawnSync('node', [cli, '--model', '/nonexistent', '--text', 'x'], { encoding: 'utf8' });
    assert.strictEqual(badModel.status, 1);
    assert.match(badModel.stderr, /\/nonexistent is neither a folder nor a usable model in the Hugging Face cache/);
    const usage = spawnSync('node', [cli, '--bogus'], { encoding: 'utf8' });
    assert.strictEqual(usage.status, 2);
    assert.match(usage.stderr, /usage/);
  });
});
