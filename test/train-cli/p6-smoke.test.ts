// A P6 config (four detection levels, stride 64) through the whole CLI: 1-epoch train, val on its best weights,
// ONNX export that onnxruntime-node loads and runs with the four levels decoded.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { trainValExport } from './smoke.ts';

let base = '';
after(() => base && rmSync(base, { recursive: true, force: true }));

test('yolov5n6.yaml: 1-epoch train, val and ONNX export (stride 64, four outputs)', async () => {
  const { best, onnxFile } = await trainValExport('p6', 'yolov5n6.yaml', 128, (b) => (base = b));

  const { model } = loadModel(best);
  assert.deepEqual(model.stride, [8, 16, 32, 64]);
  model.dispose();

  const onnx = await OnnxModel.load(onnxFile, { threads: 1 });
  assert.equal(onnx.stride, 64);
  const y = await onnx.forward(new Float32Array(3 * 128 * 128).fill(0.5), [1, 3, 128, 128]);
  // 3 anchors × (16² + 8² + 4² + 2²) cells, 5 + 10 digit classes.
  assert.deepEqual(y.shape, [1, 3 * (256 + 64 + 16 + 4), 15]);
  await onnx.dispose();
});
