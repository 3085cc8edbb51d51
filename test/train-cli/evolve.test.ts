// `tsyolo train --evolve 2` end to end on tiny digits: the evolve folder v7.0 leaves (evolve.csv, hyp_evolve.yaml,
// evolve.png; no weights, hyp.yaml, opt.yaml or TensorBoard files), then `--evolve 1 --resume` appending a third
// generation to the same evolve.csv, mutated from its rows.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { loadHyp } from '../../src/data/hyp.ts';
import { EVOLVE_SEED_VAR } from '../../src/train/evolve.ts';
import { type CliRun, makeDigits, runCli } from './harness.ts';

let base = '';
let data = '';
let first: CliRun;
let second: CliRun;
/** evolve.csv and hyp_evolve.yaml as the first call left them. */
let firstCsv = '';
let firstYaml = '';
const args = () => ['train', '--data', data, '--cfg', 'yolov5n-shufflenetv2.yaml', '--img', '64', '--batch', '8', '--epochs', '1', '--workers', '0'];

before(async () => {
  ({ base, data } = await makeDigits('evolve'));
  process.env[EVOLVE_SEED_VAR] = '20261206';
  try {
    first = await runCli([...args(), '--evolve', '2'], base);
    firstCsv = readFileSync(join(dir(), 'evolve.csv'), 'utf8');
    firstYaml = readFileSync(join(dir(), 'hyp_evolve.yaml'), 'utf8');
    second = await runCli([...args(), '--evolve', '1', '--resume'], base);
  } finally {
    delete process.env[EVOLVE_SEED_VAR];
  }
});
after(() => rmSync(base, { recursive: true, force: true }));

const dir = () => join(base, 'runs', 'evolve', 'exp');
const csvRows = (text: string) => text.trim().split('\n').slice(1).map((l) => l.split(',').map(Number));

test('--evolve 2 writes runs/evolve/exp: evolve.csv, hyp_evolve.yaml, evolve.png and no checkpoints', () => {
  assert.equal(first.code, 0, first.stderr);
  const files = readdirSync(dir());
  for (const f of ['evolve.csv', 'hyp_evolve.yaml', 'evolve.png']) assert.ok(files.includes(f), `${f} missing; folder has ${files.join(', ')}`);
  for (const f of ['weights', 'hyp.yaml', 'opt.yaml']) assert.ok(!files.includes(f), `${f} must not be written under --evolve`);
  assert.ok(!files.some((f) => f.startsWith('events.out.tfevents')), 'no TensorBoard files under --evolve');
  assert.ok(!existsSync(join(base, 'runs', 'train')), 'the default project becomes runs/evolve');
  const png = readFileSync(join(dir(), 'evolve.png'));
  assert.equal(png.readUInt32BE(16), 2000);
  assert.equal(png.readUInt32BE(20), 2400);
  assert.match(first.stdout, /evolve: 2 generations finished, current result:/);
  assert.match(first.stdout, /Hyperparameter evolution finished 2 generations\nResults saved to runs\/evolve\/exp\nUsage example: \$ tsyolo train --hyp runs\/evolve\/exp\/hyp_evolve.yaml/);
  // Each generation validates its final (only) epoch and trains with anchors from the hyp (v7.0's anchors: 3).
  assert.match(first.stdout, /Overriding model.yaml anchors with anchors=3\n/);
  assert.equal((first.stdout.match(/Starting training for 1 epochs/g) ?? []).length, 2);
});

