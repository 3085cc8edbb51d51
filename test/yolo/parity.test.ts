// Outputs of checkpoints written by the real YOLOv5 v7.0 (with the seed's modules) equal the reference outputs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readNpyFile } from '../../src/io/npy.ts';
import { readYoloCheckpoint } from '../../src/io/torch-checkpoint.ts';
import { fromHost, noGrad, tidy, type Tensor } from '../../src/tensor/index.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/${f}`, import.meta.url));
const maxAbsDiff = (a: Tensor, b: Tensor) => tidy(() => a.sub(b).abs().max().item());

for (const name of ['yolov5n', 'yolov5n-shufflenetv2']) {
  test(`${name}.pt: eval output equals YOLOv5's (≤ 1e-4), fused too`, () => {
    const { model } = loadModel(fixture(`${name}.pt`));
    model.eval();
    const x = fromHost(readNpyFile(fixture(`${name}_input.npy`)));
    const expected = fromHost(readNpyFile(fixture(`${name}_output.npy`)));
    const y = noGrad(() => model.forward(x) as Tensor);
    assert.deepEqual(y.shape, expected.shape);
    assert.ok(maxAbsDiff(y, expected) <= 1e-4, `max diff ${maxAbsDiff(y, expected)}`);
    model.fuse();
    const yf = noGrad(() => model.forward(x) as Tensor);
    assert.ok(maxAbsDiff(yf, expected) <= 1e-4, `fused max diff ${maxAbsDiff(yf, expected)}`);
    model.dispose();
  });

  test(`${name}.pt: train-mode raw maps equal YOLOv5's`, () => {
    const { model } = loadModel(fixture(`${name}.pt`));
    model.train();
    const x = fromHost(readNpyFile(fixture(`${name}_input.npy`)));
    const raw = noGrad(() => model.forward(x) as Tensor[]);
    raw.forEach((p, i) => {
      const expected = fromHost(readNpyFile(fixture(`${name}_train_p${i}.npy`)));
      assert.deepEqual(p.shape, expected.shape);
      assert.ok(maxAbsDiff(p, expected) <= 1e-3, `level ${i} max diff ${maxAbsDiff(p, expected)}`);
    });
    model.dispose();
  });

  test(`${name}.pt: rebuilt model has exactly the checkpoint's state_dict keys, in PyTorch's order`, () => {
    const ck = readYoloCheckpoint(fixture(`${name}.pt`));
    const { model } = loadModel(fixture(`${name}.pt`));
    assert.deepEqual([...model.stateDict().keys()], [...ck.stateDict.keys()]);
    assert.deepEqual(model.parameterKeys(), ck.parameterNames);
    model.dispose();
  });
}
