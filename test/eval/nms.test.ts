import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readNpyFile } from '../../src/io/npy.ts';
import type { HostTensor } from '../../src/io/host-tensor.ts';
import { nonMaxSuppression } from '../../src/eval/nms.ts';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

/** A (1, rows, 5 + nc) prediction from rows of [cx, cy, w, h, obj, ...class scores]. */
function predOf(rows: number[][]): HostTensor {
  const width = rows[0]!.length;
  return { dtype: 'float32', shape: [1, rows.length, width], data: Float32Array.from(rows.flat()) };
}

function rowsOf(t: HostTensor): number[][] {
  const d = t.data as Float32Array;
  return Array.from({ length: t.shape[0]! }, (_, i) => Array.from(d.subarray(i * 6, i * 6 + 6)));
}

function assertMatchesReference(out: HostTensor[], refName: string, counts: number[]): void {
  const ref = readNpyFile(fixture(refName));
  const rd = ref.data as Float64Array;
  assert.deepEqual(
    out.map((o) => o.shape[0]),
    counts,
  );
  let r = 0;
  let maxErr = 0;
  out.forEach((o, image) => {
    assert.deepEqual(o.shape.slice(1), [6]);
    assert.equal(o.dtype, 'float32');
    const d = o.data as Float32Array;
    for (let i = 0; i < o.shape[0]!; i++, r++) {
      assert.equal(rd[r * 7], image, `row ${r} belongs to image ${rd[r * 7]}`);
      for (let k = 0; k < 6; k++) maxErr = Math.max(maxErr, Math.abs(d[i * 6 + k]! - rd[r * 7 + 1 + k]!));
    }
  });
  assert.equal(r, ref.shape[0]);
  assert.ok(maxErr <= 1e-4, `max difference ${maxErr}`);
}

const expected = JSON.parse(readFileSync(fixture('eval_a_expected.json'), 'utf8'));

test('val-mode NMS (0.001, 0.6, multi-label, max_det 300) reproduces YOLOv5', () => {
  const raw = readNpyFile(fixture('eval_a_raw.npy'));
  const out = nonMaxSuppression(raw, { confThres: 0.001, iouThres: 0.6, multiLabel: true, maxDet: 300 });
  assertMatchesReference(out, 'eval_a_nms_val.npy', expected.val.count);
});

test('detect-mode NMS (0.25, 0.45, best class, max_det 1000) reproduces YOLOv5', () => {
  const raw = readNpyFile(fixture('eval_a_raw.npy'));
  const out = nonMaxSuppression(raw, { confThres: 0.25, iouThres: 0.45, maxDet: 1000 });
  assertMatchesReference(out, 'eval_a_nms_detect.npy', expected.detect.count);
});

test('no candidates gives an empty (0, 6) float32 tensor per image', () => {
  const pred: HostTensor = { dtype: 'float32', shape: [2, 3, 7], data: new Float32Array(2 * 3 * 7).fill(0.1) };
  const out = nonMaxSuppression(pred);
  assert.equal(out.length, 2);
  for (const o of out) {
    assert.deepEqual(o.shape, [0, 6]);
    assert.equal(o.dtype, 'float32');
  }
});

test('conf is obj·cls in float32 and boxes become corners', () => {
  const [o] = nonMaxSuppression(predOf([[10, 20, 4, 6, 0.5, 0.4, 0.9]]));
  assert.deepEqual(rowsOf(o!), [[8, 17, 12, 23, Math.fround(Math.fround(0.5) * Math.fround(0.9)), 1]]);
});

test('thresholds compare in float32, as PyTorch casts the Python float', () => {
  // float32(0.6) > 0.6 as doubles, but torch compares float32 with float32(0.6): equal, so rejected.
  const atThreshold = predOf([[10, 10, 4, 4, 0.6, 1]]);
  assert.equal(nonMaxSuppression(atThreshold, { confThres: 0.6 })[0]!.shape[0], 0);
  const above = predOf([[10, 10, 4, 4, 0.6000001, 1]]);
  assert.equal(nonMaxSuppression(above, { confThres: 0.6 })[0]!.shape[0], 1);
});

test('a box is suppressed only when IoU is strictly above the threshold', () => {
  // A = (0,0)-(10,10), B = (0,0)-(10,5): IoU = 50 / 100 = 0.5 exactly.
  const pred = predOf([
    [5, 5, 10, 10, 0.9, 1],
    [5, 2.5, 10, 5, 0.8, 1],
  ]);
  assert.equal(nonMaxSuppression(pred, { iouThres: 0.5 })[0]!.shape[0], 2);
  const [o] = nonMaxSuppression(pred, { iouThres: 0.45 });
  assert.deepEqual(rowsOf(o!), [[0, 0, 10, 10, Math.fround(0.9), 0]]);
});

