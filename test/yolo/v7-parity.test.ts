// Checkpoints written by the real YOLOv5 v7.0, one small model per module family (test/fixtures/v7/, see its
// README): the rebuilt model has the checkpoint's state_dict keys and shapes in order, the module classes and the
// summary of v7.0, and its eval output equals v7.0's within 1e-5 of the output range, fused too.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNpyFile } from '../../src/io/npy.ts';
import { fromHost, noGrad, tidy, type Tensor } from '../../src/tensor/index.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/v7/${f}`, import.meta.url));
/** max |a − b| / max |b| */
const relativeDiff = (a: Tensor, b: Tensor) => tidy(() => a.sub(b).abs().max().item() / b.abs().max().item());

interface Expected {
  output_shape: number[];
  strides: number[];
  state_dict: Record<string, number[]>;
  summary: { unfused: { layers: number; parameters: number; gflops_640: number } };
}

const detectionStems = ['yolov5s-ghost-mini', 'yolov3-tiny-mini', 'yolov3-mini', 'yolov3-spp-mini', 'yolov5n6-mini', 'yolov5-p2-mini', 'zoo-csp', 'yolov5s-LeakyReLU-mini'];

for (const stem of detectionStems) {
  test(`${stem}.pt: keys, summary and eval output equal YOLOv5 v7.0's (≤ 1e-5 relative), fused too`, () => {
    const expected = JSON.parse(readFileSync(fixture(`${stem}_expected.json`), 'utf8')) as Expected;
    const { model } = loadModel(fixture(`${stem}.pt`));
    const shapes = Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.shape]));
    assert.deepEqual(Object.keys(shapes), Object.keys(expected.state_dict));
    assert.deepEqual(shapes, expected.state_dict);
    assert.deepEqual(model.stride, expected.strides);
    const s = model.info(640);
    assert.equal(s.layers, expected.summary.unfused.layers);
    assert.equal(s.parameters, expected.summary.unfused.parameters);
    assert.equal(Number(s.gflops.toFixed(1)), expected.summary.unfused.gflops_640);

    model.eval();
    const x = fromHost(readNpyFile(fixture(`${stem}_input.npy`)));
    const y = noGrad(() => model.forward(x) as Tensor);
    assert.deepEqual(y.shape, expected.output_shape);
    const d = relativeDiff(y, fromHost(readNpyFile(fixture(`${stem}_output.npy`))));
    assert.ok(d <= 1e-5, `relative difference ${d}`);
    model.fuse();
    const yf = noGrad(() => model.forward(x) as Tensor);
    const df = relativeDiff(yf, fromHost(readNpyFile(fixture(`${stem}_fused_output.npy`))));
    assert.ok(df <= 1e-5, `fused: relative difference ${df}`);
    model.dispose();
  });
}
