#!/usr/bin/env python3
"""Write the tokenizer differential fixtures: one small tokenizer per tokenizer family, trained by Python
`tokenizers`, plus the ids and offsets Python gives for a few hundred generated strings.

test/unit/tokenizerFamilies.test.ts tokenizes the same strings with QKV Lens (src/engine/tokenizer.ts) and
requires the same ids and the same ranges (Python's character offsets, converted here to UTF-16 code units),
apart from the policies written in the README (grapheme clusters, special tokens).

Usage (from the repository root; any venv with `tokenizers`, see scripts/requirements-fixtures.txt):

    .venv/bin/python scripts/make_tokenizer_fixtures.py

Output: test/fixtures/tokenizers/texts.json (the strings) and one <family>.json.gz per family with
{"family", "description", "tokenizer": <tokenizer.json>, "ids": [[...]], "offsets": [[start, end, ...]]}
(gzip: a few hundred KB of fixtures instead of a few MB). Deterministic: fixed seeds, fixed corpus.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import tokenizers
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "test" / "fixtures" / "tokenizers"

# Pieces the generated strings are made of: every kind of text that has broken offsets somewhere.
CJK = list("我来自福州现在住在北京是一个正值壮年的牛马程序员中文分词测试日本語のテキスト한국어") + ["𠀋", "𪚥", "〇"]
EMOJI = ["😀", "🐛", "👍🏽", "👩‍💻", "👨‍👩‍👧", "🏳️‍🌈", "❤️", "🇨🇳", "✋🏿", "🧑🏻‍🔬"]
COMBINING = ["e\u0301", "a\u0308\u0323", "n\u0303", "\u1100\u1161\u11a8", "o\u0302\u0300", "i\u0307", "\u0301"]
SPACES = ["\u00a0", "\u3000", "\t", "\n", "\r\n", "  ", "   ", "\u2003", "\u200b", "\ufeff"]
RTL = ["שלום", "مرحبا", "עולם", "العربية"]
MATH = ["𝑥", "𝔸", "𝟙", "∑", "√", "≠", "𝛼", "ℝ"]
CODE = ["x = [1, 2, (3)]; // ok", "def f(a, b):", "{}", "->", "::", "'s", "\"q\"", "a[i]", "(x)", "<=", "#!", "0x1F", "`x`", "i++", "$", "\\n"]
WORDS = ["hello", "World", "café", "naïve", "Straße", "İstanbul", "ﬁle", "ＡＢＣ", "ΑΣ", "Ωmega", "it's", "don't", "1234", "3.14", "the", "cat", "DATA", "x"]
SPECIAL_IN_TEXT = ["<s>", "</s>", "[CLS]", "[SEP]", "<|endoftext|>", "<unk>"]

FIXED = [
    "x = [1, 2, (3)]; // ok",
    "我来自福州,现在住在北京,是一个正值壮年的牛马程序员",
    "def add(a, b):\n    return (a + b)",
    "🐛 in 👩‍💻 code",
    " leading space",
    "trailing space ",
    "  two  spaces  ",
    "a\r\nb\tc",
    "",
    " ",
    "\n",
    "e\u0301 caf\u00e9 CAF\u00c9",
    "hello <s> world",
    "<|endoftext|>next",
    "[CLS] x [SEP]",
    "▁already▁meta",
    "ﬁ ＡＢＣ 𝑥=𝟙",
]


def generated_texts(n: int, seed: int, specials: bool = True) -> list[str]:
    rng = random.Random(seed)
    groups = [CJK, EMOJI, COMBINING, SPACES, RTL, MATH, CODE, WORDS]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(2, 8)):
            r = rng.random()
            if r < 0.02 and specials:
                parts.append(rng.choice(SPECIAL_IN_TEXT))
            else:
                g = rng.choice(groups)
                parts.append(rng.choice(g) if g is not CJK else "".join(rng.choice(CJK) for _ in range(rng.randint(1, 4))))
            if rng.random() < 0.5:
                parts.append(rng.choice([" ", " ", " ", "", "  ", "\n", "\t"]))
        text = "".join(parts)
        if rng.random() < 0.1:
            text = " " + text
        if rng.random() < 0.1:
            text = text + rng.choice([" ", "  ", "\n"])
        out.append(text)
    return out


TEXTS = FIXED + generated_texts(280, seed=13)
CORPUS = [
    "hello world the cat sat on the mat",
    "def add(a, b):\n    return (a + b)",
    "x = [1, 2, (3)]; // ok",
    "我来自福州,现在住在北京,是一个正值壮年的牛马程序员",
    "café naïve Straße data it's don't 1234 3.14",
] * 20 + generated_texts(600, seed=7, specials=False)

BYTE_TOKENS = [f"<0x{b:02X}>" for b in range(256)]

QWEN2_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA3_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
CLIP_SPLIT = r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+"""


