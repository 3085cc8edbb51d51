// `tsyolo train --image-weights` and `--quad` through the CLI: 1-epoch runs complete, --quad trains on 2× images
// (the progress line's Size column), and v7.0's refusals (DDP with --image-weights; a batch too small to quad).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { baseArgs, makeDigits, readResults, runCli } from './harness.ts';

let base = '';
let data = '';
let project = '';

before(async () => {
  ({ base, data } = await makeDigits('sampling'));
  project = join(base, 'runs', 'train');
});
after(() => rmSync(base, { recursive: true, force: true }));

test('--image-weights: a 1-epoch run (loader workers) completes with its results row and weights', async () => {
  const args = baseArgs(data, project);
  args[args.indexOf('--workers') + 1] = '2';
  const r = await runCli([...args, '--image-weights', '--epochs', '1', '--noplots', '--name', 'iw'], base);
  assert.equal(r.code, 0, r.stderr);
  const { rows } = readResults(join(project, 'iw', 'results.csv'));
  assert.equal(rows.length, 1);
  assert.ok(rows[0]!.every(Number.isFinite));
  assert.ok(existsSync(join(project, 'iw', 'weights', 'best.safetensors')));
});

test('--quad: a 1-epoch run trains on 4-into-1 images of twice the size (Size 192 at --img 96)', async () => {
  const r = await runCli([...baseArgs(data, project), '--quad', '--epochs', '1', '--noplots', '--name', 'quad'], base);
  assert.equal(r.code, 0, r.stderr);
  // The progress row: epoch, GPU_mem, 3 losses, instances, then the batch images' width (imgs.shape[-1]).
  assert.match(r.stdout, /0\/0\s+\S+(\s+\S+){4}\s+192: /);
  assert.equal(readResults(join(project, 'quad', 'results.csv')).rows.length, 1);
});

test('--image-weights with DDP ranks is refused with v7.0’s message, before any rank or run folder', async () => {
  const r = await runCli([...baseArgs(data, project), '--image-weights', '--nproc-per-node', '2', '--epochs', '1', '--name', 'iwddp'], base);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /--image-weights is not compatible with YOLOv5 Multi-GPU DDP training/);
  assert.ok(!existsSync(join(project, 'iwddp')));
});

test('--quad with fewer than 4 images in a batch is refused before training', async () => {
  const args = baseArgs(data, project);
  args[args.indexOf('--batch') + 1] = '14'; // 16 training images: batches of 14 and 2
  const r = await runCli([...args, '--quad', '--epochs', '1', '--noplots', '--name', 'quadsmall'], base);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /--quad collates every 4 images of a batch into one, but the last batch of each epoch holds 2 image\(s\)/);
  assert.ok(!existsSync(join(project, 'quadsmall')) || readdirSync(join(project, 'quadsmall')).length === 0);
});
