#!/usr/bin/env python3
"""Trains the built-in teaching model (a small LLaMA; --arch gpt2 for GPT-2) on the built corpus, in PyTorch, and writes the model folder.

    .venv/bin/python scripts/training/builtin/build_corpus.py
    .venv/bin/python scripts/training/builtin/train_tokenizer.py
    .venv/bin/python scripts/training/builtin/train_model.py [--steps 8000] [--threads 2]

Writes into data/models/teaching-v2/ (--out): model.safetensors (float32, final), checkpoints/step-NNNN.safetensors
(float16, roughly log-spaced from random initialisation), training-log.json; finalize.py adds config.json and
ship.sh copies the folder to media/models/teaching. Tensor names are Hugging Face GPT-2's or LLaMA's (--arch); the
extension's engine (tfjs) loads them, and test/unit/teachingReference.test.ts compares the engine's attention with
`transformers` on the shipped weights (fixture from reference_attention.py).

Three steps in four use 16 rows of 128 tokens, the fourth 4 rows of 512 (the same tokens per step): short rows give
about four times as many updates for the same compute, the long ones train every position the panel uses.
Each batch row is one of: real text (a random span of one language's training stream, documents
separated by <|endoftext|>), an induction row (spans of random frequent tokens, each followed by an exact
repeat, so the only way to predict the repeat is to find the earlier occurrence and copy the token after it),
or a bracket row (nested ( [ { with code tokens between; the closing bracket's kind is only known from its
partner). The synthetic rows teach the heads the lesson names; the held-out figures are on real text only.
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
from safetensors.torch import save_file
from tokenizers import Tokenizer
from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

ROOT = Path(__file__).resolve().parents[3]
LANGS = ('code-ts', 'code-js', 'code-py', 'en', 'zh')
MIX = {'code-ts': 0.25, 'code-js': 0.1, 'code-py': 0.22, 'en': 0.25, 'zh': 0.18}


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=str(ROOT / 'data' / 'models' / 'teaching-v2'))
    p.add_argument('--steps', type=int, default=8000)
    p.add_argument('--checkpoints', default='0,30,100,300,1000,3000,8000')
    p.add_argument('--seed', type=int, default=1234)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batch', type=int, default=16, help='rows per step at --short length (long steps take the same number of tokens)')
    p.add_argument('--short', type=int, default=128, help='if > 0, most steps use rows of this many tokens (more, cheaper steps); every --long-every-th step uses the full context')
    p.add_argument('--long-every', type=int, default=4)
    p.add_argument('--context', type=int, default=512)
    p.add_argument('--arch', choices=('gpt2', 'llama'), default='llama',
                   help='gpt2: learned absolute positions; llama: rotary positions (RoPE), RMSNorm, SwiGLU')
    p.add_argument('--intermediate', type=int, default=352, help='llama: SwiGLU width (about the parameters of a 4x GPT-2 MLP)')
    p.add_argument('--layers', type=int, default=4)
    p.add_argument('--heads', type=int, default=4)
    p.add_argument('--embd', type=int, default=128)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--warmup', type=int, default=100)
    p.add_argument('--wd', type=float, default=0.01)
    p.add_argument('--induction', type=float, default=0.25, help='fraction of rows that are induction rows')
    p.add_argument('--brackets', type=float, default=0.08, help='fraction of rows that are bracket rows')
    p.add_argument('--copy-back', type=float, default=0.1, help='fraction of rows where each token repeats the one two back with p 0.7')
    p.add_argument('--pos-scale', type=float, default=0.1, help='amplitude of the sinusoidal start of the learned position embeddings')
    p.add_argument('--every', type=int, default=500)
    p.add_argument('--resume-step', type=int, default=0,
                   help='continue the run in --out from its checkpoint at this step (weights from the checkpoint, fresh optimiser with a short warm-up, same schedule), with the row mix given now')
    return p.parse_args()


def main() -> None:
    a = parse()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    out = Path(a.out)
    tok = Tokenizer.from_file(str(out / 'tokenizer.json'))
    eos = tok.token_to_id('<|endoftext|>')
    vocab = tok.get_vocab_size()
    rows = [json.loads(l) for l in (ROOT / 'data' / 'corpus' / 'build' / 'docs.jsonl').open(encoding='utf-8')]
    streams: dict[tuple[str, str], np.ndarray] = {}
    for lang in LANGS:
        for split in ('train', 'held'):
            texts = [r['text'] for r in rows if r['lang'] == lang and r['split'] == split]
            ids: list[int] = []
            for e in tok.encode_batch(texts):
                ids.extend(e.ids)
                ids.append(eos)
            streams[(lang, split)] = np.array(ids, dtype=np.int64)
            print(f'{lang:8} {split:5} {len(ids):9} tokens', flush=True)
    train_all = np.concatenate([streams[(l, 'train')] for l in LANGS])
    counts = np.bincount(train_all, minlength=vocab)
    counts[eos] = 0
    frequent = [int(i) for i in np.argsort(-counts)[:2000]]
    decoded = {i: tok.decode([i]) for i in range(vocab)}
    words = [i for i in np.argsort(-counts)[:6000] if decoded[int(i)].startswith(' ') and decoded[int(i)][1:].isalpha()][:1500]
    words = [int(i) for i in words]
    brackets = [(tok.token_to_id(o), tok.token_to_id(c)) for o, c in (('(', ')'), ('[', ']'), ('{', '}'))]
    fillers = [i for i in frequent[:600] if not any(ch in decoded[i] for ch in '()[]{}')]
    t = a.context

    def text_row(t: int) -> list[int]:
        lang = rng.choices(LANGS, weights=[MIX[l] for l in LANGS])[0]
        s = streams[(lang, 'train')]
        start = rng.randrange(len(s) - t - 1)
        return s[start:start + t + 1].tolist()

    def induction_row(t: int) -> list[int]:
        seq: list[int] = []
        while len(seq) < t + 1:
            k = rng.randint(6, 64)
            pool = words if rng.random() < 0.5 else frequent
            span = [rng.choice(pool) for _ in range(k)]
            seq += span + span
            if rng.random() < 0.5:
                seq.append(eos)
        return seq[:t + 1]

    def bracket_row(t: int) -> list[int]:
        seq: list[int] = []
        stack: list[int] = []
        while len(seq) < t + 1:
            r = rng.random()
            if r < 0.25 and len(stack) < 8:
                o, c = rng.choice(brackets)
                seq.append(o)
                stack.append(c)
            elif r < 0.45 and stack:
                seq.append(stack.pop())
            else:
                seq.append(rng.choice(fillers))
        return seq[:t + 1]

    def copy_back_row(t: int) -> list[int]:
        seq = [rng.choice(frequent), rng.choice(frequent)]
        while len(seq) < t + 1:
            seq.append(seq[-2] if rng.random() < 0.7 else rng.choice(frequent))
        return seq

    def row(t: int) -> list[int]:
        r = rng.random()
        if r < a.induction:
            return induction_row(t)
        if r < a.induction + a.brackets:
            return bracket_row(t)
        if r < a.induction + a.brackets + a.copy_back:
            return copy_back_row(t)
        return text_row(t)

    if a.arch == 'llama':
        # Rotary positions make "one token back" (and so induction, which builds on it) the same rotation at every
        # position: no position-by-position learning, which held GPT-2 runs 1 and 2 at a previous-token head of
        # 0.1 after 1000 updates and without any induction head after 8000.
        cfg = LlamaConfig(vocab_size=vocab, hidden_size=a.embd, intermediate_size=a.intermediate, num_hidden_layers=a.layers,
                          num_attention_heads=a.heads, num_key_value_heads=a.heads, max_position_embeddings=t,
                          rms_norm_eps=1e-5, rope_theta=10000.0, hidden_act='silu', tie_word_embeddings=True,
                          attention_bias=False, bos_token_id=eos, eos_token_id=eos)
        cfg._attn_implementation = 'sdpa'
        model = LlamaForCausalLM(cfg)
        model.tie_weights()
    else:
        cfg = GPT2Config(vocab_size=vocab, n_positions=t, n_embd=a.embd, n_layer=a.layers, n_head=a.heads,
                         activation_function='gelu_new', resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                         layer_norm_epsilon=1e-5, tie_word_embeddings=True, bos_token_id=eos, eos_token_id=eos)
        cfg._attn_implementation = 'sdpa'
        model = GPT2LMHeadModel(cfg)
        # Learned position embeddings start as the Transformer's sinusoids (as the v1 trainer found): a linear map of
        # sin/cos of a position can turn it into any fixed offset, so a head can learn "one token back" for every
        # position at once instead of position by position from random vectors.
        with torch.no_grad():
            pos = torch.arange(t).float()[:, None]
            i = torch.arange(0, a.embd, 2).float()[None]
            angle = pos / (10000 ** (i / a.embd))
            w = torch.zeros(t, a.embd)
            w[:, 0::2] = torch.sin(angle)
            w[:, 1::2] = torch.cos(angle)
            model.transformer.wpe.weight.copy_(w * a.pos_scale)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2 and 'wpe' not in n]
    no_decay = [p for n, p in model.named_parameters() if not (p.dim() >= 2 and 'wpe' not in n)]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': a.wd}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=a.lr, betas=(0.9, 0.98), eps=1e-8)

    def lr_at(step: int) -> float:
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        q = (step - a.warmup) / max(1, a.steps - a.warmup)
        return a.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * q)))

    eval_rng = random.Random(99)

    @torch.no_grad()
    def heldout() -> dict[str, float]:
        res = {}
        for lang in LANGS:
            s = streams[(lang, 'held')]
            total, n = 0.0, 0
            for start in range(0, min(len(s) - t - 1, 4 * t), t):
                x = torch.tensor(s[start:start + t])[None]
                y = torch.tensor(s[start + 1:start + t + 1])
                total += torch.nn.functional.cross_entropy(model(x).logits[0], y, reduction='sum').item()
                n += t
            res[lang] = total / n
        return res

    @torch.no_grad()
    def head_figures() -> tuple[float, float]:
        model.config._attn_implementation = 'eager'
        ind = np.zeros((a.layers, a.heads))
        prev = np.zeros((a.layers, a.heads))
        for _ in range(4):
            span = [eval_rng.choice(words) for _ in range(30)]
            ids = [eos] + span + span
            att = model(torch.tensor([ids]), output_attentions=True).attentions
            q = np.arange(31, len(ids))  # the second copy: word k at 31 + k, its earlier occurrence at 1 + k
            for layer in range(a.layers):
                w = att[layer][0].numpy()
                ind[layer] += w[:, q, q - 29].mean(-1) / 4  # the token after the earlier occurrence of q's token
                prev[layer] += w[:, q, q - 1].mean(-1) / 4
        model.config._attn_implementation = 'sdpa'
        return float(ind.max()), float(prev.max())

    def save(step: int, dtype: torch.dtype, file: Path) -> None:
        sd = {k: v.detach().to(dtype).contiguous() for k, v in model.state_dict().items()
              if k != 'lm_head.weight' and not k.endswith('.attn.bias') and not k.endswith('rotary_emb.inv_freq') and not k.endswith('.attn.masked_bias')}
        file.parent.mkdir(parents=True, exist_ok=True)
        save_file(sd, str(file), metadata={'format': 'pt', 'step': str(step)})

    marks = sorted({int(x) for x in a.checkpoints.split(',')})
    log: dict = {'recipe': vars(a), 'mix': MIX, 'losses': [], 'evals': [], 'checkpoints': []}
    first = 0
    if a.resume_step:
        from safetensors.torch import load_file
        state = {k: v.float() for k, v in load_file(str(out / f'checkpoints/step-{a.resume_step:04d}.safetensors')).items()}
        missing, unexpected = model.load_state_dict(state, strict=False)
        assert not unexpected and all(k == 'lm_head.weight' or k.endswith('attn.bias') for k in missing), (missing, unexpected)
        model.tie_weights()
        old = json.loads((out / 'training-log.json').read_text())
        log['phases'] = old.get('phases', [{'from': 0, 'recipe': old['recipe']}]) + [{'from': a.resume_step, 'recipe': vars(a)}]
        log['losses'] = [x for x in old['losses'] if x[0] <= a.resume_step]
        log['evals'] = [x for x in old['evals'] if x['step'] <= a.resume_step]
        log['checkpoints'] = [x for x in old['checkpoints'] if x['step'] <= a.resume_step]
        first = a.resume_step + 1
        base_lr = lr_at

        def lr_at(step: int) -> float:  # noqa: F811 - the same schedule, re-warmed over 20 steps for the fresh optimiser
            return base_lr(step) * min(1.0, (step - a.resume_step) / 20)
    started = time.time()
    losses: list[float] = []
    for step in range(first, a.steps + 1):
        if step in marks or step % a.every == 0 or step == a.steps:
            model.eval()
            h = heldout()
            ind, prev = head_figures()
            entry = {'step': step, 'heldout': h, 'induction_best': ind, 'previous_best': prev, 'seconds': round(time.time() - started, 1)}
            log['evals'].append(entry)
            print(json.dumps(entry), flush=True)
            if step in marks:
                name = f'checkpoints/step-{step:04d}.safetensors'
                save(step, torch.float16, out / name)
                log['checkpoints'].append({'step': step, 'file': name})
            (out / 'training-log.json').write_text(json.dumps(log) + '\n')
            model.train()
        if step == a.steps:
            break
        for g in opt.param_groups:
            g['lr'] = lr_at(step)
        if a.short and step % a.long_every:
            n, rows_now = a.short, a.batch
        else:
            n, rows_now = t, max(1, a.batch * (a.short or t) // t)
        batch = torch.tensor([row(n) for _ in range(rows_now)])
        logits = model(batch[:, :-1]).logits
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, vocab), batch[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 10 == 0:
            log['losses'].append([step + 1, round(float(np.mean(losses)), 4)])
            losses = []
    save(a.steps, torch.float32, out / 'model.safetensors')
    log['seconds'] = round(time.time() - started, 1)
    (out / 'training-log.json').write_text(json.dumps(log) + '\n')
    print(f'done in {log["seconds"]} s', flush=True)


if __name__ == '__main__':
    main()