test('classes do not suppress each other unless agnostic', () => {
  const pred = predOf([
    [5, 5, 10, 10, 1, 0.9, 0.1],
    [5, 5, 10, 10, 1, 0.2, 0.8],
  ]);
  const [perClass] = nonMaxSuppression(pred);
  assert.deepEqual(
    rowsOf(perClass!).map((r) => [r[4], r[5]]),
    [
      [Math.fround(0.9), 0],
      [Math.fround(0.8), 1],
    ],
  );
  const [agnostic] = nonMaxSuppression(pred, { agnostic: true });
  assert.deepEqual(
    rowsOf(agnostic!).map((r) => [r[4], r[5]]),
    [[Math.fround(0.9), 0]],
  );
});

test('the class offset is applied in float32, as batched NMS does', () => {
  // B = A shifted right by 2.52: IoU = 7.48 / 12.52 ≈ 0.5974. For class 79 the offset 79·7680 = 606720 puts x where
  // float32 steps are 0.0625, so B's x becomes 2.5 / 12.5 and IoU = 7.5 / 12.5 = 0.6 > 0.599.
  const row = (cx: number, cls: number, conf: number): number[] => {
    const scores = new Array<number>(80).fill(0);
    scores[cls] = 1;
    return [cx, 5, 10, 10, conf, ...scores];
  };
  const lowClass = nonMaxSuppression(predOf([row(5, 0, 0.9), row(7.52, 0, 0.8)]), { iouThres: 0.599 });
  assert.equal(lowClass[0]!.shape[0], 2);
  const highClass = nonMaxSuppression(predOf([row(5, 79, 0.9), row(7.52, 79, 0.8)]), { iouThres: 0.599 });
  assert.equal(highClass[0]!.shape[0], 1);
});

test('class filter keeps only the listed classes', () => {
  const pred = predOf([
    [5, 5, 4, 4, 1, 0.9, 0.1, 0.1],
    [50, 50, 4, 4, 1, 0.1, 0.7, 0.1],
    [90, 90, 4, 4, 1, 0.1, 0.1, 0.6],
  ]);
  const [o] = nonMaxSuppression(pred, { classes: [1, 2] });
  assert.deepEqual(
    rowsOf(o!).map((r) => r[5]),
    [1, 2],
  );
});

test('maxDet keeps the highest-confidence detections; maxNms limits the candidates', () => {
  const pred = predOf([
    [5, 5, 4, 4, 0.5, 1],
    [25, 5, 4, 4, 0.9, 1],
    [45, 5, 4, 4, 0.7, 1],
    [65, 5, 4, 4, 0.8, 1],
    [85, 5, 4, 4, 0.6, 1],
  ]);
  const conf = (t: HostTensor): number[] => rowsOf(t).map((r) => r[4]!);
  const f = Math.fround;
  assert.deepEqual(conf(nonMaxSuppression(pred)[0]!), [f(0.9), f(0.8), f(0.7), f(0.6), f(0.5)]);
  assert.deepEqual(conf(nonMaxSuppression(pred, { maxDet: 3 })[0]!), [f(0.9), f(0.8), f(0.7)]);
  assert.deepEqual(conf(nonMaxSuppression(pred, { maxNms: 2 })[0]!), [f(0.9), f(0.8)]);
});

test('identical scores keep input order; an identical box with equal score is suppressed', () => {
  const pred = predOf([
    [5, 5, 4, 4, 0.7, 1],
    [25, 5, 4, 4, 0.7, 1],
    [25, 5, 4, 4, 0.7, 1],
  ]);
  const [o] = nonMaxSuppression(pred);
  assert.deepEqual(
    rowsOf(o!).map((r) => r[0]),
    [3, 23],
  );
});

test('multi-label emits one row per class above the threshold', () => {
  const pred = predOf([[10, 10, 4, 4, 1, 0.3, 0.6, 0.2]]);
  const f = Math.fround;
  const [multi] = nonMaxSuppression(pred, { multiLabel: true });
  assert.deepEqual(
    rowsOf(multi!).map((r) => [r[4], r[5]]),
    [
      [f(0.6), 1],
      [f(0.3), 0],
    ],
  );
  const [single] = nonMaxSuppression(pred);
  assert.deepEqual(
    rowsOf(single!).map((r) => [r[4], r[5]]),
    [[f(0.6), 1]],
  );
});

test('bad input is rejected with a clear message', () => {
  const flat: HostTensor = { dtype: 'float32', shape: [3, 85], data: new Float32Array(255) };
  assert.throws(() => nonMaxSuppression(flat), /shape \(batch, boxes, 5\+nc\), got \(3, 85\)/);
  const narrow: HostTensor = { dtype: 'float32', shape: [1, 3, 5], data: new Float32Array(15) };
  assert.throws(() => nonMaxSuppression(narrow), /5\+nc ≥ 6/);
  const ok = predOf([[10, 10, 4, 4, 1, 1]]);
  assert.throws(() => nonMaxSuppression(ok, { confThres: 1.5 }), /invalid confThres 1.5/);
  assert.throws(() => nonMaxSuppression(ok, { iouThres: -0.1 }), /invalid iouThres/);
  assert.throws(() => nonMaxSuppression(ok, { maxDet: 2.5 }), /maxDet must be a non-negative integer/);
});
