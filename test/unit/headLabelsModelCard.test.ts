/**
 * The head labels on the built-in teaching model agree with its model card: the card's figures are
 * measured by scripts/training/attentionFigures.ts (the function that writes the card), the labels by
 * src/shared/headLabels.ts on the same texts. Nothing here names a head or a number, so a retrained
 * or bigger built-in model is checked the same way.
 */
import * as assert from 'assert';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { HeadEvidence, headEvidence, labelHead, poolEvidence } from '../../src/shared/headLabels';
import { BRACKET_EXTRA, measureCheckpoint } from '../../scripts/training/attentionFigures';
import { HELD_OUT_SENTENCE, loadCorpus } from '../../scripts/training/corpus';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.resolve(process.env.QKV_TEACHING_DIR ?? path.join(ROOT, 'media', 'models', 'teaching'));

describe('head labels agree with the teaching model card', function () {
  this.timeout(300_000);

  it('names the same previous-token and bracket heads, with the same figures', async () => {
    await initWasmBackend(defaultWasmDir(__dirname));
    const heldout = loadCorpus(ROOT).heldout;
    const card = measureCheckpoint(DIR, 'model.safetensors', heldout);
    const m = loadModelFromDir(DIR);
    try {
      const evidence = (texts: string[], brackets?: Record<string, string>): HeadEvidence[] =>
        poolEvidence(texts.map((text) => {
          const tr = runTrace(m, text);
          return headEvidence({ layers: tr.model.layers, heads: tr.model.heads, causal: tr.model.causal, weights: tr.weights, tokens: tr.tokens.map((t) => t.text), special: tr.tokens.map((t) => t.special), ...(brackets ? { brackets } : {}) });
        }));
      const best = (ev: HeadEvidence[], kind: 'previous' | 'bracket') => {
        const scored = ev.map((e) => ({ e, score: e.patterns[kind].sum / e.patterns[kind].count }));
        return scored.reduce((a, b) => (b.score > a.score ? b : a));
      };

      const prevEv = evidence([HELD_OUT_SENTENCE, ...heldout.slice(0, 60).map((d) => d.text)]);
      const prev = best(prevEv, 'previous');
      console.log(`      card: previous token L${card.previous.layer}H${card.previous.head} ${card.previous.value.toFixed(4)}; labels: L${prev.e.layer}H${prev.e.head} ${prev.score.toFixed(4)}`);
      assert.deepStrictEqual([prev.e.layer, prev.e.head], [card.previous.layer, card.previous.head]);
      assert.ok(Math.abs(prev.score - card.previous.value) < 1e-5, `${prev.score} vs ${card.previous.value}`);
      // The card's previous-token head (the card's own test asks > 0.5) is labelled previous-token.
      if (card.previous.value > 0.5) assert.strictEqual(labelHead(prev.e).top.kind, 'previous');

      // The card counts round brackets only.
      const bracketEv = evidence([...heldout.filter((d) => d.lang === 'code').map((d) => d.text), ...BRACKET_EXTRA], { '(': ')' });
      const br = best(bracketEv, 'bracket');
      console.log(`      card: ) → ( L${card.bracket.layer}H${card.bracket.head} ${card.bracket.value.toFixed(4)} (${card.bracket.pairs} pairs); labels: L${br.e.layer}H${br.e.head} ${br.score.toFixed(4)} (${br.e.patterns.bracket.count} pairs)`);
      assert.deepStrictEqual([br.e.layer, br.e.head], [card.bracket.layer, card.bracket.head]);
      assert.strictEqual(br.e.patterns.bracket.count, card.bracket.pairs);
      assert.ok(Math.abs(br.score - card.bracket.value) < 1e-5, `${br.score} vs ${card.bracket.value}`);
    } finally {
      m.model.dispose();
    }
  });
});
