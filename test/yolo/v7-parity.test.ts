// Checkpoints written by the real YOLOv5 v7.0, one small model per module family (test/fixtures/v7/, see its
// README): the rebuilt model has the checkpoint's state_dict keys and shapes in order, the module classes and the
// summary of v7.0, and its eval output equals v7.0's within 1e-5 of the output range, fused too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readNpyFile } from '../../src/io/npy.ts';
import { fromHost, noGrad, type Tensor } from '../../src/tensor/index.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { assertV7Structure, readV7Expected, relativeDiff, v7Fixture } from './v7-fixture.ts';

const fixture = v7Fixture;

const detectionStems = ['yolov5s-ghost-mini', 'yolov3-tiny-mini', 'yolov3-mini', 'yolov3-spp-mini', 'yolov5n6-mini', 'yolov5-p2-mini', 'zoo-csp', 'zoo-mix', 'yolov5s-transformer-mini', 'yolov5s-LeakyReLU-mini'];

for (const stem of detectionStems) {
  test(`${stem}.pt: keys, summary and eval output equal YOLOv5 v7.0's (≤ 1e-5 relative), fused too`, () => {
    const expected = readV7Expected(stem);
    const { model } = loadModel(fixture(`${stem}.pt`));
    assertV7Structure(model, expected);

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
