// Issue #28 item 1: heatmap() against objectdetection_script's yolov5_heatmap.py running pytorch-grad-cam 1.4.8
// (test/fixtures/analysis/heatmap/, make_heatmap_fixtures.py): the grayscale CAM of all six methods with the class
// target, the box and all targets and --renorm as docs/heatmap.md fixes them, the detections, the JET colouring.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/data/image-decode.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { heatmap, NoCamTargetError } from '../../src/heatmap/heatmap.ts';
import type { CamMethod } from '../../src/heatmap/cam-methods.ts';
import { JET_LUT } from '../../src/heatmap/overlay.ts';
import type { CamTarget } from '../../src/heatmap/targets.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const dir = fileURLToPath(new URL('../fixtures/analysis/heatmap/', import.meta.url));
interface Case { method: string; target: CamTarget; renorm: boolean; conf: number; layers: number[]; ratio: number; shape: number[]; detections: number[][]; patched: boolean }
const expected = JSON.parse(readFileSync(`${dir}expected.json`, 'utf8')) as { img: number; cases: Record<string, Case> };
const METHOD: Record<string, CamMethod> = { GradCAM: 'gradcam', GradCAMPlusPlus: 'gradcam++', XGradCAM: 'xgradcam', EigenCAM: 'eigencam', HiResCAM: 'hirescam', LayerCAM: 'layercam' };

const model = loadModel(`${dir}model.pt`).model.fuse().eval(); // as the script's attempt_load
const image = await decodeImage(`${dir}image.png`);

function compare(a: Float32Array, b: Float32Array): { corr: number; maxDiff: number } {
  assert.equal(a.length, b.length);
  let ma = 0, mb = 0, maxDiff = 0;
  for (let i = 0; i < a.length; i++) {
    ma += a[i]!;
    mb += b[i]!;
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
  }
  ma /= a.length;
  mb /= b.length;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return { corr: ab / Math.sqrt(aa * bb), maxDiff };
}

const run = (c: Case) => heatmap(model, image, { method: METHOD[c.method]!, target: c.target, renorm: c.renorm, confThres: c.conf, layers: c.layers, ratio: c.ratio, imgsz: expected.img });

for (const [name, c] of Object.entries(expected.cases)) {
  test(`${name}: the CAM equals yolov5_heatmap.py + pytorch-grad-cam 1.4.8's${c.patched ? ' (with the documented fix)' : ''}`, () => {
    const r = run(c);
    const ref = readNpyFile(`${dir}${name}.npy`);
    assert.deepEqual([r.cam.height, r.cam.width], ref.shape);
    const { corr, maxDiff } = compare(r.cam.data, ref.data as Float32Array);
    assert.ok(corr >= 0.99, `correlation ${corr}`);
    assert.ok(maxDiff <= 0.05, `max abs diff ${maxDiff}`);
    let max = 0;
    for (const v of r.cam.data) max = Math.max(max, v);
    assert.ok(max > 0.99 && max <= 1, `scaled to [0, 1], max ${max}`);
    // the boxes: NMS at conf_threshold, IoU 0.65 on the same prediction
    assert.equal(r.detections.length, c.detections.length);
    r.detections.forEach((d, i) => d.forEach((v, k) => assert.ok(Math.abs(v - c.detections[i]![k]!) <= 1e-3, `${name} detection ${i}: ${d} vs ${c.detections[i]}`)));
  });
}

test("the targets differ: 'box' and 'all' are not 'class' (the script's 'all' was), EigenCAM uses no target", () => {
  const c = expected.cases.gradcam_class!;
  const cls = run(c).cam.data, box = run({ ...c, target: 'box' }).cam.data, all = run({ ...c, target: 'all' }).cam.data;
  assert.ok(compare(cls, box).maxDiff > 0.1);
  assert.ok(compare(cls, all).maxDiff > 0.1);
  const e = expected.cases.eigencam_class!;
  assert.deepEqual(run({ ...e, target: 'box' }).cam.data, run(e).cam.data);
});

test('the picture: the CAM in JET colours averaged with the image, as show_cam_on_image (script output without boxes)', async () => {
  const lut = readNpyFile(`${dir}jet_lut.npy`).data as Uint8Array; // cv2.applyColorMap's table, RGB
  for (let i = 0; i < lut.length; i++) assert.ok(Math.abs(JET_LUT[i]! - lut[i]!) <= 1, `JET entry ${Math.floor(i / 3)}`);
  const r = heatmap(model, image, { imgsz: expected.img, drawBoxes: false });
  const ref = await decodeImage(`${dir}overlay_gradcam_class.png`);
  assert.deepEqual([r.image.width, r.image.height], [ref.width, ref.height]);
  let worst = 0;
  for (let i = 0; i < ref.data.length; i++) worst = Math.max(worst, Math.abs(r.image.data[i]! - ref.data[i]!));
  assert.ok(worst <= 2, `largest pixel difference ${worst}`);
  const boxed = heatmap(model, image, { imgsz: expected.img });
  let changed = 0;
  for (let i = 0; i < r.image.data.length; i++) if (r.image.data[i] !== boxed.image.data[i]) changed++;
  assert.ok(changed > 500, `boxes drawn: ${changed} values changed`);
});

test('no prediction reaching the threshold is a NoCamTargetError (the script silently wrote nothing)', () => {
  assert.throws(() => heatmap(model, image, { imgsz: expected.img, confThres: 1 }), (e: Error) => e instanceof NoCamTargetError && /class score ≥ 1/.test(e.message));
  assert.throws(() => heatmap(model, image, { imgsz: expected.img, layers: [24] }), /layers: no layer 24 to explain: the model's layers are 0–23/);
  assert.throws(() => heatmap(model.train(), image, { imgsz: expected.img }), /eval mode/);
  model.eval();
});
