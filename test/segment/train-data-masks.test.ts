// Polygon rasterisation against YOLOv5 v7.0's polygon2mask / polygons2masks / polygons2masks_overlap (cv2.fillPoly
// and cv2.resize, test/fixtures/segment/make_data_polygon_masks.py): every mask equal, pixel for pixel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { readNpyFile } from '../../src/io/npy.ts';
import { polygon2mask, polygons2masks, polygons2masksOverlap } from '../../src/data/polygon-masks.ts';

const FIX = new URL('../fixtures/segment/', import.meta.url).pathname;
const meta = JSON.parse(readFileSync(`${FIX}data_masks_expected.json`, 'utf8'));
const { h: H, w: W } = meta as { h: number; w: number };
const flat = readNpyFile(`${FIX}data_polygons.npy`).data as Float32Array;
const lengths = readNpyFile(`${FIX}data_polygon_lengths.npy`).data as Int32Array;
const polys: Float32Array[] = [];
for (let i = 0, o = 0; i < lengths.length; o += 2 * lengths[i]!, i++) polys.push(flat.subarray(o, o + 2 * lengths[i]!));

function mismatches(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

test('fillPoly: each polygon filled as cv2.fillPoly does (concave, self-intersecting, outside the image, slivers)', () => {
  const exp = readNpyFile(`${FIX}data_masks_fill.npy`);
  assert.deepEqual(exp.shape, [polys.length, H, W]);
  const size = H * W;
  polys.forEach((p, i) => {
    const got = polygon2mask(H, W, p);
    const want = (exp.data as Uint8Array).subarray(i * size, (i + 1) * size);
    assert.equal(mismatches(got, want), 0, `polygon ${i} (${p.length / 2} points)`);
  });
  // Not all trivially empty or full.
  const filled = polys.map((p) => polygon2mask(H, W, p).reduce((s, v) => s + v, 0));
  assert.ok(filled.filter((n) => n > 0 && n < size).length > 30);
});

for (const ratio of [2, 3, 4]) {
  test(`polygons2masks with downsample_ratio ${ratio} (cv2.resize INTER_LINEAR${ratio === 2 ? ', its INTER_AREA fast path' : ''}) equals v7.0's`, () => {
    const exp = readNpyFile(`${FIX}data_masks_r${ratio}.npy`);
    assert.deepEqual(exp.shape, [polys.length, Math.floor(H / ratio), Math.floor(W / ratio)]);
    assert.equal(mismatches(polygons2masks(H, W, polys, 1, ratio), exp.data as Uint8Array), 0);
  });
}

for (const [key, m] of Object.entries(meta.overlap as Record<string, { start: number; stop: number; index: number[] }>)) {
  test(`polygons2masks_overlap (${key}): index mask and area order equal v7.0's`, () => {
    const ratio = Number(key.split('_r')[1]);
    const r = polygons2masksOverlap(H, W, polys.slice(m.start, m.stop), ratio);
    assert.deepEqual(r.index, m.index);
    const exp = readNpyFile(`${FIX}data_overlap_${key}.npy`);
    assert.equal(mismatches(r.mask, exp.data as Uint8Array), 0);
    assert.ok(Math.max(...r.mask) > 1);
  });
}
