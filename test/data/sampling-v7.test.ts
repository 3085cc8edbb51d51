// --image-weights and --quad against YOLOv5 v7.0's own code (test/fixtures/v7-options/sampling/make_sampling.py):
// class weights, per-epoch image weights and the weighted draw for a Python seed; collate_fn4's batch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PythonRandom } from '../../src/compat/python-random.ts';
import {
  ImageWeightSampler, epochClassWeights, labelsToClassWeights, labelsToImageWeights, modelClassWeights, sampleImageIndices,
} from '../../src/data/image-weights.ts';
import { collateQuad, upsample2xBilinear } from '../../src/data/quad-collate.ts';
import type { DatasetItem } from '../../src/data/yolo-dataset.ts';

const DIR = new URL('../fixtures/v7-options/sampling/', import.meta.url);
const IW = JSON.parse(readFileSync(new URL('image_weights.json', DIR), 'utf8')) as {
  nc: number;
  labels: number[][][];
  class_weights: number[];
  model_class_weights: number[];
  epochs: Array<{ maps: number[]; seed: number; cw: number[]; iw: number[]; indices: number[] }>;
};
const QUAD = JSON.parse(readFileSync(new URL('quad.json', DIR), 'utf8')) as {
  height: number;
  width: number;
  items: Array<{ image: number[]; labels: number[]; path: string }>;
  cases: Array<{ seed: number; draws: number[]; shape: number[]; images: number[]; targets: number[]; paths: string[] }>;
};
const labels = IW.labels.map((rows) => Float32Array.from(rows.flat()));

test('labels_to_class_weights and model.class_weights: v7.0 float32 values, a class without labels counted once', () => {
  assert.deepEqual([...labelsToClassWeights(labels, IW.nc)], IW.class_weights);
  assert.deepEqual([...modelClassWeights(labels, IW.nc)], IW.model_class_weights);
});

test("each epoch's class weights, image weights (0 for images without labels) and random.choices draw equal v7.0's", () => {
  const cw32 = modelClassWeights(labels, IW.nc);
  for (const e of IW.epochs) {
    const cw = epochClassWeights(cw32, e.maps, IW.nc);
    assert.deepEqual([...cw], e.cw, `cw for maps ${e.maps}`);
    const iw = labelsToImageWeights(labels, IW.nc, cw);
    assert.deepEqual([...iw], e.iw, `iw for maps ${e.maps}`);
    assert.equal(iw[3], 0);
    assert.deepEqual(sampleImageIndices(new PythonRandom(e.seed), iw), e.indices, `indices for seed ${e.seed}`);
    assert.ok(!e.indices.includes(3) && !e.indices.includes(9));
  }
});

test('ImageWeightSampler: the trainer path gives the same draw as v7.0 for a seed and maps', () => {
  const e = IW.epochs[2]!;
  const s = new ImageWeightSampler(labels, IW.nc, e.seed);
  assert.deepEqual([...s.classWeights], IW.model_class_weights);
  assert.deepEqual(s.epochIndices(e.maps), e.indices);
  assert.throws(() => new ImageWeightSampler([new Float32Array(0)], 2, 0).epochIndices([0, 0]), /Total of weights must be greater than zero/);
});

function quadItems(): DatasetItem[] {
  return QUAD.items.map((it, index) => ({
    image: Uint8Array.from(it.image),
    height: QUAD.height,
    width: QUAD.width,
    labels: Float32Array.from(it.labels),
    shapes: null,
    path: it.path,
    index,
  }));
}

test('collate_fn4: images, labels and paths equal v7.0 for each seed (both the 2× upsample and the 2×2 tile)', () => {
  let ups = 0;
  for (const c of QUAD.cases) {
    const b = collateQuad(quadItems(), new PythonRandom(c.seed));
    assert.deepEqual(b.shape, c.shape);
    assert.deepEqual([...b.images], c.images, `images, seed ${c.seed}`);
    assert.deepEqual([...b.targets], c.targets, `targets, seed ${c.seed}`);
    assert.deepEqual(b.paths, c.paths);
    ups += c.draws.filter((d) => d < 0.5).length;
  }
  assert.ok(ups > 0 && ups < 2 * QUAD.cases.length, 'the fixture covers both branches');
});

test('upsample2xBilinear: edges replicate, interior 0.75/0.25 blends truncated', () => {
  // One channel row [0, 100] repeated in 3 channels, 1×2 → 2×4: 0, 25, 75, 100 (truncated blends).
  const im = Uint8Array.from([0, 100, 0, 100, 0, 100]);
  const up = upsample2xBilinear(im, 1, 2);
  assert.deepEqual([...up.subarray(0, 8)], [0, 25, 75, 100, 0, 25, 75, 100]);
  assert.throws(() => collateQuad(quadItems().slice(0, 3), new PythonRandom(0)), /fewer than 4/);
});
