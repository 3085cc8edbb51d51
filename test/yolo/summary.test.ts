// Every shipped config's summary equals YOLOv5 v7.0's (summaries.json was printed by the real YOLOv5 + thop).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { formatSummaryLine, summarize } from '../../src/yolo/model-info.ts';

type Row = { layers: number; parameters: number; gradients: number; gflops: number };
const reference = JSON.parse(readFileSync(new URL('../fixtures/summaries.json', import.meta.url), 'utf8')) as Record<string, { unfused: Row; fused: Row }>;

for (const [name, ref] of Object.entries(reference)) {
  test(`${name}: summary equals YOLOv5 v7.0, unfused and fused`, () => {
    const { config, file } = loadModelConfig(name);
    const model = new DetectionModel(config, { yamlFile: file });
    const s = summarize(model);
    assert.deepEqual(
      { layers: s.layers, parameters: s.parameters, gradients: s.gradients, gflops: Number(s.gflops.toFixed(1)) },
      ref.unfused,
    );
    model.fuse();
    const f = summarize(model);
    const fused = { layers: f.layers, parameters: f.parameters, gradients: f.gradients, gflops: Number(f.gflops.toFixed(1)) };
    if (name.includes('shufflenet')) {
      // tsyolo also folds the ShuffleNet branches' BatchNorms, which YOLOv5's fuse() leaves alone: never larger.
      assert.ok(fused.layers < ref.fused.layers, `layers ${fused.layers} < ${ref.fused.layers}`);
      assert.ok(fused.parameters < ref.fused.parameters);
      assert.ok(fused.gflops <= ref.fused.gflops);
    } else {
      assert.deepEqual(fused, ref.fused);
    }
    model.dispose();
  });
}

test('summary line is formatted like YOLOv5', () => {
  const { config, file } = loadModelConfig('yolov5s.yaml');
  const model = new DetectionModel(config, { yamlFile: file });
  assert.equal(model.info().parameters, 7235389);
  assert.equal(formatSummaryLine(summarize(model)), 'YOLOv5s summary: 214 layers, 7235389 parameters, 7235389 gradients, 16.6 GFLOPs');
  // GFLOPs scale with the image area, as model_info(imgsz) does.
  assert.equal(summarize(model, 320).gflops.toFixed(2), (summarize(model, 640).gflops / 4).toFixed(2));
  model.dispose();
});
