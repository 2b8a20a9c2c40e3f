/**
 * The head labels on the built-in teaching model agree with its model card: the card's figures are measured by
 * scripts/training/headFigures.ts (what scripts/training/builtin/modelCard.ts and the model test use), the labels by
 * src/shared/headLabels.ts on the same texts. Nothing here names a head or a number, so a retrained or bigger built-in
 * model is checked the same way.
 */
import * as assert from 'assert';
import * as path from 'path';
import { defaultWasmDir, initWasmBackend } from '../../src/engine/backend';
import { loadModelFromDir } from '../../src/engine/loadModel';
import { runTrace } from '../../src/engine/runTrace';
import { HeadEvidence, headEvidence, labelHead, poolEvidence } from '../../src/shared/headLabels';
import { previousTokenScores } from '../../scripts/training/headFigures';
import { loadHeldoutSample } from '../../scripts/training/heldoutText';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.resolve(process.env.QKV_TEACHING_DIR ?? path.join(ROOT, 'media', 'models', 'teaching'));
/** The card measures the previous-token head on the held-out sample, each text cut to this many tokens. */
const MAX_TOKENS = 256;

describe('head labels agree with the teaching model card', function () {
  this.timeout(300_000);

  it('names the same previous-token head, with the same figure', async () => {
    await initWasmBackend(defaultWasmDir(__dirname));
    const texts = loadHeldoutSample(ROOT).map((d) => d.text);
    const m = loadModelFromDir(DIR);
    try {
      const card = previousTokenScores(m, texts, MAX_TOKENS).best;
      const evidence: HeadEvidence[] = poolEvidence(texts.map((text) => {
        const tr = runTrace(m, text, { maxTokens: MAX_TOKENS });
        return headEvidence({ layers: tr.model.layers, heads: tr.model.heads, causal: tr.model.causal, weights: tr.weights, tokens: tr.tokens.map((t) => t.text), special: tr.tokens.map((t) => t.special) });
      }));
      const scored = evidence.map((e) => ({ e, score: e.patterns.previous.sum / e.patterns.previous.count }));
      const prev = scored.reduce((a, b) => (b.score > a.score ? b : a));
      console.log(`      card: previous token L${card.layer}H${card.head} ${card.value.toFixed(4)}; labels: L${prev.e.layer}H${prev.e.head} ${prev.score.toFixed(4)}`);
      assert.deepStrictEqual([prev.e.layer, prev.e.head], [card.layer, card.head]);
      assert.ok(Math.abs(prev.score - card.value) < 1e-5, `${prev.score} vs ${card.value}`);
      // The card's previous-token head (the model test asks ≥ 0.5) is labelled previous-token.
      if (card.value >= 0.5) assert.strictEqual(labelHead(prev.e).top.kind, 'previous');
    } finally {
      m.model.dispose();
    }
  });
});
