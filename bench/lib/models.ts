/**
 * Models the benchmarks run: the built-in teaching model when it is there (else a random GPT-2 of the
 * shape it is expected to have), and a GPT-2-small-shaped model with random weights. Random checkpoints
 * are written once into the temp folder and reused by later runs.
 */
import { parseModelConfig } from '../../src/engine/config';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeSafetensors } from '../../src/engine/safetensors';
import { makeRandomGpt2 } from '../../test/support/randomModel';

export interface BenchModel {
  label: string;
  dir: string;
  /** True when the weights are random (a stand-in with the real model's shape). */
  random: boolean;
  /** Only timed beyond the real built-in model's context (it stands in for the lengths the real one cannot take). */
  longOnly?: boolean;
  layers: number;
  heads: number;
  hidden: number;
  positions: number;
}

const root = path.resolve(__dirname, '../..');

function cachedRandomGpt2(key: string, shape: { layers: number; heads: number; hidden: number; positions: number }): string {
  const dir = path.join(os.tmpdir(), `qkv-bench-v2-${key}-${shape.layers}x${shape.heads}x${shape.hidden}x${shape.positions}`);
  if (fs.existsSync(path.join(dir, 'config.json'))) return dir;
  const made = makeRandomGpt2({ ...shape, seed: 7 });
  // GPT-2's own initialisation scale (std 0.02) instead of the test helper's ±0.2: with ±0.2 a 768-wide
  // model's scores reach the hundreds, softmax underflows into subnormal floats, and those are slow on
  // x86, which would time the hardware's subnormal path rather than the engine.
  for (const [name, t] of Object.entries(made.weights)) {
    if (/ln_\d\.weight$|ln_f\.weight$/.test(name)) continue;
    for (let i = 0; i < t.data.length; i++) t.data[i] *= (0.02 * Math.sqrt(3)) / 0.2;
  }
  fs.writeFileSync(path.join(made.dir, 'model.safetensors'), writeSafetensors(made.weights));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(made.dir, dir);
  return dir;
}

/**
 * A random stand-in for the built-in model: v1's width (2 layers, 4 heads, 96 wide) with a 512-token context. Used when
 * media/models/teaching is missing, or has fewer than 512 positions (v1 had 128); the v2 model has 512 itself.
 */
export const BUILTIN_LONG = { layers: 2, heads: 4, hidden: 96, positions: 512 };

export function builtinModel(): BenchModel {
  const dir = path.join(root, 'media', 'models', 'teaching');
  const configFile = path.join(dir, 'config.json');
  if (fs.existsSync(configFile)) {
    const c = parseModelConfig(JSON.parse(fs.readFileSync(configFile, 'utf8')));
    return { label: 'built-in teaching model', dir, random: false, layers: c.layers, heads: c.heads, hidden: c.hidden, positions: c.maxPositions };
  }
  return builtinLongModel('built-in-shaped (random stand-in; no media/models/teaching yet)', false);
}

export function builtinLongModel(label = 'built-in-shaped, 512 positions (random)', longOnly = true): BenchModel {
  return { label, dir: cachedRandomGpt2('builtin', BUILTIN_LONG), random: true, longOnly, ...BUILTIN_LONG };
}

export const GPT2_SMALL = { layers: 12, heads: 12, hidden: 768, positions: 1024 };

export function gpt2SmallModel(): BenchModel {
  return { label: 'GPT-2-small-shaped (random)', dir: cachedRandomGpt2('gpt2-small', GPT2_SMALL), random: true, ...GPT2_SMALL };
}
