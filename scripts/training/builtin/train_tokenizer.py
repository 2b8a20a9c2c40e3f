#!/usr/bin/env python3
"""Trains the built-in model's byte-level BPE tokenizer on the training split (data/corpus/build/docs.jsonl).

    .venv/bin/python scripts/training/builtin/train_tokenizer.py [--vocab 8192] [--out media/models/teaching]

Byte-level BPE as GPT-2 (every string round-trips, no unknown token), with one change: brackets ( ) [ ] { } are
always tokens of their own (a Split before the ByteLevel regex), so a bracket head has one token to look at.
程序员 may not become one token: the panel's example needs 员 as its own token after 程序 (see DISALLOWED).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

ROOT = Path(__file__).resolve().parents[3]
EOS = '<|endoftext|>'
# Tokens the tokenizer may not learn: with them 员 would vanish into one token in the panel's example.
DISALLOWED = ['程序员']
CJK_MIN_COUNT = 3
CJK_BOOST = 400


def build(vocab: int, docs: list[str]) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(r'[()\[\]{}]'), behavior='isolated'),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=[EOS], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  min_frequency=2, show_progress=False)
    # 程序员 is kept from merging by training on it with a space before 员 (counts of 程序 and 员 stay as they are).
    texts = [d.replace('程序员', '程序 员') for d in docs]
    # Byte-level BPE spends two merges on each Chinese character, and the Chinese part of the corpus is the
    # smallest: without help most characters would stay split into bytes. Every CJK character seen at least
    # CJK_MIN_COUNT times is shown again on its own, so that it becomes one token before English and code
    # merges take the rest of the vocabulary. Words (程序, 一个) still merge where they are frequent.
    counts: dict[str, int] = {}
    for t in texts:
        for ch in t:
            if '\u4e00' <= ch <= '\u9fff':
                counts[ch] = counts.get(ch, 0) + 1
    boost = [ch for ch, n in counts.items() if n >= CJK_MIN_COUNT]
    texts.append('\n'.join(ch for ch in boost for _ in range(CJK_BOOST)))
    tok.train_from_iterator(texts, trainer=trainer)
    return tok


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument('--vocab', type=int, default=12288)
    p.add_argument('--out', default=str(ROOT / 'data' / 'models' / 'teaching-v2'))
    a = p.parse_args()
    rows = [json.loads(l) for l in (ROOT / 'data' / 'corpus' / 'build' / 'docs.jsonl').open(encoding='utf-8')]
    tok = build(a.vocab, [r['text'] for r in rows if r['split'] == 'train'])
    vocab = tok.get_vocab()
    for word in DISALLOWED:
        if tok.encode(word).tokens == [word] or any(tok.decode([i]) == word for i in tok.encode(word).ids):
            raise SystemExit(f'{word} became one token')
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    tok.save(str(out / 'tokenizer.json'))
    print(f'vocabulary {len(vocab)}; 程序员 -> {tok.encode("程序员").tokens}; 我来自福州 -> {tok.encode("我来自福州,现在住在北京,是一个正值壮年的牛马程序员").tokens}')
    for lang in ('code-ts', 'code-js', 'code-py', 'en', 'zh'):
        held = [r['text'] for r in rows if r['split'] == 'held' and r['lang'] == lang]
        chars = sum(len(t) for t in held)
        toks = sum(len(e.ids) for e in tok.encode_batch(held))
        print(f'{lang:8} held-out characters per token {chars / max(toks, 1):.2f}')


if __name__ == '__main__':
    main()
