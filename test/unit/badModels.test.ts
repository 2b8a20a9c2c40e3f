/**
 * Bad model folders fail with a ModelLoadError that says what is wrong, and leave no tensors behind:
 * the hostile safetensors of test/fixtures/hf/bad, and folders built here from the gpt2-tiny fixture
 * (truncated weights, unknown architecture, no tokenizer, pickle only, too big, hostile shard names…).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { ModelLoadError, loadModelFromDir, LoadOptions } from '../../src/engine/loadModel';
import { SafetensorsError, SafetensorsFile, parseSafetensorsHeader } from '../../src/engine/safetensors';
import { runTrace } from '../../src/engine/runTrace';

const HF = path.resolve(__dirname, '../fixtures/hf');
const BAD = path.join(HF, 'bad');
const GOOD = path.join(HF, 'gpt2-tiny');

/** What each hostile file in bad/ must be rejected for. */
const BAD_FILES: Record<string, RegExp> = {
  'header_len_exceeds_file.safetensors': /header length 1000 runs past the end of the file/,
  'header_len_2pow40.safetensors': /header length is implausibly large/,
  'truncated_length_prefix.safetensors': /file is too short to be safetensors \(5 bytes\)/,
  'invalid_json_header.safetensors': /header is not valid UTF-8 JSON/,
  'header_not_object.safetensors': /header is not a JSON object/,
  'data_offsets_out_of_range.safetensors': /tensor "w": data_offsets \[0, 64\] fall outside the data section \(16 bytes\)/,
  'overlapping_offsets.safetensors': /tensors "a" and "b" overlap/,
  'offsets_shape_mismatch.safetensors': /tensor "w": shape \[2, 3\] of F32 does not match its 16 bytes/,
};

