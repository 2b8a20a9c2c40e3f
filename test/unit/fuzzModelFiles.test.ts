/**
 * Fuzzing the parsers a model folder goes through: safetensors, tokenizer.json, config.json and the whole
 * loader. A seeded mutator (bit flips, truncation, corrupt header lengths, random JSON headers, hostile
 * shapes and offsets, type confusion in tokenizer.json) makes thousands of inputs; every one must either
 * work or fail with the parser's own error class and a message — never another exception, never a case
 * slower than 100 ms of CPU — and a failed load must leave no tensors behind.
 *
 * The seed is fixed so a failure is reproducible; FUZZ_SEED=n tries another corner, FUZZ_SCALE=k runs
 * k times as many cases.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { ModelLoadError, loadModelFromDir } from '../../src/engine/loadModel';
import { InputError, runTrace } from '../../src/engine/runTrace';
import { SafetensorsError, SafetensorsFile, writeSafetensors, writeSafetensorsF16 } from '../../src/engine/safetensors';
import { TextTokenizer, TokenizerError } from '../../src/engine/tokenizer';
import { ModelConfigError, parseModelConfig } from '../../src/engine/config';
import { SAMPLE_CODE, SAMPLE_ZH, makeRandomGpt2, seededRandom, byteLevelTokenizerJson, wordPieceTokenizerJson } from '../support/randomModel';

const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const MAX_CASE_MS = 100;
const FIXTURES = path.resolve(__dirname, '../fixtures/hf');

// ---- a small seeded mutator ----------------------------------------------------------------------

class Fuzzer {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** A number from the places parsers get wrong: zero, ±1, powers of two, unsafe integers, fractions. */
  nastyNumber(): number {
    return this.pick([0, -0, 1, -1, 2, 7, 8, 255, 256, 65535, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 32 + 8, 2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 0.5, 1.5, Number.MIN_VALUE, this.int(1e6), -this.int(1e6)]);
  }
  string(): string {
    const alphabet = ['a', 'Z', '0', ' ', '\n', '\r\n', '\t', '"', '\\', '\u0000', '##', '▁', 'Ġ', '<0x41>', '程', '序', '员', '👋', '🏽', 'é', 'e\u0301', 'ש', 'ل', '\u200d', '\ufe0f', '\ud800', '\udc00', '[UNK]', '[CLS]', '__proto__'];
    let s = '';
    const n = this.int(12);
    for (let i = 0; i < n; i++) s += this.pick(alphabet);
    return s;
  }
  /** Any JSON value, nested up to `depth`. */
  json(depth = 3): unknown {
    const kind = this.int(depth > 0 ? 8 : 5);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.nastyNumber();
      case 3:
      case 4:
        return this.string();
      case 5:
      case 6: {
        const out: Record<string, unknown> = {};
        const n = this.int(5);
        for (let i = 0; i < n; i++) out[this.chance(0.3) ? this.pick(['type', 'model', 'vocab', 'dtype', 'shape', 'data_offsets', '__metadata__', 'merges']) : this.string()] = this.json(depth - 1);
        return out;
      }
      default:
        return Array.from({ length: this.int(5) }, () => this.json(depth - 1));
    }
  }
}

const utf8 = new TextEncoder();

function headerOf(bytes: Uint8Array): { json: Record<string, unknown>; dataStart: number } {
  const len = new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(0, true);
  return { json: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) as Record<string, unknown>, dataStart: 8 + len };
}

