// --resume after kill -9: the run continues from the epoch after the last saved one, with the EMA update count
// and the LR schedule where an uninterrupted run would have them, and results.csv holds each epoch once.
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { baseArgs, checkpointMeta, makeDigits, readResults, runCli, startCli, waitForEpoch } from './harness.ts';

const EPOCHS = 5;
const NB = 2; // 16 images / batch 8
let base = '';
let data = '';

before(async () => ({ base, data } = await makeDigits('resume')));
after(() => rmSync(base, { recursive: true, force: true }));

/** train.py's optimizer-step rule: every step during warmup (nw = max(round(3·nb), 100)) accumulates
 * max(1, round(interp(ni, [0, nw], [1, nbs/bs]))) batches; last_opt_step starts at −1. */
function optimizerSteps(fromEpoch: number, toEpoch: number, lastOptStep = -1): { steps: number; lastOptStep: number } {
  const nw = Math.max(Math.round(3 * NB), 100);
  let steps = 0;
  for (let ni = fromEpoch * NB; ni < toEpoch * NB; ni++) {
    const accumulate = Math.max(1, Math.round(1 + ((64 / 8 - 1) * ni) / nw));
    if (ni - lastOptStep >= accumulate) {
      steps++;
      lastOptStep = ni;
    }
  }
  return { steps, lastOptStep };
}

/** The lrs logged for an epoch: those of its last batch, mid-warmup (linear lf, lr0 = 0.01, lrf = 0.01). */
function expectedLrs(epoch: number): number[] {
  const lf = (1 - epoch / EPOCHS) * (1 - 0.01) + 0.01;
  const ni = epoch * NB + NB - 1;
  const t = ni / 100;
  return [0.1 + (0.01 * lf - 0.1) * t, 0.01 * lf * t, 0.01 * lf * t];
}

test('kill -9 mid-run, then --resume finishes every epoch exactly once', async () => {
  const project = join(base, 'runs', 'train');
  const last = join(project, 'exp', 'weights', 'last.safetensors');
  const run = startCli([...baseArgs(data, project), '--epochs', String(EPOCHS), '--noplots'], base);
  await waitForEpoch(last, 0, run.done);
  run.child.kill('SIGKILL');
  const killed = await run.done;
  assert.equal(killed.signal, 'SIGKILL');

  const saved = readSafetensors(last);
  const savedEpoch = Number(saved.metadata.epoch);
  assert.ok(savedEpoch >= 0 && savedEpoch < EPOCHS - 1, `killed after epoch ${savedEpoch}, before the end`);
  // The checkpoint carries what resume needs: the raw model and non-zero SGD momentum buffers.
  const optim = [...saved.tensors].filter(([k]) => k.startsWith('_train.optim.'));
  assert.ok(optim.length > 0, 'optimizer state saved');
  assert.ok(optim.some(([, t]) => Array.from(t.data as Float32Array).some((v) => v !== 0)), 'momentum buffers are non-zero');
  assert.ok([...saved.tensors.keys()].some((k) => k.startsWith('_train.model.')));
  const savedUpdates = Number(saved.metadata.ema_updates);
  assert.equal(savedUpdates, optimizerSteps(0, savedEpoch + 1).steps, 'EMA updated once per optimizer step');

  // A kill between appending epoch E+1's row and saving its checkpoint leaves one row more than the checkpoint
  // knows about; make that window certain so the resume has to cope with it.
  const csv = join(project, 'exp', 'results.csv');
  const before = readResults(csv).rows;
  assert.ok(before.length === savedEpoch + 1 || before.length === savedEpoch + 2, `${before.length} rows for epoch ${savedEpoch}`);
  if (before.length === savedEpoch + 1) {
    const lastLine = readFileSync(csv, 'utf8').trimEnd().split('\n').at(-1)!;
    appendFileSync(csv, `${String(savedEpoch + 1).padStart(20)}${lastLine.slice(20)}\n`);
  }

  const resumed = await runCli(['train', '--resume', last], base);
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  assert.match(resumed.stdout, new RegExp(`Resuming training from .*last\\.safetensors from epoch ${savedEpoch + 1} to ${EPOCHS} total epochs`));
  assert.doesNotMatch(resumed.stdout, new RegExp(`^ +${savedEpoch}/${EPOCHS - 1} `, 'm'), 'the saved epoch is not trained again');
  assert.match(resumed.stdout, new RegExp(`^ +${savedEpoch + 1}/${EPOCHS - 1} `, 'm'));

  const { rows } = readResults(csv);
  assert.deepEqual(rows.map((r) => r[0]), [0, 1, 2, 3, 4], 'each epoch once, in order');
  // Scheduler and epoch restored: every row's lrs follow the uninterrupted schedule.
  rows.forEach((r, e) => {
    expectedLrs(e).forEach((lr, g) => assert.ok(Math.abs(r[11 + g]! - lr) <= 1e-4 * lr, `epoch ${e} x/lr${g}: ${r[11 + g]} vs ${lr}`));
  });

  // EMA state and last_opt_step restored (train.py restarts the latter at −1, which makes a resumed run differ from
  // an uninterrupted one): the update count is the uninterrupted run's.
  const meta = checkpointMeta(last);
  assert.equal(meta.epoch, '-1', 'finished run is stripped');
  const expected = optimizerSteps(0, EPOCHS).steps;
  assert.equal(Number(meta.ema_updates), expected);
  assert.ok(Number(meta.ema_updates) > savedUpdates);
  const { model } = loadModel(last);
  model.dispose();
});
