/**
 * The tokenizer differential fixtures (scripts/make_tokenizer_fixtures.py): one tokenizer.json per tokenizer
 * family with the ids and offsets Python `tokenizers` gives for the same generated strings.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

export const TOKENIZER_FIXTURES = path.join(__dirname, '..', 'fixtures', 'tokenizers');

export interface TokenizerFamilyFixture {
  family: string;
  description: string;
  tokenizer: Record<string, unknown>;
  /** Per text: Python's ids. */
  ids: number[][];
  /** Per text: Python's offsets converted to UTF-16, flattened [start0, end0, start1, end1, ...]. */
  offsets: number[][];
}

export function fixtureTexts(): string[] {
  return (JSON.parse(fs.readFileSync(path.join(TOKENIZER_FIXTURES, 'texts.json'), 'utf8')) as { texts: string[] }).texts;
}

export function tokenizerFamilies(): TokenizerFamilyFixture[] {
  return fs
    .readdirSync(TOKENIZER_FIXTURES)
    .filter((f) => f.endsWith('.json.gz'))
    .sort()
    .map((f) => JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(TOKENIZER_FIXTURES, f))).toString('utf8')) as TokenizerFamilyFixture);
}
