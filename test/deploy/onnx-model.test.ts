// onnxruntime-node runs the exported models with the libtorch model's outputs (≤ 1e-4), through the same
// pre/post-processing the detect CLI uses; unreadable files are refused with errors that name them.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/data/image-decode.ts';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { parseNamesRepr } from '../../src/deploy/model-metadata.ts';
import { postprocess } from '../../src/deploy/postprocess.ts';
import { imageToNchw, prepareInput } from '../../src/deploy/preprocess.ts';
import { imageToInput } from '../../src/detect/image-tensor.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { fromHost, noGrad, tensor, tidy, type Tensor } from '../../src/tensor/index.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { assertSameDetections } from './same-detections.ts';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/${f}`, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-deploy-'));

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

for (const name of ['yolov5n-shufflenetv2', 'yolov5n']) {
  test(`${name}: onnxruntime output equals the libtorch model's within 1e-4 (static, opset 12, dynamic at another size)`, async () => {
    const { model } = loadModel(fixture(`${name}.pt`));
    model.fuse().eval();
    const x = readNpyFile(fixture(`${name}_input.npy`)); // (2, 3, 256, 256), YOLOv5's own input
    const torchOut = noGrad(() => tidy(() => (model.forward(fromHost(x)) as Tensor).toFloat32Array()));
    const pytorch = readNpyFile(fixture(`${name}_output.npy`)).data as Float32Array;
    for (const opts of [{ imgsz: 256, batch: 2 }, { imgsz: 256, batch: 2, opset: 12 }]) {
      const file = join(work, `${name}-${opts.opset ?? 17}.onnx`);
      writeFileSync(file, exportOnnx(model, opts).bytes);
      const onnx = await OnnxModel.load(file, { threads: 2 });
      const y = await onnx.forward(x.data as Float32Array, x.shape);
      assert.deepEqual(y.shape, [2, 4032, 85]);
      assert.ok(maxAbsDiff(y.data, torchOut) <= 1e-4, `opset ${opts.opset ?? 17}: ${maxAbsDiff(y.data, torchOut)} vs libtorch`);
      assert.ok(maxAbsDiff(y.data, pytorch) <= 1e-4, `opset ${opts.opset ?? 17}: ${maxAbsDiff(y.data, pytorch)} vs YOLOv5/PyTorch`);
      await onnx.dispose();
    }

    // --dynamic: one file, any batch and stride-multiple size; the grid is computed in the graph.
    const dynFile = join(work, `${name}-dynamic.onnx`);
    writeFileSync(dynFile, exportOnnx(model, { dynamic: true }).bytes);
    const dyn = await OnnxModel.load(dynFile, { threads: 2 });
    assert.deepEqual(dyn.info.inputShape, ['batch', 3, 'height', 'width']);
    const h = 160;
    const w = 224;
    const small = new Float32Array(3 * h * w).map((_, i) => ((i * 7919) % 1000) / 1000);
    const yd = await dyn.forward(small, [1, 3, h, w]);
    const td = noGrad(() => tidy(() => (model.forward(tensor(small, { shape: [1, 3, h, w] })) as Tensor).toFloat32Array()));
    assert.deepEqual(yd.shape, [1, 3 * (20 * 28 + 10 * 14 + 5 * 7), 85]);
    assert.ok(maxAbsDiff(yd.data, td) <= 1e-4, `dynamic ${h}×${w}: ${maxAbsDiff(yd.data, td)}`);
    await dyn.dispose();
    model.dispose();
  });
}

test('--half stores float16 weights: half the file, outputs within float16 rounding of float32', async () => {
  const { model } = loadModel(fixture('yolov5n-shufflenetv2.pt'));
  model.fuse().eval();
  const full = exportOnnx(model, { imgsz: 256, batch: 2 });
  const half = exportOnnx(model, { imgsz: 256, batch: 2, half: true });
  assert.ok(half.bytes.length < 0.6 * full.bytes.length, `${half.bytes.length} vs ${full.bytes.length} bytes`);
  const file = join(work, 'half.onnx');
  writeFileSync(file, half.bytes);
  const onnx = await OnnxModel.load(file, { threads: 2 });
  const x = readNpyFile(fixture('yolov5n-shufflenetv2_input.npy'));
  const y = await onnx.forward(x.data as Float32Array, x.shape);
  const ref = readNpyFile(fixture('yolov5n-shufflenetv2_output.npy')).data as Float32Array;
  // Columns: xywh in pixels (0–256+), then probabilities; float16 weights keep ~3 significant digits.
  let worstProb = 0;
  let worstBox = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(y.data[i]! - ref[i]!);
    if (i % 85 < 4) worstBox = Math.max(worstBox, d);
    else worstProb = Math.max(worstProb, d);
  }
  assert.ok(worstBox < 1 && worstProb < 1e-3, `box ${worstBox} px, prob ${worstProb}`);
  await onnx.dispose();
  model.dispose();
});

