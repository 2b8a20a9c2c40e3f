import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  findCachedModel,
  hubCacheDirs,
  isValidModelId,
  listCachedModels,
  missingModelFiles,
  modelIdFromFolder,
  modelIdFromSnapshotDir,
  repoFolderName,
  resolveModelFolder,
} from '../../src/models/hfCache';

const REV_A = 'a'.repeat(40);
const REV_B = 'b'.repeat(40);

/** Writes a snapshot the way huggingface_hub does: files in blobs/, relative links in snapshots/<rev>/. */
function writeSnapshot(cache: string, id: string, rev: string, files: Record<string, string>, options: { ref?: boolean; links?: boolean } = {}): string {
  const repo = path.join(cache, repoFolderName(id));
  const snap = path.join(repo, 'snapshots', rev);
  fs.mkdirSync(snap, { recursive: true });
  fs.mkdirSync(path.join(repo, 'blobs'), { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    if (options.links === false) {
      fs.writeFileSync(path.join(snap, name), content);
      continue;
    }
    const blob = path.join(repo, 'blobs', `${rev.slice(0, 8)}-${name}`);
    fs.writeFileSync(blob, content);
    fs.symlinkSync(path.relative(snap, blob), path.join(snap, name));
  }
  if (options.ref !== false) {
    fs.mkdirSync(path.join(repo, 'refs'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'refs', 'main'), rev);
  }
  return snap;
}

const MODEL = (type: string) => ({ 'config.json': JSON.stringify({ model_type: type, num_hidden_layers: 1, num_attention_heads: 2, hidden_size: 8, vocab_size: 10 }), 'tokenizer.json': '{}', 'model.safetensors': 'x'.repeat(100) });

describe('Hugging Face cache (offline)', () => {
  let root: string;
  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-hf-cache-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('looks in HF_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME and ~/.cache, in that order', () => {
    const home = '/home/u';
    assert.deepStrictEqual(hubCacheDirs({}, home), ['/home/u/.cache/huggingface/hub']);
    assert.deepStrictEqual(hubCacheDirs({ HF_HOME: '/data/hf' }, home), ['/data/hf/hub', '/home/u/.cache/huggingface/hub']);
    assert.deepStrictEqual(hubCacheDirs({ HF_HUB_CACHE: '~/hub', HF_HOME: '~/hf', XDG_CACHE_HOME: '/xdg' }, home), [
      '/home/u/hub',
      '/home/u/hf/hub',
      '/xdg/huggingface/hub',
      '/home/u/.cache/huggingface/hub',
    ]);
    assert.deepStrictEqual(hubCacheDirs({ HUGGINGFACE_HUB_CACHE: '/old', HF_HUB_CACHE: ' ' }, home), ['/old', '/home/u/.cache/huggingface/hub']);
  });

  it('maps ids to folder names and back', () => {
    assert.strictEqual(repoFolderName('Qwen/Qwen2.5-0.5B'), 'models--Qwen--Qwen2.5-0.5B');
    assert.strictEqual(repoFolderName('gpt2'), 'models--gpt2');
    assert.strictEqual(modelIdFromFolder('models--HuggingFaceTB--SmolLM2-135M'), 'HuggingFaceTB/SmolLM2-135M');
    assert.strictEqual(modelIdFromFolder('datasets--foo--bar'), undefined);
    assert.strictEqual(modelIdFromSnapshotDir(`/c/hub/models--google-bert--bert-base-chinese/snapshots/${REV_A}`), 'google-bert/bert-base-chinese');
    assert.strictEqual(modelIdFromSnapshotDir('/some/folder/gpt2'), undefined);
    for (const ok of ['gpt2', 'bert-base-chinese', 'Qwen/Qwen2.5-0.5B', 'a_b/c.d']) assert.ok(isValidModelId(ok), ok);
    for (const bad of ['', '../x', 'a/b/c', '/abs', 'a/../b', 'a b', '.hidden', 'x/']) assert.ok(!isValidModelId(bad), bad);
  });

  it('lists usable snapshots (config, tokenizer, weights behind links) with their id, type and size', () => {
    const gpt2 = writeSnapshot(root, 'gpt2', REV_A, MODEL('gpt2'));
    const qwen = writeSnapshot(root, 'Qwen/Qwen2.5-0.5B', REV_B, MODEL('qwen2'), { links: false });
    fs.mkdirSync(path.join(root, 'datasets--x--y', 'snapshots', REV_A), { recursive: true });
    fs.mkdirSync(path.join(root, '.locks'));
    const found = listCachedModels([root]);
    assert.deepStrictEqual(found.map((m) => [m.id, m.dir, m.revision, m.modelType, m.weightBytes]), [
      ['gpt2', gpt2, REV_A, 'gpt2', 100],
      ['Qwen/Qwen2.5-0.5B', qwen, REV_B, 'qwen2', 100],
    ]);
    assert.strictEqual(findCachedModel('gpt2', [root])?.dir, gpt2);
    assert.ok(found.every((m) => m.unsupported === undefined));
    writeSnapshot(root, 'google/t5-small', REV_A, MODEL('t5'));
    assert.match(findCachedModel('google/t5-small', [root])?.unsupported ?? '', /unsupported model_type "t5"/);
    assert.strictEqual(findCachedModel('bert-base-chinese', [root]), undefined);
  });

  it('skips incomplete snapshots: no tokenizer.json, a dangling link, a missing shard, only pytorch_model.bin', () => {
    const { 'tokenizer.json': _t, ...noTokenizer } = MODEL('gpt2');
    void _t;
    writeSnapshot(root, 'a/no-tokenizer', REV_A, noTokenizer);
    const dangling = writeSnapshot(root, 'a/dangling', REV_A, MODEL('gpt2'));
    fs.rmSync(path.join(path.dirname(path.dirname(dangling)), 'blobs', `${REV_A.slice(0, 8)}-model.safetensors`));
    const { 'model.safetensors': _w, ...noWeights } = MODEL('llama');
    void _w;
    writeSnapshot(root, 'a/sharded', REV_A, { ...noWeights, 'model.safetensors.index.json': JSON.stringify({ weight_map: { x: 'model-1.safetensors', y: 'model-2.safetensors' } }), 'model-1.safetensors': 'x' });
    writeSnapshot(root, 'a/pickle', REV_A, { ...noWeights, 'pytorch_model.bin': 'x' });
    assert.deepStrictEqual(listCachedModels([root]), []);
    assert.strictEqual(missingModelFiles(path.join(root, repoFolderName('a/no-tokenizer'), 'snapshots', REV_A)), 'tokenizer.json');
    assert.strictEqual(missingModelFiles(dangling), 'model.safetensors');
  });

  it('resolves a --model argument: a folder first, else a cached id', () => {
    const gpt2 = writeSnapshot(root, 'gpt2', REV_A, MODEL('gpt2'));
    assert.strictEqual(resolveModelFolder('gpt2', [root]), gpt2);
    assert.strictEqual(resolveModelFolder(root, [root]), root);
    assert.strictEqual(resolveModelFolder('not/cached', [root]), path.resolve('not/cached'));
  });

  it('accepts a complete sharded snapshot', () => {
    const { 'model.safetensors': _w, ...noWeights } = MODEL('llama');
    void _w;
    const dir = writeSnapshot(root, 'a/sharded', REV_A, { ...noWeights, 'model.safetensors.index.json': JSON.stringify({ weight_map: { x: 'model-1.safetensors', y: 'model-2.safetensors' } }), 'model-1.safetensors': 'xx', 'model-2.safetensors': 'yyy' });
    assert.deepStrictEqual(listCachedModels([root]).map((m) => [m.dir, m.weightBytes]), [[dir, 5]]);
  });

  it('prefers the snapshot refs/main names, falls back to a usable one, and lists a model once across caches', () => {
    const second = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-hf-cache2-'));
    try {
      const old = writeSnapshot(root, 'gpt2', REV_A, MODEL('gpt2'), { ref: false });
      writeSnapshot(root, 'gpt2', REV_B, { 'config.json': '{"model_type":"gpt2"}' }); // refs/main → incomplete snapshot
      assert.strictEqual(listCachedModels([root])[0].dir, old);
      const other = writeSnapshot(second, 'gpt2', REV_B, MODEL('gpt2'));
      assert.deepStrictEqual(listCachedModels([second, root]).map((m) => m.dir), [other]);
      assert.deepStrictEqual(listCachedModels([root, second]).map((m) => m.dir), [old]);
      assert.deepStrictEqual(listCachedModels([path.join(root, 'does-not-exist')]), []);
    } finally {
      fs.rmSync(second, { recursive: true, force: true });
    }
  });
});