def train_bpe(tok: Tokenizer, vocab_size: int, specials: list[str], alphabet=None, limit_alphabet=None, **kw) -> Tokenizer:
    if limit_alphabet is not None:
        kw["limit_alphabet"] = limit_alphabet
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=specials, initial_alphabet=alphabet or [], show_progress=False, **kw)
    tok.train_from_iterator(CORPUS, trainer)
    return tok


def byte_fallback_bpe(normalizer, pre_tokenizer, vocab_size=420) -> Tokenizer:
    """SentencePiece-style BPE (LLaMA / Mistral): <unk> <s> </s>, the 256 <0xNN> byte tokens, then merges
    learned on a small alphabet so that most CJK, emoji and rare characters fall back to bytes."""
    probe = Tokenizer(models.BPE(unk_token="<unk>"))
    probe.normalizer = normalizer
    if pre_tokenizer is not None:
        probe.pre_tokenizer = pre_tokenizer
    train_bpe(probe, vocab_size, ["<unk>", "<s>", "</s>"], limit_alphabet=60)
    trained = json.loads(probe.to_str())["model"]
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for t in BYTE_TOKENS:
        vocab[t] = len(vocab)
    for t, _ in sorted(trained["vocab"].items(), key=lambda kv: kv[1]):
        if t not in vocab:
            vocab[t] = len(vocab)
    merges = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in trained["merges"]]
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges, unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizer
    if pre_tokenizer is not None:
        tok.pre_tokenizer = pre_tokenizer
    tok.add_special_tokens(["<unk>", "<s>", "</s>"])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    return tok


def byte_level(pre_tokenizer, normalizer=None, post=None, vocab_size=600, specials=("<|endoftext|>",)) -> Tokenizer:
    tok = Tokenizer(models.BPE())
    if normalizer is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    train_bpe(tok, vocab_size, list(specials), alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.post_processor = post if post is not None else processors.ByteLevel(trim_offsets=False)
    return tok


def word_piece(normalizer, vocab_size=500) -> Tokenizer:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=12))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], limit_alphabet=120, show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", tok.token_to_id("[CLS]")), ("[SEP]", tok.token_to_id("[SEP]"))])
    tok.decoder = decoders.WordPiece()
    return tok


