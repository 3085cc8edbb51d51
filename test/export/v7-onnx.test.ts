// Every v7.0 module family exports: the fused checkpoints of test/fixtures/v7/ become ONNX files whose
// onnxruntime output equals YOLOv5 v7.0's fused output; P6 decodes four levels (stride 64), yolov3-tiny two.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { readNpyFile } from '../../src/io/npy.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { relativeDiffHost as relativeDiff, v7Fixture } from '../yolo/v7-fixture.ts';

const fixture = v7Fixture;
const work = mkdtempSync(join(tmpdir(), 'tsyolo-v7-onnx-'));

const cases: Array<[stem: string, img: number, levels: number, stride: number]> = [
  ['yolov5s-ghost-mini', 64, 3, 32],
  ['yolov3-tiny-mini', 64, 2, 32],
  ['yolov3-mini', 64, 3, 32],
  ['yolov3-spp-mini', 64, 3, 32],
  ['yolov5n6-mini', 128, 4, 64],
  ['yolov5-p2-mini', 64, 4, 32],
  ['zoo-csp', 64, 3, 32],
  ['zoo-mix', 64, 3, 32],
  ['yolov5s-transformer-mini', 64, 3, 32],
  ['yolov5s-LeakyReLU-mini', 64, 3, 32],
];

for (const [stem, img, levels, stride] of cases) {
  test(`${stem}: ONNX export on onnxruntime equals YOLOv5 v7.0's fused output (${levels} levels, stride ${stride})`, async () => {
    const { model } = loadModel(fixture(`${stem}.pt`));
    model.fuse().eval();
    assert.equal(model.detect.nl, levels);
    const r = exportOnnx(model, { imgsz: img, batch: 2 });
    const cells = model.stride.reduce((s, st) => s + (img / st) ** 2, 0);
    assert.deepEqual(r.outputShape, [2, model.detect.na * cells, model.detect.no]);
    const file = join(work, `${stem}.onnx`);
    writeFileSync(file, r.bytes);
    const onnx = await OnnxModel.load(file, { threads: 1 });
    assert.equal(onnx.stride, stride);
    const x = readNpyFile(fixture(`${stem}_input.npy`));
    const y = await onnx.forward(x.data as Float32Array, x.shape);
    const d = relativeDiff(y.data, readNpyFile(fixture(`${stem}_fused_output.npy`)).data as Float32Array);
    assert.ok(d <= 1e-5, `relative difference ${d}`);
    await onnx.dispose();
    model.dispose();
  });
}

test("yolov5n-seg-mini: ONNX export has v7.0's two outputs — rows with mask coefficients, and the prototypes — equal to its fused outputs", async () => {
  const stem = 'yolov5n-seg-mini';
  const { model } = loadModel(fixture(`${stem}.pt`));
  model.fuse().eval();
  const x = readNpyFile(fixture(`${stem}_input.npy`));
  const [batch, , img] = x.shape as [number, number, number, number];
  const r = exportOnnx(model, { imgsz: img, batch });
  const file = join(work, `${stem}.onnx`);
  writeFileSync(file, r.bytes);
  const session = await ort.InferenceSession.create(file, { intraOpNumThreads: 1 });
  assert.deepEqual(session.outputNames, ['output0', 'output1']);
  const out = await session.run({ images: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
  const pred = readNpyFile(fixture(`${stem}_fused_output.npy`));
  const proto = readNpyFile(fixture(`${stem}_fused_proto.npy`));
  assert.deepEqual(out.output0!.dims, pred.shape);
  assert.deepEqual(out.output1!.dims, proto.shape);
  assert.deepEqual(r.outputShape, pred.shape);
  const dp = relativeDiff(out.output0!.data as Float32Array, pred.data as Float32Array);
  const dq = relativeDiff(out.output1!.data as Float32Array, proto.data as Float32Array);
  assert.ok(dp <= 1e-5 && dq <= 1e-5, `pred ${dp}, proto ${dq}`);
  await session.release();
  model.dispose();
});
