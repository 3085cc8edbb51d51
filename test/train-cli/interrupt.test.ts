// Ctrl-C (SIGINT) during training: the current batch finishes, weights/last.safetensors is saved for --resume,
// the earlier checkpoints stay intact, the exit status says the run did not finish, and --resume completes it.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { baseArgs, checkpointMeta, makeDigits, readResults, runCli, startCli, waitForEpoch } from './harness.ts';

const EPOCHS = 4;
let base = '';
let data = '';

before(async () => ({ base, data } = await makeDigits('sigint')));
after(() => rmSync(base, { recursive: true, force: true }));

test('SIGINT saves last, keeps best, and --resume finishes the run', async () => {
  const project = join(base, 'runs', 'train');
  const weights = join(project, 'exp', 'weights');
  const last = join(weights, 'last.safetensors');
  const best = join(weights, 'best.safetensors');
  const run = startCli([...baseArgs(data, project), '--epochs', String(EPOCHS), '--noplots'], base);
  await waitForEpoch(last, 0, run.done);
  run.child.kill('SIGINT');
  const stopped = await run.done;

  assert.notEqual(stopped.code, 0, 'an interrupted run does not report success');
  assert.equal(stopped.signal, null, 'the process exits by itself after saving');
  assert.match(stopped.stdout + stopped.stderr, /Interrupted/);
  assert.match(stopped.stdout + stopped.stderr, /resume with: tsyolo train --resume .*last\.safetensors/);

  const saved = readSafetensors(last);
  const savedEpoch = Number(saved.metadata.epoch);
  assert.ok(savedEpoch >= 0 && savedEpoch < EPOCHS - 1, `interrupted checkpoint says epoch ${savedEpoch}`);
  assert.ok([...saved.tensors.keys()].some((k) => k.startsWith('_train.optim.')), 'last keeps the resume state');
  // best.safetensors is from a completed epoch, not the interrupted one.
  assert.ok(Number(checkpointMeta(best).epoch) <= savedEpoch);
  assert.ok(Number(checkpointMeta(best).epoch) >= 0, 'best is not stripped: the run has not finished');
  loadModel(best).model.dispose();
  const csv = join(project, 'exp', 'results.csv');
  assert.deepEqual(readResults(csv).rows.map((r) => r[0]), Array.from({ length: savedEpoch + 1 }, (_, i) => i));

  const resumed = await runCli(['train', '--resume', last], base);
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  assert.match(resumed.stdout, new RegExp(`from epoch ${savedEpoch + 1} to ${EPOCHS} total epochs`));
  assert.deepEqual(readResults(csv).rows.map((r) => r[0]), [0, 1, 2, 3]);
  assert.equal(checkpointMeta(last).epoch, '-1');
  loadModel(last).model.dispose();
});
