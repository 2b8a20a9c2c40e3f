/**
 * The teaching model's corpus: which files, how each splits into documents, the held-out split, and
 * the sentence that must never be trained on.
 */
import * as fs from 'fs';
import * as path from 'path';

/** Shown first in the panel; it must not appear in the training data (nor in the held-out split). */
export const HELD_OUT_SENTENCE = '我来自福州,现在住在北京,是一个正值壮年的牛马程序员';

export type Lang = 'zh' | 'en' | 'code';

export interface CorpusFile {
  file: string;
  lang: Lang;
  /** 'lines': every non-empty line is a document; 'blocks': documents are separated by blank lines; 'file': the whole file. */
  split: 'lines' | 'blocks' | 'file';
}

export const CORPUS_FILES: CorpusFile[] = [
  { file: 'zh-handwritten.txt', lang: 'zh', split: 'lines' },
  { file: 'zh-generated.txt', lang: 'zh', split: 'lines' },
  { file: 'en-handwritten.txt', lang: 'en', split: 'lines' },
  { file: 'en-generated.txt', lang: 'en', split: 'lines' },
  { file: 'code-handwritten.txt', lang: 'code', split: 'blocks' },
  { file: 'code-generated.txt', lang: 'code', split: 'blocks' },
  { file: 'code-repo/safetensors.ts.txt', lang: 'code', split: 'blocks' },
  { file: 'code-repo/config.ts.txt', lang: 'code', split: 'blocks' },
  { file: 'code-repo/trace.ts.txt', lang: 'code', split: 'blocks' },
  { file: 'code-repo/weights.ts.txt', lang: 'code', split: 'blocks' },
];

export interface Doc {
  text: string;
  lang: Lang;
  source: string;
}

export interface Corpus {
  train: Doc[];
  heldout: Doc[];
}

/** One document in this many (per file, at a fixed offset) goes to the held-out split. */
export const HELDOUT_EVERY = 20;
const HELDOUT_OFFSET = 10;

export function corpusDir(repoRoot: string): string {
  return path.join(repoRoot, 'data', 'corpus');
}

export function splitDocuments(text: string, split: CorpusFile['split']): string[] {
  const normalised = text.replace(/\r\n?/g, '\n');
  if (split === 'file') return normalised.trim() ? [normalised.trim()] : [];
  if (split === 'lines') return normalised.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  return normalised
    .split(/\n[ \t]*\n/)
    .map((b) => b.replace(/^\n+|\s+$/g, ''))
    .filter((b) => b.trim().length > 0);
}

/** Whitespace-insensitive form used to check that the held-out sentence is nowhere in the data. */
function squash(s: string): string {
  return s.replace(/\s+/g, '').replace(/，/g, ',');
}

/** Reads every corpus file, splits it into documents and the held-out split; throws if the held-out sentence appears. */
export function loadCorpus(repoRoot: string): Corpus {
  const dir = corpusDir(repoRoot);
  const train: Doc[] = [];
  const heldout: Doc[] = [];
  const banned = squash(HELD_OUT_SENTENCE);
  for (const f of CORPUS_FILES) {
    const docs = splitDocuments(fs.readFileSync(path.join(dir, f.file), 'utf8'), f.split);
    docs.forEach((text, i) => {
      if (squash(text).includes(banned)) {
        throw new Error(`${f.file}: document ${i} contains the held-out sentence "${HELD_OUT_SENTENCE}"`);
      }
      const doc: Doc = { text, lang: f.lang, source: f.file };
      (i % HELDOUT_EVERY === HELDOUT_OFFSET ? heldout : train).push(doc);
    });
  }
  return { train, heldout };
}
