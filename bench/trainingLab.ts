/**
 * The training lab: how long the copy-the-previous-token task takes to grow a previous-token head
 * (best head's mean weight on the previous token ≥ 0.8 on held-out sequences, checked every 10 steps),
 * from several seeds, on tfjs's cpu backend (pure JS: what the panel uses without WebGL) and wasm.
 * Wall time is what a learner waits; thread CPU time is beside it (the machine is shared).
 * The requirement: under 60 s on the 2-core build machine without a GPU.
 *
 *   npx tsx bench/trainingLab.ts [--seeds 1,2,3,4,5] [--backends cpu,wasm] [--task previous]
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { defaultWasmDir, initWasmBackend } from '../src/engine/backend';
import { FORMED_AT, LabSession, trainUntilFormed } from '../webview/lab/labSession';
import type { LabTask } from '../webview/lab/toyTasks';
import { arg, median, threadCpuMs } from './lib/stats';

const MAX_STEPS = 2000;

async function useBackend(name: string): Promise<void> {
  if (name === 'wasm') await initWasmBackend(defaultWasmDir(__dirname));
  else {
    await tf.setBackend(name);
    await tf.ready();
  }
}

async function main(): Promise<void> {
  const seeds = arg('seeds', '1,2,3,4,5').split(',').map(Number);
  const backends = arg('backends', 'cpu,wasm').split(',');
  const task = arg('task', 'previous') as LabTask;
  console.log(`task: ${task}; formed = best head's mean weight on the expected key ≥ ${FORMED_AT} on 8 held-out sequences; batch 32, checked every 10 steps\n`);
  console.log('| backend | seed | steps to form | wall s | thread CPU s | ms / step | best head | its weight | loss |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const backend of backends) {
    await useBackend(backend);
    const walls: number[] = [];
    for (const seed of seeds) {
      const session = new LabSession({ task, seed });
      const t0 = performance.now();
      const c0 = threadCpuMs();
      const snap = trainUntilFormed(session, MAX_STEPS);
      const wall = (performance.now() - t0) / 1000;
      const cpu = (threadCpuMs() - c0) / 1000;
      walls.push(snap.formedAt !== null ? wall : Infinity);
      const best = snap.best ? `L${snap.best.layer}H${snap.best.head}` : '-';
      console.log(`| ${backend} | ${seed} | ${snap.formedAt ?? `not in ${MAX_STEPS}`} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} | ${((wall * 1000) / session.steps).toFixed(0)} | ${best} | ${snap.best?.score.toFixed(3) ?? '-'} | ${snap.losses.at(-1)?.toFixed(3) ?? '-'} |`);
      session.dispose();
    }
    console.log(`| ${backend} | median | | ${median(walls).toFixed(1)} | | | | | |`);
  }
}

void main();
