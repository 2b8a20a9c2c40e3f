#!/usr/bin/env python3
"""Write tiny random-weight Hugging Face checkpoints and reference outputs for QKV Lens tests.

Every fixture under test/fixtures/hf/<name>/ is an ordinary Hugging Face model folder
(config.json, model.safetensors or shards + index, tokenizer.json, tokenizer_config.json)
plus reference.json with token ids, offsets, eager attentions and layer-0 head-0 q/k/v
computed by the real `transformers` library in float32.

Usage (from the repository root):

    python3 -m venv .venv
    .venv/bin/pip install --index-url file:///opt/pypi/simple \
        --extra-index-url file:///opt/pypi-more/simple --find-links /opt/wheels \
        -r scripts/requirements-fixtures.txt
    .venv/bin/python scripts/make_reference_fixtures.py            # regenerate + verify
    .venv/bin/python scripts/make_reference_fixtures.py --verify   # only verify what is committed

Everything is deterministic: fixed seeds, fixed corpus, fixed hyper-parameters, one CPU thread.
See test/fixtures/hf/README.md for what each fixture is and the reference.json schema.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import shutil
import struct
from pathlib import Path

import numpy as np
import safetensors
import tokenizers
import torch
import transformers
from safetensors import safe_open
from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "test" / "fixtures" / "hf"

torch.set_num_threads(1)
torch.use_deterministic_algorithms(True)

# --------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------

TEXT_ZH = "我来自福州,现在住在北京,是一个正值壮年的牛马程序员"
TEXT_CODE = "def add(a, b):\n    return (a + b)"
# Third case: non-BMP characters (U+1F44B, U+1F680 are surrogate pairs in UTF-16), CJK and
# a precomposed accented letter, so the TypeScript side can test code point -> UTF-16 mapping.
TEXT_EMOJI = "Hi 👋 from 福州 🚀 café!"
CASE_TEXTS = [TEXT_ZH, TEXT_CODE, TEXT_EMOJI]

# Qwen2's pre-tokenizer regex, exactly as in Qwen/Qwen2-*/tokenizer.json.
QWEN2_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
    r"|\s*[\r\n]+|\s+(?!\S)|\s+"
)

# --------------------------------------------------------------------------------------
# Training corpus (written here so no download is needed)
# --------------------------------------------------------------------------------------

ENGLISH = """\
The quick brown fox jumps over the lazy dog.
Attention is all you need, or so the paper said.
A transformer maps a sequence of tokens to a sequence of vectors.
Each head looks at the other tokens and decides which ones matter.
The query asks a question, the key answers it, and the value carries the content.
Softmax turns the scores into weights that add up to one.
We visualise the attention weights as a heat map over the source code.
Small models are easy to test because every number can be checked by hand.
Reference outputs are computed once and stored next to the weights.
The tokenizer splits text into pieces that the model has seen before.
Byte level tokenizers never need an unknown token.
WordPiece marks the continuation of a word with two hash signs.
Rotary position embeddings rotate pairs of dimensions by an angle.
Grouped query attention shares one key head between several query heads.
Layer normalisation keeps the activations in a reasonable range.
The residual stream carries information from one layer to the next.
In the morning I read the news, in the evening I write code.
She opened the editor, selected a function and asked what the model saw.
Tests should be small, fast and deterministic.
Hello world, hello attention, hello again.
This is a sentence about nothing in particular.
Numbers like 1, 2, 3, 42 and 1024 appear in code and in prose.
The weather in Beijing was cold, but Fuzhou was warm and humid.
He moved from Fuzhou to Beijing to work as a programmer.
A programmer in the prime of life is still a programmer.
Models are only as good as the data they were trained on.
Please return the value of a plus b.
The function add takes two arguments and returns their sum.
Every line of this corpus was written by hand for the fixtures.
It is raining again, so we stay inside and train tiny models.
The cat sat on the mat and looked at the screen.
Open the file, read the header, check the offsets, then map the data.
Never trust a header length that is larger than the file.
Safetensors files start with an eight byte little endian length.
The header is JSON and describes the dtype, shape and offsets of each tensor.
Float sixteen and bfloat sixteen are both two bytes wide.
Sharded checkpoints come with an index that maps tensor names to files.
What does the model attend to when it reads a comment?
Why does the first token receive so much attention?
Because the softmax has to put the probability mass somewhere.
We compare our engine with the reference to within one part in a hundred thousand.
Keep the fixtures small so the repository stays light.
Good tools make the invisible visible.
Look at layer one, head two, and you will see a diagonal.
Some heads attend to the previous token, others to punctuation.
The end of the text is marked by a special token.
Reading code is harder than writing it.
Simple is better than complex, and flat is better than nested.
Errors should never pass silently.
There should be one obvious way to do it.
"""

CHINESE = """\
我来自福州,现在住在北京。
我是一个正值壮年的牛马程序员。
今天天气很好,我们去公园散步吧。
程序员每天写代码,也每天改代码。
福州是福建的省会,北京是中国的首都。
注意力机制让模型知道应该看哪里。
这个模型很小,只有两层,每层四个头。
我们用随机权重生成测试数据。
他在北京工作,周末回福州看父母。
学习编程需要耐心和时间。
人工智能正在改变我们的生活。
今天我写了一个函数,它返回两个数的和。
变压器模型由注意力层和前馈层组成。
每个词都会被切分成更小的单位。
中文的每个汉字通常是一个词元。
她在北京住了十年,现在要回南方。
牛马是网络用语,形容辛苦工作的人。
正值壮年的人应该多运动,少熬夜。
程序员的键盘上总是有咖啡的味道。
我们来自不同的城市,但是有相同的梦想。
这个测试用例检查偏移量是否正确。
请把这段代码的注意力画出来。
北京的冬天很冷,福州的夏天很热。
一个好的工具能让看不见的东西变得可见。
模型读到注释的时候在看什么?
第一个词元为什么得到这么多注意力?
我喜欢在晚上安静地写代码。
这是一个关于注意力的可视化插件。
现在是早上九点,我在地铁上看论文。
学生们在教室里认真地听老师讲课。
春天来了,花都开了,鸟也在唱歌。
小明的妈妈是一名医生,爸爸是一名老师。
我们一起去吃饭吧,我请客。
这本书讲的是一个年轻人的成长故事。
他每天早上六点起床,先跑步再吃早饭。
电脑坏了,只好去店里修。
新的一年,新的开始,祝大家身体健康。
河水静静地流着,山上的树很绿。
生活不只是工作,还有诗和远方。
明天要下雨,记得带伞。
"""

CODE = """\
def add(a, b):
    return (a + b)
