/**
 * The training lab's model in Node (tfjs cpu backend, the pure-JS one the panel falls back to): with a
 * fixed seed, the copy-the-previous-token task grows a previous-token head (mean weight ≥ 0.8 on the
 * previous token, measured on held-out sequences) and training leaks no tensors. The toy tasks are
 * checked by construction. How fast it forms is measured by bench/trainingLab.ts, not here.
 */
import * as assert from 'assert';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Prng } from '../../scripts/training/prng';
import { FORMED_AT, LabSession, trainUntilFormed } from '../../webview/lab/labSession';
import { afterEarlierOccurrence, bracketTask, inductionTask, previousTokenTask, selectionTask } from '../../webview/lab/toyTasks';

describe('training lab', function () {
  this.timeout(300_000);

  before(async () => {
    await tf.setBackend('cpu');
    await tf.ready();
  });

  it('toy tasks: targets and expected keys are right by construction', () => {
    const rng = new Prng(3);
    const prev = previousTokenTask();
    const b = prev.sample(rng, 2, 8);
    for (let s = 0; s < 2; s++) for (let i = 1; i < 8; i++) assert.strictEqual(b.targets[s * 8 + i], b.inputs[s * 8 + i - 1]);
    assert.strictEqual(b.mask[0], 0);
    assert.strictEqual(prev.expectedKey(b.inputs, 0, 8, 5), 4);

    const br = bracketTask();
    const closer = br.vocab.indexOf('⟩');
    const bb = br.sample(rng, 16, 16);
    let closers = 0;
    for (let s = 0; s < 16; s++) {
      for (let i = 0; i < 16; i++) {
        const o = s * 16 + i;
        if (bb.inputs[o] !== closer) continue;
        closers++;
        const open = br.expectedKey(bb.inputs, s * 16, 16, i);
        assert.ok(open >= 0 && open < i, 'a closer has its opener before it');
        // The target names the closing bracket of the opener's kind.
        assert.strictEqual(br.vocab[bb.targets[o]], { '(': ')', '[': ']', '{': '}', '<': '>' }[br.vocab[bb.inputs[s * 16 + open]]]);
        assert.strictEqual(bb.mask[o], 1);
      }
    }
    assert.ok(closers > 16, `${closers} closers`);

    const ind = inductionTask();
    const ib = ind.sample(rng, 4, 16);
    for (let s = 0; s < 4; s++) {
      for (let i = 0; i < 15; i++) {
        if (!ib.mask[s * 16 + i]) continue;
        const k = afterEarlierOccurrence(ib.inputs, s * 16, i);
        assert.ok(k > 0, `position ${i} has an earlier occurrence`);
        // The token after the earlier occurrence is the one to predict.
        assert.strictEqual(ib.inputs[s * 16 + k], ib.targets[s * 16 + i]);
      }
    }

    const sel = selectionTask('a b a c a b'.split(' '));
    assert.deepStrictEqual(sel.vocab, ['a', 'b', 'c', '…']);
    assert.throws(() => selectionTask(['a']), /fewer than 4 tokens/);
  });

  it(`forms a previous-token head (mean weight ≥ ${FORMED_AT}) from a fixed seed, without leaking tensors`, () => {
    const before = tf.memory().numTensors;
    const session = new LabSession({ task: 'previous', seed: 1 });
    const start = session.snapshot();
    assert.ok(start.best && start.best.score < 0.5, `at random init the best head gives ${start.best?.score} to the previous token`);
    const afterInit = tf.memory().numTensors;
    session.step();
    session.snapshot();
    const perStep = tf.memory().numTensors;
    const snap = trainUntilFormed(session, 400);
    console.log(`      formed at step ${snap.formedAt}: L${snap.best?.layer}H${snap.best?.head} ${snap.best?.score.toFixed(3)}, loss ${snap.losses.at(-1)?.toFixed(3)}`);
    assert.ok(snap.best && snap.best.score >= FORMED_AT, `best head ${snap.best?.score}`);
    // Adam's moments appear on the first step; after that nothing grows.
    assert.strictEqual(tf.memory().numTensors, perStep);
    assert.ok(perStep >= afterInit);
    session.dispose();
    assert.strictEqual(tf.memory().numTensors, before);
  });

  it('the same seed gives the same run', () => {
    const a = new LabSession({ task: 'previous', seed: 5 });
    const b = new LabSession({ task: 'previous', seed: 5 });
    for (let i = 0; i < 3; i++) assert.strictEqual(a.step(), b.step());
    assert.deepStrictEqual(a.snapshot().attention, b.snapshot().attention);
    const c = new LabSession({ task: 'previous', seed: 6 });
    assert.notDeepStrictEqual(a.model.projection(0, 'q'), c.model.projection(0, 'q'));
    for (const s of [a, b, c]) s.dispose();
  });
});
