// COCOeval in TypeScript against pycocotools (cocodataset/cocoapi): the 12 stats and the printed summary lines on a
// synthetic case (crowds, every area range, an image and a category without GT, >100 detections, score ties), a
// case with string image ids and an empty area range, and a trained model's detections on held-out digit scenes.
// Expected values: test/fixtures/analysis/coco/make_synthetic.py and make_realistic.py (pycocotools).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CocoIndex } from '../../src/eval/coco-dataset.ts';
import { CocoEval, evaluateCoco } from '../../src/eval/coco-eval.ts';
import { parseCocoDataset, parseCocoResults, readCocoDataset, readCocoResults } from '../../src/eval/coco-json.ts';
import { linspace, numpyMean, pyFixed } from '../../src/eval/numpy-compat.ts';

const dir = fileURLToPath(new URL('../fixtures/analysis/coco/', import.meta.url));
const expected = (name: string): { stats: number[]; lines: string[] } => JSON.parse(readFileSync(`${dir}${name}_expected.json`, 'utf8'));

function checkCase(name: string): number[] {
  const gt = readCocoDataset(`${dir}${name}_gt.json`);
  const dts = readCocoResults(`${dir}${name}_dt.json`);
  const got = evaluateCoco(gt, dts);
  const ref = expected(name);
  assert.equal(got.stats.length, 12);
  got.stats.forEach((v, i) => assert.ok(Math.abs(v - ref.stats[i]!) <= 1e-4, `${name} stat ${i}: ${v} vs pycocotools ${ref.stats[i]}`));
  assert.deepEqual(got.lines, ref.lines);
  return got.stats;
}

test('cocoeval: synthetic case (crowds, area ranges, image/category without GT, >100 detections, ties) equals pycocotools', () => {
  const stats = checkCase('synthetic');
  // The case is not degenerate: every number lies strictly between 0 and 1.
  for (const s of stats) assert.ok(s > 0 && s < 1, String(s));
});

test('cocoeval: string image ids and an area range without GT (-1) equal pycocotools', () => {
  const stats = checkCase('strings');
  assert.equal(stats[5], -1);
  assert.equal(stats[11], -1);
});

test("cocoeval: a trained model's detections on held-out digit scenes equal pycocotools", () => {
  const stats = checkCase('realistic');
  assert.ok(stats[1]! > 0.5, `AP50 ${stats[1]} (a trained model)`);
  const dts = readCocoResults(`${dir}realistic_dt.json`);
  const perImage = new Map<unknown, number>();
  for (const d of dts) perImage.set(d.image_id, (perImage.get(d.image_id) ?? 0) + 1);
  assert.ok(Math.max(...perImage.values()) > 100, 'some image has more than maxDets=100 detections');
});

test('cocoeval: the stats are bit-identical to pycocotools (same sort orders, IoU arithmetic and NumPy mean)', () => {
  for (const name of ['synthetic', 'strings', 'realistic']) {
    const got = evaluateCoco(readCocoDataset(`${dir}${name}_gt.json`), readCocoResults(`${dir}${name}_dt.json`));
    assert.deepEqual(got.stats, expected(name).stats, name);
  }
});

test('cocoeval: evaluating a subset of images (params.imgIds) drops the others', () => {
  const gt = readCocoDataset(`${dir}synthetic_gt.json`);
  const dts = readCocoResults(`${dir}synthetic_dt.json`);
  const all = evaluateCoco(gt, dts).stats;
  const some = evaluateCoco(gt, dts, { imgIds: [1, 2] }).stats;
  assert.notDeepEqual(some, all);
  // The same as a GT that only holds those images, with the detections on them.
  const keep = new Set([1, 2]);
  const gt2 = { ...gt, images: gt.images.filter((i) => keep.has(i.id as number)), annotations: gt.annotations.filter((a) => keep.has(a.image_id as number)) };
  assert.deepEqual(evaluateCoco(gt2, dts.filter((d) => keep.has(d.image_id as number))).stats, some);
});

test('cocoeval: loadRes gives area = w*h, ids 1.., iscrowd 0, and refuses an unknown image id naming the file', () => {
  const gt = new CocoIndex(parseCocoDataset({ images: [{ id: 1 }], annotations: [], categories: [{ id: 0 }] }, 'gt.json'));
  const res = gt.loadRes(parseCocoResults([{ image_id: 1, category_id: 0, bbox: [1, 2, 3, 4], score: 0.5 }], 'dt.json'));
  assert.deepEqual(res.dataset.annotations[0], { image_id: 1, category_id: 0, bbox: [1, 2, 3, 4], score: 0.5, area: 12, id: 1, iscrowd: 0, segmentation: [[1, 2, 1, 6, 4, 6, 4, 2]] }); // the box as a polygon, as pycocotools adds it
  assert.throws(() => gt.loadRes([{ image_id: 7, category_id: 0, bbox: [1, 2, 3, 4], score: 0.5 }], 'dt.json'), /dt\.json: detection on image_id 7, which the ground truth's images do not have/);
  assert.throws(() => parseCocoDataset({ images: [], categories: [] }, 'gt.json'), /gt\.json: no 'annotations' list/);
  assert.throws(() => parseCocoResults([{ image_id: 1, category_id: 0, bbox: [1, 2, 3], score: 1 }], 'dt.json'), /dt\.json: detection 0: bbox must be/);
});

test('cocoeval: a crowd GT absorbs several detections without false positives', () => {
  const gt = parseCocoDataset({ images: [{ id: 1 }], categories: [{ id: 1 }], annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 50, 50], area: 2500, iscrowd: 0 },
    { id: 2, image_id: 1, category_id: 1, bbox: [100, 100, 200, 200], area: 40000, iscrowd: 1 },
  ] }, 'gt');
  const dts = [
    { image_id: 1, category_id: 1, bbox: [0, 0, 50, 50], score: 0.5 },
    { image_id: 1, category_id: 1, bbox: [110, 110, 20, 20], score: 0.9 },
    { image_id: 1, category_id: 1, bbox: [150, 150, 20, 20], score: 0.8 },
  ];
  const e = new CocoEval(new CocoIndex(gt), new CocoIndex(gt).loadRes(dts));
  const { stats } = e.run();
  // The crowd's detections are ignored, not false positives: precision tp/(tp+fp+eps) = 1/(1+eps) everywhere.
  assert.ok(Math.abs(stats[0]! - 1) < 1e-12, String(stats[0]));
  assert.equal(stats[8], 1);
});

test('numpy-compat: linspace points, pairwise mean, and Python rounding half to even', () => {
  assert.deepEqual(linspace(0.5, 0.95, 10), [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
  assert.equal(linspace(0, 1, 101)[35], 0.35000000000000003);
  assert.equal(pyFixed(0.0625, 3), '0.062'); // toFixed gives 0.063
  assert.equal(pyFixed(0.4375, 3), '0.438');
  assert.equal(pyFixed(-1, 3), '-1.000');
  // 0.1 added 10 times in order is 0.9999999999999999; NumPy's 8-way pairwise sum gives 1.
  assert.equal(numpyMean(new Array(10).fill(0.1)) * 10, 1);
});