test('shared pre/post-processing: letterbox → input equals the libtorch path, detections equal libtorch + NMS', async () => {
  const { model } = loadModel(fixture('yolov5n-shufflenetv2.pt'));
  model.fuse().eval();
  // The demo page's sample (a 320×232 digit scene), letterboxed to 320×320 for a fixed-shape export.
  const im = await decodeImage(fileURLToPath(new URL('../../web/sample.png', import.meta.url)));
  const p = prepareInput(im, 320, 32, false);
  assert.deepEqual(p.shape, [1, 3, 320, 320]);
  const viaTorch = tidy(() => imageToInput(p.letterboxed).toFloat32Array());
  assert.equal(maxAbsDiff(p.input, viaTorch), 0, 'x/255 in float32, CHW order, as the libtorch input');
  assert.deepEqual(imageToNchw({ width: 1, height: 1, data: Uint8Array.of(255, 0, 51) }), Float32Array.of(1, 0, 0.2));

  const file = join(work, 'pp.onnx');
  writeFileSync(file, exportOnnx(model, { imgsz: 320 }).bytes);
  const onnx = await OnnxModel.load(file, { threads: 2 });
  const out = await onnx.forward(p.input, p.shape);
  const torchOut = noGrad(() => tidy(() => (model.forward(tensor(p.input, { shape: p.shape })) as Tensor).toFloat32Array()));
  // Untrained weights score everything ~1.6e-4, with near-ties (1e-9) between different cells that libtorch's and
  // onnxruntime's last-bit differences reorder; the sample's best box leads the next by 2e-7, so it must agree.
  const nms = { confThres: 0.0001, iouThres: 0.45, maxDet: 1 };
  const [a] = postprocess(out, [320, 320], [[im.height, im.width]], nms);
  const [b] = postprocess({ data: torchOut, shape: out.shape }, [320, 320], [[im.height, im.width]], nms);
  assert.equal(a!.length / 6, 1);
  assertSameDetections(a!, b!);
  for (let r = 0; r < a!.length / 6; r++) {
    for (let c = 0; c < 4; c++) assert.ok(a![r * 6 + c]! >= 0 && a![r * 6 + c]! <= (c % 2 ? im.height : im.width), 'boxes clipped to the original image');
  }
  await onnx.dispose();
  model.dispose();
});

test('a missing, non-ONNX or truncated file is an error naming the file', async () => {
  await assert.rejects(OnnxModel.load(join(work, 'nope.onnx')), /cannot read ONNX model '.*nope\.onnx'/);
  const text = join(work, 'notes.onnx');
  writeFileSync(text, 'these are not the weights you are looking for\n');
  await assert.rejects(OnnxModel.load(text), /notes\.onnx is not an ONNX model/);
  await assert.rejects(OnnxModel.load(fixture('yolov5n.pt')), /yolov5n\.pt is not an ONNX model/);
  const { model } = loadModel(fixture('yolov5n.pt'));
  const bytes = exportOnnx(model.fuse().eval(), { imgsz: 64 }).bytes;
  model.dispose();
  const cut = join(work, 'truncated.onnx');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
  await assert.rejects(OnnxModel.load(cut), /truncated\.onnx is not (an ONNX|a usable ONNX) model/);
  assert.ok(readFileSync(cut).length > 0);
});

test("names metadata: Python's str() of a dict (hand-written) parses to the class list", () => {
  assert.deepEqual(parseNamesRepr("{0: 'person', 1: \"it's\", 2: 'a\\\\b', 3: 'tab\\there'}"), ['person', "it's", 'a\\b', 'tab\there']);
  assert.deepEqual(parseNamesRepr("['x', 'y']"), ['x', 'y']);
  assert.throws(() => parseNamesRepr('person, car'), /ONNX metadata 'names' is not a Python dict/);
});
