/**
 * Reads a Hugging Face config.json into the few numbers the engine needs, accepting the spellings
 * different transformers versions and model families use.
 */
import type { Architecture } from './trace';

export class ModelConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelConfigError';
  }
}

export interface ModelConfig {
  architecture: Architecture;
  modelType: string;
  layers: number;
  heads: number;
  kvHeads: number;
  hidden: number;
  headDim: number;
  intermediate: number;
  vocabSize: number;
  maxPositions: number;
  eps: number;
  activation: string;
  causal: boolean;
  /** RoPE base (LLaMA family only). */
  ropeTheta: number;
  /** Qwen2 puts biases on q/k/v projections; LLaMA may via attention_bias. */
  attentionBias: boolean;
  typeVocabSize: number;
  /** Extra QKV Lens data stored in config.json (e.g. the teaching model's checkpoints). */
  extras: Record<string, unknown>;
}

type Json = Record<string, unknown>;

function num(cfg: Json, keys: string[], fallback?: number): number {
  for (const k of keys) {
    const v = cfg[k];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
  }
  if (fallback !== undefined) return fallback;
  throw new ModelConfigError(`config.json lacks ${keys.join(' / ')}`);
}

function positiveInt(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0 || value > 1 << 20) throw new ModelConfigError(`config.json: ${name} = ${value} is not a sensible positive integer`);
  return value;
}

const FAMILY: Record<string, Architecture> = {
  gpt2: 'gpt2',
  bert: 'bert',
  llama: 'llama',
  qwen2: 'llama',
  mistral: 'llama',
};

/** Activations the engine implements (models/model.ts); anything else is refused when the config is read, not mid-run. */
const ACTIVATIONS = ['gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', 'gelu', 'silu', 'swish', 'relu'];

function activationName(value: unknown): string {
  if (typeof value !== 'string' || !ACTIVATIONS.includes(value)) {
    throw new ModelConfigError(`config.json: activation ${typeof value === 'string' ? `"${value.slice(0, 100)}"` : '(not a name)'} is not supported (${ACTIVATIONS.join(', ')})`);
  }
  return value;
}

export function parseModelConfig(raw: unknown): ModelConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ModelConfigError('config.json is not a JSON object');
  const cfg = raw as Json;
  const modelType = typeof cfg.model_type === 'string' ? cfg.model_type : '';
  const architecture = FAMILY[modelType];
  if (!architecture) {
    throw new ModelConfigError(`unsupported model_type "${modelType || '(none)'}": QKV Lens runs GPT-2, BERT and LLaMA/Qwen2/Mistral models`);
  }
  const text = (typeof cfg.text_config === 'object' && cfg.text_config !== null ? cfg.text_config : cfg) as Json;
  const layers = positiveInt(num(text, ['n_layer', 'num_hidden_layers']), 'number of layers');
  const heads = positiveInt(num(text, ['n_head', 'num_attention_heads']), 'number of heads');
  const hidden = positiveInt(num(text, ['n_embd', 'hidden_size']), 'hidden size');
  const kvHeads = positiveInt(num(text, ['num_key_value_heads'], heads), 'number of key/value heads');
  if (heads % kvHeads !== 0) throw new ModelConfigError(`config.json: ${heads} heads is not a multiple of ${kvHeads} key/value heads`);
  const headDim = positiveInt(num(text, ['head_dim'], hidden / heads), 'head dimension');
  const rope = (typeof text.rope_parameters === 'object' && text.rope_parameters !== null ? text.rope_parameters : {}) as Json;
  const ropeScaling = (typeof text.rope_scaling === 'object' && text.rope_scaling !== null ? text.rope_scaling : {}) as Json;
  const ropeType = rope.rope_type ?? ropeScaling.rope_type ?? ropeScaling.type;
  if (architecture === 'llama' && ropeType !== undefined && ropeType !== 'default') {
    throw new ModelConfigError(`RoPE scaling ${typeof ropeType === 'string' ? `"${ropeType}"` : '(not a name)'} is not supported yet (only default RoPE)`);
  }
  const extras = (typeof cfg.qkv_lens === 'object' && cfg.qkv_lens !== null ? cfg.qkv_lens : {}) as Record<string, unknown>;
  return {
    architecture,
    modelType,
    layers,
    heads,
    kvHeads,
    hidden,
    headDim,
    intermediate: num(text, ['n_inner', 'intermediate_size'], 4 * hidden) || 4 * hidden,
    vocabSize: positiveInt(num(text, ['vocab_size']), 'vocabulary size'),
    maxPositions: positiveInt(num(text, ['n_positions', 'max_position_embeddings', 'n_ctx'], 2048), 'max positions'),
    eps: num(text, ['layer_norm_epsilon', 'layer_norm_eps', 'rms_norm_eps'], 1e-5),
    activation: activationName(text.activation_function ?? text.hidden_act ?? (architecture === 'gpt2' ? 'gelu_new' : 'gelu')),
    causal: architecture !== 'bert',
    ropeTheta: typeof rope.rope_theta === 'number' ? rope.rope_theta : num(text, ['rope_theta'], 10000),
    attentionBias: modelType === 'qwen2' || text.attention_bias === true,
    typeVocabSize: num(text, ['type_vocab_size'], 2),
    extras,
  };
}
