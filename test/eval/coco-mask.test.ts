// pycocotools' mask API in TypeScript (src/eval/coco-mask.ts) against pycocotools itself: polygons to RLE
// (frPyObjects, incl. repeated points, coordinates outside the image and on the rounding edges), merge (union and
// intersection), area, toBbox, decode, encode, uncompressed RLE, boxes (frBbox), the counts string codec and IoU with
// iscrowd. Expected values: test/fixtures/analysis/coco/make_mask_api.py.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  encodeRle,
  type Rle,
  rleArea,
  rleDecode,
  rleFromBbox,
  rleFromPolygon,
  rleFromString,
  rleIou,
  rleMerge,
  rleToBbox,
  rleToString,
  segmentationToRle,
} from '../../src/eval/coco-mask.ts';

const file = fileURLToPath(new URL('../fixtures/analysis/coco/mask_api.json', import.meta.url));
interface Fixture {
  polygons: Array<{ h: number; w: number; polygon: number[]; counts: string; area: number; bbox: number[]; mask: string }>;
  merges: Array<{ idx: number[]; union: string; union_size: [number, number]; intersect: string; intersect_size: [number, number] }>;
  encodes: Array<{ h: number; w: number; mask: string; counts: string; area: number; bbox: number[] }>;
  uncompressed: Array<{ rle: { size: [number, number]; counts: number[] }; counts: string; area: number; bbox: number[] }>;
  ious: Array<{ dt: Array<{ size: [number, number]; counts: string }>; gt: Array<{ size: [number, number]; counts: string }>; iscrowd: number[]; iou: number[] }>;
  boxes: Array<{ h: number; w: number; box: number[]; counts: string }>;
}
const fx = JSON.parse(readFileSync(file, 'utf8')) as Fixture;
const bitString = (m: Uint8Array): string => Array.from(m, (v) => (v ? '1' : '0')).join('');

test('coco-mask: polygons → RLE (frPyObjects), area, toBbox and decode equal pycocotools', () => {
  assert.equal(fx.polygons.length, 120);
  let repeated = 0;
  for (const [i, c] of fx.polygons.entries()) {
    const r = rleFromPolygon(c.polygon, c.h, c.w);
    assert.equal(rleToString(r.cnts), c.counts, `polygon ${i}`);
    assert.equal(rleArea(r), c.area, `polygon ${i} area`);
    assert.deepEqual(rleToBbox(r), c.bbox, `polygon ${i} bbox`);
    assert.equal(bitString(rleDecode(r)), c.mask, `polygon ${i} mask`);
    // annToRLE's path: a list of parts, merged
    assert.deepEqual(segmentationToRle([c.polygon], c.h, c.w), r);
    const p = c.polygon;
    for (let k = 2; k + 1 < p.length; k += 2) if (p[k] === p[k - 2] && p[k + 1] === p[k - 1]) repeated++;
  }
  assert.ok(repeated > 0, 'some polygon repeats a point (0/0 slope in maskApi)');
  assert.ok(fx.polygons.some((c) => c.area === 0) && fx.polygons.some((c) => c.area > 100));
});

test('coco-mask: merge (union, intersection) and sizes that differ equal pycocotools', () => {
  const rles = fx.polygons.map((c) => rleFromString(c.counts, c.h, c.w));
  for (const [i, c] of fx.merges.entries()) {
    const objs = c.idx.map((j) => rles[j]!);
    const u = rleMerge(objs);
    const n = rleMerge(objs, true);
    assert.equal(rleToString(u.cnts), c.union, `merge ${i} union`);
    assert.deepEqual([u.h, u.w], c.union_size);
    assert.equal(rleToString(n.cnts), c.intersect, `merge ${i} intersect`);
    assert.deepEqual([n.h, n.w], c.intersect_size);
  }
  assert.ok(fx.merges.some((c) => c.union_size[0] === 0), 'a merge of two sizes (0×0 result)');
});

test('coco-mask: encode, the string codec round trip, uncompressed RLE and boxes equal pycocotools', () => {
  for (const [i, c] of fx.encodes.entries()) {
    const mask = Array.from(c.mask, Number);
    const e = encodeRle(mask, c.h, c.w);
    assert.equal(e.counts, c.counts, `encode ${i}`);
    const r = rleFromString(c.counts, c.h, c.w);
    assert.equal(rleToString(r.cnts), c.counts);
    assert.deepEqual(Array.from(rleDecode(r)), mask, `decode ${i}`);
    assert.equal(rleArea(r), c.area);
    assert.deepEqual(rleToBbox(r), c.bbox);
  }
  for (const [i, c] of fx.uncompressed.entries()) {
    const r = segmentationToRle(c.rle, 1, 1); // the RLE's own size counts, not the image's
    assert.equal(rleToString(r.cnts), c.counts, `uncompressed ${i}`);
    assert.deepEqual([r.h, r.w], c.rle.size);
    assert.equal(rleArea(r), c.area);
    assert.deepEqual(rleToBbox(r), c.bbox, `uncompressed ${i} bbox`);
  }
  assert.ok(fx.uncompressed.some((c) => c.rle.counts.slice(1).includes(0)), 'a zero run inside');
  for (const [i, c] of fx.boxes.entries()) assert.equal(rleToString(rleFromBbox(c.box, c.h, c.w).cnts), c.counts, `box ${i}`);
});

test('coco-mask: IoU with iscrowd (and -1 for different sizes) is bit-identical to pycocotools', () => {
  let crowd = 0;
  let minus = 0;
  for (const [i, c] of fx.ious.entries()) {
    const of = (o: { size: [number, number]; counts: string }): Rle => segmentationToRle(o, 0, 0);
    const got = rleIou(c.dt.map(of), c.gt.map(of), c.iscrowd.map(Boolean));
    assert.deepEqual(Array.from(got), c.iou, `iou ${i}`);
    crowd += c.iscrowd.filter(Boolean).length;
    minus += c.iou.filter((v) => v === -1).length;
  }
  assert.ok(crowd > 0 && minus > 0, `crowd GT ${crowd}, size mismatches ${minus}`);
  assert.ok(fx.ious.some((c) => c.iou.some((v) => v > 0.3)));
});

test('coco-mask: segmentations pycocotools cannot read are errors naming the annotation', () => {
  assert.throws(() => segmentationToRle([], 10, 10, 'gt.json: annotations[3]'), /gt\.json: annotations\[3\]: an empty polygon list/);
  assert.throws(() => segmentationToRle([[1, 2, 3, 4]], 10, 10, 'ann 1'), /ann 1: a polygon of 4 numbers/);
  assert.throws(() => segmentationToRle({ size: [4, 4], counts: 3 }, 10, 10, 'ann 2'), /ann 2: RLE counts must be a string or a list/);
  assert.throws(() => segmentationToRle('abc', 10, 10, 'ann 3'), /ann 3: a segmentation must be polygons or an RLE/);
  assert.throws(() => rleFromString('0W', 4, 4), /ends inside a number/);
});
