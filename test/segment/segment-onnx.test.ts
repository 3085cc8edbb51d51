// Segmentation from the ONNX export without libtorch at inference: the library's Detector (tsyolo/onnx's
// loadDetector, onnxruntime-node; the same TypeScript the browser page runs) on val_seg.pt exported to ONNX gives
// masks at the input image's size that match segment/predict.py's --retina-masks masks (v7.0 fixture,
// test/fixtures/segment/make_val_predict.py) and `tsyolo segment predict`'s masks from the .pt (IoU ≥ 0.99 per mask);
// the ONNX metadata says which exports are -seg; drawMasks blends as Annotator.masks on RGB and RGBA pixels.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/data/image-decode.ts';
import { readOnnxModelInfo } from '../../src/deploy/model-metadata.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { loadDetector } from '../../src/onnx.ts';
import { loadDetector as loadAnyDetector } from '../../src/deploy/load-detector.ts';
import { blendMasks, drawMasks, drawMasksNative } from '../../src/segment/mask-draw.ts';
import { scaleImageMask } from '../../src/segment/mask-resize.ts';
import { loadSegmentBackend } from '../../src/segment/segment-backend.ts';
import { segmentPredict } from '../../src/segment/segment-predict.ts';
import { classColor } from '../../src/plot/colors.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { binaryMaskIou as iou, unpackMask as unpack } from './binary-masks.ts';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/segment/${p}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-segment-onnx-'));
after(() => rmSync(work, { recursive: true, force: true }));
const onnxFile = join(work, 'val_seg.onnx');

interface PredictImage {
  image: string;
  input_masks?: string[];
  native_masks?: string[];
  native_shape?: [number, number];
}
const expected = JSON.parse(readFileSync(fixture('predict_expected.json'), 'utf8')) as { imgsz: number; conf_thres: number; iou_thres: number; max_det: number; images: PredictImage[] };

before(() => {
  const { model } = loadModel(fixture('val_seg.pt'));
  model.fuse().eval();
  writeFileSync(onnxFile, exportOnnx(model, { imgsz: expected.imgsz }).bytes);
  model.dispose();
});

test('ONNX metadata: a -seg export has prototypes (output1, nm 32); a detection export has none', () => {
  const seg = readOnnxModelInfo(readFileSync(onnxFile), onnxFile);
  assert.deepEqual(seg.protos, { name: 'output1', nm: 32 });
  assert.deepEqual(seg.names, ['triangle', 'disc']);
  const det = readOnnxModelInfo(readFileSync(fileURLToPath(new URL('../../web/sample-model.onnx', import.meta.url))));
  assert.equal(det.protos, null);
});