def sub(a, b):
    return a - b
def mul(x, y):
    return x * y
class Point:
    def __init__(self, x, y):
        self.x = x
        self.y = y
for i in range(10):
    print(i, i * i)
if __name__ == "__main__":
    main()
import numpy as np
import torch
x = np.zeros((4, 4), dtype=np.float32)
return {"text": text, "ids": ids}
function add(a, b) {
  return a + b;
}
const sum = (a, b) => a + b;
export function softmax(xs: number[]): number[] {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}
let attention = scores.map(softmax);
interface Config { hiddenSize: number; numHeads: number; }
while (true) { break; }
try:
    value = compute(a, b)
except ValueError as err:
    raise RuntimeError(str(err))
with open("model.safetensors", "rb") as f:
    header_len = int.from_bytes(f.read(8), "little")
// TODO: check the offsets
# 计算两个数的和
// 返回注意力权重
print("你好,世界")
console.log("hello, world");
assert add(1, 2) == 3
lambda a, b: (a + b)
result = [a + b for a, b in zip(xs, ys)]
"""


def corpus_lines() -> list[str]:
    en = ENGLISH.splitlines()
    zh = CHINESE.splitlines()
    code = CODE.splitlines()
    lines = en + zh + code
    # Deterministic mixtures so the merges see English, Chinese and code side by side.
    for i in range(max(len(en), len(zh), len(code)) * 3):
        a = en[(i * 7) % len(en)]
        b = zh[(i * 5) % len(zh)]
        c = code[(i * 3) % len(code)]
        lines.append(f"{a} {b}")
        if i % 2 == 0:
            lines.append(f"{c}  # {b}")
    return lines


# --------------------------------------------------------------------------------------
# Tokenizers
# --------------------------------------------------------------------------------------


def train_bpe(tok: Tokenizer, vocab_size: int, special_tokens: list[str]) -> Tokenizer:
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        show_progress=False,
        special_tokens=special_tokens,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus_lines(), trainer=trainer)
    return tok


def make_gpt2_tokenizer(vocab_size: int) -> Tokenizer:
    """Byte-level BPE exactly like GPT-2's tokenizer.json."""
    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False))
    tok.normalizer = None
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.post_processor = processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True)
    tok.decoder = decoders.ByteLevel(add_prefix_space=True, trim_offsets=True, use_regex=True)
    return train_bpe(tok, vocab_size, ["<|endoftext|>"])


def make_llama_tokenizer(vocab_size: int) -> Tokenizer:
    """Byte-level BPE (GPT-2 style regex) with Llama-3 style special token names."""
    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)
    tok.post_processor = processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    return train_bpe(tok, vocab_size, ["<|begin_of_text|>", "<|end_of_text|>"])


def make_qwen2_tokenizer(vocab_size: int) -> Tokenizer:
    """NFC + Split(Qwen2 regex, Isolated) + ByteLevel(use_regex=False), as in Qwen2's tokenizer.json."""
    tok = Tokenizer(models.BPE(unk_token=None, fuse_unk=False))
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_PATTERN), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False),
        ]
    )
    tok.post_processor = processors.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    tok.decoder = decoders.ByteLevel(add_prefix_space=False, trim_offsets=False, use_regex=False)
    return train_bpe(tok, vocab_size, ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])


QWEN2_DECODER = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}

BERT_REQUIRED_CHARS = "我来自福州现在住北京是一个正值壮年的牛马程序员"


BERT_SUFFIXES = ["##s", "##es", "##ed", "##ing", "##er", "##ly", "##tion", "##ment", "##al", "##en", "##est", "##ers"]


def make_bert_tokenizer(num_words: int) -> Tokenizer:
    """Like bert-base-chinese: BertNormalizer + BertPreTokenizer + WordPiece(##) + [CLS] $A [SEP].

    The vocabulary is built deterministically (WordPieceTrainer's order is not stable between runs):
    specials, then every printable ASCII character and every character of the normalised corpus (one
    CJK character per token, by code point), then ##a..##z and ##0..##9, then the `num_words` most
    frequent English/code words (ties alphabetical), then a few common ## suffixes.
    """
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    norm = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    chars: set[str] = {chr(c) for c in range(0x21, 0x7F)}
    counts: dict[str, int] = {}
    for line in corpus_lines():
        for word, _ in pre.pre_tokenize_str(norm.normalize_str(line)):
            chars.update(word)
            if len(word) > 1 and word.isascii() and word.isalnum():
                counts[word] = counts.get(word, 0) + 1
    ordered = list(specials) + sorted(chars)
    ordered += [f"##{c}" for c in "abcdefghijklmnopqrstuvwxyz0123456789"]
    ordered += [w for w, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:num_words]]
    ordered += BERT_SUFFIXES
    seen: set[str] = set()
    ordered = [t for t in ordered if not (t in seen or seen.add(t))]
    vocab = {t: i for i, t in enumerate(ordered)}
    missing = [c for c in BERT_REQUIRED_CHARS if c not in vocab]
    assert not missing, f"BERT vocab lacks {missing}"
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", continuing_subword_prefix="##", max_input_chars_per_word=100))
    tok.add_special_tokens(specials)
    tok.normalizer = norm
    tok.pre_tokenizer = pre
    tok.decoder = decoders.WordPiece(prefix="##")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    return tok


def write_tokenizer(folder: Path, tok: Tokenizer, tokenizer_config: dict, decoder: dict | None = None) -> None:
    tok.save(str(folder / "tokenizer.json"), pretty=True)
    if decoder is not None:  # the Python ByteLevel decoder does not serialise its flags as given
        p = folder / "tokenizer.json"
        data = json.loads(p.read_text(encoding="utf-8"))
        data["decoder"] = decoder
        p.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    with open(folder / "tokenizer_config.json", "w", encoding="utf-8") as f:
        json.dump(tokenizer_config, f, ensure_ascii=False, indent=2)
        f.write("\n")


# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------

NORM_HINTS = ("ln_", "norm", "LayerNorm")
EMBED_HINTS = ("wte", "wpe", "embed_tokens", "word_embeddings", "position_embeddings", "token_type_embeddings")


