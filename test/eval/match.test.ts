import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { readNpyFile } from '../../src/io/npy.ts';
import type { HostTensor } from '../../src/io/host-tensor.ts';
import { IOUV, processBatch } from '../../src/eval/match.ts';
import { ConfusionMatrix } from '../../src/eval/confusion-matrix.ts';
import { firstOccurrences, numpyArgsort } from '../../src/compat/numpy.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

const tensor = (rows: number[][], cols: number): HostTensor => ({
  dtype: 'float32',
  shape: [rows.length, cols],
  data: Float32Array.from(rows.flat()),
});

/** Per image of the eval_a fixture: val-mode NMS rows (n, 6) and labels (m, 5). */
function fixtureImages(): Array<{ det: HostTensor; lab: HostTensor }> {
  const v = readNpyFile(fixture('eval_a_nms_val.npy'));
  const l = readNpyFile(fixture('eval_a_labels.npy'));
  const vd = v.data as Float64Array;
  const ld = l.data as Float64Array;
  return [0, 1, 2, 3].map((image) => {
    const det: number[][] = [];
    const lab: number[][] = [];
    for (let r = 0; r < v.shape[0]!; r++) if (vd[r * 7] === image) det.push(Array.from(vd.subarray(r * 7 + 1, r * 7 + 7)));
    for (let r = 0; r < l.shape[0]!; r++) if (ld[r * 6] === image) lab.push(Array.from(ld.subarray(r * 6 + 1, r * 6 + 6)));
    return { det: tensor(det, 6), lab: tensor(lab, 5) };
  });
}

test('IOUV equals torch.linspace(0.5, 0.95, 10) in float32', () => {
  // torch.linspace(0.5, 0.95, 10).tolist()
  assert.deepEqual(IOUV, [
    0.5, 0.550000011920929, 0.6000000238418579, 0.6499999761581421, 0.699999988079071, 0.75, 0.800000011920929,
    0.8500000238418579, 0.8999999761581421, 0.949999988079071,
  ]);
});

test('a perfect match is correct at every threshold; another class never is', () => {
  const lab = tensor([[2, 0, 0, 10, 10]], 5);
  assert.deepEqual(Array.from(processBatch(tensor([[0, 0, 10, 10, 0.9, 2]], 6), lab)), new Array(10).fill(1));
  assert.deepEqual(Array.from(processBatch(tensor([[0, 0, 10, 10, 0.9, 1]], 6), lab)), new Array(10).fill(0));
});

