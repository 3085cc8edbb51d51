// COCOeval 'segm' in TypeScript against pycocotools: the 12 stats (bit for bit) and the printed lines on a synthetic
// case — GT as polygons, multi-part polygons, uncompressed and compressed RLE, crowd RLE regions, an image and a
// category without GT, >100 detections, an RLE of another size than its image — with the detections read through
// both of loadRes's branches (bbox present: box area; masks only: mask area and toBbox) and as boxes only (each box a
// polygon). Expected values: test/fixtures/analysis/coco/make_segm.py (pycocotools).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CocoIndex } from '../../src/eval/coco-dataset.ts';
import { CocoEval, evaluateCoco } from '../../src/eval/coco-eval.ts';
import { parseCocoDataset, parseCocoResults, readCocoDataset, readCocoResults } from '../../src/eval/coco-json.ts';
import type { CocoIouType } from '../../src/eval/coco-iou.ts';

const dir = fileURLToPath(new URL('../fixtures/analysis/coco/', import.meta.url));
type Summary = { stats: number[]; lines: string[] };
const expected = JSON.parse(readFileSync(`${dir}segm_expected.json`, 'utf8')) as Record<string, Summary>;
const gt = readCocoDataset(`${dir}segm_gt.json`);
const dts = readCocoResults(`${dir}segm_dt.json`);

function check(name: string, results: typeof dts, iouType: CocoIouType): number[] {
  const got = evaluateCoco(gt, results, { iouType });
  const ref = expected[name]!;
  assert.deepEqual(got.stats, ref.stats, `${name}: stats bit-identical to pycocotools`);
  assert.deepEqual(got.lines, ref.lines, name);
  return got.stats;
}

test('cocoeval segm: the case holds what it says (polygons, parts, RLE both ways, crowds, >100 detections)', () => {
  const segs = gt.annotations.map((a) => a.segmentation as unknown);
  assert.ok(segs.some((s) => Array.isArray(s) && s.length === 1));
  assert.ok(segs.some((s) => Array.isArray(s) && s.length > 1), 'a multi-part polygon');
  assert.ok(segs.some((s) => !Array.isArray(s) && Array.isArray((s as { counts: unknown }).counts)), 'uncompressed RLE');
  assert.ok(segs.some((s) => !Array.isArray(s) && typeof (s as { counts: unknown }).counts === 'string'), 'compressed RLE');
  assert.ok(gt.annotations.some((a) => a.iscrowd === 1));
  assert.ok(dts.filter((d) => d.image_id === 3).length > 100);
});

test('cocoeval segm: detections with bbox and RLE mask (segment val --save-json) equal pycocotools, segm and bbox', () => {
  const segm = check('segm', dts, 'segm');
  const bbox = check('bbox', dts, 'bbox');
  for (const s of segm) assert.ok(s > 0 && s < 1, String(s));
  assert.notDeepEqual(segm, bbox);
});

test("cocoeval segm: masks without bbox (loadRes's segmentation branch: mask area, toBbox) equal pycocotools", () => {
  const masksOnly = dts.map(({ bbox: _b, ...d }) => d);
  const segm = check('segm_masks_only', masksOnly, 'segm');
  check('bbox_masks_only', masksOnly, 'bbox');
  // Same IoUs as with the bbox, other areas: APs and APm move, AP50 does not.
  assert.equal(segm[1], expected.segm!.stats[1]);
  assert.notEqual(segm[3], expected.segm!.stats[3]);
});

test('cocoeval segm: boxes without masks are evaluated as box polygons, as pycocotools does', () => {
  check('segm_boxes_only', dts.map(({ segmentation: _s, ...d }) => d), 'segm');
});

test('cocoeval segm: loadRes branches, annToRle and errors', () => {
  const g = parseCocoDataset({ images: [{ id: 1, height: 4, width: 3 }, { id: 2 }], categories: [{ id: 0 }], annotations: [
    { id: 1, image_id: 1, category_id: 0, bbox: [0, 0, 2, 2], area: 4, iscrowd: 0, segmentation: [[0, 0, 2, 0, 2, 2, 0, 2]] },
    { id: 2, image_id: 2, category_id: 0, bbox: [0, 0, 2, 2], area: 4, iscrowd: 0, segmentation: [[0, 0, 2, 0, 2, 2, 0, 2]] },
  ] }, 'gt.json');
  const index = new CocoIndex(g);
  // masks only: area from the RLE (3 pixels), bbox from toBbox
  // counts '43' on a 4×3 image: 4 zeros (column 0), then 3 ones (column 1, rows 0–2)
  const res = index.loadRes(parseCocoResults([{ image_id: 1, category_id: 0, score: 0.5, segmentation: { size: [4, 3], counts: '43' } }], 'dt.json'));
  const a = res.dataset.annotations[0]!;
  assert.equal(a.area, 3);
  assert.deepEqual(a.bbox, [1, 0, 1, 3]);
  // bbox present: area w*h even with a mask; a box alone gets its polygon
  const res2 = index.loadRes([{ image_id: 1, category_id: 0, bbox: [0, 0, 2, 3], score: 0.5 }]);
  assert.equal(res2.dataset.annotations[0]!.area, 6);
  assert.deepEqual(res2.dataset.annotations[0]!.segmentation, [[0, 0, 0, 3, 2, 3, 2, 0]]);
  assert.throws(() => index.loadRes([{ image_id: 1, category_id: 0, bbox: [0, 0, 2, 3], score: 0.5 }, { image_id: 1, category_id: 0, score: 0.5, segmentation: { size: [4, 3], counts: '43' } }], 'dt.json'), /dt\.json: detection 1 has no bbox/);
  assert.throws(() => index.loadRes([{ image_id: 1, category_id: 0, score: 0.5, segmentation: [[0, 0, 2, 0, 2, 2]] }], 'dt.json'), /dt\.json: detection 0: a mask result's segmentation must be a compressed RLE/);
  assert.throws(() => parseCocoResults([{ image_id: 1, category_id: 0, score: 1 }], 'dt.json'), /dt\.json: detection 0: bbox must be/);
  // polygons need the image's size
  assert.throws(() => index.annToRle(g.annotations[1]!), /annotation 2 \(image 2\): its image has no integer height and width/);
  const e = new CocoEval(index, index.loadRes([{ image_id: 2, category_id: 0, bbox: [0, 0, 2, 2], score: 0.5 }]), 'segm');
  assert.throws(() => e.evaluate(), /annotation 2 \(image 2\)/);
  // bbox evaluation never reads the masks: image 2's box is found (AP50 = recall 1/2 at precision 1 → 51/101)
  assert.equal(new CocoEval(index, index.loadRes([{ image_id: 2, category_id: 0, bbox: [0, 0, 2, 2], score: 0.5 }]), 'bbox').run().stats[1]!.toFixed(12), (51 / 101).toFixed(12));
});
