#!/usr/bin/env python3
"""A fast PyTorch replica of the teaching model's training recipe, for exploring recipes.

The shipped model is trained by `npm run train-model` (TypeScript, tfjs wasm, about 1.7 s a step on the
2-core machine). This script trains the same GPT-2 (Hugging Face `GPT2LMHeadModel`, eager attention) on
the same token windows about 14x faster on one CPU thread, and prints, every --every steps, the
held-out loss and each head's mean attention on the previous token over the texts the teaching-model
test uses (the previous-token check) and the best head's weight from `)` to its `(`.

    npx tsx scripts/training/sweep/dumpData.ts                     # writes bench/out/sweep-data.json
    .venv/bin/python scripts/training/sweep/sweep.py               # the shipped recipe
    .venv/bin/python scripts/training/sweep/sweep.py --skip 0.2 --lr 1e-2 --steps 1600

(.venv as in scripts/requirements-fixtures.txt.) Window kinds, as fractions of each batch: natural text
(the rest), --repeat (a span repeated; --pairs of those are two tokens, a b a b), --rand (random tokens
repeated), --markov (a random walk on a random sparse chain over --markov-k tokens), --skip (random
tokens where with probability --skip-p the next token is the one before the current, x[i+1] = x[i-1]).
--warm-skip N trains on skip windows only for the first N steps. scripts/training/sweep/RESULTS.md
records what was tried for the previous-token head and what each run measured.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import numpy as np
import torch
from transformers import GPT2Config, GPT2LMHeadModel

ROOT = Path(__file__).resolve().parents[3]


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--data', default=str(ROOT / 'bench' / 'out' / 'sweep-data.json'))
    p.add_argument('--steps', type=int, default=800)
    p.add_argument('--every', type=int, default=100)
    p.add_argument('--seed', type=int, default=1234)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--layers', type=int, default=2)
    p.add_argument('--heads', type=int, default=4)
    p.add_argument('--embd', type=int, default=96)
    p.add_argument('--lr', type=float, default=3e-3)
    p.add_argument('--pos-lr', type=float, default=1.0, help='learning-rate multiplier for the position embeddings')
    p.add_argument('--warmup', type=int, default=50)
    p.add_argument('--wd', type=float, default=0.01)
    p.add_argument('--beta2', type=float, default=0.98)
    p.add_argument('--pos-init', choices=['sinusoidal', 'normal'], default='sinusoidal')
    p.add_argument('--pos-scale', type=float, default=0.1)
    p.add_argument('--pos-base', type=float, default=10000.0)
    p.add_argument('--pos-freq', choices=['geometric', 'linear'], default='geometric', help='linear: frequencies evenly spaced in [0.05, 3] rad per position')
    p.add_argument('--qk-scale', type=float, default=1.0, help='multiply the initial query and key weights')
    p.add_argument('--repeat', type=float, default=0.5)
    p.add_argument('--pairs', type=float, default=0.5)
    p.add_argument('--min-period', type=int, default=8)
    p.add_argument('--max-period', type=int, default=40)
    p.add_argument('--rand', type=float, default=0.0)
    p.add_argument('--markov', type=float, default=0.0)
    p.add_argument('--markov-k', type=int, default=12)
    p.add_argument('--markov-degree', type=int, default=2)
    p.add_argument('--skip', type=float, default=0.0)
    p.add_argument('--skip-p', type=float, default=0.5)
    p.add_argument('--skip-alphabet', type=int, default=1500, help='skip windows draw from this many most frequent tokens')
    p.add_argument('--warm-skip', type=int, default=0)
    p.add_argument('--save', default='', help='write the final state_dict here')
    p.add_argument('--init', default='', help='start from these weights (a safetensors file in Hugging Face GPT-2 names, e.g. a checkpoint of npm run train-model)')
    return p.parse_args()


def main() -> None:
    a = parse()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    d = json.loads(Path(a.data).read_text())
    t = d['context']
    vocab = d['vocab']
    train = np.array(d['train'])
    held = np.array(d['held'])
    starts = d['starts']
    n = len(train)
    common = [int(x) for x in np.argsort(-np.bincount(train, minlength=vocab))[:1500]]

    cfg = GPT2Config(vocab_size=vocab, n_positions=t, n_embd=a.embd, n_layer=a.layers, n_head=a.heads,
                     activation_function='gelu_new', resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                     layer_norm_epsilon=1e-5, tie_word_embeddings=True, bos_token_id=d['eos'], eos_token_id=d['eos'])
    cfg._attn_implementation = 'eager'
    model = GPT2LMHeadModel(cfg)
    wpe = model.transformer.wpe.weight
    if a.pos_init == 'sinusoidal':  # as scripts/training/model.ts initialWeights
        with torch.no_grad():
            pos = torch.arange(t).float()[:, None]
            i = torch.arange(0, a.embd, 2).float()[None]
            angle = pos / (a.pos_base ** (i / a.embd)) if a.pos_freq == 'geometric' else pos * torch.linspace(0.05, 3.0, a.embd // 2)[None]
            w = torch.zeros(t, a.embd)
            w[:, 0::2] = torch.sin(angle)
            w[:, 1::2] = torch.cos(angle)
            wpe.copy_(w * a.pos_scale)
    if a.init:
        from safetensors.torch import load_file
        model.load_state_dict({k: v.float() for k, v in load_file(a.init).items()}, strict=False)
    with torch.no_grad():
        for block in model.transformer.h:
            block.attn.c_attn.weight[:, :2 * a.embd] *= a.qk_scale
    rest = [q for q in model.parameters() if q is not wpe]
    opt = torch.optim.AdamW([{'params': rest, 'mul': 1.0}, {'params': [wpe], 'mul': a.pos_lr}],
                            lr=a.lr, betas=(0.9, a.beta2), eps=1e-8, weight_decay=a.wd)

    def lr_at(step: int) -> float:  # as scripts/train-model.ts learningRate
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        q = (step - a.warmup) / max(1, a.steps - a.warmup)
        return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * q)))

    def skip_window() -> list[int]:
        alphabet = common[:a.skip_alphabet]
        seq = [rng.choice(alphabet), rng.choice(alphabet)]
        while len(seq) < t + 1:
            seq.append(seq[-2] if rng.random() < a.skip_p else rng.choice(alphabet))
        return seq

    def window(step: int) -> list[int]:
        if step < a.warm_skip:
            return skip_window()
        r = rng.random()
        if r < a.markov:
            toks = rng.sample(common, a.markov_k)
            succ = {x: [rng.choice(toks) for _ in range(a.markov_degree)] for x in toks}
            x = rng.choice(toks)
            seq = [x]
            while len(seq) < t + 1:
                x = rng.choice(succ[x])
                seq.append(x)
            return seq
        r -= a.markov
        if r < a.skip:
            return skip_window()
        r -= a.skip
        if r < a.rand:
            period = rng.randint(a.min_period, a.max_period)
            base = [rng.choice(common) for _ in range(period)]
            return [base[i % period] for i in range(t + 1)]
        s = starts[rng.randrange(len(starts))]  # as scripts/training/data.ts sampleBatch
        period = t + 1
        if rng.random() < a.repeat:
            period = 2 if rng.random() < a.pairs else a.min_period + rng.randrange(a.max_period - a.min_period + 1)
        return [int(train[(s + (i % period)) % n]) for i in range(t + 1)]

    @torch.no_grad()
    def heldout_loss() -> float:
        total, count = 0.0, 0
        for s in range(0, len(held) - 1, t):
            x = held[s:s + t]
            y = held[s + 1:s + t + 1]
            logits = model(torch.tensor(x[:len(y)])[None]).logits[0]
            total += torch.nn.functional.cross_entropy(logits, torch.tensor(y), reduction='sum').item()
            count += len(y)
        return total / count

    @torch.no_grad()
    def attention_figures() -> tuple[np.ndarray, float]:
        prev = np.zeros((a.layers, a.heads))
        count = 0
        for ids in d['probe']:
            att = model(torch.tensor([ids]), output_attentions=True).attentions
            r = np.arange(1, len(ids))
            for layer in range(a.layers):
                prev[layer] += att[layer][0].numpy()[:, r, r - 1].sum(-1)
            count += len(ids) - 1
        bracket = np.zeros((a.layers, a.heads))
        pairs = 0
        for ids in d['code']:
            stack: list[int] = []
            found: list[tuple[int, int]] = []
            for i, tk in enumerate(ids):
                if tk == d['open']:
                    stack.append(i)
                elif tk == d['close'] and stack:
                    found.append((i, stack.pop()))
            if not found:
                continue
            att = model(torch.tensor([ids]), output_attentions=True).attentions
            for i, j in found:
                for layer in range(a.layers):
                    bracket[layer] += att[layer][0, :, i, j].numpy()
                pairs += 1
        return prev / count, float((bracket / max(pairs, 1)).max())

    print(f'recipe: {vars(a)}', flush=True)
    started = time.time()
    losses: list[float] = []
    for step in range(a.steps + 1):
        if step % a.every == 0 or step == a.steps:
            model.eval()
            prev, bracket = attention_figures()
            heads = ' '.join(f'L{l}H{h} {prev[l, h]:.2f}' for l in range(a.layers) for h in range(a.heads))
            train_loss = f'{np.mean(losses):.3f}' if losses else '-'
            print(f'step {step}: train {train_loss}, held-out {heldout_loss():.3f} | previous token: {heads} | best {prev.max():.3f}'
                  f' | ) to ( best {bracket:.3f} | {time.time() - started:.0f} s', flush=True)
            model.train()
            losses = []
        if step == a.steps:
            break
        for g in opt.param_groups:
            g['lr'] = lr_at(step) * g['mul']
        batch = torch.tensor([window(step) for _ in range(a.batch)])
        logits = model(batch[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
    if a.save:
        torch.save(model.state_dict(), a.save)


if __name__ == '__main__':
    main()
