/**
 * What float16 q and k cost in accuracy: for every layer of a model, attention recomputed (plain JS,
 * float64 sums) from q and k rounded to float16 against the model's own weights, beside the same
 * recompute from the float32 q and k (the arithmetic's own floor). The panel prints weights with three
 * decimals and shades them in 8 steps, so a difference under 5e-4 does not show; the panel checks the
 * visible layer itself and fetches float32 when its difference is larger (webview/main.ts).
 *
 *   max |Δw| f16     largest |weight from float16 q, k − model weight| over every layer, head and row
 *   max |Δw| f32     the same from float32 q, k (the recompute's own rounding)
 *   digits changed   share of weights whose three-decimal text differs between the two
 *
 * Random-weight models have no large activations; real GPT-2 has (its first-token sink heads reach scores
 * in the hundreds), which is why the panel checks instead of trusting this table.
 * `npx tsx bench/float16Error.ts [--json]`
 */
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../src/engine/backend';
import { loadModelFromDir } from '../src/engine/loadModel';
import { fromFloat16, toFloat16 } from '../src/shared/float16';
import { AttentionTrace, layerPart } from '../src/shared/trace';
import { syntheticTrace } from '../test/browser/syntheticTrace';
import { recomputeLayerJs } from '../webview/attentionMath';
import { builtinModel, gpt2SmallModel } from './lib/models';

export interface Float16Row {
  model: string;
  tokens: number;
  maxDiffF16: number;
  maxDiffF32: number;
  digitsChanged: number;
  bytesF32: number;
  bytesF16: number;
}

export function float16Error(label: string, trace: AttentionTrace): Float16Row {
  const { layers, heads, headDim, causal } = trace.model;
  const t = trace.tokens.length;
  let f16 = 0;
  let f32 = 0;
  let changed = 0;
  let count = 0;
  const settings = { scale: true, temperature: 1, causal };
  for (let l = 0; l < layers; l++) {
    const q = layerPart(trace, 'q', l);
    const k = layerPart(trace, 'k', l);
    const model = layerPart(trace, 'weights', l);
    const half = recomputeLayerJs(fromFloat16(toFloat16(q)), fromFloat16(toFloat16(k)), heads, t, headDim, settings);
    const full = recomputeLayerJs(q, k, heads, t, headDim, settings);
    for (let i = 0; i < model.length; i++) {
      f16 = Math.max(f16, Math.abs(half[i] - model[i]));
      f32 = Math.max(f32, Math.abs(full[i] - model[i]));
      if (half[i].toFixed(3) !== model[i].toFixed(3)) changed++;
      count++;
    }
  }
  const perLayerQk = 2 * heads * t * headDim;
  return { model: label, tokens: t, maxDiffF16: f16, maxDiffF32: f32, digitsChanged: changed / count, bytesF32: perLayerQk * 4, bytesF16: perLayerQk * 2 };
}

export function float16Table(rows: Float16Row[]): string {
  const kib = (b: number) => (b / 1024).toFixed(0);
  return [
    '| model | tokens | q+k per layer KiB (f32 → f16) | max abs diff f16 | max abs diff f32 | 3-decimal text changed |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => `| ${r.model} | ${r.tokens} | ${kib(r.bytesF32)} → ${kib(r.bytesF16)} | ${r.maxDiffF16.toExponential(1)} | ${r.maxDiffF32.toExponential(1)} | ${(r.digitsChanged * 100).toFixed(3)}% |`),
  ].join('\n');
}

async function main(): Promise<void> {
  await initWasmBackend(defaultWasmDir(path.join(__dirname, '..', 'dist')));
  const rows: Float16Row[] = [];
  const builtin = builtinModel();
  const small = gpt2SmallModel();
  for (const [m, tokens] of [[builtin, [builtin.positions]], [small, [128, 512]]] as const) {
    const loaded = loadModelFromDir(m.dir, { maxWeightBytes: 2 ** 32 });
    try {
      for (const t of tokens) {
        const ids = Array.from({ length: t }, (_, i) => (i * 7919 + 3) % loaded.config.vocabSize);
        const capture = loaded.model.forward(ids);
        const trace: AttentionTrace = { model: { name: m.label, architecture: 'gpt2', tokenizer: '', layers: m.layers, heads: m.heads, headDim: m.hidden / m.heads, causal: true, maxPositions: m.positions }, tokens: ids.map((id, i) => ({ text: '', id, start: i, end: i, special: false })), ...capture };
        rows.push(float16Error(m.label, trace));
      }
    } finally {
      loaded.model.dispose();
    }
  }
  for (const fixture of ['gpt2-tiny', 'llama-tiny', 'qwen2-tiny']) {
    const loaded = loadModelFromDir(path.join(__dirname, '..', 'test', 'fixtures', 'hf', fixture));
    try {
      const ids = Array.from({ length: Math.min(64, loaded.config.maxPositions) }, (_, i) => (i * 31 + 5) % loaded.config.vocabSize);
      const c = loaded.config;
      const capture = loaded.model.forward(ids);
      rows.push(float16Error(`${fixture} (test fixture)`, { model: { name: fixture, architecture: c.architecture, tokenizer: '', layers: c.layers, heads: c.heads, headDim: c.headDim, causal: c.causal, maxPositions: c.maxPositions }, tokens: ids.map((id, i) => ({ text: '', id, start: i, end: i, special: false })), ...capture }));
    } finally {
      loaded.model.dispose();
    }
  }
  for (const t of [512]) rows.push(float16Error('synthetic GPT-2-like patterns (sinks, previous-token heads)', syntheticTrace({ tokens: t, layers: 2, heads: 12, headDim: 64 })));
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows));
  else console.log(float16Table(rows));
}

if (require.main === module) void main();
