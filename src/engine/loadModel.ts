/**
 * Loads a Hugging Face model folder (config.json, model.safetensors or a sharded index, tokenizer.json)
 * into a runnable model and tokenizer. Every failure is a ModelLoadError with a message for a person.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ModelConfig, parseModelConfig } from './config';
import { SafetensorsFile, isFloatDtype, parseSafetensorsHeader } from './safetensors';
import { TextTokenizer } from './tokenizer';
import { WeightStore } from './weights';
import type { AttentionModel } from './models/model';
import { Gpt2Model } from './models/gpt2';
import { BertModel } from './models/bert';
import { LlamaModel } from './models/llama';

export class ModelLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelLoadError';
  }
}

export interface LoadedModel {
  name: string;
  dir: string;
  config: ModelConfig;
  model: AttentionModel;
  tokenizer: TextTokenizer;
  /** Bytes of float32 weights held by the backend. */
  weightBytes: number;
}

/** The wasm backend's heap tops out at 4 GiB; weights beyond this would leave no room for a forward pass. */
export const MAX_ENGINE_WEIGHT_BYTES = 3 * 2 ** 30;

export interface LoadOptions {
  /** A weights file inside the folder to use instead of model.safetensors (e.g. a training checkpoint). */
  weightsFile?: string;
  /** Display name; defaults to the folder's name. */
  name?: string;
  /** Refuse models whose float32 weights would exceed this many bytes (default: half the free memory). */
  maxWeightBytes?: number;
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ModelLoadError(`${what} is missing: ${file}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ModelLoadError(`${what} is not valid JSON (${file}): ${(err as Error).message}`);
  }
}

/** The safetensors files that hold the weights: one file, or the shards named by model.safetensors.index.json. */
export function weightFiles(dir: string, weightsFile?: string): string[] {
  if (weightsFile) {
    const resolved = path.resolve(dir, weightsFile);
    if (!resolved.startsWith(path.resolve(dir) + path.sep)) throw new ModelLoadError(`weights file ${weightsFile} is outside the model folder`);
    return [resolved];
  }
  const single = path.join(dir, 'model.safetensors');
  if (fs.existsSync(single)) return [single];
  const indexFile = path.join(dir, 'model.safetensors.index.json');
  if (fs.existsSync(indexFile)) {
    const index = readJson(indexFile, 'model.safetensors.index.json') as { weight_map?: Record<string, unknown> };
    if (typeof index.weight_map !== 'object' || index.weight_map === null) throw new ModelLoadError('model.safetensors.index.json has no weight_map');
    const shards = [...new Set(Object.values(index.weight_map))];
    if (!shards.every((s): s is string => typeof s === 'string' && !s.includes('/') && !s.includes('\\') && s.endsWith('.safetensors'))) {
      throw new ModelLoadError('model.safetensors.index.json names a shard that is not a plain .safetensors file name');
    }
    return shards.map((s) => path.join(dir, s));
  }
  if (fs.existsSync(path.join(dir, 'pytorch_model.bin'))) {
    throw new ModelLoadError('this model has only pytorch_model.bin; QKV Lens reads safetensors (pickle files can run code, so they are never opened)');
  }
  throw new ModelLoadError(`no model.safetensors or model.safetensors.index.json in ${dir}`);
}

/**
 * Opens a safetensors file for reading tensor by tensor (each straight into an array of its own): the
 * file is never held in memory whole, which halves the peak memory of a load and saves a copy.
 */
function openSafetensors(file: string): { st: SafetensorsFile; close: () => void } {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    throw new ModelLoadError(`cannot read ${path.basename(file)}: ${(err as Error).message}`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const read = (position: number, length: number): Uint8Array => {
      const buf = Buffer.allocUnsafeSlow(length);
      let got = 0;
      while (got < length) {
        const n = fs.readSync(fd, buf, got, length - got, position + got);
        if (n === 0) break;
        got += n;
      }
      return new Uint8Array(buf.buffer, buf.byteOffset, got);
    };
    return { st: new SafetensorsFile({ size, read }), close: () => fs.closeSync(fd) };
  } catch (err) {
    fs.closeSync(fd);
    throw new ModelLoadError(`${path.basename(file)}: ${(err as Error).message}`);
  }
}

/** Float32 bytes the weights will take once upcast, from the headers alone. */
export function estimateWeightBytes(files: string[]): number {
  let total = 0;
  for (const file of files) {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      throw new ModelLoadError(`cannot read ${path.basename(file)}: ${(err as Error).message}`);
    }
    try {
      const size = fs.fstatSync(fd).size;
      const lenBuf = Buffer.alloc(8);
      fs.readSync(fd, lenBuf, 0, 8, 0);
      const headerLen = Math.min(lenBuf.readUInt32LE(0), Math.max(0, size - 8));
      const head = Buffer.alloc(8 + headerLen);
      fs.readSync(fd, head, 0, head.length, 0);
      const index = parseSafetensorsHeader(new Uint8Array(head.buffer, head.byteOffset, head.length), size);
      for (const e of index.tensors.values()) if (isFloatDtype(e.dtype)) total += e.shape.reduce((a, b) => a * b, 1) * 4;
    } catch (err) {
      throw new ModelLoadError(`${path.basename(file)}: ${(err as Error).message}`);
    } finally {
      fs.closeSync(fd);
    }
  }
  return total;
}

export function loadTokenizer(dir: string): TextTokenizer {
  const tokenizerFile = path.join(dir, 'tokenizer.json');
  if (!fs.existsSync(tokenizerFile)) throw new ModelLoadError(`no tokenizer.json in ${dir} (QKV Lens needs a fast-tokenizer file)`);
  const json = readJson(tokenizerFile, 'tokenizer.json');
  const configFile = path.join(dir, 'tokenizer_config.json');
  const config = fs.existsSync(configFile) ? readJson(configFile, 'tokenizer_config.json') : {};
  try {
    return new TextTokenizer(json, config);
  } catch (err) {
    throw new ModelLoadError((err as Error).message);
  }
}

export function loadModelFromDir(dir: string, options: LoadOptions = {}): LoadedModel {
  let config: ModelConfig;
  try {
    config = parseModelConfig(readJson(path.join(dir, 'config.json'), 'config.json'));
  } catch (err) {
    throw err instanceof ModelLoadError ? err : new ModelLoadError((err as Error).message);
  }
  const tokenizer = loadTokenizer(dir);
  const files = weightFiles(dir, options.weightsFile);
  const weightBytes = estimateWeightBytes(files);
  const limit = options.maxWeightBytes ?? Math.floor(os.freemem() / 2);
  const size = (n: number) => (n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`);
  if (weightBytes > MAX_ENGINE_WEIGHT_BYTES) {
    throw new ModelLoadError(`the model needs about ${size(weightBytes)} as float32, more than the ${size(MAX_ENGINE_WEIGHT_BYTES)} the WebAssembly engine can hold (4 GiB in all, with room left for activations); choose a model of at most about 750M parameters`);
  }
  if (weightBytes > limit) {
    throw new ModelLoadError(`the model needs about ${size(weightBytes)} as float32 but only ${size(limit)} can be spared; choose a smaller model`);
  }
  const opened: Array<{ st: SafetensorsFile; close: () => void }> = [];
  let model: AttentionModel;
  try {
    for (const file of files) opened.push(openSafetensors(file));
    const store = new WeightStore(opened.map((o) => o.st));
    switch (config.architecture) {
      case 'gpt2':
        model = new Gpt2Model(config, store);
        break;
      case 'bert':
        model = new BertModel(config, store);
        break;
      case 'llama':
        model = new LlamaModel(config, store);
        break;
    }
  } catch (err) {
    throw err instanceof ModelLoadError ? err : new ModelLoadError((err as Error).message);
  } finally {
    for (const o of opened) o.close();
  }
  return { name: options.name ?? path.basename(path.resolve(dir)), dir, config, model, tokenizer, weightBytes };
}
