/** Hugging Face GPT-2 tensor names in and out of the safetensors files. */
import * as fs from 'fs';
import * as path from 'path';
import { SafetensorsFile, TensorToWrite, writeSafetensors, writeSafetensorsF16 } from '../../src/engine/safetensors';
import { Gpt2Dims, parameterShapes } from './model';

/** The prefix GPT2LMHeadModel.save_pretrained uses (lm_head.weight is tied to wte and omitted). */
export const HF_PREFIX = 'transformer.';

export function toHfTensors(d: Gpt2Dims, weights: Map<string, Float32Array>): Record<string, TensorToWrite> {
  const out: Record<string, TensorToWrite> = {};
  for (const [name, shape] of parameterShapes(d)) {
    const data = weights.get(name);
    if (!data) throw new Error(`missing weight ${name}`);
    out[HF_PREFIX + name] = { shape, data };
  }
  return out;
}

export function saveWeights(file: string, d: Gpt2Dims, weights: Map<string, Float32Array>, dtype: 'F32' | 'F16', metadata: Record<string, string>): void {
  const tensors = toHfTensors(d, weights);
  const meta = { format: 'pt', ...metadata };
  fs.writeFileSync(file, dtype === 'F32' ? writeSafetensors(tensors, meta) : writeSafetensorsF16(tensors, meta));
}

/** Reads a checkpoint back (F16 upcast to float32), by the training code's names. */
export function loadWeights(file: string, d: Gpt2Dims): Map<string, Float32Array> {
  const bytes = fs.readFileSync(file);
  const st = new SafetensorsFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of parameterShapes(d)) {
    const key = HF_PREFIX + name;
    const got = st.shape(key);
    if (got.length !== shape.length || got.some((v, i) => v !== shape[i])) throw new Error(`${file}: ${key} has shape [${got}], expected [${shape}]`);
    out.set(name, st.float32(key));
  }
  return out;
}

/** Model dimensions from a GPT-2 config.json. */
export function dimsFromConfig(config: Record<string, unknown>): Gpt2Dims {
  const n = (k: string) => {
    const v = config[k];
    if (typeof v !== 'number') throw new Error(`config.json lacks ${k}`);
    return v;
  };
  return { vocab: n('vocab_size'), positions: n('n_positions'), layers: n('n_layer'), heads: n('n_head'), embd: n('n_embd'), eps: n('layer_norm_epsilon') };
}

/** Bytes of a model folder and everything under it, leaving out files named in `except` (e.g. the card being written). */
export function folderBytes(dir: string, except: readonly string[] = []): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (except.includes(e.name)) continue;
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? folderBytes(p, except) : fs.statSync(p).size;
  }
  return total;
}
