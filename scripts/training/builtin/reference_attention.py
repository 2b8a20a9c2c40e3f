#!/usr/bin/env python3
"""Writes test/fixtures/teaching-reference.json: what Hugging Face `transformers` (GPT2LMHeadModel or LlamaForCausalLM as config.json says, eager attention,
float32) and `tokenizers` compute on the built-in teaching model (media/models/teaching), for test/unit/teachingReference.test.ts to compare
with the extension's engine (to 1e-5). Regenerate whenever that model changes.

    .venv/bin/python scripts/training/builtin/reference_attention.py

Texts: the panel's sentence, a line of code, an English sentence, and a held-out document cut to 512 tokens (the
model's whole context). Each case also has the cost of every next token from the LM head (`nll`). Weights are stored for selected query rows (all rows of the short texts, four rows of the
long one), every layer and head, as base64 float32 to keep the file small.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM

ROOT = Path(__file__).resolve().parents[3]
DIR = ROOT / 'media' / 'models' / 'teaching'


def main() -> None:
    tok = Tokenizer.from_file(str(DIR / 'tokenizer.json'))
    model = AutoModelForCausalLM.from_pretrained(str(DIR), attn_implementation='eager', dtype=torch.float32).eval()
    sample = [json.loads(l) for l in (ROOT / 'data' / 'corpus' / 'heldout' / 'sample.jsonl').open(encoding='utf-8')]
    long_doc = next(d['text'] for d in sample if d['lang'] == 'code-ts' and len(tok.encode(d['text']).ids) >= 512)
    texts = [
        ('我来自福州,现在住在北京,是一个正值壮年的牛马程序员', None),
        ('def area(r):\n    return 3.14159 * (r ** 2)  # a circle {r}', None),
        ('The keys are compared with every query; the values are what flows.', None),
        (long_doc, [0, 100, 300, 511]),
    ]
    cases = []
    for text, rows in texts:
        enc = tok.encode(text)
        ids = enc.ids[:512]
        with torch.no_grad():
            out = model(torch.tensor([ids]), output_attentions=True)
            att = out.attentions
            # Cost of each next token (nats), for the held-out scoring (scripts/training/scoringModel.ts).
            nll = torch.nn.functional.cross_entropy(out.logits[0, :-1], torch.tensor(ids[1:]), reduction='none').numpy()
        t = len(ids)
        rows = rows if rows is not None else list(range(t))
        w = np.stack([a[0].numpy()[:, rows, :] for a in att]).astype('<f4')  # [layers, heads, rows, t]
        cases.append({'text': text, 'ids': ids, 'rows': rows, 'shape': list(w.shape), 'nll': [round(float(x), 6) for x in nll],
                      'weights_f32_base64': base64.b64encode(w.tobytes()).decode('ascii')})
    out = ROOT / 'test' / 'fixtures' / 'teaching-reference.json'
    out.write_text(json.dumps({'model': 'media/models/teaching/model.safetensors', 'architecture': model.config.architectures[0], 'transformers': __import__('transformers').__version__,
                               'torch': torch.__version__, 'cases': cases}, ensure_ascii=False) + '\n')
    print(f'{out}: {out.stat().st_size} bytes, {len(cases)} texts')


if __name__ == '__main__':
    main()
