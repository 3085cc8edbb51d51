// #24 item 1: NaN that the training loss does not show yet. A run whose last optimizer step of an epoch wrecks the
// weights validates them with NaN losses and outputs: it stops at that epoch with a failing exit status, and
// last/best stay the previous epoch's finite checkpoints (YOLOv5 v7.0 has no such guard: it saves them and goes on).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateDigits } from '../../src/data/digits.ts';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { baseArgs, makeDigits, readResults, REPO, runCli } from './harness.ts';

let base = '';
let data16 = '';
let data8 = '';

before(async () => {
  ({ base, data: data16 } = await makeDigits('nan-val'));
  // 8 training scenes at batch 8: one batch, so one optimizer step per epoch, right before validation.
  data8 = (await generateDigits({ out: join(base, 'digits8'), train: 8, val: 8, img: 96, seed: 5, log: () => {} })).yamlPath;
});
after(() => rmSync(base, { recursive: true, force: true }));

function hypWith(name: string, key: string, value: string): string {
  const f = join(base, name);
  writeFileSync(f, readFileSync(join(REPO, 'configs', 'hyps', 'hyp.digits.yaml'), 'utf8').replace(new RegExp(`^${key}: .*$`, 'm'), `${key}: ${value}`));
  return f;
}

function argsWith(data: string, hyp: string, project: string): string[] {
  const args = baseArgs(data, project);
  args[args.indexOf('hyp.digits.yaml')] = hyp;
  return args;
}

/** Every float tensor of a checkpoint finite, and its epoch. */
function checkpointEpoch(file: string): string {
  const ck = readSafetensors(file);
  for (const [k, t] of ck.tensors) if (t.dtype === 'float32') assert.ok((t.data as Float32Array).every(Number.isFinite), `${file}: ${k} is finite`);
  return ck.metadata.epoch!;
}

test("the issue's case: lr0 1e8 on 16 scenes — epoch 0's validation is NaN, the run stops, no checkpoint is written", async () => {
  // Warmup raises the weights' lr from 0: the step after batch 1 (lr0/100 = 1e6) wrecks them, before epoch 0's
  // validation; every training loss of the epoch was finite.
  const project = join(base, 'runs', 'issue');
  const run = await runCli([...argsWith(data16, hypWith('hyp.lr0.yaml', 'lr0', '1.0e+8'), project), '--epochs', '2', '--noplots'], base);
  assert.notEqual(run.code, 0);
  assert.equal(run.signal, null);
  assert.match(run.stderr, /^tsyolo: error: validation loss is non-finite \(box NaN, obj NaN, cls NaN\) and the model gave non-finite outputs for 8 of 8 validation images at epoch 0: stopping; no checkpoint was saved yet$/m);
  assert.ok(!existsSync(join(project, 'exp', 'weights', 'last.safetensors')));
  assert.ok(!existsSync(join(project, 'exp', 'weights', 'best.safetensors')));
  assert.ok(!existsSync(join(project, 'exp', 'results.csv')) || readResults(join(project, 'exp', 'results.csv')).rows.length === 0, 'no row of NaN');
});

test('divergence in the last step of epoch 1 stops at epoch 1; last and best stay epoch 0’s finite checkpoints', async () => {
  // Linear LR with lrf = 1e32: epoch 0 trains at the usual lr, epoch 1's single step at ~1e29.
  const project = join(base, 'runs', 'epoch1');
  const run = await runCli([...argsWith(data8, hypWith('hyp.lrf.yaml', 'lrf', '1.0e+32'), project), '--epochs', '3', '--noplots'], base);
  assert.notEqual(run.code, 0);
  const last = join(project, 'exp', 'weights', 'last.safetensors');
  assert.match(run.stderr, /tsyolo: error: validation loss is non-finite .* at epoch 1: stopping; the last good checkpoint is .*exp\/weights\/last\.safetensors/);
  assert.doesNotMatch(run.stderr, /loss is NaN at epoch/, 'caught by validation, before the next training loss');
  assert.deepEqual(readdirSync(join(project, 'exp', 'weights')).sort(), ['best.safetensors', 'last.safetensors'], 'no temp files left');
  assert.equal(checkpointEpoch(last), '0');
  assert.equal(checkpointEpoch(join(project, 'exp', 'weights', 'best.safetensors')), '0');
  assert.deepEqual(readResults(join(project, 'exp', 'results.csv')).rows.map((r) => r[0]), [0], 'no row for the diverged epoch');
  // The kept checkpoint is sound: val runs it without a non-finite warning.
  const v = await runCli(['val', '--weights', last, '--data', data8, '--img', '96', '--workers', '0', '--project', join(base, 'runs', 'val')], base);
  assert.equal(v.code, 0, v.stderr);
  assert.doesNotMatch(v.stdout, /non-finite/);
});

test('--noval: an epoch that is not validated is probed before saving; the same divergence stops there', async () => {
  const project = join(base, 'runs', 'noval');
  const run = await runCli([...argsWith(data8, join(base, 'hyp.lrf.yaml'), project), '--epochs', '3', '--noplots', '--noval'], base);
  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /tsyolo: error: the EMA model gives non-finite outputs \(NaN\/inf\) at epoch 1 \(\d+ values on a grey 96x96 image\): stopping without saving it; the last good checkpoint is .*last\.safetensors/);
  assert.equal(checkpointEpoch(join(project, 'exp', 'weights', 'last.safetensors')), '0');
  assert.deepEqual(readResults(join(project, 'exp', 'results.csv')).rows.map((r) => r[0]), [0]);
});