test('IoU compares with the float32 thresholds using >=', () => {
  // IoU = 60 / (100 + eps) = 0.6 in float32, equal to float32(0.6): correct at 0.5, 0.55, 0.6 only.
  const c = processBatch(tensor([[0, 0, 10, 6, 0.9, 0]], 6), tensor([[0, 0, 0, 10, 10]], 5));
  assert.deepEqual(Array.from(c), [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
});

test('each label goes to the first (highest-confidence) detection whose best label it is', () => {
  // D0 = L1 exactly (IoU 1; IoU 0.667 with L0). D1's IoUs: L1 0.905, L0 0.6, so its best label is L1, already taken
  // by D0. YOLOv5 does not fall back to L0, so D1 is a false positive at every threshold.
  const lab = tensor(
    [
      [0, 0, 0, 10, 10],
      [0, 2, 0, 12, 10],
    ],
    5,
  );
  const det = tensor(
    [
      [2, 0, 12, 10, 0.9, 0],
      [2.5, 0, 12.5, 10, 0.8, 0],
    ],
    6,
  );
  const c = processBatch(det, lab);
  assert.deepEqual(Array.from(c.subarray(0, 10)), new Array(10).fill(1));
  assert.deepEqual(Array.from(c.subarray(10, 20)), new Array(10).fill(0));
});

test('equal IoUs with duplicate labels resolve as YOLOv5 does: both detections pick the later label', () => {
  // Two identical labels; each detection ties between them and (NumPy's order, reversed) takes label 1, which D0
  // claims first. D1 (IoU 9/11 with both) gets nothing, though label 0 is free. YOLOv5 v7.0 prints the same.
  const lab = tensor(
    [
      [0, 0, 0, 10, 10],
      [0, 0, 0, 10, 10],
    ],
    5,
  );
  const det = tensor(
    [
      [0, 0, 10, 10, 0.9, 0],
      [1, 0, 11, 10, 0.8, 0],
    ],
    6,
  );
  const c = processBatch(det, lab);
  assert.deepEqual(Array.from(c.subarray(0, 10)), new Array(10).fill(1));
  assert.deepEqual(Array.from(c.subarray(10, 20)), new Array(10).fill(0));
});

test('no labels or no detections give no true positives', () => {
  assert.equal(processBatch(tensor([[0, 0, 10, 10, 0.9, 0]], 6), tensor([], 5)).length, 10);
  assert.deepEqual(Array.from(processBatch(tensor([[0, 0, 10, 10, 0.9, 0]], 6), tensor([], 5))), new Array(10).fill(0));
  assert.equal(processBatch(tensor([], 6), tensor([[0, 0, 0, 10, 10]], 5)).length, 0);
  assert.throws(() => processBatch(tensor([[0, 0, 10, 10, 0.9]], 5), tensor([], 5)), /detections must have shape \(n, 6\)/);
});

test('process_batch on the fixture agrees with YOLOv5 v7.0', () => {
  // From val.process_batch on the same rows (torch 1.13, numpy 1.24): true positives per threshold and the
  // detections (concatenated over images) that are correct at some threshold.
  const perThreshold = new Array<number>(10).fill(0);
  const anyRows: number[] = [];
  let offset = 0;
  for (const { det, lab } of fixtureImages()) {
    const c = processBatch(det, lab);
    for (let d = 0; d < det.shape[0]!; d++) {
      let any = false;
      for (let t = 0; t < 10; t++) {
        perThreshold[t]! += c[d * 10 + t]!;
        any ||= c[d * 10 + t] === 1;
      }
      if (any) anyRows.push(offset + d);
    }
    offset += det.shape[0]!;
  }
  assert.deepEqual(perThreshold, [25, 25, 25, 17, 13, 9, 3, 1, 0, 0]);
  assert.deepEqual(
    anyRows,
    [
      0, 6, 9, 17, 27, 30, 43, 194, 268, 302, 313, 315, 317, 324, 325, 327, 340, 342, 358, 449, 454, 462, 603, 604, 609,
      611, 623, 635, 729, 842, 900, 908, 918, 919, 927, 966, 1002, 1005, 1036, 1042, 1058, 1127, 1165,
    ],
  );
});

test('ConfusionMatrix on the fixture equals YOLOv5 v7.0 utils/metrics.py (ties resolved as NumPy does)', () => {
  // Val-mode output repeats a box once per class, so equal IoUs are everywhere; this matrix was computed by
  // YOLOv5's ConfusionMatrix(nc=5).process_batch on the same four images.
  const cm = new ConfusionMatrix(5);
  for (const { det, lab } of fixtureImages()) cm.processBatch(det, lab);
  const rows = Array.from({ length: 6 }, (_, p) => Array.from(cm.matrix.subarray(p * 6, p * 6 + 6)));
  assert.deepEqual(rows, [
    [1, 3, 2, 1, 1, 241],
    [2, 1, 1, 1, 0, 244],
    [1, 0, 0, 0, 0, 240],
    [1, 2, 0, 5, 0, 228],
    [0, 1, 0, 1, 1, 222],
    [0, 0, 0, 0, 0, 0],
  ]);
});

test('ConfusionMatrix hand cases: misses, confusions, background and the conf filter', () => {
  const cm = new ConfusionMatrix(3);
  // No detections: every label is a missed object (background row).
  cm.processBatch(null, tensor([[0, 0, 0, 10, 10], [2, 0, 0, 5, 5]], 5));
  assert.equal(cm.at(3, 0), 1);
  assert.equal(cm.at(3, 2), 1);

  const cm2 = new ConfusionMatrix(3);
  cm2.processBatch(
    tensor(
      [
        [0, 0, 10, 10, 0.9, 1], // matches the class-0 label with the wrong class
        [50, 50, 60, 60, 0.8, 2], // matches nothing: background false positive
        [20, 20, 30, 30, 0.2, 0], // conf ≤ 0.25: ignored
      ],
      6,
    ),
    tensor(
      [
        [0, 0, 0, 10, 10],
        [1, 20, 20, 30, 30],
      ],
      5,
    ),
  );
  assert.equal(cm2.at(1, 0), 1);
  assert.equal(cm2.at(2, 3), 1);
  assert.equal(cm2.at(3, 1), 1);
  assert.equal(cm2.matrix.reduce((a, b) => a + b, 0), 3);
  assert.deepEqual(cm2.tpFp(), { tp: new Float64Array([0, 0, 0]), fp: new Float64Array([0, 1, 1]) });

  // With no match at all in an image, YOLOv5 counts the misses but not the unmatched detections.
  const cm3 = new ConfusionMatrix(3);
  cm3.processBatch(tensor([[50, 50, 60, 60, 0.9, 1]], 6), tensor([[0, 0, 0, 10, 10]], 5));
  assert.equal(cm3.at(3, 0), 1);
  assert.equal(cm3.matrix.reduce((a, b) => a + b, 0), 1);
});

test('numpyArgsort reproduces np.argsort (quicksort) including the order of ties', () => {
  // np.argsort(a) printed by NumPy 1.24 for each array.
  const alternating = Array.from({ length: 17 }, (_, i) => (i % 2 === 0 ? 1 : 0));
  assert.deepEqual(Array.from(numpyArgsort(alternating)), [1, 3, 13, 5, 7, 15, 9, 11, 0, 14, 12, 8, 6, 4, 2, 10, 16]);
  const small = Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 1 : 0));
  assert.deepEqual(Array.from(numpyArgsort(small)), [1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6, 8, 10, 12, 14]);
  const three = [
    2, 2, 0, 2, 1, 1, 1, 0, 2, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 2, 0, 1, 2, 0, 0, 1, 0, 2, 0, 2, 2, 2, 0, 1, 1, 1, 1, 2, 1, 0,
  ];
  assert.deepEqual(
    Array.from(numpyArgsort(three)),
    [
      39, 28, 26, 24, 23, 20, 18, 17, 16, 32, 14, 15, 10, 9, 2, 7, 12, 33, 25, 36, 4, 34, 21, 5, 38, 6, 35, 13, 11, 37, 31, 0,
      29, 27, 22, 8, 3, 1, 30, 19,
    ],
  );
  const quarters = Float32Array.from([
    0.5, 0.25, 0.5, 0.75, 0.25, 0.5, 0.25, 0.75, 0.5, 0.25, 0.5, 0.75, 0.25, 0.5, 0.25, 0.75, 0.5, 0.25, 0.5, 0.75, 0.1,
  ]);
  assert.deepEqual(
    Array.from(numpyArgsort(quarters)),
    [20, 1, 17, 4, 6, 14, 9, 12, 18, 16, 13, 0, 8, 5, 2, 10, 19, 7, 15, 3, 11],
  );
  // np.unique([3, 1, 3, 2, 1, 0], return_index=True)[1]
  assert.deepEqual(firstOccurrences([3, 1, 3, 2, 1, 0]), [5, 1, 3, 0]);
});
