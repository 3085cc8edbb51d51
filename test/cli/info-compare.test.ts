// `tsyolo info` and `tsyolo compare` from the command line, as a user runs them.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('info --json prints the summary numbers', () => {
  const r = run('info', '--cfg', 'yolov5n-shufflenetv2.yaml', '--json');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { layers: 205, parameters: 917157, gradients: 917157, gflops: 1.9 });
});

test('info prints the layer table, and --fuse a second summary', () => {
  const r = run('info', '--cfg', 'yolov5n.yaml', '--fuse', '--img', '320');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, / {2}0 {16}-1 {2}1 {6}1760 {2}models\.common\.Conv {22}\[3, 16, 6, 2, 2\]/);
  assert.match(r.stdout, /YOLOv5n summary: 214 layers, 1872157 parameters, 1872157 gradients, 1\.1 GFLOPs/);
  assert.match(r.stdout, /Fusing layers\.\.\. \nYOLOv5n summary: 157 layers, 1867405 parameters/);
});

test("compare prints the seed's headline: yolov5l → yolov5l-shufflenetv2 is 109.6 → 41.9 GFLOPs (−61.8%)", () => {
  const r = run('compare', 'yolov5l.yaml', 'yolov5l-shufflenetv2.yaml', '--project', join(mkdtempSync(join(tmpdir(), 'tsyolo-compare-')), 'runs'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /yolov5l\.yaml\s+368\s+46563709\s+109\.6/);
  assert.match(r.stdout, /yolov5l-shufflenetv2\.yaml\s+362\s+21644789\s+41\.9\s+-53\.5%\s+-61\.8%/);
});

test('info --weights reads a YOLOv5 .pt checkpoint', () => {
  const r = run('info', '--weights', fileURLToPath(new URL('../fixtures/yolov5n.pt', import.meta.url)), '--json');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.parameters, 1872157);
  assert.equal(out.checkpoint.nc, 80);
});

test('bad input: a missing config exits non-zero with a clear message', () => {
  const r = run('info', '--cfg', 'does-not-exist.yaml');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /tsyolo: error: model config 'does-not-exist\.yaml' not found/);
});
