// YOLOv5-Lite's configs build with the numbers its own code prints, fuse without changing outputs (RepVGG
// re-parameterisation included) and export to ONNX with onnxruntime-node equal to libtorch.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { OnnxModel } from '../../src/deploy/onnx-model.ts';
import { exportOnnx } from '../../src/export/export-onnx.ts';
import { BatchNorm2d } from '../../src/nn/batchnorm2d.ts';
import { noGrad, rand, tensor, tidy, type Tensor } from '../../src/tensor/index.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { summarize } from '../../src/yolo/model-info.ts';

const work = mkdtempSync(join(tmpdir(), 'tsyolo-lite-'));

/** Trained-looking BatchNorm statistics, so that folding them is actually exercised. */
function randomizeBatchNorms(model: DetectionModel): void {
  noGrad(() =>
    tidy(() => {
      for (const m of model.modules()) {
        if (!(m instanceof BatchNorm2d)) continue;
        const n = m.weight.shape;
        m.runningMean.copy_(rand(n).sub(0.5).mul(0.2));
        m.runningVar.copy_(rand(n).add(0.5));
        m.weight.copy_(rand(n).add(0.5));
        m.bias.copy_(rand(n).sub(0.5).mul(0.2));
      }
    }),
  );
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return d / scale;
}

test('v5Lite-s: summary equals the one YOLOv5-Lite prints (issue #206: "230 layers, 1640661 parameters … 3.9 GFLOPS" fused)', () => {
  const { config, file } = loadModelConfig('v5Lite-s.yaml');
  const model = new DetectionModel(config, { yamlFile: file });
  model.fuse();
  const s = summarize(model);
  assert.deepEqual([s.layers, s.parameters, Number(s.gflops.toFixed(1))], [230, 1640661, 3.9]);
  model.dispose();
});

const LITE_CONFIGS = ['v5Lite-e.yaml', 'v5Lite-s.yaml', 'v5Lite-c.yaml', 'v5Lite-g.yaml', 'yolov5-mbv3s.yaml', 'yolov5-mbv3l.yaml', 'yolov5-repvgg_A1.yaml'];

for (const name of LITE_CONFIGS) {
  test(`${name}: fuse() keeps the outputs; the fused ONNX export runs on onnxruntime-node with the same outputs`, async () => {
    const { config, file } = loadModelConfig(name);
    const model = new DetectionModel({ ...config, nc: 3 }, { yamlFile: file });
    randomizeBatchNorms(model);
    model.eval();
    const size = 64;
    const input = new Float32Array(3 * size * size).map((_, i) => ((i * 7919) % 1000) / 1000);
    const run = () => noGrad(() => tidy(() => (model.forward(tensor(input, { shape: [1, 3, size, size] })) as Tensor).toFloat32Array()));
    const before = run();
    const layersBefore = [...model.modules()].length;
    model.fuse();
    assert.ok([...model.modules()].length < layersBefore, 'fuse() removes layers');
    const after = run();
    assert.ok(maxRelDiff(after, before) <= 1e-5, `fused vs unfused: ${maxRelDiff(after, before)}`);

    const onnxFile = join(work, name.replace('.yaml', '.onnx'));
    writeFileSync(onnxFile, exportOnnx(model, { imgsz: size, batch: 1 }).bytes);
    const onnx = await OnnxModel.load(onnxFile, { threads: 2 });
    const y = await onnx.forward(input, [1, 3, size, size]);
    assert.ok(maxRelDiff(y.data, after) <= 1e-5, `onnxruntime vs libtorch: ${maxRelDiff(y.data, after)}`);
    await onnx.dispose();
    model.dispose();
  });
}
