// `tsyolo segment train --nproc-per-node 2` on 127.0.0.1 (gloo): one run folder, rank 0 alone logs, each rank loads
// its half of every batch, the four losses reach results.csv, and best.safetensors is a segmentation model that
// `segment val` validates. Bounded: 1 epoch of yolov5n-seg at 64 px, --ddp-timeout 60, a 4-minute test limit.
// And the maths: 2 ranks × B/2 give 1 process × B's gradients through segment/train.py's loss (mask loss included).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateDigits } from '../../src/data/digits.ts';
import { freePort } from '../distributed/helpers/free-port.ts';
import { readResults, runCli } from '../train-cli/harness.ts';

let base = '';
let data = '';

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'tsyolo-segddp-'));
  const r = await generateDigits({ out: join(base, 'digits'), train: 8, val: 4, img: 64, seed: 9, task: 'segment' });
  data = r.yamlPath;
});
after(() => rmSync(base, { recursive: true, force: true }));

test('segment train on 2 ranks: one run folder, rank 0 logs, results.csv with the mask losses, a best checkpoint segment val reads', { timeout: 240_000 }, async () => {
  const project = join(base, 'runs');
  const r = await runCli(['segment', 'train', '--data', data, '--cfg', 'yolov5n-seg.yaml', '--img', '64', '--batch', '4', '--epochs', '1', '--workers', '0', '--project', project, '--nproc-per-node', '2', '--master-port', String(await freePort()), '--ddp-timeout', '60'], base);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /DDP: 2 ranks \(gloo\), rendezvous at 127\.0\.0\.1:\d+/);
  assert.equal(r.stdout.match(/Starting training for 1 epochs/g)?.length, 1, 'only rank 0 logs');
  assert.deepEqual(readdirSync(project), ['exp'], 'both ranks train into one run folder');
  // 8 images, --batch 4 over 2 ranks: 2 per rank, 2 batches per epoch on each.
  assert.match(r.stdout, /box_loss\s+seg_loss\s+obj_loss\s+cls_loss/);
  assert.match(r.stdout, /2\/2 \d\d:\d\d\n/);
  const { rows } = readResults(join(project, 'exp', 'results.csv'));
  assert.equal(rows.length, 1);
  for (const k of [1, 2, 3, 4, 13, 14, 15, 16]) assert.ok(rows[0]![k]! > 0, `column ${k}: ${rows[0]![k]}`);
  for (const f of ['train_batch0.jpg', 'results.png', 'val_batch0_labels.jpg']) assert.ok(existsSync(join(project, 'exp', f)), f);
  const best = join(project, 'exp', 'weights', 'best.safetensors');
  const v = await runCli(['segment', 'val', '--weights', best, '--data', data, '--img', '64', '--workers', '0', '--project', join(base, 'val')], base);
  assert.equal(v.code, 0, v.stderr + v.stdout);
  assert.match(v.stdout, /all\s+4\s+\d+/);
});

test('2 ranks × B/2 give the gradients of 1 process × B through the segment loss (relative difference ≤ 1e-6)', { timeout: 240_000 }, async (t) => {
  const script = fileURLToPath(new URL('./helpers/segment-ddp-rank.ts', import.meta.url));
  const port = await freePort();
  const reports = await Promise.all([0, 1].map((rank) => {
    const env = { ...process.env, RANK: String(rank), WORLD_SIZE: '2', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), OMP_NUM_THREADS: '1' };
    const child = spawn(process.execPath, ['--import', 'tsx', script], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
    let out = '', err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    return new Promise<Record<string, number | string>>((res) => child.on('close', (code) => {
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).pop();
      res({ ...(line ? JSON.parse(line) : { error: `no report; stderr: ${err}` }), code: code ?? -1 });
    }));
  }));
  for (const r of reports) assert.equal(r.code, 0, JSON.stringify(r));
  const r0 = reports[0]!;
  t.diagnostic(`relative difference: all ${r0.globalRel}, worst tensor ${r0.maxRel}, Proto ${r0.protoRel}`);
  assert.ok((r0.tensors as number) > 50 && (r0.protoTensors as number) > 0, 'every parameter, the Proto branch included');
  assert.ok((r0.globalRel as number) <= 1e-6, `all gradients: ${r0.globalRel}`);
  assert.ok((r0.maxRel as number) <= 1e-5, `worst tensor: ${r0.maxRel}`);
  assert.ok((r0.protoRel as number) <= 1e-5, `Proto: ${r0.protoRel}`);
});
