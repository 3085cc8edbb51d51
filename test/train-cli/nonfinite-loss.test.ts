// A loss that becomes NaN/inf stops the run with a message naming the epoch and batch, a failing exit status, and
// the last good checkpoint left as it was.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readSafetensors } from '../../src/io/safetensors.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { baseArgs, makeDigits, readResults, REPO, runCli } from './harness.ts';

let base = '';
let data = '';

before(async () => ({ base, data } = await makeDigits('nan')));
after(() => rmSync(base, { recursive: true, force: true }));

test('a diverging run stops at the first non-finite loss and keeps the last good checkpoint', async () => {
  // Linear LR: lf(e) = (1 − e/epochs)(1 − lrf) + lrf. With lrf = 1e32, epoch 0 trains at the usual lr (lf(0) = 1)
  // and epoch 1's lr jumps to ~5e29: the weights blow up on its first steps.
  const hyp = join(base, 'hyp.diverge.yaml');
  writeFileSync(hyp, readFileSync(join(REPO, 'configs', 'hyps', 'hyp.digits.yaml'), 'utf8').replace(/^lrf: .*$/m, 'lrf: 1.0e+32'));
  const project = join(base, 'runs', 'train');
  const args = baseArgs(data, project);
  args[args.indexOf('hyp.digits.yaml')] = hyp;
  const run = await runCli([...args, '--epochs', '3', '--noplots'], base);

  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /tsyolo: error: loss is (NaN|-?Infinity) at epoch 1, batch \d: stopping; the last good checkpoint is .*last\.safetensors/);
  const weights = join(project, 'exp', 'weights');
  assert.deepEqual(readdirSync(weights).sort(), ['best.safetensors', 'last.safetensors'], 'no temp files left');
  const last = readSafetensors(join(weights, 'last.safetensors'));
  assert.equal(last.metadata.epoch, '0', 'last is epoch 0’s checkpoint');
  for (const [k, t] of last.tensors) {
    if (t.dtype === 'float32') assert.ok((t.data as Float32Array).every(Number.isFinite), `${k} is finite`);
  }
  const { model } = loadModel(join(weights, 'last.safetensors'));
  model.dispose();
  assert.deepEqual(readResults(join(project, 'exp', 'results.csv')).rows.map((r) => r[0]), [0]);
});

test('divergence before any checkpoint says so and leaves earlier runs alone', async () => {
  // Warmup starts the bias lr at warmup_bias_lr: 1e30 wrecks the biases on the very first step (batch 0), so the
  // loss of batch 1 is already non-finite.
  const hyp = join(base, 'hyp.bias.yaml');
  writeFileSync(hyp, readFileSync(join(REPO, 'configs', 'hyps', 'hyp.digits.yaml'), 'utf8').replace(/^warmup_bias_lr: .*$/m, 'warmup_bias_lr: 1.0e+30'));
  const project = join(base, 'runs', 'train');
  const earlier = readFileSync(join(project, 'exp', 'weights', 'last.safetensors'));
  const args = baseArgs(data, project);
  args[args.indexOf('hyp.digits.yaml')] = hyp;
  const run = await runCli([...args, '--epochs', '2', '--noplots'], base);

  assert.notEqual(run.code, 0);
  assert.match(run.stderr, /loss is (NaN|-?Infinity) at epoch 0, batch 1: stopping; no checkpoint was saved yet/);
  assert.deepEqual(readdirSync(join(project, 'exp2', 'weights')), []);
  assert.ok(readFileSync(join(project, 'exp', 'weights', 'last.safetensors')).equals(earlier));
});
