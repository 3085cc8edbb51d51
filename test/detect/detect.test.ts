// tsyolo detect on a folder of images, as a user runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
const weights = fileURLToPath(new URL('../fixtures/yolov5n-shufflenetv2.pt', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

test('detect: annotated images at the original size, YOLO-format labels, unreadable files skipped by name', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-detect-'));
  const src = join(dir, 'images');
  mkdirSync(src);
  await sharp({ create: { width: 300, height: 200, channels: 3, background: { r: 200, g: 60, b: 40 } } }).jpeg().toFile(join(src, 'wide.jpg'));
  await sharp({ create: { width: 160, height: 240, channels: 3, background: { r: 20, g: 90, b: 200 } } }).png().toFile(join(src, 'tall.png'));
  writeFileSync(join(src, 'broken.jpg'), 'this is text, not a JPEG');
  // The fixture's random weights give low scores: a tiny threshold still exercises boxes, labels and drawing.
  const r = run('detect', '--weights', weights, '--source', src, '--img', '320', '--conf-thres', '0.0001', '--save-txt', '--save-conf', '--project', join(dir, 'runs'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /image 1\/3 .*broken\.jpg|WARNING ⚠️ skipping .*broken\.jpg/);
  assert.match(r.stdout, /Speed: [\d.]+ms pre-process, [\d.]+ms inference, [\d.]+ms NMS per image at shape \(1, 3, 320, 320\)/);
  const out = join(dir, 'runs', 'exp');
  assert.deepEqual(readdirSync(out).sort(), ['labels', 'tall.png', 'wide.jpg']);
  const meta = await sharp(join(out, 'wide.jpg')).metadata();
  assert.deepEqual([meta.width, meta.height], [300, 200]);
  const lines = readFileSync(join(out, 'labels', 'wide.txt'), 'utf8').trim().split('\n');
  assert.ok(lines.length > 0);
  for (const line of lines) {
    const v = line.split(' ').map(Number);
    assert.equal(v.length, 6); // cls cx cy w h conf
    assert.ok(Number.isInteger(v[0]) && v[0]! >= 0 && v[0]! < 80);
    for (const x of v.slice(1, 5)) assert.ok(x >= 0 && x <= 1, line);
  }
  // A second run goes to exp2, leaving the first untouched.
  const r2 = run('detect', '--weights', weights, '--source', join(src, 'wide.jpg'), '--img', '320', '--nosave', '--save-txt', '--project', join(dir, 'runs'));
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(readdirSync(join(dir, 'runs')).includes('exp2'));
});

test('detect: an empty or missing source is a clear error with a non-zero exit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-detect-'));
  const r = run('detect', '--weights', weights, '--source', dir, '--project', join(dir, 'runs'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no images found in source/);
  const r2 = run('detect', '--weights', weights, '--source', join(dir, 'nope'));
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /nope does not exist/);
});

test('detect: --img off the stride grid is rounded up to it with YOLOv5\'s warning (check_img_size)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-detect-img-'));
  const src = join(dir, 'a.png');
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 9, g: 9, b: 9 } } }).png().toFile(src);
  const r = run('detect', '--weights', weights, '--source', src, '--img', '31', '--nosave', '--project', join(dir, 'runs'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout + r.stderr, /WARNING ⚠️ --img-size 31 must be multiple of max stride 32, updating to 32/);
  assert.match(r.stdout, /per image at shape \(1, 3, 32, 32\)/);
});
