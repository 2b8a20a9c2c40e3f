"""Cross-checks the teaching model against Hugging Face transformers and tokenizers (see crosscheck.ts)."""
import json
import sys

import torch
from tokenizers import Tokenizer
from transformers import GPT2LMHeadModel

model_dir = sys.argv[1] if len(sys.argv) > 1 else "media/models/teaching"
dump = json.load(open(sys.argv[2] if len(sys.argv) > 2 else "/tmp/crosscheck.json"))

model, info = GPT2LMHeadModel.from_pretrained(
    model_dir, attn_implementation="eager", output_loading_info=True, dtype=torch.float32
)
model.eval()
print("loading info:", {k: v for k, v in info.items() if k != "error_msgs"}, "errors:", info.get("error_msgs"))
missing = [k for k in info["missing_keys"] if k != "lm_head.weight"]
assert not missing and not info["unexpected_keys"], info
assert torch.equal(model.lm_head.weight, model.transformer.wte.weight), "lm_head is tied to wte"

tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
bad = 0
for item in dump["texts"]:
    ids = tok.encode(item["text"], add_special_tokens=False).ids
    if ids != item["ids"]:
        bad += 1
        print("MISMATCH", repr(item["text"][:60]), ids[:20], item["ids"][:20])
print(f"tokenizer: {len(dump['texts']) - bad}/{len(dump['texts'])} texts give identical ids in Python tokenizers and @huggingface/tokenizers")

b = dump["batch"]
inputs = torch.tensor(b["inputs"]).view(b["batch"], b["t"])
targets = torch.tensor(b["targets"]).view(-1)
with torch.no_grad():
    logits = model(inputs).logits.view(-1, model.config.vocab_size)
    loss = torch.nn.functional.cross_entropy(logits, targets, ignore_index=-1).item()
print(f"held-out batch ({b['batch']}x{b['t']}): python loss {loss:.6f}, TS loss {dump['ts_loss']:.6f}, |diff| {abs(loss - dump['ts_loss']):.2e}")

a = dump["attention"]
with torch.no_grad():
    out = model(torch.tensor([a["ids"]]), output_attentions=True)
t = len(a["ids"])
engine = torch.tensor(a["weights"]).view(a["layers"], a["heads"], t, t)
ref = torch.stack([x[0] for x in out.attentions])
print(f"attention of the held-out sentence: max |engine - transformers| = {(engine - ref).abs().max().item():.2e}")
ok = bad == 0 and abs(loss - dump["ts_loss"]) < 1e-4 and (engine - ref).abs().max().item() < 1e-4
print("CROSS-CHECK", "PASSED" if ok else "FAILED")
sys.exit(0 if ok else 1)
