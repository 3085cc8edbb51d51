// A trained detector gives the same mAP through onnxruntime as through libtorch (issue: ONNX parity on real scores).
// The fixture digits-n-shufflenetv2.safetensors was trained by this project's demo (`npm run demo`, 30 epochs).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { generateDigits } from '../../src/data/digits.ts';
import { libtorchBackend } from '../../src/deploy/libtorch-backend.ts';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { val } from '../../src/val/val.ts';

const weights = fileURLToPath(new URL('../fixtures/digits-n-shufflenetv2.safetensors', import.meta.url));

test('val mAP through onnxruntime-node equals libtorch within 1e-4 (dynamic export, same rect batches)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-onnx-map-'));
  const data = await generateDigits({ out: join(dir, 'digits'), train: 2, val: 24, img: 192, seed: 99, log: () => {} });
  const { model } = loadModel(weights);
  model.fuse().eval();
  const onnxFile = join(dir, 'digits.onnx');
  const exported = exportOnnx(model, { imgsz: 192, dynamic: true });
  writeFileSync(onnxFile, exported.bytes);
  const common = { data: data.yamlPath, imgsz: 192, batchSize: 4, workers: 0, plots: false, log: () => {} } as const;
  const torchRun = await val({ ...common, model: libtorchBackend(model) });
  const onnxRun = await val({ ...common, model: await OnnxModel.load(onnxFile) });
  assert.ok(torchRun.mAP50 > 0.3, `the fixture should be a trained model (mAP50 ${torchRun.mAP50})`);
  for (const k of ['P', 'R', 'mAP50', 'mAP50_95'] as const) {
    assert.ok(Math.abs(torchRun[k] - onnxRun[k]) <= 1e-4, `${k}: libtorch ${torchRun[k]} vs onnxruntime ${onnxRun[k]}`);
  }
});
