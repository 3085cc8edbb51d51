// segment val --save-json's COCO evaluation against YOLOv5 v7.0's segment/val.py and pycocotools
// (test/fixtures/segment/make_segm_coco.py): COCOeval 'bbox' and 'segm' of v7.0's own predictions file (real RLE
// masks) against a GT with polygons, bit for bit; segment val with that GT at v7.0's annotations path returns the
// box and mask mAP50 / mAP50-95 segment/val.py returns; the GT made from the polygon labels (yoloToCoco's segments)
// is the same GT.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { yoloToCoco } from '../../src/convert/yolo-to-coco.ts';
import { evaluateCoco } from '../../src/eval/coco-eval.ts';
import { readCocoDataset, readCocoResults } from '../../src/eval/coco-json.ts';
import { loadSegmentBackend } from '../../src/segment/segment-backend.ts';
import { segmentVal } from '../../src/segment/segment-val.ts';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/segment/${p}`, import.meta.url));
type Summary = { stats: number[]; lines: string[] };
const expected = JSON.parse(readFileSync(fixture('segm_coco_expected.json'), 'utf8')) as { returned: number[]; bbox: Summary; segm: Summary };
const work = mkdtempSync(join(tmpdir(), 'tsyolo-segment-coco-'));
after(() => rmSync(work, { recursive: true, force: true }));

function scenes(name: string, withAnnotations: boolean): string {
  const root = join(work, `${name}-data`);
  cpSync(fixture('val_data'), root, { recursive: true });
  if (withAnnotations) {
    mkdirSync(join(root, 'annotations'));
    cpSync(fixture('segm_coco_gt.json'), join(root, 'annotations/instances_val2017.json'));
  }
  const yaml = join(work, `${name}.yaml`);
  writeFileSync(yaml, `path: ${root}\ntrain: images\nval: images\nnames:\n  0: triangle\n  1: disc\n`);
  return yaml;
}

test("cocoeval bbox and segm of segment/val.py's predictions (RLE masks) equal pycocotools bit for bit", () => {
  const gt = readCocoDataset(fixture('segm_coco_gt.json'));
  const dts = readCocoResults(fixture('segm_coco_predictions.json'));
  assert.ok(dts.length > 1000 && dts.every((d) => d.segmentation !== undefined));
  for (const iouType of ['bbox', 'segm'] as const) {
    const got = evaluateCoco(gt, dts, { iouType });
    assert.deepEqual(got.stats, expected[iouType].stats, iouType);
    assert.deepEqual(got.lines, expected[iouType].lines, iouType);
  }
  assert.notDeepEqual(expected.bbox.stats, expected.segm.stats);
});

test('yoloToCoco with segments: the polygon labels as the GT make_segm_coco.py writes', async () => {
  const ours = await yoloToCoco(scenes('labels-gt', false), { segments: true });
  const theirs = readCocoDataset(fixture('segm_coco_gt.json'));
  assert.deepEqual(ours.categories, theirs.categories);
  assert.deepEqual(ours.images.map((i) => [i.id, i.width, i.height]), theirs.images.map((i) => [i.id, i.width, i.height]));
  assert.equal(ours.annotations.length, theirs.annotations.length);
  ours.annotations.forEach((a, k) => {
    const b = theirs.annotations[k]!;
    assert.deepEqual([a.id, a.image_id, a.category_id, a.iscrowd, a.bbox], [b.id, b.image_id, b.category_id, b.iscrowd, b.bbox], `annotation ${k}`);
    assert.deepEqual(a.segmentation, b.segmentation, `annotation ${k} polygon`);
    assert.equal(a.area, b.area, `annotation ${k} area`);
  });
});

test('segment val --save-json: COCOeval bbox and segm replace the mAPs as segment/val.py does (annotation file, or the labels)', async () => {
  const model = await loadSegmentBackend(fixture('val_seg.pt'));
  try {
    for (const [name, withAnnotations] of [['v7-annotations', true], ['from-labels', false]] as const) {
      const lines: string[] = [];
      const r = await segmentVal({ data: scenes(name, withAnnotations), model, weightsFile: 'val_seg.pt', imgsz: 64, batchSize: 4, workers: 0, saveJson: true, plots: false, project: work, name, log: (s) => lines.push(s) });
      const ours = readCocoResults(r.jsonFile!);
      const theirs = readCocoResults(fixture('segm_coco_predictions.json'));
      // The predictions file is segment/val.py's up to float32 last-bit differences in a few low-score rows.
      assert.equal(ours.length, theirs.length);
      let differ = 0;
      ours.forEach((d, k) => {
        const t = theirs[k]!;
        assert.deepEqual([d.image_id, d.category_id], [t.image_id, t.category_id], `${name} row ${k}`);
        d.bbox!.forEach((v, j) => assert.ok(Math.abs(v - t.bbox![j]!) <= 0.0011, `${name} row ${k} bbox`));
        assert.ok(Math.abs(d.score - t.score) <= 1.1e-5, `${name} row ${k} score`);
        if (JSON.stringify(d) !== JSON.stringify(t)) differ++;
      });
      assert.ok(differ <= ours.length / 100, `${name}: ${differ} of ${ours.length} rows differ from segment/val.py's`);
      assert.deepEqual(r.coco!.summaries.bbox!.stats, expected.bbox.stats, name);
      assert.deepEqual(r.coco!.summaries.segm!.stats, expected.segm.stats, name);
      const got = [r.box.P, r.box.R, r.box.mAP50, r.box.mAP50_95, r.mask.P, r.mask.R, r.mask.mAP50, r.mask.mAP50_95];
      got.forEach((v, i) => assert.ok(Math.abs(v - expected.returned[i]!) <= 1e-6, `${name} returned[${i}]: ${v} vs segment/val.py ${expected.returned[i]}`));
      assert.equal(r.box.mAP50_95, expected.returned[3]);
      assert.equal(r.mask.mAP50, expected.returned[6]);
      const text = lines.join('\n');
      for (const l of [...expected.bbox.lines, ...expected.segm.lines]) assert.ok(text.includes(l), l);
      assert.match(text, /Evaluate annotation type \*segm\*/);
      assert.match(text, /COCO segm\s+AP\s+AP50/);
      assert.equal(r.saveDir, join(work, name));
      assert.equal(existsSync(join(r.saveDir, 'val_labels_coco.json')), !withAnnotations);
    }
  } finally {
    await model.dispose();
  }
});

