// Every shipped config beyond the ten of summaries.json (YOLOv5 v7.0's models/hub/ and models/segment/) builds
// with v7.0's summary, unfused and fused (summaries-hub.json was computed by running v7.0 + thop 0.1.1).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModelConfig, shippedConfigNames } from '../../src/yolo/model-config.ts';
import { summarize } from '../../src/yolo/model-info.ts';

type Row = { layers: number; parameters: number; gradients: number; gflops: number };
type Reference = Record<string, { unfused: Row; fused: Row }>;
const read = (f: string) => JSON.parse(readFileSync(new URL(`../fixtures/${f}`, import.meta.url), 'utf8')) as Reference;
const seedReference = read('summaries.json');
const hubReference = read('summaries-hub.json');

const rounded = (s: Row): Row => ({ layers: s.layers, parameters: s.parameters, gradients: s.gradients, gflops: Number(s.gflops.toFixed(1)) });

test("every YAML of v7.0's models/hub/ ships", () => {
  const hub = Object.keys(hubReference);
  assert.deepEqual(hub.filter((n) => !shippedConfigNames().includes(n)), []);
  assert.ok(Object.keys(seedReference).every((n) => shippedConfigNames().includes(n)));
});

for (const name of shippedConfigNames().filter((n) => n in hubReference)) {
  test(`${name}: summary equals YOLOv5 v7.0's, unfused and fused`, () => {
    const { config, file } = loadModelConfig(name);
    const model = new DetectionModel(config, { yamlFile: file });
    assert.deepEqual(rounded(summarize(model)), hubReference[name]!.unfused);
    model.fuse();
    assert.deepEqual(rounded(summarize(model)), hubReference[name]!.fused);
    model.dispose();
  });
}
