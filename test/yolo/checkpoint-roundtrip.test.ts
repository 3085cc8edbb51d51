// tsyolo's own .safetensors checkpoints: weights and metadata survive a save/load round trip.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { noGrad, rand, tidy, type Tensor } from '../../src/tensor/index.ts';
import { saveSafetensorsCheckpoint } from '../../src/yolo/checkpoint.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

test('save → load .safetensors gives the same outputs, names, nc, stride, anchors, epoch', () => {
  const { model } = loadModel('yolov5n-shufflenetv2.yaml', { nc: 4 });
  model.names = ['cat', 'dog', 'fox', 'owl'];
  model.eval();
  const file = join(mkdtempSync(join(tmpdir(), 'tsyolo-ckpt-')), 'best.safetensors');
  saveSafetensorsCheckpoint(file, model, { epoch: 7, bestFitness: 0.25 });
  const { model: loaded, meta } = loadModel(file);
  loaded.eval();
  assert.equal(loaded.nc, 4);
  assert.deepEqual(loaded.names, ['cat', 'dog', 'fox', 'owl']);
  assert.deepEqual(loaded.stride, [8, 16, 32]);
  assert.equal(meta.epoch, 7);
  assert.equal(meta.bestFitness, 0.25);
  const x = rand([1, 3, 64, 64]);
  const diff = tidy(() => {
    const a = noGrad(() => model.forward(x) as Tensor);
    const b = noGrad(() => loaded.forward(x) as Tensor);
    return a.sub(b).abs().max().item();
  });
  assert.equal(diff, 0);
  assert.deepEqual(loaded.detect.anchors.tolist(), model.detect.anchors.tolist());
});

test('a checkpoint whose weights do not fit its YAML is refused with the key named', () => {
  const { model } = loadModel('yolov5n-shufflenetv2.yaml');
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-ckpt-'));
  const file = join(dir, 'w.safetensors');
  saveSafetensorsCheckpoint(file, model);
  // Same weights, but pretend the model had 5 classes: the Detect convs no longer fit.
  const { model: other } = loadModel('yolov5n-shufflenetv2.yaml', { nc: 5 });
  const bad = join(dir, 'bad.safetensors');
  saveSafetensorsCheckpoint(bad, other);
  assert.doesNotThrow(() => loadModel(bad));
  assert.throws(() => loadModel(join(dir, 'missing.safetensors')), /missing\.safetensors/);
});