def randomize_(model: torch.nn.Module, seed: int) -> None:
    """Overwrite every parameter with deterministic values large enough to give peaked attention.

    HF's default init (std 0.02) makes attention almost uniform, which would hide loader bugs, and
    sets norms to 1/0, which would hide swapped gamma/beta. So: weights ~ N(0, gain^2/fan_in),
    biases ~ N(0, 0.2^2), norm weights ~ 1 + N(0, 0.2^2), embeddings ~ N(0, 1).
    """
    from transformers.pytorch_utils import Conv1D

    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod_name, module in sorted(model.named_modules(), key=lambda kv: kv[0]):
            for p_name, p in sorted(module.named_parameters(recurse=False), key=lambda kv: kv[0]):
                full = f"{mod_name}.{p_name}" if mod_name else p_name
                noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
                if any(h in full for h in NORM_HINTS):
                    val = 1.0 + 0.2 * noise if p_name == "weight" else 0.2 * noise
                elif any(h in full for h in EMBED_HINTS):
                    val = noise
                elif p_name == "bias":
                    val = 0.2 * noise
                elif p.dim() == 2:
                    fan_in = p.shape[0] if isinstance(module, Conv1D) else p.shape[1]
                    gain = 1.5 if any(h in full for h in ("q_proj", "k_proj", "c_attn", "query", "key")) else 1.0
                    val = noise * (gain / math.sqrt(fan_in))
                else:
                    val = 0.5 * noise
                p.copy_(val.to(p.dtype))


def save_model(model, folder: Path, **kwargs) -> None:
    params = inspect.signature(model.save_pretrained).parameters
    if "safe_serialization" in params:  # transformers 4.x; 5.x always writes safetensors
        kwargs["safe_serialization"] = True
    model.save_pretrained(str(folder), **kwargs)


# --------------------------------------------------------------------------------------
# q/k capture: wrap each architecture's eager_attention_forward (called in layer order)
# --------------------------------------------------------------------------------------

ARCH_MODULES = {
    "gpt2": "transformers.models.gpt2.modeling_gpt2",
    "bert": "transformers.models.bert.modeling_bert",
    "llama": "transformers.models.llama.modeling_llama",
    "qwen2": "transformers.models.qwen2.modeling_qwen2",
}


class CaptureEager:
    """Records the (query, key, value) tensors each layer hands to eager_attention_forward.

    These are exactly the tensors the eager softmax(q k^T * scaling + mask) is computed from:
    after the projections (with bias), after RoPE for llama/qwen2, before scaling, and for GQA the
    key/value have num_key_value_heads heads (before repeat_kv).
    """

    def __init__(self, model_type: str):
        import importlib

        self.mod = importlib.import_module(ARCH_MODULES[model_type])
        self.calls: list[dict] = []

    def __enter__(self):
        self.orig = self.mod.eager_attention_forward

        def wrapper(module, query, key, value, attention_mask, *args, **kwargs):
            self.calls.append(
                {
                    "q": query.detach().clone(),
                    "k": key.detach().clone(),
                    "v": value.detach().clone(),
                    "scaling": kwargs.get("scaling"),
                    "mask": None if attention_mask is None else attention_mask.detach().clone(),
                }
            )
            return self.orig(module, query, key, value, attention_mask, *args, **kwargs)

        self.mod.eager_attention_forward = wrapper
        return self

    def __exit__(self, *exc):
        self.mod.eager_attention_forward = self.orig


# --------------------------------------------------------------------------------------
# JSON helpers
# --------------------------------------------------------------------------------------


def f32_list(t) -> list:
    """Nested list of floats with 9 significant digits (round-trips float32 exactly)."""
    a = t.detach().to(torch.float32).cpu().numpy() if isinstance(t, torch.Tensor) else np.asarray(t, np.float32)

    def conv(x):
        if x.ndim == 0:
            v = float(f"{float(x):.9g}")
            return 0.0 if v == 0 else v
        return [conv(y) for y in x]

    return conv(a)


def utf16_offsets(text: str, offsets: list[list[int]]) -> list[list[int]]:
    prefix = [0]
    for ch in text:
        prefix.append(prefix[-1] + (2 if ord(ch) > 0xFFFF else 1))
    return [[prefix[s], prefix[e]] for s, e in offsets]


def dump_json(path: Path, obj) -> None:
    # One line per case keeps diffs readable without pretty-printing megabytes of floats.
    cases = obj.pop("cases")
    with open(path, "w", encoding="utf-8") as f:
        f.write("{\n")
        for k, v in obj.items():
            f.write(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)},\n")
        f.write('  "cases": [\n')
        for i, c in enumerate(cases):
            f.write("    " + json.dumps(c, ensure_ascii=False, separators=(",", ":")))
            f.write(",\n" if i + 1 < len(cases) else "\n")
        f.write("  ]\n}\n")
    obj["cases"] = cases


# --------------------------------------------------------------------------------------
# Reference computation
# --------------------------------------------------------------------------------------


def base_model_of(model):
    return getattr(model, model.base_model_prefix, model) if model.base_model_prefix else model


def compute_case(model, tok: Tokenizer, text: str, model_type: str, add_special_tokens: bool) -> dict:
    enc = tok.encode(text, add_special_tokens=add_special_tokens)
    ids = list(enc.ids)
    offsets = [list(o) for o in enc.offsets]
    input_ids = torch.tensor([ids], dtype=torch.long)
    kwargs = {"output_attentions": True}
    if model_type != "bert":
        kwargs["use_cache"] = False
    with torch.no_grad(), CaptureEager(model_type) as cap:
        out = model(input_ids, **kwargs)
    n_layers = model.config.num_hidden_layers
    assert len(cap.calls) == n_layers, (len(cap.calls), n_layers)
    atts = out.attentions
    assert atts is not None and len(atts) == n_layers and atts[0].numel() > 0, "eager attentions missing"
    with torch.no_grad():
        hidden = base_model_of(model)(input_ids, **({} if model_type == "bert" else {"use_cache": False}))
    last = hidden.last_hidden_state[0]
    c0 = cap.calls[0]
    case = {
        "text": text,
        "input_ids": ids,
        "tokens": list(enc.tokens),
        "offsets": offsets,
        "offsets_utf16": utf16_offsets(text, offsets),
        "attentions": f32_list(torch.stack([a[0] for a in atts])),
        "q_layer0_head0": f32_list(c0["q"][0, 0]),
        "k_layer0_head0": f32_list(c0["k"][0, 0]),
        "v_layer0_head0": f32_list(c0["v"][0, 0]),
        "last_hidden_state_first_row": f32_list(last[0]),
        "last_hidden_state_last_row": f32_list(last[-1]),
    }
    if getattr(out, "logits", None) is not None and model_type != "bert":
        case["logits_last_row"] = f32_list(out.logits[0, -1])
    # Keep tensors (not JSON) around for the self checks below.
    case["_capture"] = cap.calls
    case["_atts"] = atts
    return case


