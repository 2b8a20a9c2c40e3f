import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DownloadError, DownloadProgress, downloadModel } from '../../src/models/download';
import { listCachedModels } from '../../src/models/hfCache';
import { resolveEndpoint } from '../../src/models/hubHttp';
import { loadTokenizer, weightFiles } from '../../src/engine/loadModel';
import { writeSafetensors } from '../../src/engine/safetensors';
import { COMMIT, FakeHub, HubFile, sha256 } from '../support/fakeHub';
import { makeRandomGpt2 } from '../support/randomModel';

/** Every file under a folder, relative, links included. */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => f.split(path.sep).join('/')).sort();
}

async function rejects(promise: Promise<unknown>, kind: string, pattern: RegExp): Promise<DownloadError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof DownloadError, `expected a DownloadError, got ${String(err)}`);
    assert.strictEqual(err.kind, kind, err.message);
    assert.match(err.message, pattern);
    return err;
  }
  assert.fail('expected the download to fail');
}

describe('download from a Hugging Face hub (local server on 127.0.0.1)', function () {
  this.timeout(30_000);
  const hub = new FakeHub();
  let modelFiles: Record<string, HubFile>;
  let cacheDir: string;
  const repoDir = () => path.join(cacheDir, 'models--test-org--tiny-gpt2');
  const snapshot = () => path.join(repoDir(), 'snapshots', COMMIT);

  before(async () => {
    const random = makeRandomGpt2();
    const read = (f: string) => fs.readFileSync(path.join(random.dir, f));
    modelFiles = {
      'config.json': { data: read('config.json') },
      'tokenizer.json': { data: read('tokenizer.json') },
      'tokenizer_config.json': { data: Buffer.from('{"model_max_length": 64}') },
      'model.safetensors': { data: read('model.safetensors'), lfs: true },
      'README.md': { data: Buffer.from('# tiny') },
    };
    fs.rmSync(random.dir, { recursive: true, force: true });
    hub.addRepo('test-org/tiny-gpt2', modelFiles);
    await hub.start();
  });
  after(() => hub.stop());
  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-hub-cache-'));
    hub.faults = {};
    hub.log.length = 0;
  });
  afterEach(() => fs.rmSync(cacheDir, { recursive: true, force: true }));

  it('downloads into the huggingface_hub layout: blobs by ETag, links in snapshots, refs/main', async () => {
    const progress: DownloadProgress[] = [];
    const result = await downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir, onProgress: (p) => progress.push(p) });
    assert.strictEqual(result.dir, snapshot());
    assert.strictEqual(result.revision, COMMIT);
    assert.strictEqual(fs.readFileSync(path.join(repoDir(), 'refs', 'main'), 'utf8'), COMMIT);
    assert.deepStrictEqual(tree(snapshot()), ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    for (const [name, file] of Object.entries(modelFiles)) {
      if (name === 'README.md') continue;
      assert.ok(fs.readFileSync(path.join(snapshot(), name)).equals(file.data), name);
    }
    if (process.platform !== 'win32') {
      assert.strictEqual(fs.readlinkSync(path.join(snapshot(), 'model.safetensors')), path.join('..', '..', 'blobs', sha256(modelFiles['model.safetensors'].data)));
    }
    assert.ok(!tree(path.join(repoDir(), 'blobs')).some((f) => f.endsWith('.incomplete')));
    const total = Object.entries(modelFiles).filter(([n]) => n !== 'README.md').reduce((s, [, f]) => s + f.data.length, 0);
    assert.strictEqual(result.transferred, total);
    assert.deepStrictEqual(progress.at(-1), { file: 'model.safetensors', bytes: total, total });
    for (let i = 1; i < progress.length; i++) assert.ok(progress[i].bytes >= progress[i - 1].bytes, 'progress never goes back');
    // The loader and the cache listing accept the result.
    assert.deepStrictEqual(weightFiles(result.dir), [path.join(result.dir, 'model.safetensors')]);
    loadTokenizer(result.dir);
    assert.deepStrictEqual(listCachedModels([cacheDir]).map((m) => [m.id, m.dir, m.modelType]), [['test-org/tiny-gpt2', snapshot(), 'gpt2']]);
  });

  it('transfers nothing the second time (only HEAD requests)', async () => {
    await downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
    hub.log.length = 0;
    const again = await downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
    assert.strictEqual(again.transferred, 0);
    assert.ok(hub.log.every((r) => r.method === 'HEAD'));
  });

  it('resumes with an HTTP Range request after the connection drops mid-file', async () => {
    const size = modelFiles['model.safetensors'].data.length;
    hub.faults = { dropAfter: { 'model.safetensors': 5000 } };
    const result = await downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
    const gets = hub.log.filter((r) => r.method === 'GET' && r.url.startsWith('/lfs/'));
    assert.deepStrictEqual(gets.map((g) => g.range), [undefined, 'bytes=5000-']);
    const total = Object.entries(modelFiles).filter(([n]) => n !== 'README.md').reduce((s, [, f]) => s + f.data.length, 0);
    assert.strictEqual(result.transferred, total, 'no byte was fetched twice');
    assert.strictEqual(fs.statSync(path.join(result.dir, 'model.safetensors')).size, size);
    assert.ok(fs.readFileSync(path.join(result.dir, 'model.safetensors')).equals(modelFiles['model.safetensors'].data));
  });

  it('starts again from zero when the server ignores Range', async () => {
    hub.faults = { dropAfter: { 'model.safetensors': 3000 }, noRange: true };
    const result = await downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
    assert.ok(fs.readFileSync(path.join(result.dir, 'model.safetensors')).equals(modelFiles['model.safetensors'].data));
  });

  it('rejects a file whose sha256 is wrong, keeps nothing of it and links nothing', async () => {
    hub.faults = { corrupt: new Set(['model.safetensors']) };
    await rejects(downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir }), 'checksum', /model\.safetensors failed its checksum \(expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}\)/);
    assert.deepStrictEqual(tree(path.join(repoDir(), 'snapshots')), []);
    assert.ok(!tree(path.join(repoDir(), 'blobs')).some((f) => f.startsWith(sha256(modelFiles['model.safetensors'].data))));
    assert.ok(!fs.existsSync(path.join(repoDir(), 'refs', 'main')));
    assert.deepStrictEqual(listCachedModels([cacheDir]), []);
  });

  it('checks small files against their git blob sha1', async () => {
    hub.faults = { corrupt: new Set(['tokenizer.json']) };
    await rejects(downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir }), 'checksum', /tokenizer\.json failed its checksum \(expected sha1/);
    assert.deepStrictEqual(tree(path.join(repoDir(), 'snapshots')), []);
  });

  it('cancels mid-file: nothing in snapshots, and the next download resumes the partial blob', async () => {
    hub.faults = { stallAfter: { 'model.safetensors': 4096 } };
    const abort = new AbortController();
    const download = downloadModel('test-org/tiny-gpt2', {
      endpoint: hub.endpoint,
      cacheDir,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.file === 'model.safetensors' && p.bytes > 0) abort.abort();
      },
    });
    await rejects(download, 'cancelled', /cancelled/);
    assert.deepStrictEqual(tree(path.join(repoDir(), 'snapshots')), []);
    const partial = path.join(repoDir(), 'blobs', sha256(modelFiles['model.safetensors'].data) + '.incomplete');
    assert.strictEqual(fs.statSync(partial).size, 4096);
    hub.faults = {};
    hub.log.length = 0;
    const result = await downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir });
    assert.deepStrictEqual(hub.log.filter((r) => r.url.startsWith('/lfs/')).map((r) => r.range), ['bytes=4096-']);
    assert.ok(fs.readFileSync(path.join(result.dir, 'model.safetensors')).equals(modelFiles['model.safetensors'].data));
  });

  it('a cancel before the start does nothing', async () => {
    const abort = new AbortController();
    abort.abort();
    await rejects(downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir, signal: abort.signal }), 'cancelled', /cancelled/);
    assert.deepStrictEqual(tree(cacheDir), []);
  });

  it('says clearly when the model does not exist (404 / RepoNotFound)', async () => {
    await rejects(downloadModel('nobody/nothing', { endpoint: hub.endpoint, cacheDir }), 'not-found', /"nobody\/nothing" was not found/);
    await rejects(downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir, revision: 'no-such-branch' }), 'not-found', /not found/);
    assert.deepStrictEqual(tree(path.join(repoDir(), 'snapshots')), []);
  });

  it('refuses a model without tokenizer.json, with only pytorch_model.bin, or of an unknown architecture, before fetching weights', async () => {
    const { 'tokenizer.json': _tok, ...noTokenizer } = modelFiles;
    void _tok;
    hub.addRepo('t/no-tokenizer', noTokenizer);
    await rejects(downloadModel('t/no-tokenizer', { endpoint: hub.endpoint, cacheDir }), 'unsupported', /no tokenizer\.json/);
    const { 'model.safetensors': _w, ...noWeights } = modelFiles;
    void _w;
    hub.addRepo('t/pickle', { ...noWeights, 'pytorch_model.bin': { data: Buffer.from('pickle'), lfs: true } });
    await rejects(downloadModel('t/pickle', { endpoint: hub.endpoint, cacheDir }), 'unsupported', /only pytorch_model\.bin/);
    hub.addRepo('t/t5', { ...modelFiles, 'config.json': { data: Buffer.from('{"model_type": "t5"}') } });
    hub.log.length = 0;
    await rejects(downloadModel('t/t5', { endpoint: hub.endpoint, cacheDir }), 'unsupported', /unsupported model_type "t5"/);
    assert.ok(!hub.log.some((r) => r.url.startsWith('/lfs/') || r.url.endsWith('model.safetensors')), 'no weights were requested');
  });

  it('downloads a sharded checkpoint (index + shards) and rejects a shard name with a path', async () => {
    const shard = (name: string) => Buffer.from(writeSafetensors({ [name]: { shape: [2], data: Float32Array.of(1, 2) } }));
    const index = { metadata: {}, weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } };
    const { 'model.safetensors': _w, ...rest } = modelFiles;
    void _w;
    hub.addRepo('t/sharded', {
      ...rest,
      'model.safetensors.index.json': { data: Buffer.from(JSON.stringify(index)) },
      'model-00001-of-00002.safetensors': { data: shard('a'), lfs: true },
      'model-00002-of-00002.safetensors': { data: shard('b'), lfs: true },
    });
    const result = await downloadModel('t/sharded', { endpoint: hub.endpoint, cacheDir });
    assert.deepStrictEqual(tree(result.dir), ['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json', 'tokenizer.json', 'tokenizer_config.json']);
    assert.strictEqual(weightFiles(result.dir).length, 2);
    hub.addRepo('t/evil', { ...rest, 'model.safetensors.index.json': { data: Buffer.from(JSON.stringify({ weight_map: { a: '../../../evil.safetensors' } })) } });
    await rejects(downloadModel('t/evil', { endpoint: hub.endpoint, cacheDir }), 'invalid', /not a plain \.safetensors file name/);
  });

  it('rejects bad model ids and endpoints, and takes the endpoint from HF_ENDPOINT', async () => {
    await rejects(downloadModel('../etc', { endpoint: hub.endpoint, cacheDir }), 'invalid', /not a Hugging Face model id/);
    await rejects(downloadModel('a/b/c', { endpoint: hub.endpoint, cacheDir }), 'invalid', /not a Hugging Face model id/);
    await rejects(downloadModel('gpt2', { endpoint: 'ftp://example.com', cacheDir }), 'invalid', /must start with https/);
    assert.strictEqual(resolveEndpoint(undefined, {}), 'https://huggingface.co');
    assert.strictEqual(resolveEndpoint(undefined, { HF_ENDPOINT: 'https://hf-mirror.com/' }), 'https://hf-mirror.com');
    assert.strictEqual(resolveEndpoint('https://my.mirror', { HF_ENDPOINT: 'https://hf-mirror.com' }), 'https://my.mirror');
    const result = await downloadModel('test-org/tiny-gpt2', { cacheDir, env: { HF_ENDPOINT: hub.endpoint } });
    assert.strictEqual(result.revision, COMMIT);
  });

  it('sends HF_TOKEN to the endpoint only, never to the CDN it redirects large files to', async () => {
    const cdn = new FakeHub();
    cdn.addRepo('test-org/tiny-gpt2', modelFiles);
    hub.lfsBase = await cdn.start();
    try {
      const result = await downloadModel('test-org/tiny-gpt2', { endpoint: hub.endpoint, cacheDir, env: { HF_TOKEN: 'hf_secret' } });
      assert.ok(fs.readFileSync(path.join(result.dir, 'model.safetensors')).equals(modelFiles['model.safetensors'].data));
      assert.ok(hub.log.length > 0 && hub.log.every((r) => r.authorization === 'Bearer hf_secret'));
      assert.deepStrictEqual(cdn.log.map((r) => [r.method, r.authorization]), [['GET', undefined]]);
    } finally {
      hub.lfsBase = '';
      await cdn.stop();
    }
  });

  it('fails clearly when nothing listens at the endpoint', async () => {
    await rejects(downloadModel('gpt2', { endpoint: 'http://127.0.0.1:9', cacheDir, retries: 0, env: {} }), 'offline', /cannot reach 127\.0\.0\.1:9 \(ECONNREFUSED\): the computer seems to be offline/);
  });
});
