#!/usr/bin/env python3
"""Writes data/corpus/heldout/sample.jsonl: a small committed sample of the held-out split, one JSON line per document
({"lang", "source", "path", "licence", "text"}), about SAMPLE_BYTES per language, taken only from the packages held
out whole (never trained on). test/unit/teachingModel.test.ts measures the built-in model on it.
"""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_BYTES = 24_000
WHOLE = {'code-ts': 'ajv@', 'code-py': 'libpython3.11-stdlib@', 'en': 'python3.11-doc@', 'zh': 'debian-faq-zh-cn@'}
WHOLE_PATH = {'code-py': 'usr/lib/python3.11/json/', 'en': 'usr/share/doc/python3.11/html/_sources/howto/'}


def main() -> None:
    rows = [json.loads(l) for l in (ROOT / 'data' / 'corpus' / 'build' / 'docs.jsonl').open(encoding='utf-8')]
    out = ROOT / 'data' / 'corpus' / 'heldout'
    out.mkdir(parents=True, exist_ok=True)
    picked = []
    for lang, source in WHOLE.items():
        docs = [r for r in rows if r['split'] == 'held' and r['lang'] == lang and r['source'].startswith(source)
                and r['path'].startswith(WHOLE_PATH.get(lang, ''))]
        docs.sort(key=lambda r: r['path'])
        size = 0
        for r in docs:
            text = r['text']
            if size + len(text.encode('utf-8')) > SAMPLE_BYTES:
                continue
            picked.append({k: r[k] for k in ('lang', 'source', 'path', 'licence')} | {'text': text})
            size += len(text.encode('utf-8'))
        print(f'{lang:8} {size:6} bytes in {sum(1 for p in picked if p["lang"] == lang)} documents')
    with (out / 'sample.jsonl').open('w', encoding='utf-8') as f:
        for p in picked:
            f.write(json.dumps(p, ensure_ascii=False) + '\n')


if __name__ == '__main__':
    main()
