// Errors raised while loader worker threads still have batches in flight reach stderr with exit status 1 (a worker
// terminated mid-decode used to leave the process to end with code 13 and nothing printed).
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { baseArgs, checkpointMeta, makeDigits, REPO, runCli, startCli, waitForEpoch } from './harness.ts';

let base = '';
let data = '';

before(async () => ({ base, data } = await makeDigits('worker-errors')));
after(() => rmSync(base, { recursive: true, force: true }));

/** Two worker threads and batches of 4: four batches an epoch, so the workers are busy when the loop fails. */
function workerArgs(project: string): string[] {
  const args = baseArgs(data, project);
  args[args.indexOf('--workers') + 1] = '2';
  args[args.indexOf('--batch') + 1] = '4';
  return [...args, '--noplots'];
}

test('a non-finite loss with busy loader workers is reported and exits 1', async () => {
  const hyp = join(base, 'hyp.diverge.yaml');
  writeFileSync(hyp, readFileSync(join(REPO, 'configs', 'hyps', 'hyp.digits.yaml'), 'utf8').replace(/^lrf: .*$/m, 'lrf: 1.0e+32'));
  const args = workerArgs(join(base, 'runs', 'nan'));
  args[args.indexOf('hyp.digits.yaml')] = hyp;
  const r = await runCli([...args, '--epochs', '2'], base);
  assert.equal(r.code, 1, `exit ${r.code}, stderr: ${r.stderr}`);
  assert.match(r.stderr, /tsyolo: error: loss is (NaN|-?Infinity) at epoch 1, batch \d: stopping; the last good checkpoint is/);
});

test('--freeze 999 with loader workers: the error names the flag and exits 1', async () => {
  const r = await runCli([...workerArgs(join(base, 'runs', 'freeze')), '--epochs', '1', '--freeze', '999'], base);
  assert.equal(r.code, 1, `exit ${r.code}, stderr: ${r.stderr}`);
  assert.match(r.stderr, /^tsyolo: error: --freeze 999 freezes every layer of the model \(it has \d+\): nothing is left to train\n$/);
});

test('SIGINT with busy loader workers: the Interrupted line, last saved, exit 130', async () => {
  const project = join(base, 'runs', 'sigint');
  const last = join(project, 'exp', 'weights', 'last.safetensors');
  const run = startCli([...workerArgs(project), '--epochs', '4'], base);
  await waitForEpoch(last, 0, run.done);
  run.child.kill('SIGINT');
  const r = await run.done;
  assert.equal(r.code, 130, `exit ${r.code}, stderr: ${r.stderr}`);
  assert.match(r.stdout, /Interrupted: finishing this batch/);
  assert.match(r.stdout, /resume with: tsyolo train --resume .*last\.safetensors/);
  assert.match(r.stderr, /^tsyolo: error: training interrupted; .*last\.safetensors holds the state to resume from\n$/);
  assert.ok(Number(checkpointMeta(last).epoch) >= 0);
});
