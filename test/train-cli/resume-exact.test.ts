// kill -9 after epoch 0, 1 or a later one, then --resume: results.csv is byte-identical to an uninterrupted run's
// (weights, EMA, optimizer buffers, lr schedule, accumulation counter and early-stopping state all restored).
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { baseArgs, makeDigits, runCli, startCli, waitForEpoch } from './harness.ts';

const EPOCHS = 5;
let base = '';
let data = '';
let project = '';
let uninterrupted = '';

before(async () => {
  ({ base, data } = await makeDigits('resume-exact'));
  project = join(base, 'runs', 'train');
  const r = await runCli([...baseArgs(data, project), '--epochs', String(EPOCHS), '--noplots', '--name', 'full'], base);
  assert.equal(r.code, 0, r.stderr);
  uninterrupted = readFileSync(join(project, 'full', 'results.csv'), 'utf8');
});
after(() => rmSync(base, { recursive: true, force: true }));

for (const killAfter of [0, 1, 3]) {
  test(`kill -9 after epoch ${killAfter}, then --resume: results.csv equals the uninterrupted run's`, async () => {
    const name = `killed${killAfter}`;
    const last = join(project, name, 'weights', 'last.safetensors');
    const run = startCli([...baseArgs(data, project), '--epochs', String(EPOCHS), '--noplots', '--name', name], base);
    await waitForEpoch(last, killAfter, run.done);
    run.child.kill('SIGKILL');
    assert.equal((await run.done).signal, 'SIGKILL');

    const resumed = await runCli(['train', '--resume', last], base);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(readFileSync(join(project, name, 'results.csv'), 'utf8'), uninterrupted);
  });
}