/** A safetensors file with this header JSON (length prefix right) and these data bytes. */
function withHeader(header: unknown, data: Uint8Array): Uint8Array {
  const json = utf8.encode(JSON.stringify(header) ?? 'null');
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function mutateSafetensors(f: Fuzzer, seed: Uint8Array): { bytes: Uint8Array; how: string } {
  const { json, dataStart } = headerOf(seed);
  const data = seed.subarray(dataStart);
  switch (f.int(8)) {
    case 0: {
      const bytes = seed.slice();
      const flips = 1 + f.int(8);
      for (let i = 0; i < flips; i++) {
        const at = f.chance(0.7) ? f.int(Math.min(bytes.length, dataStart + 16)) : f.int(bytes.length);
        bytes[at] ^= 1 << f.int(8);
      }
      return { bytes, how: `${flips} bit flips` };
    }
    case 1: {
      const n = f.int(seed.length);
      return { bytes: seed.slice(0, n), how: `truncated to ${n} bytes` };
    }
    case 2: {
      const bytes = seed.slice();
      const view = new DataView(bytes.buffer);
      const len = dataStart - 8;
      const low = f.pick([0, 1, len - 1, len + 1, len + 8, bytes.length, bytes.length - 8, 2 ** 31, 2 ** 32 - 1, 100 * 1024 * 1024 + 1, f.int(2 ** 32)]);
      view.setUint32(0, low >>> 0, true);
      view.setUint32(4, f.chance(0.2) ? 1 + f.int(2 ** 32 - 1) : 0, true);
      return { bytes, how: `header length ${low}` };
    }
    case 3:
      return { bytes: withHeader(f.json(4), data.subarray(0, f.int(data.length + 1))), how: 'random JSON header' };
    case 4: {
      // One tensor entry made hostile: shapes and offsets that overflow, go negative, overlap, or lie.
      const names = Object.keys(json).filter((k) => k !== '__metadata__');
      const name = f.chance(0.8) && names.length ? f.pick(names) : f.pick(['__proto__', 'constructor', '', 'x'.repeat(5000), f.string()]);
      const entry = { ...((json[name] as Record<string, unknown>) ?? { dtype: 'F32', shape: [1], data_offsets: [0, 4] }) };
      const field = f.pick(['shape', 'data_offsets', 'dtype', 'whole']);
      const size = data.length;
      if (field === 'shape') entry.shape = f.pick<unknown>([[2 ** 53], [1e308], [-1], [1.5], ['3'], [1e9, 1e9, 1e9], [], null, {}, [[2]], [0], Array(10000).fill(1), [f.nastyNumber(), f.nastyNumber()]]);
      else if (field === 'data_offsets') entry.data_offsets = f.pick<unknown>([[0, 2 ** 53], [-1, 4], [5, 4], [0], [0, 1, 2], ['0', '4'], [1e300, 1e300], [size, size + 4], [0, size], [size - 4, size], [f.nastyNumber(), f.nastyNumber()]]);
      else if (field === 'dtype') entry.dtype = f.pick<unknown>(['F32', 'F16', 'BF16', 'F64', 'I64', 'U8', 'BOOL', 'F8_E4M3', 'f32', '', null, 7, ['F32'], 'F32\u0000']);
      const header = { ...json, [name]: field === 'whole' ? f.json(2) : entry };
      if (f.chance(0.1)) header.__metadata__ = f.pick<unknown>([{ a: 1 }, [], 'x', { k: {} }, null, { ok: 'yes' }]);
      return { bytes: withHeader(header, data), how: `tensor "${name.slice(0, 20)}" ${field}` };
    }
    case 5: {
      // Digits in the header JSON changed: still JSON, different numbers.
      const bytes = seed.slice();
      let changed = 0;
      for (let i = 8; i < dataStart; i++) {
        if (bytes[i] >= 0x30 && bytes[i] <= 0x39 && f.chance(0.15)) {
          bytes[i] = 0x30 + f.int(10);
          changed++;
        }
      }
      return { bytes, how: `${changed} header digits changed` };
    }
    case 6: {
      // Random bytes spliced into the header (the length prefix is not updated).
      const at = 8 + f.int(dataStart - 8);
      const junk = Uint8Array.from({ length: 1 + f.int(16) }, () => f.int(256));
      const bytes = new Uint8Array(seed.length + junk.length);
      bytes.set(seed.subarray(0, at));
      bytes.set(junk, at);
      bytes.set(seed.subarray(at), at + junk.length);
      return { bytes, how: `${junk.length} bytes spliced at ${at}` };
    }
    default: {
      const tiny = f.pick([new Uint8Array(0), Uint8Array.of(0), new Uint8Array(7), new Uint8Array(8), withHeader({}, new Uint8Array(0)), withHeader([], new Uint8Array(4)), Uint8Array.from({ length: 64 }, () => f.int(256))]);
      return { bytes: tiny, how: 'tiny or random file' };
    }
  }
}

/** Runs one case: success, or one of `allowed` errors with a message; returns which, and its CPU time. */
function runCase(label: string, allowed: Array<abstract new (...args: never[]) => Error>, body: () => void): { failed: boolean; ms: number } {
  const u0 = process.cpuUsage();
  let failed = false;
  try {
    body();
  } catch (err) {
    failed = true;
    if (!allowed.some((c) => err instanceof c)) {
      throw new Error(`${label}: threw ${(err as Error)?.constructor?.name ?? typeof err} instead of ${allowed.map((c) => c.name).join('/')}: ${String((err as Error)?.stack ?? err).slice(0, 600)}`);
    }
    assert.ok((err as Error).message.length > 10, `${label}: error without a useful message: "${(err as Error).message}"`);
  }
  const u = process.cpuUsage(u0);
  if (process.env.FUZZ_DEBUG && (u.user + u.system) / 1000 > 100) console.log(`slow: ${label} ${((u.user + u.system) / 1000).toFixed(0)} ms`);
  return { failed, ms: (u.user + u.system) / 1000 };
}

class Tally {
  cases = 0;
  failures = 0;
  slowest = { ms: 0, label: '' };
  add(label: string, r: { failed: boolean; ms: number }): void {
    this.cases++;
    if (r.failed) this.failures++;
    if (r.ms > this.slowest.ms) this.slowest = { ms: r.ms, label };
  }
  check(what: string): void {
    // Printed so the number of cases shows in the test log.
    console.log(`      ${what}: ${this.cases} cases, ${this.failures} rejected with a clear error, slowest ${this.slowest.ms.toFixed(1)} ms (${this.slowest.label})`);
    assert.ok(this.slowest.ms < MAX_CASE_MS, `slowest case took ${this.slowest.ms.toFixed(1)} ms: ${this.slowest.label}`);
  }
}

// ---- seeds -------------------------------------------------------------------------------------

function seedSafetensors(): Uint8Array[] {
  const r = seededRandom(SEED);
  const t = (shape: number[]) => ({ shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r() - 0.5) });
  const small = { 'h.0.attn.c_attn.weight': t([4, 12]), 'h.0.attn.c_attn.bias': t([12]), wte: t([10, 4]), scalar: t([]), empty: t([0, 3]) };
  const seeds = [writeSafetensors(small, { format: 'pt' }), writeSafetensorsF16(small)];
  for (const f of [path.join(FIXTURES, 'bad', 'valid_minimal.safetensors'), path.join(FIXTURES, 'gpt2-tiny-f16', 'model.safetensors'), path.join(FIXTURES, 'llama-tiny-bf16', 'model.safetensors')]) {
    if (fs.existsSync(f)) seeds.push(new Uint8Array(fs.readFileSync(f)));
  }
  return seeds;
}

