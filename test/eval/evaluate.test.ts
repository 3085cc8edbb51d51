import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readNpyFile } from '../../src/io/npy.ts';
import type { HostTensor } from '../../src/io/host-tensor.ts';
import { nonMaxSuppression } from '../../src/eval/nms.ts';
import { evaluateDetections } from '../../src/eval/evaluate.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);

const tensor = (rows: number[][], cols: number): HostTensor => ({
  dtype: 'float32',
  shape: [rows.length, cols],
  data: Float32Array.from(rows.flat()),
});

test('val.py metrics on the eval_a fixture (NMS output → P, R, mAP50, mAP50-95 per class)', () => {
  const expected = JSON.parse(readFileSync(fixture('eval_a_expected.json'), 'utf8')).metrics;
  const raw = readNpyFile(fixture('eval_a_raw.npy'));
  const labels = readNpyFile(fixture('eval_a_labels.npy'));
  const dets = nonMaxSuppression(raw, { confThres: 0.001, iouThres: 0.6, multiLabel: true, maxDet: 300 });
  const res = evaluateDetections(dets, labels);
  close(res.P, expected.P, 1e-6, 'P');
  close(res.R, expected.R, 1e-6, 'R');
  close(res.mAP50, expected.mAP50, 1e-6, 'mAP50');
  close(res.mAP50_95, expected.mAP50_95, 1e-6, 'mAP50-95');
  assert.deepEqual(
    res.perClass.map((c) => c.cls),
    Object.keys(expected.per_class).map(Number),
  );
  for (const c of res.perClass) {
    const e = expected.per_class[String(c.cls)];
    close(c.P, e.P, 1e-6, `class ${c.cls} P`);
    close(c.R, e.R, 1e-6, `class ${c.cls} R`);
    close(c.mAP50, e.AP50, 1e-6, `class ${c.cls} AP50`);
    close(c.mAP50_95, e.AP50_95, 1e-6, `class ${c.cls} AP50-95`);
    assert.equal(c.images, 4);
    close(res.maps[c.cls]!, e.AP50_95, 1e-6, `maps[${c.cls}]`);
  }
  assert.equal(res.nImages, 4);
  assert.equal(res.nInstances, 25);
  assert.deepEqual(
    res.perClass.map((c) => c.instances),
    [5, 7, 3, 8, 2],
  );
});

test('no detections at all: every metric is 0 and there are no class rows', () => {
  const labels = tensor(
    [
      [0, 0, 0, 0, 10, 10],
      [1, 1, 5, 5, 20, 20],
    ],
    6,
  );
  const res = evaluateDetections([], labels);
  assert.equal(res.nImages, 2);
  assert.equal(res.nInstances, 2);
  assert.deepEqual([res.P, res.R, res.mAP50, res.mAP50_95], [0, 0, 0, 0]);
  assert.deepEqual(res.perClass, []);
  assert.equal(res.curves, null);
  assert.deepEqual(Array.from(res.maps), [0, 0]);
  assert.deepEqual(res.nt, [1, 1]);
  // The missed objects land in the confusion matrix's background row.
  assert.equal(res.confusionMatrix.at(2, 0), 1);
  assert.equal(res.confusionMatrix.at(2, 1), 1);
});

test('a perfect detection scores 0.995 mAP at every threshold', () => {
  const res = evaluateDetections([tensor([[0, 0, 10, 10, 0.9, 0]], 6)], tensor([[0, 0, 0, 0, 10, 10]], 6));
  close(res.mAP50, 0.995, 1e-12, 'mAP50');
  close(res.mAP50_95, 0.995, 1e-12, 'mAP50-95');
  close(res.P, 1, 1e-12, 'P');
  close(res.R, 1, 1e-12, 'R');
});

test('detections on an image without labels are false positives', () => {
  // Image 1 has no labels; its detection (conf 0.9) ranks before image 0's true positive (conf 0.8):
  // recall [0, 1], precision [0, 0.5] → AP 0.4975; the F1 plateau at conf ≤ 0.8 gives P 0.5, R 1.
  const res = evaluateDetections(
    [tensor([[0, 0, 10, 10, 0.8, 0]], 6), tensor([[30, 30, 40, 40, 0.9, 0]], 6)],
    tensor([[0, 0, 0, 0, 10, 10]], 6),
  );
  assert.equal(res.nImages, 2);
  close(res.mAP50, 0.4975, 1e-12, 'mAP50');
  close(res.P, 0.5, 1e-12, 'P');
  close(res.R, 1, 1e-12, 'R');
});

test('classes never detected count as 0 AP; maps fills classes without labels with the mean', () => {
  // Class 0 found perfectly (AP 0.995), class 2 missed (AP 0), class 1 absent from the labels.
  const res = evaluateDetections(
    [tensor([[0, 0, 10, 10, 0.9, 0]], 6)],
    tensor(
      [
        [0, 0, 0, 0, 10, 10],
        [0, 2, 50, 50, 60, 60],
      ],
      6,
    ),
    { names: ['cat', 'dog', 'bird'] },
  );
  close(res.mAP50, 0.4975, 1e-12, 'mAP50');
  close(res.mAP50_95, 0.4975, 1e-12, 'mAP50-95');
  close(res.P, 0.5, 1e-12, 'P');
  close(res.R, 0.5, 1e-12, 'R');
  assert.deepEqual(
    res.perClass.map((c) => [c.name, c.instances, c.images]),
    [
      ['cat', 1, 1],
      ['bird', 1, 1],
    ],
  );
  close(res.maps[0]!, 0.995, 1e-12, 'maps[0]');
  close(res.maps[1]!, 0.4975, 1e-12, 'maps[1]');
  assert.equal(res.maps[2], 0);
});

test('bad labels are rejected with the row and value', () => {
  assert.throws(() => evaluateDetections([], tensor([[-1, 0, 0, 0, 1, 1]], 6)), /label row 0 has image index -1/);
  assert.throws(() => evaluateDetections([], tensor([[0, 0.5, 0, 0, 1, 1]], 6)), /label row 0 has class 0.5/);
  assert.throws(() => evaluateDetections([], tensor([[0, 0, 0, 1, 1]], 5)), /labels must have shape \(n, 6\)/);
});