test('Detector on a -seg ONNX: masks at the image size equal segment/predict.py --retina-masks and segment predict (.pt)', async () => {
  const detector = await loadDetector(onnxFile, { threads: 1, imgsz: expected.imgsz, conf: expected.conf_thres, iou: expected.iou_thres, maxDet: expected.max_det });
  const pt = await loadSegmentBackend(fixture('val_seg.pt'));
  try {
    assert.equal(detector.segmentation, true);
    const ref = await segmentPredict(pt, { source: fixture('val_data/images'), imgsz: expected.imgsz, confThres: expected.conf_thres, iouThres: expected.iou_thres, maxDet: expected.max_det, nosave: true, project: work, name: 'pt', log: () => {} });
    let vsV7 = 0;
    let vsPt = 0;
    let minIou = 1;
    for (const [k, want] of expected.images.entries()) {
      const path = fixture(`val_data/images/${want.image}`);
      const image = await decodeImage(path);
      const found = await detector.detect(path);
      const r = await detector.detectRows(image);
      const n = r.detections.length / 6;
      assert.equal(found.length, n);
      // v7.0: same count, and each retina mask (scale_image of process_mask) matches ours.
      assert.equal(n, (want.native_masks ?? []).length, `${want.image}: detections`);
      assert.deepEqual([r.masks!.n, r.masks!.height, r.masks!.width], [n, image.height, image.width]);
      const hw = image.height * image.width;
      for (let i = 0; i < n; i++) {
        const ours = r.masks!.data.subarray(i * hw, (i + 1) * hw);
        assert.deepEqual(found[i]!.mask, ours, 'detect() hands each detection its mask');
        const v = iou(ours, unpack(want.native_masks![i]!));
        minIou = Math.min(minIou, v);
        assert.ok(v >= 0.99, `${want.image} mask ${i} vs v7.0: IoU ${v}`);
        vsV7++;
      }
      // tsyolo segment predict on the .pt (libtorch): same boxes, masks scaled to the image.
      const got = ref.images[k]!;
      assert.equal(got.detections.length / 6, n, `${want.image}: segment predict detections`);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < 4; c++) assert.ok(Math.abs(got.detections[i * 6 + c]! - r.detections[i * 6 + c]!) <= 1, `${want.image} box ${i}`);
        assert.equal(got.detections[i * 6 + 5], r.detections[i * 6 + 5]);
        const ihw = got.masks.height * got.masks.width;
        const native = scaleImageMask(got.masks.data.subarray(i * ihw, (i + 1) * ihw), [got.masks.height, got.masks.width], [image.height, image.width]);
        const v = iou(native, r.masks!.data.subarray(i * hw, (i + 1) * hw));
        minIou = Math.min(minIou, v);
        assert.ok(v >= 0.99, `${want.image} mask ${i} vs segment predict: IoU ${v}`);
        vsPt++;
      }
    }
    assert.ok(vsV7 >= 8 && vsPt >= 8, `${vsV7} masks compared with v7.0, ${vsPt} with segment predict`);
    // upsampleMasks (process_mask_upsample: upsample, then crop at the input's resolution) reaches the masks: other
    // areas (this weak model's probabilities sit near 0.5, so the crop order matters), every pixel inside its box.
    let differing = 0;
    for (const want of expected.images.filter((im) => im.native_masks)) {
      const image = await decodeImage(fixture(`val_data/images/${want.image}`));
      const a = (await detector.detectRows(image)).masks!;
      const r = await detector.detectRows(image, { upsampleMasks: true });
      const b = r.masks!;
      const hw = a.height * a.width;
      assert.equal(b.n, a.n);
      for (let i = 0; i < a.n; i++) {
        const [x1, y1, x2, y2] = r.detections.subarray(i * 6, i * 6 + 4);
        let area = [0, 0];
        for (let p = 0; p < hw; p++) {
          area = [area[0]! + a.data[i * hw + p]!, area[1]! + b.data[i * hw + p]!];
          const [x, y] = [p % b.width, Math.floor(p / b.width)];
          if (b.data[i * hw + p]) assert.ok(x >= x1! - 1 && x <= x2! + 1 && y >= y1! - 1 && y <= y2! + 1, `${want.image} mask ${i}: pixel (${x}, ${y}) outside its box`);
        }
        if (area[0] !== area[1]) differing++;
      }
    }
    assert.ok(differing > 0, 'upsampleMasks changes some mask');
    console.log(`ONNX masks: ${vsV7} vs v7.0, ${vsPt} vs segment predict (.pt), lowest IoU ${minIou.toFixed(4)}`);
  } finally {
    await detector.dispose();
    await pt.dispose();
  }
});