def self_check_case(model, case: dict, model_type: str, cfg_summary: dict) -> None:
    """Independent numpy (float64) recomputation of layer-0 head-0 q, k and attention.

    Confirms the captured q/k are what the schema says (projection + bias (+ RoPE)) and that
    softmax(q k^T / sqrt(d) + causal mask) of them reproduces attentions[0][0].
    """
    base = base_model_of(model)
    ids = torch.tensor([case["input_ids"]])
    T = ids.shape[1]
    d = cfg_summary["head_dim"]
    captured = {}

    if model_type == "gpt2":
        attn0 = base.h[0].attn
        hook_target = attn0
    elif model_type == "bert":
        attn0 = base.encoder.layer[0].attention.self
        hook_target = attn0
    else:
        attn0 = base.layers[0].self_attn
        hook_target = attn0

    def pre_hook(mod, args, kwargs):
        captured["x"] = (args[0] if args else kwargs["hidden_states"]).detach().clone()

    h = hook_target.register_forward_pre_hook(pre_hook, with_kwargs=True)
    with torch.no_grad():
        base(ids, **({} if model_type == "bert" else {"use_cache": False}))
    h.remove()
    x = captured["x"][0].double().numpy()  # [T, hidden]

    if model_type == "gpt2":
        W = attn0.c_attn.weight.detach().double().numpy()  # Conv1D: [in, 3*hidden]
        b = attn0.c_attn.bias.detach().double().numpy()
        qkv = x @ W + b
        H = cfg_summary["hidden_size"]
        q, k = qkv[:, 0:d], qkv[:, H : H + d]
    elif model_type == "bert":
        q = x @ attn0.query.weight.detach().double().numpy().T + attn0.query.bias.detach().double().numpy()
        k = x @ attn0.key.weight.detach().double().numpy().T + attn0.key.bias.detach().double().numpy()
        q, k = q[:, :d], k[:, :d]
    else:
        def proj(lin):
            y = x @ lin.weight.detach().double().numpy().T
            if lin.bias is not None:
                y = y + lin.bias.detach().double().numpy()
            return y[:, :d]

        q, k = proj(attn0.q_proj), proj(attn0.k_proj)
        theta = cfg_summary["rope_theta"]
        inv_freq = 1.0 / (theta ** (np.arange(0, d, 2, dtype=np.float64) / d))
        ang = np.arange(T, dtype=np.float64)[:, None] * inv_freq[None, :]
        cos = np.concatenate([np.cos(ang)] * 2, axis=1)
        sin = np.concatenate([np.sin(ang)] * 2, axis=1)

        def rope(v):
            rot = np.concatenate([-v[:, d // 2 :], v[:, : d // 2]], axis=1)  # rotate_half
            return v * cos + rot * sin

        q, k = rope(q), rope(k)

    qc = np.array(case["q_layer0_head0"], dtype=np.float64)
    kc = np.array(case["k_layer0_head0"], dtype=np.float64)
    assert np.abs(q - qc).max() < 1e-4 * max(1.0, np.abs(q).max()), ("q mismatch", np.abs(q - qc).max())
    assert np.abs(k - kc).max() < 1e-4 * max(1.0, np.abs(k).max()), ("k mismatch", np.abs(k - kc).max())

    s = (qc @ kc.T) / math.sqrt(d)
    if model_type != "bert":
        s = np.where(np.tril(np.ones((T, T), bool)), s, -np.inf)
    s = s - s.max(axis=1, keepdims=True)
    p = np.exp(s)
    p = p / p.sum(axis=1, keepdims=True)
    a00 = np.array(case["attentions"][0][0], dtype=np.float64)
    err = np.abs(p - a00).max()
    assert err < 1e-5, ("attention[0][0] recompute mismatch", err)


def config_summary(model, folder: Path, model_type: str, stored_dtype: str) -> dict:
    cfg = model.config
    raw = json.loads((folder / "config.json").read_text())
    n_heads = cfg.num_attention_heads
    n_kv = getattr(cfg, "num_key_value_heads", None) or n_heads
    hidden = cfg.hidden_size
    head_dim = getattr(cfg, "head_dim", None) or hidden // n_heads
    rope_key = "rope_parameters" if "rope_parameters" in raw else ("rope_theta" if "rope_theta" in raw else None)
    rope_theta = None
    if model_type in ("llama", "qwen2"):
        rope_theta = float(cfg.rope_parameters["rope_theta"])
    files = sorted(p.name for p in folder.iterdir() if p.name.endswith((".safetensors", ".json")))
    names = []
    for p in sorted(folder.glob("*.safetensors")):
        with safe_open(str(p), "pt") as f:
            names += list(f.keys())
    s = {
        "model_type": model_type,
        "architectures": raw.get("architectures"),
        "num_hidden_layers": cfg.num_hidden_layers,
        "num_attention_heads": n_heads,
        "num_key_value_heads": n_kv,
        "head_dim": head_dim,
        "hidden_size": hidden,
        "intermediate_size": getattr(cfg, "intermediate_size", None) or getattr(cfg, "n_inner", None) or 4 * hidden,
        "vocab_size": cfg.vocab_size,
        "max_position_embeddings": getattr(cfg, "max_position_embeddings", None) or getattr(cfg, "n_positions", None),
        "causal": model_type != "bert",
        "attention_scaling": head_dim**-0.5,
        "position_encoding": "rope" if rope_theta else "learned_absolute",
        "rope_theta": rope_theta,
        "rope_style": "rotate_half (non-interleaved: pairs (i, i+head_dim/2))" if rope_theta else None,
        "rope_config_key": rope_key,
        "norm": "rmsnorm" if model_type in ("llama", "qwen2") else "layernorm",
        "norm_eps": getattr(cfg, "rms_norm_eps", None) or getattr(cfg, "layer_norm_epsilon", None)
        or getattr(cfg, "layer_norm_eps", None),
        "hidden_act": getattr(cfg, "hidden_act", None) or getattr(cfg, "activation_function", None),
        "attention_bias": model_type in ("gpt2", "bert", "qwen2"),
        "tie_word_embeddings": bool(getattr(cfg, "tie_word_embeddings", False)),
        "stored_dtype": stored_dtype,
        "compute_dtype": "float32",
        "files": files,
        "num_tensors": len(names),
        "tensor_name_prefix": sorted({n.split(".")[0] for n in names}),
    }
    return s


def write_reference(folder: Path, name: str, model, tok: Tokenizer, model_type: str, stored_dtype: str,
                    add_special_tokens: bool, notes: dict) -> dict:
    summary = config_summary(model, folder, model_type, stored_dtype)
    cases = []
    for text in CASE_TEXTS:
        c = compute_case(model, tok, text, model_type, add_special_tokens)
        assert len(c["input_ids"]) <= summary["max_position_embeddings"]
        self_check_case(model, c, model_type, summary)
        cases.append(c)
    ref = {
        "fixture": name,
        "generator": {
            "script": "scripts/make_reference_fixtures.py",
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "tokenizers": tokenizers.__version__,
            "safetensors": safetensors.__version__,
            "attn_implementation": "eager",
        },
        "config_summary": summary,
        "add_special_tokens": add_special_tokens,
        "float_format": "float32 values printed with 9 significant digits (parse to float32 to get the exact bits)",
        "offsets_unit": "unicode_code_points (Python str indices); offsets_utf16 gives JS string indices",
        "notes": notes,
        "cases": [{k: v for k, v in c.items() if not k.startswith("_")} for c in cases],
    }
    dump_json(folder / "reference.json", ref)
    return ref


# --------------------------------------------------------------------------------------
# Fixture builders
# --------------------------------------------------------------------------------------

QK_NOTE = (
    "q/k/v_layer0_head0 are the tensors passed to transformers' eager_attention_forward for layer 0, "
    "head 0 (captured by wrapping that function): projection output incl. bias, after RoPE where "
    "applicable, before the 1/sqrt(head_dim) scaling. For GQA, k/v head 0 is KV head 0, shared by "
    "query heads 0..(num_attention_heads/num_key_value_heads - 1)."
)


def load_f32(cls, folder: Path):
    return cls.from_pretrained(str(folder), attn_implementation="eager", dtype=torch.float32).eval()


def fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def assert_split_chinese(tok: Tokenizer, text: str, want_split: bool = True) -> None:
    enc = tok.encode(text, add_special_tokens=False)
    partial = [t for t, (s, e) in zip(enc.tokens, enc.offsets) if not _bytelevel_is_complete(t)]
    if want_split:
        assert partial, f"expected some byte-level tokens with partial UTF-8 characters in {enc.tokens}"


_BYTE_DECODER = None


def _bytelevel_is_complete(token: str) -> bool:
    global _BYTE_DECODER
    if _BYTE_DECODER is None:
        bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
        cs = bs[:]
        n = 0
        for b in range(256):
            if b not in bs:
                bs.append(b)
                cs.append(256 + n)
                n += 1
        _BYTE_DECODER = {chr(c): b for b, c in zip(bs, cs)}
    try:
        bytes(_BYTE_DECODER[ch] for ch in token).decode("utf-8")
        return True
    except (UnicodeDecodeError, KeyError):
        return False


def build_gpt2(root: Path) -> dict:
    from transformers import GPT2Config, GPT2LMHeadModel

    tok = make_gpt2_tokenizer(512)
    assert_split_chinese(tok, TEXT_ZH)
    cfg = GPT2Config(
        vocab_size=tok.get_vocab_size(),
        n_positions=128,
        n_embd=48,  # head_dim 12: deliberately not a power of two
        n_layer=2,
        n_head=4,
        n_inner=96,
        activation_function="gelu_new",
        layer_norm_epsilon=1e-5,
        bos_token_id=0,
        eos_token_id=0,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        tie_word_embeddings=True,
    )
    torch.manual_seed(1)
    model = GPT2LMHeadModel(cfg).eval()
    randomize_(model, seed=1001)
    tok_cfg = {
        "tokenizer_class": "GPT2Tokenizer",
        "add_prefix_space": False,
        "bos_token": "<|endoftext|>",
        "eos_token": "<|endoftext|>",
        "unk_token": "<|endoftext|>",
        "model_max_length": 128,
        "clean_up_tokenization_spaces": False,
    }
    refs = {}

    # gpt2-tiny: float32, single file
    d = fresh(root / "gpt2-tiny")
    save_model(model, d)
    write_tokenizer(d, tok, tok_cfg)
    m = load_f32(GPT2LMHeadModel, d)
    assert_same_weights(model, m)
    refs["gpt2-tiny"] = write_reference(d, "gpt2-tiny", m, tok, "gpt2", "float32", False,
                                        {"qk": QK_NOTE, "weights": "random, see randomize_() in the script"})

    # gpt2-tiny-sharded: identical float32 weights, several shards + index
    d = fresh(root / "gpt2-tiny-sharded")
    save_model(model, d, max_shard_size="100KB")
    write_tokenizer(d, tok, tok_cfg)
    shards = sorted(d.glob("model-*.safetensors"))
    assert len(shards) >= 2 and (d / "model.safetensors.index.json").exists(), shards
    m = load_f32(GPT2LMHeadModel, d)
    assert_same_weights(model, m)
    refs["gpt2-tiny-sharded"] = write_reference(d, "gpt2-tiny-sharded", m, tok, "gpt2", "float32", False,
                                                {"qk": QK_NOTE, "weights": "same values as gpt2-tiny, sharded"})
    assert_refs_equal(refs["gpt2-tiny"], refs["gpt2-tiny-sharded"])

    # gpt2-tiny-f16: weights rounded to float16 on disk; reference from the upcast float32 values
    d = fresh(root / "gpt2-tiny-f16")
    save_model(model.to(torch.float16), d)
    model.to(torch.float32)
    write_tokenizer(d, tok, tok_cfg)
    assert_stored_dtype(d, "F16")
    m = load_f32(GPT2LMHeadModel, d)
    assert_weights_equal_upcast(d, m)
    refs["gpt2-tiny-f16"] = write_reference(
        d, "gpt2-tiny-f16", m, tok, "gpt2", "float16", False,
        {"qk": QK_NOTE, "weights": "gpt2-tiny rounded to float16; reference computed in float32 from the exact stored values"},
    )
    return refs


def build_bert(root: Path) -> dict:
    from transformers import BertConfig, BertForMaskedLM, BertModel

    tok = make_bert_tokenizer(240)
    vocab = tok.get_vocab()
    cfg = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=48,  # head_dim 12
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=96,
        hidden_act="gelu",
        max_position_embeddings=128,
        type_vocab_size=2,
        layer_norm_eps=1e-12,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        pad_token_id=vocab["[PAD]"],
    )
    tok_cfg = {
        "tokenizer_class": "BertTokenizer",
        "do_lower_case": True,
        "tokenize_chinese_chars": True,
        "strip_accents": None,
        "unk_token": "[UNK]",
        "sep_token": "[SEP]",
        "pad_token": "[PAD]",
        "cls_token": "[CLS]",
        "mask_token": "[MASK]",
        "model_max_length": 128,
        "clean_up_tokenization_spaces": False,
    }
    refs = {}
    torch.manual_seed(2)
    mlm = BertForMaskedLM(cfg).eval()
    randomize_(mlm, seed=2002)
    d = fresh(root / "bert-tiny-chinese")
    save_model(mlm, d)
    write_tokenizer(d, tok, tok_cfg)
    m = load_f32(BertForMaskedLM, d)
    assert_same_weights(mlm, m)
    refs["bert-tiny-chinese"] = write_reference(
        d, "bert-tiny-chinese", m, tok, "bert", "float32", True,
        {"qk": QK_NOTE, "weights": "BertForMaskedLM: encoder tensors are prefixed 'bert.', MLM head 'cls.'; no pooler",
         "token_type_ids": "all 0", "attention_mask": "all 1"},
    )

    # Same encoder weights as a plain BertModel (unprefixed tensor names, with a pooler).
    torch.manual_seed(3)
    base = BertModel(cfg).eval()
    randomize_(base, seed=3003)  # gives the pooler its values
    missing, unexpected = base.load_state_dict(mlm.bert.state_dict(), strict=False)
    assert not unexpected and all(k.startswith("pooler.") for k in missing), (missing, unexpected)
    d = fresh(root / "bert-tiny-chinese-base")
    save_model(base, d)
    write_tokenizer(d, tok, tok_cfg)
    m = load_f32(BertModel, d)
    assert_same_weights(base, m)
    refs["bert-tiny-chinese-base"] = write_reference(
        d, "bert-tiny-chinese-base", m, tok, "bert", "float32", True,
        {"qk": QK_NOTE, "weights": "BertModel: unprefixed tensor names; encoder identical to bert-tiny-chinese, plus pooler",
         "token_type_ids": "all 0", "attention_mask": "all 1"},
    )
    assert_refs_equal(refs["bert-tiny-chinese"], refs["bert-tiny-chinese-base"])
    return refs


def build_llama(root: Path) -> dict:
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = make_llama_tokenizer(480)
    vocab = tok.get_vocab()
    theta = 500000.0
    cfg = LlamaConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=16,
        hidden_act="silu",
        max_position_embeddings=128,
        rms_norm_eps=1e-5,
        rope_theta=theta,
        attention_bias=False,
        mlp_bias=False,
        tie_word_embeddings=False,
        bos_token_id=vocab["<|begin_of_text|>"],
        eos_token_id=vocab["<|end_of_text|>"],
    )
    torch.manual_seed(4)
    model = LlamaForCausalLM(cfg).eval()
    randomize_(model, seed=4004)
    tok_cfg = {
        # Not "LlamaTokenizer": in transformers 5.x that class rebuilds a SentencePiece-style
        # (Metaspace) pipeline and ignores this byte-level tokenizer.json. Llama 3 uses this class too.
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": "<|begin_of_text|>",
        "eos_token": "<|end_of_text|>",
        "model_max_length": 128,
        "clean_up_tokenization_spaces": False,
    }
    refs = {}
    for name, dtype, stored in (("llama-tiny", torch.float32, "float32"), ("llama-tiny-bf16", torch.bfloat16, "bfloat16")):
        d = fresh(root / name)
        save_model(model.to(dtype), d)
        model.to(torch.float32)
        write_tokenizer(d, tok, tok_cfg)
        classic_rope_theta(d, theta)
        m = load_f32(LlamaForCausalLM, d)
        assert float(m.config.rope_parameters["rope_theta"]) == theta
        if dtype == torch.float32:
            assert_same_weights(model, m)
            assert_same_outputs(model, m, tok)
        else:
            assert_stored_dtype(d, "BF16")
            assert_weights_equal_upcast(d, m)
        refs[name] = write_reference(
            d, name, m, tok, "llama", stored, False,
            {"qk": QK_NOTE,
             "rope": f"config.json uses the classic top-level rope_theta={theta} (transformers 5.x would write rope_parameters)",
             "weights": "random" if stored == "float32" else "llama-tiny rounded to bfloat16; reference computed in float32 from the exact stored values"},
        )
    return refs


def build_qwen2(root: Path) -> dict:
    from transformers import Qwen2Config, Qwen2ForCausalLM

    tok = make_qwen2_tokenizer(600)
    vocab = tok.get_vocab()
    theta = 1000000.0
    cfg = Qwen2Config(
        vocab_size=tok.get_vocab_size(),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        hidden_act="silu",
        max_position_embeddings=128,
        rms_norm_eps=1e-6,
        rope_parameters={"rope_type": "default", "rope_theta": theta},
        tie_word_embeddings=True,
        use_sliding_window=False,
        bos_token_id=None,
        eos_token_id=vocab["<|endoftext|>"],
    )
    torch.manual_seed(5)
    model = Qwen2ForCausalLM(cfg).eval()
    randomize_(model, seed=5005)
    tok_cfg = {
        "tokenizer_class": "Qwen2Tokenizer",
        "bos_token": None,
        "eos_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>",
        "unk_token": None,
        "errors": "replace",
        "model_max_length": 128,
        "clean_up_tokenization_spaces": False,
        "split_special_tokens": False,
    }
    d = fresh(root / "qwen2-tiny")
    save_model(model, d)
    write_tokenizer(d, tok, tok_cfg, decoder=QWEN2_DECODER)
    raw = json.loads((d / "config.json").read_text())
    if "rope_parameters" not in raw:  # transformers 4.x: convert to the 5.x form
        raw.pop("rope_theta", None)
        raw["rope_parameters"] = {"rope_type": "default", "rope_theta": theta}
        (d / "config.json").write_text(json.dumps(raw, indent=2, sort_keys=True) + "\n")
    m = load_f32(Qwen2ForCausalLM, d)
    assert float(m.config.rope_parameters["rope_theta"]) == theta
    assert_same_weights(model, m)
    assert_same_outputs(model, m, tok)
    return {
        "qwen2-tiny": write_reference(
            d, "qwen2-tiny", m, tok, "qwen2", "float32", False,
            {"qk": QK_NOTE, "rope": f"config.json uses rope_parameters.rope_theta={theta}",
             "weights": "random; q/k/v projections have biases, o_proj has none; lm_head tied to embed_tokens"},
        )
    }


def classic_rope_theta(folder: Path, theta: float) -> None:
    """Rewrite config.json with a top-level rope_theta (the pre-5.x way) instead of rope_parameters."""
    p = folder / "config.json"
    raw = json.loads(p.read_text())
    rp = raw.pop("rope_parameters", None)
    if rp is not None:
        assert rp.get("rope_type", "default") == "default" and float(rp["rope_theta"]) == theta, rp
    raw.pop("rope_scaling", None)
    raw["rope_theta"] = theta
    p.write_text(json.dumps(raw, indent=2, sort_keys=True) + "\n")


# --------------------------------------------------------------------------------------
# Assertions used while building
# --------------------------------------------------------------------------------------


def assert_same_weights(a, b) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys(), set(sa) ^ set(sb)
    for k in sa:
        assert torch.equal(sa[k].float(), sb[k].float()), k


def assert_same_outputs(a, b, tok: Tokenizer) -> None:
    a.set_attn_implementation("eager")
    b.set_attn_implementation("eager")
    ids = torch.tensor([tok.encode(TEXT_ZH, add_special_tokens=False).ids])
    with torch.no_grad():
        la = a(ids, use_cache=False).logits
        lb = b(ids, use_cache=False).logits
    assert torch.equal(la, lb)


def assert_stored_dtype(folder: Path, dtype: str) -> None:
    for p in folder.glob("*.safetensors"):
        n = struct.unpack("<Q", p.read_bytes()[:8])[0]
        header = json.loads(p.read_bytes()[8 : 8 + n])
        dts = {v["dtype"] for k, v in header.items() if k != "__metadata__"}
        assert dts == {dtype}, (p, dts)


def assert_weights_equal_upcast(folder: Path, model) -> None:
    """The float32 model must hold exactly the stored half-precision values."""
    from safetensors.torch import load_file

    sd = model.state_dict()
    for p in folder.glob("*.safetensors"):
        for k, v in load_file(str(p)).items():
            assert torch.equal(sd[k], v.float()), k


def assert_refs_equal(a: dict, b: dict) -> None:
    for ca, cb in zip(a["cases"], b["cases"]):
        for key in ("input_ids", "attentions", "q_layer0_head0", "k_layer0_head0", "last_hidden_state_first_row"):
            assert ca[key] == cb[key], key


# --------------------------------------------------------------------------------------
# Hostile safetensors files
# --------------------------------------------------------------------------------------

BAD_FILES = [
    ("header_len_exceeds_file.safetensors", "length prefix says 1000 but the whole file is 88 bytes"),
    ("header_len_2pow40.safetensors", "length prefix is 2^40 (1 TiB) in an 88-byte file: reject before allocating"),
    ("truncated_length_prefix.safetensors", "the file is 5 bytes, shorter than the 8-byte length prefix"),
    ("invalid_json_header.safetensors", "header bytes are not valid JSON (object never closed)"),
    ("header_not_object.safetensors", "header is valid JSON but an array ([1,2,3]), not an object"),
    ("data_offsets_out_of_range.safetensors", "F32 [4, 4] 'w' has data_offsets [0, 64] but the data section is 16 bytes"),
    ("overlapping_offsets.safetensors", "F32 [4] tensors 'a' [0, 16] and 'b' [8, 24] overlap (data section is 24 bytes)"),
    ("offsets_shape_mismatch.safetensors", "'w' is F32 [2, 3] (24 bytes) but its data_offsets span 16 bytes"),
    ("unsupported_dtype_i64.safetensors", "well-formed file whose only tensor 'ids' is I64 [2] = [7, -1] (valid safetensors, unsupported by the engine)"),
    ("valid_minimal.safetensors", "control: valid file, __metadata__ {format: pt}, F32 'w' [2, 2] = [[1, 2], [3, 4]]"),
]


def st_bytes(header: object, data: bytes, declared_len: int | None = None, raw_header: bytes | None = None) -> bytes:
    hb = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    pad = (8 - len(hb) % 8) % 8  # safetensors pads the header with spaces to 8-byte alignment
    hb = hb + b" " * pad
    n = len(hb) if declared_len is None else declared_len
    return struct.pack("<Q", n) + hb + data


def build_bad(root: Path) -> None:
    d = root / "bad"
    d.mkdir(parents=True, exist_ok=True)
    for p in d.glob("*.safetensors"):
        p.unlink()
    f32 = lambda *xs: struct.pack(f"<{len(xs)}f", *xs)  # noqa: E731
    w4 = {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}
    files = {
        "header_len_exceeds_file.safetensors": st_bytes(w4, f32(1, 2, 3, 4), declared_len=1000),
        "header_len_2pow40.safetensors": st_bytes(w4, f32(1, 2, 3, 4), declared_len=1 << 40),
        "truncated_length_prefix.safetensors": b"\x10\x00\x00\x00\x00",
        "invalid_json_header.safetensors": st_bytes(None, f32(1, 2, 3, 4), raw_header=b'{"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]'),
        "header_not_object.safetensors": st_bytes([1, 2, 3], f32(1, 2, 3, 4)),
        "data_offsets_out_of_range.safetensors": st_bytes(
            {"w": {"dtype": "F32", "shape": [4, 4], "data_offsets": [0, 64]}}, f32(1, 2, 3, 4)),
        "overlapping_offsets.safetensors": st_bytes(
            {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
             "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}, f32(1, 2, 3, 4, 5, 6)),
        "offsets_shape_mismatch.safetensors": st_bytes(
            {"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 16]}}, f32(1, 2, 3, 4)),
        "unsupported_dtype_i64.safetensors": st_bytes(
            {"ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}}, struct.pack("<2q", 7, -1)),
        "valid_minimal.safetensors": st_bytes(
            {"__metadata__": {"format": "pt"}, "w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}},
            f32(1, 2, 3, 4)),
    }
    assert set(files) == {n for n, _ in BAD_FILES}
    for name, data in files.items():
        (d / name).write_bytes(data)
    # keep the byte counts quoted in BAD_FILES (and the README) true
    assert len(files["header_len_exceeds_file.safetensors"]) == 88
    assert len(files["header_len_2pow40.safetensors"]) == 88


def check_bad(root: Path) -> dict:
    """What the reference `safetensors` library says about each file (for the README)."""
    from safetensors.torch import load_file

    result = {}
    for name, _ in BAD_FILES:
        try:
            t = load_file(str(root / "bad" / name))
            result[name] = "loads: " + ", ".join(f"{k} {v.dtype} {list(v.shape)}" for k, v in t.items())
        except Exception as e:  # noqa: BLE001
            result[name] = f"rejected: {type(e).__name__}: {str(e).splitlines()[0][:120]}"
    return result


# --------------------------------------------------------------------------------------
# Verification of the written folders (fresh loads only)
# --------------------------------------------------------------------------------------

FIXTURES = ["gpt2-tiny", "gpt2-tiny-sharded", "gpt2-tiny-f16", "bert-tiny-chinese", "bert-tiny-chinese-base",
            "llama-tiny", "llama-tiny-bf16", "qwen2-tiny"]


def verify(root: Path) -> None:
    from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerFast

    print(f"{'fixture':24} {'arch':18} {'dtype':8} {'L':>2} {'H':>2} {'KV':>2} {'hd':>3} {'vocab':>5} "
          f"{'theta':>9} {'rope key':15} {'tokens':12} {'max|dA|':>8} {'size':>9}")
    for name in FIXTURES:
        d = root / name
        ref = json.loads((d / "reference.json").read_text())
        s = ref["config_summary"]
        model = AutoModel.from_pretrained(str(d), attn_implementation="eager", dtype=torch.float32).eval()
        assert type(model).__name__ in ("GPT2Model", "BertModel", "LlamaModel", "Qwen2Model"), type(model)
        fast = PreTrainedTokenizerFast(tokenizer_file=str(d / "tokenizer.json"))
        auto = AutoTokenizer.from_pretrained(str(d))
        raw = Tokenizer.from_file(str(d / "tokenizer.json"))
        worst = 0.0
        lens = []
        for case in ref["cases"]:
            text = case["text"]
            add = ref["add_special_tokens"]
            for t in (fast, auto):
                enc = t(text, add_special_tokens=add, return_offsets_mapping=True)
                assert enc["input_ids"] == case["input_ids"], (name, type(t).__name__, enc["input_ids"], case["input_ids"])
                assert [list(o) for o in enc["offset_mapping"]] == case["offsets"], (name, type(t).__name__)
                assert t.convert_ids_to_tokens(case["input_ids"]) == case["tokens"]
            e = raw.encode(text, add_special_tokens=add)
            assert e.ids == case["input_ids"] and e.tokens == case["tokens"]
            assert [list(o) for o in e.offsets] == case["offsets"]
            assert utf16_offsets(text, case["offsets"]) == case["offsets_utf16"]
            if not add:
                assert raw.decode(case["input_ids"]) == text
            ids = torch.tensor([case["input_ids"]])
            kw = {"output_attentions": True}
            if s["model_type"] != "bert":
                kw["use_cache"] = False
            with torch.no_grad(), CaptureEager(s["model_type"]) as cap:
                out = model(ids, **kw)
            att = torch.stack([a[0] for a in out.attentions])
            exp = torch.tensor(case["attentions"])
            assert att.shape == exp.shape == (s["num_hidden_layers"], s["num_attention_heads"], len(ids[0]), len(ids[0]))
            diff = (att - exp).abs().max().item()
            worst = max(worst, diff)
            assert diff < 1e-6, (name, diff)
            for key, t in (("q_layer0_head0", cap.calls[0]["q"][0, 0]), ("k_layer0_head0", cap.calls[0]["k"][0, 0]),
                           ("v_layer0_head0", cap.calls[0]["v"][0, 0])):
                assert (t - torch.tensor(case[key])).abs().max().item() < 1e-5, (name, key)
            lh = out.last_hidden_state[0]
            assert (lh[0] - torch.tensor(case["last_hidden_state_first_row"])).abs().max().item() < 1e-5
            assert (lh[-1] - torch.tensor(case["last_hidden_state_last_row"])).abs().max().item() < 1e-5
            lens.append(len(ids[0]))
        size = sum(p.stat().st_size for p in d.iterdir())
        print(f"{name:24} {s['architectures'][0]:18} {s['stored_dtype']:8} {s['num_hidden_layers']:>2} "
              f"{s['num_attention_heads']:>2} {s['num_key_value_heads']:>2} {s['head_dim']:>3} {s['vocab_size']:>5} "
              f"{str(s['rope_theta'] or '-'):>9} {str(s['rope_config_key'] or '-'):15} {str(lens):12} "
              f"{worst:8.1e} {size / 1024:7.0f} KB")
    for name, verdict in check_bad(root).items():
        print(f"bad/{name:40} {verdict}")
    total = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    print(f"total size of {root.relative_to(REPO)}: {total / 1024:.0f} KB")
    assert total < 5 * 1024 * 1024


def attention_stats(root: Path) -> None:
    """Mean max attention probability per fixture (shows the random weights give peaked attention)."""
    for name in FIXTURES:
        ref = json.loads((root / name / "reference.json").read_text())
        mx = [max(row) for c in ref["cases"] for layer in c["attentions"] for head in layer for row in head]
        print(f"  {name:24} mean row max {sum(mx) / len(mx):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verify", action="store_true", help="only verify the committed fixtures")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    root: Path = args.out
    if not args.verify:
        root.mkdir(parents=True, exist_ok=True)
        build_gpt2(root)
        build_bert(root)
        build_llama(root)
        build_qwen2(root)
        build_bad(root)
    verify(root)
    attention_stats(root)
    print("OK")


if __name__ == "__main__":
    main()
