// `tsyolo data digits --task segment` and `tsyolo segment train` through the CLI: polygon labels on disk, a 1-epoch
// run of yolov5n-seg with loader workers writes the run folder with v7.0's segment results.csv header (made by
// v7.0's GenericLogger with utils/segment/metrics.py KEYS: test/fixtures/segment/make_train_results_header.py),
// and the bad inputs: a detection dataset (boxes only), a polygon of fewer than 3 points, a detection model.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateDigits } from '../../src/data/digits.ts';
import { readResults, runCli } from '../train-cli/harness.ts';

const FIX = new URL('../fixtures/segment/', import.meta.url).pathname;
let base = '';
let data = '';

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'tsyolo-segtrain-'));
  const r = await runCli(['data', 'digits', '--task', 'segment', '--out', join(base, 'digits'), '--train', '8', '--val', '4', '--img', '64'], base);
  assert.equal(r.code, 0, r.stderr);
  data = join(base, 'digits', 'data.yaml');
});
after(() => rmSync(base, { recursive: true, force: true }));

const trainArgs = (d: string, name: string, extra: string[] = []) => ['segment', 'train', '--data', d, '--cfg', 'yolov5n-seg.yaml', '--img', '64', '--batch', '4', '--epochs', '1', '--project', join(base, 'runs'), '--name', name, ...extra];

test('data digits --task segment: every label row is a class and a polygon of ≥ 3 points inside the image', () => {
  const text = readFileSync(join(base, 'digits', 'labels', 'train', '00000.txt'), 'utf8').trim().split('\n');
  assert.ok(text.length > 0);
  for (const line of text) {
    const v = line.split(' ').map(Number);
    assert.ok(v.length >= 7 && (v.length - 1) % 2 === 0, line);
    assert.ok(v.slice(1).every((x) => x >= 0 && x <= 1), line);
  }
});

test('segment train: 1 epoch (loader workers) writes the run folder with v7.0 segment/train.py results.csv header', async () => {
  const r = await runCli([...trainArgs(data, 'exp', ['--workers', '1'])], base);
  assert.equal(r.code, 0, r.stderr);
  const dir = join(base, 'runs', 'exp');
  const { header, rows } = readResults(join(dir, 'results.csv'));
  assert.equal(`${header}\n`, readFileSync(`${FIX}train_results_header.txt`, 'utf8'));
  assert.equal(rows.length, 1);
  const row = rows[0]!;
  assert.equal(row.length, 20);
  assert.ok(row.every(Number.isFinite));
  // The four training and the four val losses are positive (the mask losses included).
  for (const k of [1, 2, 3, 4, 13, 14, 15, 16]) assert.ok(row[k]! > 0, `column ${k}: ${row[k]}`);
  for (const f of ['weights/last.safetensors', 'weights/best.safetensors', 'hyp.yaml', 'opt.yaml', 'labels.jpg', 'train_batch0.jpg']) assert.ok(existsSync(join(dir, f)), f);
  // The progress header names the four losses, as segment/train.py prints it.
  assert.match(r.stdout, /Epoch\s+GPU_mem\s+box_loss\s+seg_loss\s+obj_loss\s+cls_loss\s+Instances\s+Size/);
});

test('bad input: a detection dataset (boxes only) is refused, naming the file and line', async () => {
  const out = join(base, 'det');
  await generateDigits({ out, train: 4, val: 2, img: 64, seed: 3 });
  const r = await runCli(trainArgs(join(out, 'data.yaml'), 'det', ['--workers', '0']), base);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /labels\/train\/00000\.txt:1: a box row .* detection dataset/);
  assert.ok(!existsSync(join(base, 'runs', 'det')), 'no run folder for a refused run');
});

test('bad input: a polygon of fewer than 3 points is an error naming the label file and line', async () => {
  const out = join(base, 'short');
  await generateDigits({ out, train: 4, val: 2, img: 64, seed: 3, task: 'segment' });
  const file = join(out, 'labels', 'train', '00001.txt');
  writeFileSync(file, `${readFileSync(file, 'utf8')}2 0.1 0.1 0.2 0.2\n`);
  const lines = readFileSync(file, 'utf8').trim().split('\n').length;
  const r = await runCli(trainArgs(join(out, 'data.yaml'), 'short', ['--workers', '0']), base);
  assert.equal(r.code, 1, r.stdout);
  assert.ok(r.stderr.includes(`00001.txt:${lines}: a polygon needs at least 3 points, got 2`), r.stderr);
});

test('bad input: a detection model is refused with a clear message', async () => {
  const r = await runCli(['segment', 'train', '--data', data, '--cfg', 'yolov5n.yaml', '--img', '64', '--batch', '4', '--epochs', '1', '--workers', '0', '--project', join(base, 'runs'), '--name', 'detmodel'], base);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /Detect head: segmentation training needs a segmentation model/);
});

test('bad input: tsyolo train (detection) with a segmentation model points to segment train', async () => {
  const r = await runCli(['train', '--data', data, '--cfg', 'yolov5n-seg.yaml', '--img', '64', '--batch', '4', '--epochs', '1', '--workers', '0', '--project', join(base, 'runs'), '--name', 'segasdet'], base);
  assert.equal(r.code, 1, r.stdout);
  assert.match(r.stderr, /is a segmentation model \(Segment head\): train it with 'tsyolo segment train'/);
});
