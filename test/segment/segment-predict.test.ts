// segment predict against YOLOv5 v7.0's segment/predict.py on the same checkpoint and images
// (test/fixtures/segment/make_val_predict.py): process_mask's masks at the input size and the --retina-masks masks
// at the original size (IoU ≥ 0.99 per mask), the --save-txt polygon lines, and masks2segments' contours
// (cv2.findContours RETR_EXTERNAL / CHAIN_APPROX_SIMPLE) on 30 masks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findExternalContours, masksToSegments } from '../../src/segment/contours.ts';
import { scaleImageMask } from '../../src/segment/mask-resize.ts';
import { loadSegmentBackend } from '../../src/segment/segment-backend.ts';
import { segmentPredict } from '../../src/segment/segment-predict.ts';
import { binaryMaskIou as iou, unpackMask as unpack } from './binary-masks.ts';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/segment/${p}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-segment-predict-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface PredictImage {
  image: string;
  labels: string[];
  input_masks?: string[];
  input_shape?: [number, number];
  native_masks?: string[];
  native_shape?: [number, number];
}

test('findContours (external, simple) and masks2segments equal OpenCV 4.6 / v7.0 on 30 masks', () => {
  const cases = JSON.parse(readFileSync(fixture('predict_contours.json'), 'utf8')) as Array<{ h: number; w: number; mask: string; contours: number[][]; largest: number[] }>;
  for (const [k, c] of cases.entries()) {
    const m = unpack(c.mask);
    assert.deepEqual(findExternalContours(m, c.w, c.h), c.contours, `case ${k}`);
    assert.deepEqual(Array.from(masksToSegments({ data: m, n: 1, height: c.h, width: c.w })[0]!), c.largest, `case ${k} largest`);
  }
});

test('segment predict: masks (process_mask, --retina-masks) and --save-txt polygons equal segment/predict.py', async () => {
  const expected = JSON.parse(readFileSync(fixture('predict_expected.json'), 'utf8')) as { imgsz: number; conf_thres: number; iou_thres: number; max_det: number; images: PredictImage[] };
  const model = await loadSegmentBackend(fixture('val_seg.pt'));
  try {
    const r = await segmentPredict(model, { source: fixture('val_data/images'), imgsz: expected.imgsz, confThres: expected.conf_thres, iouThres: expected.iou_thres, maxDet: expected.max_det, saveTxt: true, project: work, name: 'exp', log: () => {} });
    assert.equal(r.images.length, expected.images.length);
    let compared = 0;
    for (const [k, want] of expected.images.entries()) {
      const got = r.images[k]!;
      assert.ok(got.path.endsWith(want.image));
      const n = got.detections.length / 6;
      assert.equal(n, (want.input_masks ?? []).length, `${want.image}: detections`);
      if (!n) continue;
      const [h, w] = want.input_shape!;
      assert.deepEqual([got.masks.height, got.masks.width], [h, w]);
      const hw = h * w;
      for (let i = 0; i < n; i++) {
        const ours = got.masks.data.subarray(i * hw, (i + 1) * hw);
        const v = iou(ours, unpack(want.input_masks![i]!));
        assert.ok(v >= 0.99, `${want.image} mask ${i}: IoU ${v}`);
        const [h0, w0] = want.native_shape!;
        const native = scaleImageMask(ours, [h, w], [h0, w0]);
        const vn = iou(native, unpack(want.native_masks![i]!));
        assert.ok(vn >= 0.99, `${want.image} retina mask ${i}: IoU ${vn}`);
        compared++;
      }
      const txt = readFileSync(join(r.saveDir, 'labels', want.image.replace('.png', '.txt')), 'utf8').trimEnd().split('\n');
      assert.deepEqual(txt, want.labels, `${want.image} polygons`);
    }
    assert.ok(compared >= 4, `${compared} masks compared`);
  } finally {
    await model.dispose();
  }
});