test("tsyolo's loadDetector on the .pt (libtorch) gives the same detections and masks as v7.0; no --augment for masks", async () => {
  const detector = await loadAnyDetector(fixture('val_seg.pt'), { imgsz: expected.imgsz, conf: expected.conf_thres, iou: expected.iou_thres, maxDet: expected.max_det });
  try {
    assert.equal(detector.segmentation, true);
    let compared = 0;
    for (const want of expected.images) {
      const r = await detector.detectRows(await decodeImage(fixture(`val_data/images/${want.image}`)));
      const n = r.detections.length / 6;
      assert.equal(n, (want.native_masks ?? []).length, `${want.image}: detections`);
      const hw = r.masks!.height * r.masks!.width;
      for (let i = 0; i < n; i++) {
        const v = iou(r.masks!.data.subarray(i * hw, (i + 1) * hw), unpack(want.native_masks![i]!));
        assert.ok(v >= 0.99, `${want.image} mask ${i}: IoU ${v}`);
        compared++;
      }
    }
    assert.ok(compared >= 8);
    await assert.rejects(detector.detect(fixture('val_data/images/scene0.png'), { augment: true }), /--augment \(test-time augmentation\) is for detection models/);
  } finally {
    await detector.dispose();
  }
});

test('a detection ONNX gives no masks; segment predict refuses it', async () => {
  const sample = fileURLToPath(new URL('../../web/sample-model.onnx', import.meta.url));
  const detector = await loadDetector(sample, { threads: 1 });
  try {
    assert.equal(detector.segmentation, false);
    const r = await detector.detectRows(await decodeImage(fileURLToPath(new URL('../../web/sample.png', import.meta.url))));
    assert.ok(r.detections.length > 0);
    assert.equal(r.masks, undefined);
    assert.ok((await detector.detect(fileURLToPath(new URL('../../web/sample.png', import.meta.url)))).every((d) => d.mask === undefined));
  } finally {
    await detector.dispose();
  }
  await assert.rejects(loadSegmentBackend(sample), /is a detection model/);
});

test('drawMasks: Annotator.masks blend on RGBA (alpha kept) equals the RGB drawing; overlaps sum the colours', () => {
  const [w, h] = [5, 3];
  const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) % 256);
  const rgba = new Uint8ClampedArray(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    rgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 200;
  }
  const a = new Uint8Array(w * h);
  const b = new Uint8Array(w * h);
  a.set([1, 1, 1], 0); // pixels 0–2
  b.set([1, 1], 2); // pixels 2–3 (pixel 2 in both)
  const dets = [{ classId: 0, mask: a }, { classId: 3, mask: b }, { classId: 1 }];
  const want = drawMasksNative({ data: rgb, width: w, height: h }, { data: Uint8Array.from([...a, ...b]), n: 2, height: h, width: w }, [classColor(0), classColor(3)]);
  drawMasks({ data: rgba, width: w, height: h }, dets);
  const onRgb = rgb.slice();
  drawMasks({ data: onRgb, width: w, height: h }, dets);
  assert.deepEqual(onRgb, want.data);
  for (let p = 0; p < w * h; p++) {
    assert.deepEqual(Array.from(rgba.subarray(p * 4, p * 4 + 3)), Array.from(want.data.subarray(p * 3, p * 3 + 3)), `pixel ${p}`);
    assert.equal(rgba[p * 4 + 3], 200, 'alpha unchanged');
  }
  // By hand: one mask → trunc(0.5·colour + 0.5·pixel); two → the colours summed (clipped to 255), same weights.
  const c0 = classColor(0);
  const c3 = classColor(3);
  for (let c = 0; c < 3; c++) {
    assert.equal(want.data[c], Math.trunc(0.5 * c0[c]! + 0.5 * rgb[c]!));
    assert.equal(want.data[2 * 3 + c], Math.trunc(0.5 * Math.min(255, c0[c]! + c3[c]!) + 0.5 * rgb[2 * 3 + c]!));
    assert.equal(want.data[4 * 3 + c], rgb[4 * 3 + c], 'no mask: unchanged');
  }
  assert.throws(() => blendMasks(new Uint8Array(10), 3, { data: a, n: 1, height: h, width: w }, [c0]), /masks 3×5 on/);
  assert.throws(() => drawMasks({ data: rgb, width: w, height: h }, [{ classId: 0, mask: new Uint8Array(4) }]), /4-pixel mask on a 5×3 picture/);
});
