// --amp true: on a CPU with native bfloat16 the forward and loss run under bfloat16 autocast (the AMP line says so);
// elsewhere one line says why AMP is off. Either way a run killed after epoch 1 and resumed writes results.csv
// byte-identical to the uninterrupted run's, and the checkpoint records the scaler state.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cpuHasNativeBf16 } from '../../src/train/amp.ts';
import { baseArgs, checkpointMeta, makeDigits, runCli, startCli, waitForEpoch } from './harness.ts';

const EPOCHS = 3;
let base = '';
let data = '';
let project = '';
let uninterrupted = '';
let firstLog = '';

before(async () => {
  ({ base, data } = await makeDigits('resume-amp'));
  project = join(base, 'runs', 'train');
  const r = await runCli([...baseArgs(data, project), '--epochs', String(EPOCHS), '--noplots', '--amp', 'true', '--name', 'full'], base);
  assert.equal(r.code, 0, r.stderr);
  firstLog = r.stdout + r.stderr;
  uninterrupted = readFileSync(join(project, 'full', 'results.csv'), 'utf8');
});
after(() => rmSync(base, { recursive: true, force: true }));

test('--amp true says what it trains with', () => {
  if (cpuHasNativeBf16()) assert.match(firstLog, /AMP: bfloat16 autocast on the CPU \(native bfloat16: /);
  else assert.match(firstLog, /AMP: off: this CPU has no native bfloat16/);
  assert.match(readFileSync(join(project, 'full', 'opt.yaml'), 'utf8'), /^amp: true$/m);
});

test('--amp true, kill -9 after epoch 1, then --resume: results.csv equals the uninterrupted run', async () => {
  const last = join(project, 'killed', 'weights', 'last.safetensors');
  const run = startCli([...baseArgs(data, project), '--epochs', String(EPOCHS), '--noplots', '--amp', 'true', '--name', 'killed'], base);
  await waitForEpoch(last, 1, run.done);
  run.child.kill('SIGKILL');
  assert.equal((await run.done).signal, 'SIGKILL');
  assert.deepEqual(JSON.parse(checkpointMeta(last).scaler!), {}); // bfloat16 needs no loss scaling
  const resumed = await runCli(['train', '--resume', last], base);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(readFileSync(join(project, 'killed', 'results.csv'), 'utf8'), uninterrupted);
});

test('--amp takes auto, true or false only', async () => {
  const r = await runCli([...baseArgs(data, project), '--epochs', '1', '--amp', 'sometimes', '--name', 'bad'], base);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--amp.*'sometimes'/);
});
