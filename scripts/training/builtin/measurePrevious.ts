/**
 * Measures the previous built-in model (the WordPiece model of stop 9, commit 0e643c1) on the held-out sample, so
 * that the new model's test compares with it on the same bytes: writes data/corpus/heldout/previous-model.json.
 *
 *   git show 0e643c1:media/models/teaching/... (extracted to DIR) ; npx tsx scripts/training/builtin/measurePrevious.ts DIR
 *
 * The old tokenizer drops whitespace and maps unknown characters to [UNK], so its cost covers fewer decisions than
 * the bytes hold: the figure flatters the old model.
 */
import * as fs from 'fs';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../../../src/engine/backend';
import { openScoringModel } from '../scoringModel';
import { EOS, encodeIds, loadTokenizer } from '../tokenizer';
import { bitsPerByte, loadHeldoutSample } from '../heldoutText';

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2]);
  const root = path.resolve(__dirname, '..', '..', '..');
  await initWasmBackend(defaultWasmDir(path.join(root, 'src', 'engine')));
  const read = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
  const tok = loadTokenizer(read('tokenizer.json'), read('tokenizer_config.json'));
  const eos = tok.token_to_id(EOS) ?? -1;
  const model = openScoringModel(dir);
  const docs = loadHeldoutSample(root);
  const out: Record<string, number> = {};
  for (const lang of [...new Set(docs.map((d) => d.lang))]) {
    const texts = docs.filter((d) => d.lang === lang).map((d) => d.text);
    out[lang] = bitsPerByte(model, texts.map((t) => encodeIds(tok, t)), texts, eos);
    console.log(`${lang}: ${out[lang].toFixed(3)} bits per byte`);
  }
  model.dispose();
  fs.writeFileSync(path.join(root, 'data', 'corpus', 'heldout', 'previous-model.json'), JSON.stringify({
    model: 'QKV Lens built-in model v1 (GPT-2 2x4, d 96, 128 positions, WordPiece 2791 tokens), commit 0e643c1',
    note: 'Its tokenizer drops whitespace and maps unknown characters to [UNK], so these figures cost fewer decisions than the bytes hold (they flatter it).',
    bitsPerByte: out,
  }, null, 2) + '\n');
}

void main();
