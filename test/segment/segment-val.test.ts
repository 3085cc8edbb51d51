// segment val against YOLOv5 v7.0's segment/val.py on the same checkpoint and polygon-labelled scenes
// (test/fixtures/segment/make_val_predict.py): box and mask P, R, mAP50, mAP50-95 (mean and per class) within 1e-6,
// with process_mask and with --save-json's process_mask_upsample; the --save-json rows (boxes, scores, RLE masks);
// the plots (confusion matrix, Box/Mask curves) are written.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadSegmentBackend } from '../../src/segment/segment-backend.ts';
import { formatSegmentValRow, segmentVal } from '../../src/segment/segment-val.ts';
import { assertSegmentRow, fixture, scenesYaml } from './helpers/val-fixture.ts';
import { encodeRle } from '../../src/eval/coco-mask.ts';

const work = mkdtempSync(join(tmpdir(), 'tsyolo-segment-val-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface Expected {
  mean: Record<string, number>;
  per_class: Array<Record<string, number>>;
}

test('segment val equals segment/val.py (box and mask rows, per class; process_mask and --save-json upsampled masks)', async () => {
  const expected = JSON.parse(readFileSync(fixture('val_expected.json'), 'utf8')) as Record<string, Expected>;
  const model = await loadSegmentBackend(fixture('val_seg.pt'));
  const data = scenesYaml(work);
  try {
    for (const [mode, saveJson] of [['process_mask', false], ['process_mask_upsample', true]] as const) {
      const lines: string[] = [];
      const r = await segmentVal({ data, model, weightsFile: 'val_seg.pt', imgsz: 64, batchSize: 4, workers: 0, saveJson, project: work, name: mode, log: (s) => lines.push(s) });
      const want = expected[mode]!;
      assert.ok(want.mean.mask_map > 0 && want.mean.box_map > 0, 'the fixture has true positives');
      // --save-json: the mAPs returned are COCOeval's bbox and segm AP / AP50 (segment/val.py's replacement; here
      // against the GT made from the labels, test/segment/segment-coco.test.ts checks them); the table keeps v7.0's.
      const coco = saveJson ? r.coco!.summaries : null;
      const mean = coco ? { ...want.mean, box_map50: coco.bbox!.stats[1]!, box_map: coco.bbox!.stats[0]!, mask_map50: coco.segm!.stats[1]!, mask_map: coco.segm!.stats[0]! } : want.mean;
      assertSegmentRow(r, mean, `${mode} all`);
      const m = want.mean;
      const row = formatSegmentValRow('all', 8, 20, { P: m.box_p!, R: m.box_r!, mAP50: m.box_map50!, mAP50_95: m.box_map! }, { P: m.mask_p!, R: m.mask_r!, mAP50: m.mask_map50!, mAP50_95: m.mask_map! });
      assert.ok(lines.includes(row), `${mode}: the printed row is v7.0's\n${row}`);
      assert.equal(r.perClass.length, want.per_class.length);
      r.perClass.forEach((c, i) => {
        assert.equal(c.cls, want.per_class[i]!.class);
        assertSegmentRow(c, want.per_class[i]!, `${mode} class ${c.cls}`);
      });
      assert.equal(r.nImages, 8);
      assert.equal(r.nInstances, 20);
      assert.match(lines.join('\n'), /Class\s+Images\s+Instances\s+Box\(P\s+R\s+mAP50\s+mAP50-95\)\s+Mask\(P\s+R\s+mAP50\s+mAP50-95\)/);
      assert.match(lines.join('\n'), /^\s+all\s+8\s+20(\s+[\d.e-]+){8}$/m);
      for (const f of ['confusion_matrix.png', 'BoxPR_curve.png', 'BoxF1_curve.png', 'MaskPR_curve.png', 'MaskR_curve.png']) assert.ok(existsSync(join(r.saveDir!, f)), f);
      if (saveJson) {
        const ours = JSON.parse(readFileSync(r.jsonFile!, 'utf8')) as Array<Record<string, unknown>>;
        const theirs = JSON.parse(readFileSync(fixture('val_predictions.json'), 'utf8')) as Array<Record<string, unknown>>;
        assert.ok(theirs.length > 0);
        // Same first rows: image, class, box, score and the RLE string of the mask in original pixels.
        theirs.forEach((t, i) => assert.deepEqual(ours[i], t, `row ${i}`));
      }
    }
  } finally {
    await model.dispose();
  }
});

test('RLE encoding as pycocotools: column-major runs from zero, compressed counts', () => {
  // 3×4 mask: column-major 0,1,1, 0,1,0, 0,0,0, 1,1,1
  const m = [0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1];
  // pycocotools.mask.encode(np.asfortranarray(m.reshape(3, 4).astype(np.uint8))) → counts b'121O32' (runs 1 2 1 1 4 3; the fourth, 1 − 2, is written as 'O')
  assert.deepEqual(encodeRle(m, 3, 4), { size: [3, 4], counts: '121O32' });
});
