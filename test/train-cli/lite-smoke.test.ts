// A YOLOv5-Lite config through the whole CLI: 1-epoch train, val on its best weights, ONNX export that
// onnxruntime-node loads and runs.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, test } from 'node:test';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { trainValExport } from './smoke.ts';

let base = '';
after(() => base && rmSync(base, { recursive: true, force: true }));

test('v5Lite-e.yaml: 1-epoch train, val and ONNX export', async () => {
  const { best, onnxFile } = await trainValExport('lite', 'v5Lite-e.yaml', 96, (b) => (base = b));

  // The trained weights rebuild as a Lite model: conv_bn_relu_maxpool stem, Shuffle_Block stages, DWConvblock head.
  const { model } = loadModel(best);
  assert.deepEqual(model.layerInfo.slice(0, 2).map((l) => l.type), ['models.common.conv_bn_relu_maxpool', 'models.common.Shuffle_Block']);
  model.dispose();

  const onnx = await OnnxModel.load(onnxFile, { threads: 1 });
  const y = await onnx.forward(new Float32Array(3 * 96 * 96).fill(0.5), [1, 3, 96, 96]);
  // 3 anchors × (12² + 6² + 3²) cells, 5 + 10 digit classes.
  assert.deepEqual(y.shape, [1, 3 * (144 + 36 + 9), 15]);
  await onnx.dispose();
});
