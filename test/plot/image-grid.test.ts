import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { classColor } from '../../src/plot/colors.ts';
import { mosaicLayout, plotImages } from '../../src/plot/image-grid.ts';

test('mosaicLayout: square grid filled column by column, shrunk to maxSize', () => {
  const seven = mosaicLayout(7, 640, 640);
  assert.equal(seven.gridSize, 3);
  assert.deepEqual([seven.width, seven.height, seven.scale], [1920, 1920, 1]);
  assert.deepEqual(seven.origins, [[0, 0], [0, 640], [0, 1280], [640, 0], [640, 640], [640, 1280], [1280, 0]]);

  const sixteen = mosaicLayout(16, 640, 640); // scale = 1920 / 4 / 640 = 0.75
  assert.deepEqual([sixteen.gridSize, sixteen.tileWidth, sixteen.tileHeight, sixteen.scale], [4, 480, 480, 0.75]);
  assert.equal(mosaicLayout(32, 640, 640).tiles, 16); // max_subplots

  const wide = mosaicLayout(2, 300, 1000); // ns = 2, scale = 1920 / 2 / 1000 = 0.96
  assert.deepEqual([wide.tileWidth, wide.tileHeight], [960, 288]); // ceil(0.96 * 300) = 288
  assert.deepEqual(mosaicLayout(1, 64, 48).origins, [[0, 0]]);
});

const H = 120, W = 160;

function batch(n: number): Uint8Array {
  const images = new Uint8Array(n * 3 * H * W);
  for (let i = 0; i < n; i++) images.fill(20 + 40 * i, i * 3 * H * W, (i + 1) * 3 * H * W); // flat grey per image
  return images;
}

async function decode(file: string) {
  const { data, info } = await sharp(file).raw().toBuffer({ resolveWithObject: true });
  const at = (x: number, y: number) => {
    const i = (y * info.width + x) * info.channels;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
  return { info, at };
}

test('plotImages tiles a 5-image batch on a 3x3 grid with label boxes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsyolo-grid-'));
  try {
    // image 1, class 2, normalised box centred in the tile, 0.5 x 0.5 of it
    const targets = new Float32Array([1, 2, 0.5, 0.5, 0.5, 0.5]);
    // PNG keeps the 1-pixel box lines exact; the JPEG YOLOv5 writes is checked for format and size
    const file = join(dir, 'train_batch0.png');
    const layout = await plotImages({ images: batch(5), shape: [5, 3, H, W], targets, names: ['a', 'b', 'c'], path: file });
    assert.deepEqual([layout.tiles, layout.gridSize, layout.width, layout.height], [5, 3, 3 * W, 3 * H]);
    const { info, at } = await decode(file);
    assert.deepEqual([info.width, info.height], [3 * W, 3 * H]);
    // image i sits at column floor(i/3), row i%3: image 4 → (W, H); grid cell (2W, 2H) is empty (white)
    assert.deepEqual(at(W + W / 2, H + H / 2), [180, 180, 180], 'image 4 centre');
    assert.deepEqual(at(W / 2, 2 * H + H / 2), [100, 100, 100], 'image 2 centre');
    assert.deepEqual(at(2 * W + W / 2, 2 * H + H / 2), [255, 255, 255], 'empty cell');
    // image 1's box: x from 0.25W to 0.75W, y from H + 0.25H to H + 0.75H
    assert.deepEqual(at(W / 4, H + H / 2), [...classColor(2)], 'box edge');
    assert.deepEqual(at(W / 2, H + H / 2), [60, 60, 60], 'box inside unchanged');
    const jpg = join(dir, 'train_batch0.jpg');
    await plotImages({ images: batch(5), shape: [5, 3, H, W], targets, path: jpg });
    const meta = await sharp(jpg).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 3 * W, 3 * H]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('plotImages draws predictions above 0.25 confidence only, in pixel coordinates', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsyolo-grid-'));
  try {
    // [image, cls, cx, cy, w, h, conf] in pixels
    const preds = new Float32Array([0, 0, 80, 60, 80, 60, 0.9, 1, 5, 80, 60, 80, 60, 0.2]);
    const file = join(dir, 'val_batch0_pred.png');
    await plotImages({ images: batch(2), shape: [2, 3, H, W], targets: preds, targetColumns: 7, path: file });
    const { info, at } = await decode(file);
    assert.deepEqual([info.width, info.height], [2 * W, 2 * H]);
    assert.deepEqual(at(40, 60), [...classColor(0)], 'kept box edge');
    assert.deepEqual(at(40, H + 60), [60, 60, 60], 'dropped box edge');
    await assert.rejects(
      plotImages({ images: batch(2), shape: [2, 3, H, W], targets: preds.subarray(1), targetColumns: 7, path: file }),
      /rows of 7/,
    );
    await assert.rejects(plotImages({ images: batch(1), shape: [2, 3, H, W], path: file }), /does not match shape/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
