#!/usr/bin/env python3
"""Writes config.json and tokenizer_config.json of the built-in model folder from its training log (run after
train_model.py). config.json is a plain Hugging Face GPT-2 or LLaMA config (the trainer's --arch) plus a "qkv_lens" section: the checkpoints the
panel's training-stage control offers, with the held-out loss the trainer measured at each.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[3]
LABELS = ['random init', 'very early', 'early', 'middle', 'late', 'final']


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--out', default=str(ROOT / 'data' / 'models' / 'teaching-v2'))
    a = p.parse_args()
    out = Path(a.out)
    log = json.loads((out / 'training-log.json').read_text())
    r = log['recipe']
    tok = Tokenizer.from_file(str(out / 'tokenizer.json'))
    eos = tok.token_to_id('<|endoftext|>')
    evals = {e['step']: e for e in log['evals']}
    cps = log['checkpoints']
    # The final stage is model.safetensors itself (float32): a float16 copy of it would only add 5 MB to the folder.
    final = cps[-1]
    if final['step'] == r['steps'] and (out / 'model.safetensors').exists():
        dup = out / final['file']
        if dup.exists() and dup.name != 'model.safetensors':
            dup.unlink()
        final['file'] = 'model.safetensors'
    labels = LABELS if len(cps) == len(LABELS) else ['random init'] + [f'step {c["step"]}' for c in cps[1:-1]] + ['final']
    if len(cps) == len(LABELS) + 1:
        labels = LABELS[:-1] + ['later', 'final']
    # "loss" (what the panel's stage picker shows) is the held-out loss averaged over the languages.
    checkpoints = [{'step': c['step'], 'label': labels[i], 'file': c['file'],
                    'loss': round(sum(evals[c['step']]['heldout'].values()) / len(evals[c['step']]['heldout']), 4),
                    'heldout_loss': {k: round(v, 4) for k, v in evals[c['step']]['heldout'].items()}} for i, c in enumerate(cps)]
    if r.get('arch', 'gpt2') == 'llama':
        config = {
            'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'vocab_size': tok.get_vocab_size(),
            'hidden_size': r['embd'], 'intermediate_size': r['intermediate'], 'num_hidden_layers': r['layers'],
            'num_attention_heads': r['heads'], 'num_key_value_heads': r['heads'], 'head_dim': r['embd'] // r['heads'],
            'max_position_embeddings': r['context'], 'hidden_act': 'silu', 'rms_norm_eps': 1e-5, 'rope_theta': 10000.0,
            'attention_bias': False, 'mlp_bias': False, 'initializer_range': 0.02, 'use_cache': True,
            'tie_word_embeddings': True, 'bos_token_id': eos, 'eos_token_id': eos, 'torch_dtype': 'float32',
        }
        family = 'LLaMA'
    else:
        config = {
            'architectures': ['GPT2LMHeadModel'], 'model_type': 'gpt2', 'vocab_size': tok.get_vocab_size(),
            'n_positions': r['context'], 'n_ctx': r['context'], 'n_embd': r['embd'], 'n_layer': r['layers'], 'n_head': r['heads'],
            'n_inner': None, 'activation_function': 'gelu_new', 'resid_pdrop': 0, 'embd_pdrop': 0, 'attn_pdrop': 0,
            'layer_norm_epsilon': 1e-5, 'initializer_range': 0.02, 'scale_attn_weights': True, 'use_cache': True,
            'tie_word_embeddings': True, 'bos_token_id': eos, 'eos_token_id': eos, 'torch_dtype': 'float32',
        }
        family = 'GPT-2'
    config |= {
        'qkv_lens': {
            'description': f'QKV Lens teaching model v2: a small {family} trained on real code (TypeScript, JavaScript, Python), English and Chinese documentation.',
            'held_out_sentence': '我来自福州,现在住在北京,是一个正值壮年的牛马程序员',
            'checkpoints': checkpoints,
        },
    }
    (out / 'config.json').write_text(json.dumps(config, indent=2, ensure_ascii=False) + '\n')
    (out / 'tokenizer_config.json').write_text(json.dumps({
        'tokenizer_class': 'GPT2TokenizerFast', 'model_max_length': r['context'], 'bos_token': '<|endoftext|>',
        'eos_token': '<|endoftext|>', 'unk_token': '<|endoftext|>', 'add_prefix_space': False, 'clean_up_tokenization_spaces': False,
    }, indent=2) + '\n')
    print(json.dumps(checkpoints, indent=1, ensure_ascii=False))


if __name__ == '__main__':
    main()
