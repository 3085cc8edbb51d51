// Flags as YOLOv5 users type them: --conf/--iou (argparse prefixes of --conf-thres/--iou-thres) in detect and
// val, and sizes that must be positive.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { generateDigits } from '../../src/data/digits.ts';
import { saveSafetensorsCheckpoint } from '../../src/yolo/checkpoint.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const weights = fileURLToPath(new URL('../fixtures/yolov5n-shufflenetv2.pt', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'tsyolo-flags-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('detect: --conf and --iou set the thresholds', async () => {
  const src = join(dir, 'images');
  mkdirSync(src);
  await sharp({ create: { width: 200, height: 160, channels: 3, background: { r: 120, g: 60, b: 40 } } }).jpeg().toFile(join(src, 'a.jpg'));
  const labels = (conf: string, name: string) => {
    const r = run('detect', '--weights', weights, '--source', src, '--img', '160', '--conf', conf, '--iou', '0.3', '--save-txt', '--nosave', '--project', join(dir, 'runs'), '--name', name);
    assert.equal(r.status, 0, r.stderr);
    const folder = join(dir, 'runs', name, 'labels');
    return existsSync(folder) ? readdirSync(folder) : [];
  };
  // The fixture's random weights score every box low: a tiny threshold keeps some, 0.99 none.
  assert.deepEqual(labels('0.0001', 'low'), ['a.txt']);
  assert.deepEqual(labels('0.99', 'high'), []);
});

test('val: --conf and --iou are accepted', async () => {
  const { yamlPath } = await generateDigits({ out: join(dir, 'digits'), train: 2, val: 4, img: 96, seed: 1 });
  const { model } = loadModel('yolov5n-shufflenetv2.yaml', { nc: 10 });
  const n10 = join(dir, 'n10.safetensors');
  saveSafetensorsCheckpoint(n10, model);
  model.dispose();
  const r = run('val', '--weights', n10, '--data', yamlPath, '--img', '96', '--conf', '0.5', '--iou', '0.5', '--workers', '0', '--json', '--project', join(dir, 'val'));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).images, 4);
});

test('info --img 0 is refused, not summarised at 0 GFLOPs', () => {
  const r = run('info', '--cfg', 'yolov5n.yaml', '--img', '0');
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), "tsyolo: error: --imgsz must be a positive integer, got '0'");
});