function bytesOf(file: string): Uint8Array {
  const b = fs.readFileSync(file);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A copy of the gpt2-tiny fixture in a temp folder, changed by `edit`. */
function variant(edit: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-bad-model-'));
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors']) fs.copyFileSync(path.join(GOOD, f), path.join(dir, f));
  edit(dir);
  return dir;
}

/** Raw safetensors bytes from a header object and a data section (header padded to 8 bytes). */
function rawSafetensors(header: object, data: Uint8Array): Uint8Array {
  let json = JSON.stringify(header);
  while ((8 + Buffer.byteLength(json)) % 8) json += ' ';
  const head = Buffer.from(json);
  const out = Buffer.alloc(8 + head.length + data.length);
  out.writeUInt32LE(head.length, 0);
  head.copy(out, 8);
  Buffer.from(data).copy(out, 8 + head.length);
  return out;
}

/** Appends a tensor of another dtype (as old BERT checkpoints carry an I64 position_ids buffer) to a file. */
function withExtraTensor(file: string, name: string, dtype: string, shape: number[], data: Uint8Array): void {
  const st = new SafetensorsFile(bytesOf(file));
  const header: Record<string, unknown> = { __metadata__: st.index.metadata };
  const all = bytesOf(file);
  const dataSection = all.subarray(st.index.dataStart);
  for (const [n, e] of st.index.tensors) header[n] = { dtype: e.dtype, shape: e.shape, data_offsets: [e.begin, e.end] };
  header[name] = { dtype, shape, data_offsets: [dataSection.length, dataSection.length + data.length] };
  const joined = new Uint8Array(dataSection.length + data.length);
  joined.set(dataSection);
  joined.set(data, dataSection.length);
  fs.writeFileSync(file, rawSafetensors(header, joined));
}

describe('bad models: clear errors, nothing leaked', function () {
  this.timeout(60_000);
  const made: string[] = [];
  before(() => initWasmBackend(defaultWasmDir(__dirname)));
  after(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  function expectLoadError(dir: string, pattern: RegExp, options: LoadOptions = {}): void {
    const before = tf.memory().numTensors;
    assert.throws(
      () => loadModelFromDir(dir, options),
      (err: unknown) => {
        assert.ok(err instanceof ModelLoadError, `expected ModelLoadError, got ${String(err)}`);
        assert.match(err.message, pattern);
        return true;
      },
    );
    assert.strictEqual(tf.memory().numTensors, before, 'a failed load must not leave tensors behind');
  }

  function make(edit: (dir: string) => void): string {
    const dir = variant(edit);
    made.push(dir);
    return dir;
  }

  describe('hostile safetensors (test/fixtures/hf/bad)', () => {
    for (const [file, pattern] of Object.entries(BAD_FILES)) {
      it(`${file}: rejected by the header check and by the loader`, () => {
        const bytes = bytesOf(path.join(BAD, file));
        assert.throws(() => parseSafetensorsHeader(bytes, bytes.byteLength), (err: unknown) => err instanceof SafetensorsError && pattern.test(err.message));
        expectLoadError(make((dir) => fs.copyFileSync(path.join(BAD, file), path.join(dir, 'model.safetensors'))), new RegExp(`model\\.safetensors: ${pattern.source}`));
      });
    }

    it('unsupported_dtype_i64.safetensors: a valid file; its I64 tensor cannot be read as a weight', () => {
      const st = new SafetensorsFile(bytesOf(path.join(BAD, 'unsupported_dtype_i64.safetensors')));
      assert.deepStrictEqual(st.shape('ids'), [2]);
      assert.throws(() => st.float32('ids'), /tensor "ids" has dtype I64; weights must be F32, F16 or BF16/);
      expectLoadError(make((dir) => fs.copyFileSync(path.join(BAD, 'unsupported_dtype_i64.safetensors'), path.join(dir, 'model.safetensors'))), /the checkpoint has no tensor "wte.weight"/);
    });

    it('valid_minimal.safetensors: the control file reads back', () => {
      const st = new SafetensorsFile(bytesOf(path.join(BAD, 'valid_minimal.safetensors')));
      assert.deepStrictEqual(Array.from(st.float32('w')), [1, 2, 3, 4]);
      assert.deepStrictEqual(st.index.metadata, { format: 'pt' });
    });

    it('lists every file in bad/ above', () => {
      const known = [...Object.keys(BAD_FILES), 'unsupported_dtype_i64.safetensors', 'valid_minimal.safetensors'].sort();
      assert.deepStrictEqual(fs.readdirSync(BAD).filter((f) => f.endsWith('.safetensors')).sort(), known);
    });
  });

  describe('generated bad folders', () => {
    it('a truncated model.safetensors', () => {
      const dir = make((d) => {
        const full = fs.readFileSync(path.join(d, 'model.safetensors'));
        fs.writeFileSync(path.join(d, 'model.safetensors'), full.subarray(0, full.length >> 1));
      });
      expectLoadError(dir, /model\.safetensors: tensor ".*": data_offsets .* fall outside the data section .*the file is truncated or corrupt/);
    });

    it('a file cut inside its header', () => {
      expectLoadError(make((d) => fs.writeFileSync(path.join(d, 'model.safetensors'), fs.readFileSync(path.join(d, 'model.safetensors')).subarray(0, 100))), /runs past the end of the file .*truncated/);
    });

    it('an unknown model_type', () => {
      expectLoadError(make((d) => fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ model_type: 't5', num_layers: 2 }))), /unsupported model_type "t5": QKV Lens runs GPT-2, BERT and LLaMA\/Qwen2\/Mistral models/);
    });

    it('no config.json, or one that is not JSON', () => {
      expectLoadError(make((d) => fs.rmSync(path.join(d, 'config.json'))), /config\.json is missing/);
      expectLoadError(make((d) => fs.writeFileSync(path.join(d, 'config.json'), '{"model_type": "gpt2",')), /config\.json is not valid JSON/);
    });

    it('no tokenizer.json, or a broken one', () => {
      expectLoadError(make((d) => fs.rmSync(path.join(d, 'tokenizer.json'))), /no tokenizer\.json in .*fast-tokenizer file/);
      expectLoadError(make((d) => fs.writeFileSync(path.join(d, 'tokenizer.json'), '{"version": "1.0"}')), /tokenizer\.json has no "model" section/);
    });

    it('only pytorch_model.bin (never opened: pickle can run code)', () => {
      expectLoadError(
        make((d) => {
          fs.renameSync(path.join(d, 'model.safetensors'), path.join(d, 'pytorch_model.bin'));
        }),
        /only pytorch_model\.bin; QKV Lens reads safetensors/,
      );
    });

    it('not enough memory: refused from the headers alone, before any weight is read', () => {
      expectLoadError(make(() => undefined), /the model needs about 0\.3 MiB as float32 but only 0\.1 MiB can be spared; choose a smaller model/, { maxWeightBytes: 100_000 });
    });

    it('more weights than the 4 GiB WebAssembly heap can hold, whatever memory is free (a sparse 3.5 GiB file)', () => {
      const dir = make((d) => {
        const n = 7 * 2 ** 27; // 3.5 GiB of float32
        const head = rawSafetensors({ 'transformer.wte.weight': { dtype: 'F32', shape: [n], data_offsets: [0, n * 4] } }, new Uint8Array(0));
        const file = path.join(d, 'model.safetensors');
        fs.writeFileSync(file, head);
        fs.truncateSync(file, head.length + n * 4);
      });
      expectLoadError(dir, /needs about 3\.5 GiB as float32, more than the 3\.0 GiB the WebAssembly engine can hold/, { maxWeightBytes: 2 ** 40 });
    });

    it('a shard name with a path, and a missing shard', () => {
      const index = (map: Record<string, string>) => (d: string) => {
        fs.rmSync(path.join(d, 'model.safetensors'));
        fs.writeFileSync(path.join(d, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: map }));
      };
      expectLoadError(make(index({ 'transformer.wte.weight': '../outside.safetensors' })), /names a shard that is not a plain \.safetensors file name/);
      expectLoadError(make(index({ 'transformer.wte.weight': '/etc/passwd' })), /not a plain \.safetensors file name/);
      expectLoadError(make(index({ 'transformer.wte.weight': 'model-00001-of-00002.safetensors' })), /cannot read model-00001-of-00002\.safetensors/);
      expectLoadError(
        make((d) => {
          fs.rmSync(path.join(d, 'model.safetensors'));
          fs.writeFileSync(path.join(d, 'model.safetensors.index.json'), '{"metadata": {}}');
        }),
        /model\.safetensors\.index\.json has no weight_map/,
      );
    });

    it('weights of another architecture, or of the wrong shape', () => {
      const llama = JSON.parse(fs.readFileSync(path.join(HF, 'llama-tiny', 'config.json'), 'utf8')) as Record<string, unknown>;
      expectLoadError(make((d) => fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify(llama))), /the checkpoint has no tensor "embed_tokens\.weight" \(is this the right architecture\?\)/);
      const gpt2 = JSON.parse(fs.readFileSync(path.join(GOOD, 'config.json'), 'utf8')) as Record<string, unknown>;
      // The embeddings load, then layer 0's first tensor has the wrong shape: those loaded so far are freed.
      expectLoadError(make((d) => fs.writeFileSync(path.join(d, 'config.json'), JSON.stringify({ ...gpt2, n_inner: 64 }))), /tensor "transformer\.h\.0\.mlp\.c_fc\.weight" has shape \[48, 96\], expected \[48, 64\]/);
    });

    it('a weights file outside the folder', () => {
      expectLoadError(make(() => undefined), /outside the model folder/, { weightsFile: '../other/model.safetensors' });
    });

    it('an extra non-float tensor (an I64 position_ids buffer) is skipped, and the model still runs', () => {
      const dir = make((d) => withExtraTensor(path.join(d, 'model.safetensors'), 'transformer.position_ids', 'I64', [1, 4], new Uint8Array(32)));
      const loaded = loadModelFromDir(dir);
      try {
        const trace = runTrace(loaded, 'def add(a, b):');
        assert.ok(trace.tokens.length > 3);
      } finally {
        loaded.model.dispose();
      }
    });
  });
});