function seedTokenizers(): Array<{ json: Record<string, unknown>; config: unknown }> {
  const seeds: Array<{ json: Record<string, unknown>; config: unknown }> = [
    { json: wordPieceTokenizerJson(['def', 'add', ...SAMPLE_ZH.split('')]) as Record<string, unknown>, config: {} },
    { json: byteLevelTokenizerJson([], true), config: {} },
  ];
  for (const name of ['gpt2-tiny', 'bert-tiny-chinese', 'llama-tiny', 'qwen2-tiny']) {
    const dir = path.join(FIXTURES, name);
    if (!fs.existsSync(path.join(dir, 'tokenizer.json'))) continue;
    const config = fs.existsSync(path.join(dir, 'tokenizer_config.json')) ? JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')) : {};
    seeds.push({ json: JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>, config });
  }
  return seeds;
}

/** A copy of `value` with one node somewhere inside replaced, removed or nested deep. */
function mutateJson(f: Fuzzer, value: unknown, depth = 0): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (depth > 0 && (f.chance(0.25) || !(isObj(value) || Array.isArray(value)))) {
    switch (f.int(6)) {
      case 0:
        return f.json(2);
      case 1:
        return f.nastyNumber();
      case 2:
        return f.string();
      case 3:
        // Deep nesting (as a marker: JSON.stringify itself would overflow): recursive walkers must not.
        return { [DEEP]: 1000 + f.int(100_000) };
      case 4:
        return Array.isArray(value) ? [...value, ...value] : null;
      default:
        return isObj(value) ? {} : [];
    }
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [f.json(2)];
    const copy = value.slice();
    const i = f.int(copy.length);
    copy[i] = mutateJson(f, copy[i], depth + 1);
    if (f.chance(0.1)) copy.splice(f.int(copy.length), 1);
    return copy;
  }
  if (isObj(value)) {
    const copy: Record<string, unknown> = { ...value };
    const keys = Object.keys(copy);
    if (keys.length === 0 || f.chance(0.1)) {
      copy[f.pick(['type', 'vocab', 'merges', 'unk_token', 'continuing_subword_prefix', 'pretokenizers', 'normalizers', 'pattern', 'id', 'content', f.string()])] = f.json(2);
      return copy;
    }
    const key = f.pick(keys);
    if (f.chance(0.15)) delete copy[key];
    else copy[key] = mutateJson(f, copy[key], depth + 1);
    return copy;
  }
  return f.json(2);
}