test('CLI: convert yolo2coco --segments writes that GT; segment val --save-json --json adds cocoStats {bbox, segm}', () => {
  const bin = fileURLToPath(new URL('../../bin/tsyolo.js', import.meta.url));
  const yaml = scenes('cli', false);
  const out = join(work, 'cli-gt.json');
  const c = spawnSync(process.execPath, [bin, 'convert', 'yolo2coco', yaml, '--segments', '--out', out], { encoding: 'utf8' });
  assert.equal(c.status, 0, c.stderr);
  const written = readCocoDataset(out);
  const theirs = readCocoDataset(fixture('segm_coco_gt.json'));
  assert.deepEqual(written.annotations.map((a) => [a.segmentation, a.area, a.bbox]), theirs.annotations.map((a) => [a.segmentation, a.area, a.bbox]));
  const v = spawnSync(process.execPath, [bin, 'segment', 'val', '--weights', fixture('val_seg.pt'), '--data', yaml, '--img', '64', '--batch', '4', '--workers', '0', '--save-json', '--json', '--project', work, '--name', 'cli-run'], { encoding: 'utf8' });
  assert.equal(v.status, 0, v.stderr);
  const r = JSON.parse(v.stdout) as { box: { mAP50_95: number }; mask: { mAP50: number }; cocoStats: { bbox: number[]; segm: number[] } };
  assert.deepEqual(r.cocoStats, { bbox: expected.bbox.stats, segm: expected.segm.stats });
  assert.equal(r.box.mAP50_95, expected.returned[3]);
  assert.equal(r.mask.mAP50, expected.returned[6]);
});
