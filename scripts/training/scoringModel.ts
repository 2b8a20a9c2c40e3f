/**
 * Next-token logits of the built-in model's Hugging Face folder (GPT-2 or LLaMA format), in tfjs, for what is
 * measured on held-out text (bits per byte, loss by position). The extension's engine computes attention only; this
 * adds the rest of the forward pass (last MLP, final norm, tied LM head) without touching the product.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { SafetensorsFile } from '../../src/engine/safetensors';
import { activation, rmsNorm } from '../../src/engine/models/model';
import { applyRope, ropeTables } from '../../src/engine/models/llama';
import { causalMaskData, scoreScale } from '../../src/shared/attentionRules';
import { dimsFromConfig, loadWeights } from './checkpoint';
import { forwardLogits, parameterCount, toTensors } from './model';

export interface ScoringModel {
  /** The model's context: windows longer than this cannot be scored. */
  positions: number;
  parameters: number;
  /** Logits [T, vocab] for one window of token ids. */
  logits(ids: Int32Array): tf.Tensor2D;
  dispose(): void;
}

type Json = Record<string, unknown>;

function num(config: Json, key: string, fallback?: number): number {
  const v = config[key] ?? fallback;
  if (typeof v !== 'number') throw new Error(`config.json lacks ${key}`);
  return v;
}

/** A LLaMA-format folder (RMSNorm, RoPE, SwiGLU, tied embeddings), its weights as tfjs tensors laid out [in, out]. */
function llamaScoringModel(config: Json, file: string): ScoringModel {
  const c = num(config, 'hidden_size');
  const heads = num(config, 'num_attention_heads');
  const kvHeads = num(config, 'num_key_value_heads', heads);
  if (kvHeads !== heads) throw new Error('grouped-query attention is not needed for the built-in model and not scored here');
  const layers = num(config, 'num_hidden_layers');
  const hd = c / heads;
  const eps = num(config, 'rms_norm_eps');
  const theta = num(config, 'rope_theta', 10000);
  const act = typeof config.hidden_act === 'string' ? config.hidden_act : 'silu';
  const bytes = fs.readFileSync(file);
  const st = new SafetensorsFile(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  const w = new Map<string, tf.Tensor>();
  let parameters = 0;
  const load = (name: string, transpose: boolean): tf.Tensor => {
    const key = 'model.' + name;
    const shape = st.shape(key);
    parameters += shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(st.float32(key), shape);
    const out = transpose ? tf.tidy(() => t.transpose()) : t;
    if (transpose) t.dispose();
    w.set(name, out);
    return out;
  };
  const embed = load('embed_tokens.weight', false) as tf.Tensor2D;
  const embedT = tf.tidy(() => embed.transpose()) as tf.Tensor2D;
  for (let i = 0; i < layers; i++) {
    const p = `layers.${i}.`;
    load(p + 'input_layernorm.weight', false);
    load(p + 'post_attention_layernorm.weight', false);
    for (const m of ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj']) load(p + m + '.weight', true);
  }
  load('norm.weight', false);
  const get = (name: string) => w.get(name) as tf.Tensor2D;
  const vec = (name: string) => w.get(name) as tf.Tensor1D;
  return {
    positions: num(config, 'max_position_embeddings'),
    parameters,
    logits: (ids) => tf.tidy((): tf.Tensor2D => {
      const t = ids.length;
      const { cos, sin } = ropeTables(t, hd, theta);
      const mask = tf.tensor2d(causalMaskData(t), [t, t]);
      const mm = (a: tf.Tensor2D, w: string): tf.Tensor2D => tf.matMul(a, get(w));
      const split = (x: tf.Tensor2D) => x.reshape([t, heads, hd]).transpose([1, 0, 2]) as tf.Tensor3D;
      let x: tf.Tensor2D = tf.gather(embed, tf.tensor1d(ids, 'int32'));
      for (let i = 0; i < layers; i++) {
        const p = `layers.${i}.`;
        const h = rmsNorm(x, vec(p + 'input_layernorm.weight'), eps);
        const q = applyRope(split(mm(h, p + 'self_attn.q_proj.weight')), cos, sin);
        const k = applyRope(split(mm(h, p + 'self_attn.k_proj.weight')), cos, sin);
        const v = split(mm(h, p + 'self_attn.v_proj.weight'));
        const att = tf.softmax(tf.matMul(q, k.transpose([0, 2, 1])).mul(scoreScale(hd)).add(mask));
        const ctx = tf.matMul(att, v).transpose([1, 0, 2]).reshape([t, c]) as tf.Tensor2D;
        x = x.add(mm(ctx, p + 'self_attn.o_proj.weight'));
        const h2 = rmsNorm(x, vec(p + 'post_attention_layernorm.weight'), eps);
        const gated = activation(act, mm(h2, p + 'mlp.gate_proj.weight')).mul(mm(h2, p + 'mlp.up_proj.weight')) as tf.Tensor2D;
        x = x.add(mm(gated, p + 'mlp.down_proj.weight'));
      }
      return tf.matMul(rmsNorm(x, vec('norm.weight'), eps), embedT);
    }),
    dispose: () => tf.dispose([...w.values(), embedT]),
  };
}

/** Opens `file` (relative to `dir`, default the final weights) of the model folder `dir` for scoring. */
export function openScoringModel(dir: string, file = 'model.safetensors'): ScoringModel {
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Json;
  const weightsFile = path.join(dir, file);
  if (config.model_type === 'llama') return llamaScoringModel(config, weightsFile);
  if (config.model_type !== 'gpt2') throw new Error(`cannot score a ${String(config.model_type)} model`);
  const dims = dimsFromConfig(config);
  const weights = toTensors(dims, loadWeights(weightsFile, dims));
  return {
    positions: dims.positions,
    parameters: parameterCount(dims),
    logits: (ids) => forwardLogits(weights, dims, ids, 1, ids.length),
    dispose: () => tf.dispose([...weights.values()]),
  };
}