/** Marks a value to be written as N nested arrays; see jsonText. */
const DEEP = 'qkv-fuzz-deep';

/** JSON text of a mutated value, with every deep marker written out as N nested arrays. */
function jsonText(value: unknown): string {
  const depths: number[] = [];
  const text =
    JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'object' && v !== null && DEEP in v) {
        depths.push((v as Record<string, number>)[DEEP]);
        return DEEP;
      }
      return v;
    }) ?? 'null';
  const parts = text.split(JSON.stringify(DEEP));
  return parts.reduce((out, part, i) => out + '['.repeat(depths[i - 1]) + '{"type":"Sequence"}' + ']'.repeat(depths[i - 1]) + part);
}

/** The value as a parser would see it after JSON.parse of the file. */
function materialize(value: unknown): unknown {
  return JSON.parse(jsonText(value));
}

const PROBE_TEXTS = ['', ' ', SAMPLE_ZH, SAMPLE_CODE, 'Hi 👋🏽 from 福州\r\nnext', 'e\u0301 café ñ', 'שלום عالم', '\ud800 lone surrogate \udc00', '\u0000\u0001', 'a'.repeat(300)];

// ---- the tests ---------------------------------------------------------------------------------

describe('fuzz: model files (safetensors, tokenizer.json, config.json, whole folders)', function () {
  this.timeout(180_000);

  it('safetensors: mutated files either parse and decode or fail with a SafetensorsError', () => {
    const f = new Fuzzer(SEED);
    const seeds = seedSafetensors();
    const tally = new Tally();
    for (let i = 0; i < 6000 * SCALE; i++) {
      const seed = seeds[i % seeds.length];
      let { bytes, how } = mutateSafetensors(f, seed);
      if (f.chance(0.2) && bytes.length >= 8) {
        try {
          ({ bytes, how } = { bytes: mutateSafetensors(f, bytes).bytes, how: `${how}, then more` });
        } catch {
          // The first mutation left no parseable header to mutate further: keep it as it is.
        }
      }
      const label = `case ${i} (${how})`;
      const fromSource = f.chance(0.3);
      const lie = fromSource && f.chance(0.3) ? 1 + f.int(64) : 0;
      tally.add(
        label,
        runCase(label, [SafetensorsError], () => {
          const file = fromSource ? new SafetensorsFile({ size: bytes.length + lie, read: (p, n) => bytes.slice(p, p + n) }) : new SafetensorsFile(bytes);
          for (const name of file.names()) {
            try {
              const values = file.float32(name);
              assert.strictEqual(values.length, file.shape(name).reduce((a, b) => a * b, 1), `${label}: decoded length of ${name}`);
            } catch (err) {
              // Integer tensors are indexed but refused as weights; anything else must be a SafetensorsError.
              if (!(err instanceof SafetensorsError)) throw err;
            }
          }
        }),
      );
    }
    tally.check('safetensors');
    assert.ok(tally.failures > tally.cases / 3 && tally.failures < tally.cases, 'the mutations reach both outcomes');
  });

  it('tokenizer.json: mutated tokenizers either load and align text or fail with a TokenizerError', () => {
    const f = new Fuzzer(SEED + 1);
    const seeds = seedTokenizers();
    const tally = new Tally();
    let loaded = 0;
    for (let i = 0; i < 1500 * SCALE; i++) {
      const seed = seeds[i % seeds.length];
      const mutated = f.chance(0.05) ? f.json(4) : mutateJson(f, seed.json);
      const mutatedConfig = f.chance(0.1) ? mutateJson(f, seed.config) : seed.config;
      const [json, config] = [materialize(mutated), materialize(mutatedConfig)];
      const label = `case ${i} (seed ${i % seeds.length})`;
      if (process.env.FUZZ_DUMP === String(i)) {
        // FUZZ_DUMP=n writes case n's tokenizer.json and config to the temp folder and skips it.
        fs.writeFileSync(path.join(os.tmpdir(), 'qkv-fuzz-tokenizer.json'), `{"json":${jsonText(mutated)},"config":${jsonText(mutatedConfig)}}`);
        continue;
      }
      tally.add(
        label,
        runCase(label, [TokenizerError], () => {
          const tok = new TextTokenizer(json, config);
          loaded++;
          const text = f.pick(PROBE_TEXTS);
          const { ids, spans } = tok.encode(text);
          assert.strictEqual(ids.length, spans.length, `${label}: one span per id`);
          for (const s of spans) assert.ok(s.start >= 0 && s.start <= s.end && s.end <= text.length, `${label}: span [${s.start}, ${s.end}) inside "${text}"`);
          tok.spansForIds(ids.slice(0, 8));
        }),
      );
    }
    tally.check('tokenizer.json');
    assert.ok(loaded > 50, `some mutated tokenizers still load (${loaded})`);
  });

  it('config.json: random and mutated configs either parse or fail with a ModelConfigError', () => {
    const f = new Fuzzer(SEED + 2);
    const seeds = ['gpt2-tiny', 'bert-tiny-chinese', 'llama-tiny', 'qwen2-tiny'].map((n) => path.join(FIXTURES, n, 'config.json')).filter((p) => fs.existsSync(p)).map((p) => JSON.parse(fs.readFileSync(p, 'utf8')) as unknown);
    seeds.push({ model_type: 'gpt2', n_layer: 2, n_head: 4, n_embd: 32, vocab_size: 100 });
    const tally = new Tally();
    for (let i = 0; i < 2000 * SCALE; i++) {
      const raw = f.chance(0.1) ? f.json(3) : materialize(mutateJson(f, seeds[i % seeds.length]));
      const label = `case ${i}`;
      tally.add(
        label,
        runCase(label, [ModelConfigError], () => {
          const c = parseModelConfig(raw);
          for (const k of ['layers', 'heads', 'kvHeads', 'hidden', 'headDim', 'vocabSize', 'maxPositions'] as const) {
            assert.ok(Number.isSafeInteger(c[k]) && c[k] > 0, `${label}: ${k} = ${c[k]} must be a positive integer once accepted`);
          }
        }),
      );
    }
    tally.check('config.json');
  });

  describe('whole model folders', () => {
    let base: string;
    before(async () => {
      await initWasmBackend(defaultWasmDir(__dirname));
      base = makeRandomGpt2({ layers: 2, heads: 2, hidden: 8, positions: 32, seed: 5 }).dir;
    });
    after(() => fs.rmSync(base, { recursive: true, force: true }));

    it('a folder with one mutated file loads and runs, or fails with a ModelLoadError, and leaves no tensors', () => {
      const f = new Fuzzer(SEED + 3);
      const files = { config: fs.readFileSync(path.join(base, 'config.json'), 'utf8'), tokenizer: fs.readFileSync(path.join(base, 'tokenizer.json'), 'utf8'), weights: new Uint8Array(fs.readFileSync(path.join(base, 'model.safetensors'))) };
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qkv-fuzz-folder-'));
      const tally = new Tally();
      let ran = 0;
      try {
        for (let i = 0; i < 400 * SCALE; i++) {
          const which = f.pick(['config', 'tokenizer', 'weights', 'weights'] as const);
          let how = which;
          fs.writeFileSync(path.join(dir, 'config.json'), which === 'config' ? (f.chance(0.2) ? files.config.slice(0, f.int(files.config.length)) : jsonText(mutateJson(f, JSON.parse(files.config)))) : files.config);
          fs.writeFileSync(path.join(dir, 'tokenizer.json'), which === 'tokenizer' ? jsonText(mutateJson(f, JSON.parse(files.tokenizer))) : files.tokenizer);
          if (which === 'weights') {
            const m = mutateSafetensors(f, files.weights);
            how += `: ${m.how}`;
            fs.writeFileSync(path.join(dir, 'model.safetensors'), m.bytes);
          } else fs.writeFileSync(path.join(dir, 'model.safetensors'), files.weights);
          const before = tf.memory().numTensors;
          const label = `case ${i} (${how})`;
          tally.add(
            label,
            runCase(label, [ModelLoadError], () => {
              const loaded = loadModelFromDir(dir, { maxWeightBytes: 64 * 2 ** 20 });
              try {
                runTrace(loaded, f.pick(PROBE_TEXTS.filter((t) => t.trim())), { maxTokens: 16 });
                ran++;
              } catch (err) {
                // A mutated tokenizer can load yet fail on text, or disagree with the config (ids beyond the
                // vocabulary): a clear TokenizerError or InputError is fine.
                if (!(err instanceof InputError || err instanceof TokenizerError)) throw err;
              } finally {
                loaded.model.dispose();
              }
            }),
          );
          assert.strictEqual(tf.memory().numTensors, before, `case ${i} (${how}) left tensors behind`);
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      tally.check('model folders');
      assert.ok(ran > 20, `some mutated folders still run (${ran})`);
    });
  });
});