test('evolve.csv: v7.0’s header, the first generation unmutated (the hyp file within the limits), the second mutated', () => {
  const text = firstCsv;
  const header = text.split('\n')[0]!.split(',');
  assert.equal(header.length, 7 + 29);
  assert.ok(header.every((h) => h.length >= 20), 'each name padded to 20 (%20s)');
  assert.deepEqual(header.slice(0, 4).map((h) => h.trim()), ['metrics/precision', 'metrics/recall', 'metrics/mAP_0.5', 'metrics/mAP_0.5:0.95']);
  assert.equal(header.at(-1)!.trim(), 'anchors');
  const rows = csvRows(text);
  assert.equal(rows.length, 2);
  const keys = header.map((h) => h.trim());
  const col = (row: number[], k: string) => row[keys.indexOf(k)]!;
  // hyp.scratch-low.yaml, the default --hyp.
  assert.equal(col(rows[0]!, 'lr0'), 0.01);
  assert.equal(col(rows[0]!, 'momentum'), 0.937);
  assert.equal(col(rows[0]!, 'anchors'), 3);
  const changed = keys.slice(7).filter((k) => col(rows[1]!, k) !== col(rows[0]!, k));
  assert.ok(changed.length > 0, 'generation 2 mutates its parent');
  for (const k of ['iou_t', 'fl_gamma', 'perspective', 'fliplr']) assert.equal(col(rows[1]!, k), col(rows[0]!, k), `${k} has mutation scale 0`);
  for (const r of rows) for (const v of r) assert.ok(Number.isFinite(v));
});

test('hyp_evolve.yaml: v7.0’s comment header and the best generation’s hyperparameters, usable as --hyp', () => {
  const text = firstYaml;
  assert.match(text, /^# YOLOv5 Hyperparameter Evolution Results\n# Best generation: [01]\n# Last generation: 1\n# {4}metrics\/precision, {7}metrics\/recall,/);
  const doc = parseYaml(text) as Record<string, number>;
  assert.equal(Object.keys(doc).length, 29);
  assert.ok(doc.anchors! >= 2 && doc.anchors! <= 10);
  // What --hyp reads: every key checked, anchors kept (v7.0's anchors per level).
  assert.equal(loadHyp(join(dir(), 'hyp_evolve.yaml')).anchors, parseYaml(readFileSync(join(dir(), 'hyp_evolve.yaml'), 'utf8')).anchors);
});

test('--evolve 1 --resume continues the same evolve.csv: a third generation mutated from its rows', () => {
  assert.equal(second.code, 0, second.stderr);
  assert.ok(!existsSync(join(base, 'runs', 'evolve', 'exp2')), '--resume reuses the folder');
  const text = readFileSync(join(dir(), 'evolve.csv'), 'utf8');
  assert.ok(text.startsWith(firstCsv), 'the first two generations are kept as they were');
  const rows = csvRows(text);
  assert.equal(rows.length, 3);
  assert.notDeepEqual(rows[2]!.slice(7), rows[0]!.slice(7));
  assert.notDeepEqual(rows[2]!.slice(7), rows[1]!.slice(7));
  assert.match(second.stdout, /evolve: continuing runs\/evolve\/exp\/evolve.csv \(2 generations\)/);
  assert.match(second.stdout, /evolve: 3 generations finished, current result:/);
  assert.match(readFileSync(join(dir(), 'hyp_evolve.yaml'), 'utf8'), /# Last generation: 2\n/);
});

test('bad --evolve values are refused naming the flag', async () => {
  const r = await runCli([...args(), '--evolve', '0'], base);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--evolve takes a number of generations ≥ 1 \(alone: 300\), got '0'/);
});

test('--evolve with --nproc-per-node: each generation trains on 2 DDP ranks, the loop stays in the launcher', async () => {
  const project = join(base, 'runs', 'evolve-ddp');
  process.env[EVOLVE_SEED_VAR] = '7';
  let r: CliRun;
  try {
    r = await runCli([...args(), '--evolve', '2', '--nproc-per-node', '2', '--project', project], base);
  } finally {
    delete process.env[EVOLVE_SEED_VAR];
  }
  assert.equal(r.code, 0, r.stderr);
  const rows = csvRows(readFileSync(join(project, 'exp', 'evolve.csv'), 'utf8'));
  assert.equal(rows.length, 2);
  assert.notDeepEqual(rows[1]!.slice(7), rows[0]!.slice(7));
  assert.ok(existsSync(join(project, 'exp', 'evolve.png')));
  assert.ok(!existsSync(join(project, 'exp', 'weights')));
  assert.match(r.stdout, /evolve: 2 generations finished/);
});