def families() -> dict[str, tuple[str, Tokenizer]]:
    bl = lambda **kw: pre_tokenizers.ByteLevel(**kw)  # noqa: E731
    f: dict[str, tuple[str, Tokenizer]] = {}
    f["gpt2"] = ("byte-level BPE, GPT-2 (ByteLevel pre-tokenizer with its own regex)", byte_level(bl(add_prefix_space=False, trim_offsets=True, use_regex=True)))
    f["qwen2"] = ("byte-level BPE, Qwen2 (NFC + Split regex + ByteLevel without regex)", byte_level(
        pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN2_SPLIT), "isolated", invert=False), bl(add_prefix_space=False, use_regex=False)]),
        normalizer=normalizers.NFC(), specials=("<|endoftext|>", "<|im_start|>")))
    f["llama3"] = ("byte-level BPE, LLaMA-3 (Split regex with \\p{N}{1,3} + ByteLevel, <|begin_of_text|> template)", byte_level(
        pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_SPLIT), "isolated", invert=False), bl(add_prefix_space=False, use_regex=False)]),
        post=processors.Sequence([processors.ByteLevel(trim_offsets=False), processors.TemplateProcessing(single="<|begin_of_text|> $A", special_tokens=[("<|begin_of_text|>", 0)])]),
        specials=("<|begin_of_text|>", "<|end_of_text|>")))
    f["brackets"] = ("byte-level BPE, Split isolating brackets + ByteLevel with its regex (the built-in model's kind)", byte_level(
        pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(r"[\[\](){}<>]"), "isolated", invert=False), bl(add_prefix_space=False, use_regex=True)])))
    f["split-behaviours"] = ("byte-level BPE, Split with every delimiter behaviour, invert, string patterns and Digits", byte_level(
        pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(r"\d"), "contiguous"),
            pre_tokenizers.Split(".", "merged_with_previous"),
            pre_tokenizers.Split(Regex(r"[\[{(]"), "merged_with_next"),
            pre_tokenizers.Split(Regex(r"\p{L}+"), "isolated", invert=True),
            pre_tokenizers.Split(Regex(r"[\t ]+"), "removed"),
            pre_tokenizers.Digits(individual_digits=True),
            bl(add_prefix_space=False, use_regex=False),
        ])))
    f["smollm"] = ("byte-level BPE, SmolLM / StarCoder (Digits individual + ByteLevel)", byte_level(
        pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), bl(add_prefix_space=False, use_regex=True)])))
    f["falcon"] = ("byte-level BPE, Falcon (Punctuation contiguous + ByteLevel + Digits)", byte_level(
        pre_tokenizers.Sequence([pre_tokenizers.Punctuation("contiguous"), bl(add_prefix_space=False, use_regex=True), pre_tokenizers.Digits(individual_digits=False)])))
    f["roberta"] = ("byte-level BPE, RoBERTa (add_prefix_space, RobertaProcessing with trim_offsets)", byte_level(
        bl(add_prefix_space=True, trim_offsets=True, use_regex=True),
        post=processors.RobertaProcessing(("</s>", 2), ("<s>", 0), trim_offsets=True, add_prefix_space=True), specials=("<s>", "<pad>", "</s>")))
    f["clip"] = ("byte-level BPE, CLIP (NFC + Replace \\s+ + Lowercase, inverted Split removed, end_of_word_suffix </w>)", clip())
    f["bert-uncased"] = ("WordPiece, BERT uncased (lowercase + strip accents, Chinese characters split)", word_piece(normalizers.BertNormalizer(lowercase=True)))
    f["bert-cased"] = ("WordPiece, BERT cased (no lowercase, no accent stripping)", word_piece(normalizers.BertNormalizer(lowercase=False)))
    f["bert-chinese"] = ("WordPiece, bert-base-chinese (strip accents without lowercase)", word_piece(normalizers.BertNormalizer(lowercase=False, strip_accents=True)))
    f["sp-legacy"] = ("SentencePiece-style BPE with byte fallback, LLaMA-2 / Mistral legacy (Prepend ▁ + Replace ' ' → ▁)", byte_fallback_bpe(
        normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")]), None))
    for scheme in ("always", "first"):
        for split in (True, False):
            f[f"metaspace-{scheme}-{'split' if split else 'nosplit'}"] = (
                f"SentencePiece-style BPE with byte fallback, Metaspace prepend_scheme={scheme} split={str(split).lower()}",
                byte_fallback_bpe(None, pre_tokenizers.Metaspace(prepend_scheme=scheme, split=split)))
    f["gemma"] = ("SentencePiece-style BPE with byte fallback, Gemma (Replace ' ' → ▁ only, no prefix)", byte_fallback_bpe(normalizers.Replace(" ", "▁"), None))
    f["bpe-unk"] = ("BPE without byte fallback: <unk> for unknown characters (fuse_unk), NFKC + Lowercase, Whitespace", bpe_unk())
    f["wordpiece-nfd"] = ("WordPiece with continuing prefix, NFD + StripAccents + Strip, WhitespaceSplit + Punctuation", wordpiece_nfd())
    f["unigram"] = ("Unigram (ALBERT / T5 / XLNet-style) with NFKC + Metaspace, byte fallback off", unigram())
    return f


def clip() -> Tokenizer:
    tok = Tokenizer(models.BPE(end_of_word_suffix="</w>", unk_token="<|endoftext|>"))
    tok.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(CLIP_SPLIT), "removed", invert=True), pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=["<|startoftext|>", "<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), end_of_word_suffix="</w>", show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.RobertaProcessing(("<|endoftext|>", 1), ("<|startoftext|>", 0), trim_offsets=False, add_prefix_space=False)
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    return tok


def bpe_unk() -> Tokenizer:
    # No continuing_subword_prefix: @huggingface/tokenizers' BPE ignores it (its ids differ from Python's), and
    # no checkpoint QKV Lens runs uses one.
    tok = Tokenizer(models.BPE(unk_token="<unk>", fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<unk>"], limit_alphabet=50, show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    return tok


def wordpiece_nfd() -> Tokenizer:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Strip()])
    tok.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    trainer = trainers.WordPieceTrainer(vocab_size=400, special_tokens=["[UNK]", "[CLS]", "[SEP]"], limit_alphabet=80, show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.BertProcessing(("[SEP]", 2), ("[CLS]", 1))
    return tok


def unigram() -> Tokenizer:
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    trainer = trainers.UnigramTrainer(vocab_size=300, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>", show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", tok.token_to_id("</s>"))])
    tok.decoder = decoders.Metaspace()
    return tok


def utf16(text: str, i: int) -> int:
    return len(text[:i].encode("utf-16-le")) // 2


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.json.gz"):
        old.unlink()
    (OUT / "texts.json").write_text(json.dumps({"tokenizers": tokenizers.__version__, "texts": TEXTS}, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    total = 0
    for name, (description, tok) in families().items():
        # Round-trip through JSON: the fixture is exactly what a tokenizer.json on disk holds.
        tok = Tokenizer.from_str(tok.to_str())
        ids, offsets = [], []
        for text in TEXTS:
            enc = tok.encode(text)
            ids.append(enc.ids)
            flat = []
            for s, e in enc.offsets:
                flat += [utf16(text, s), utf16(text, e)]
            offsets.append(flat)
        data = {"family": name, "description": description, "tokenizer": json.loads(tok.to_str()), "ids": ids, "offsets": offsets}
        raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=False).encode("utf-8")
        path = OUT / f"{name}.json.gz"
        path.write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))
        total += path.stat().st_size
        print(f"{name:24s} {sum(map(len, ids)):6d} tokens  {path.stat().st_size / 1024:6.1f} KB  {description}")
    print(f"{len(TEXTS)} texts, {total / 1024:.1f} KB of fixtures")


if __name__ == "__main__":
    main()
