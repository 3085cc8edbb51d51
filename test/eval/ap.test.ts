import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interp, linspace, trapz } from '../../src/compat/numpy.ts';
import { apPerClass, computeAp, smooth } from '../../src/eval/ap.ts';

const close = (actual: number, expected: number, tol = 1e-12): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);

test('a perfect detector scores AP 0.995: the 101-point curve ends at (1, 0)', () => {
  // Interpolated precision is 1 at recall 0 … 0.99 and 0 at recall 1: 0.99 + 0.01 · (1 + 0) / 2.
  close(computeAp([1], [1]).ap, 0.995);
});

test('AP integrates the interpolated curve with trapezoids', () => {
  // Envelope 1 up to recall 0.5, then a straight line to (1, 0): 0.5 + 0.25.
  close(computeAp([0.5], [1]).ap, 0.75);
});

test('AP uses the precision envelope, and repeated recalls take the last precision', () => {
  // recall [0.5, 0.5, 1], precision [1, 0.5, 2/3]: envelope 1 below recall 0.5 and 2/3 from 0.5 to 1.
  // 49 steps at 1, the step 0.49→0.5 from 1 to 2/3, 49 steps at 2/3 and the last step 2/3 → 0:
  // 0.49 + 0.01·(5/3)/2 + 0.49·2/3 + 0.01·(2/3)/2 = 0.495 + 1/3.
  const res = computeAp([0.5, 0.5, 1], [1, 0.5, 2 / 3]);
  close(res.ap, 0.495 + 1 / 3);
  assert.deepEqual(Array.from(res.mrec), [0, 0.5, 0.5, 1, 1]);
  assert.deepEqual(Array.from(res.mpre), [1, 1, 2 / 3, 2 / 3, 0]);
});

test('interp follows np.interp at repeated points and outside the range', () => {
  // np.interp([-1, 0, 0.5, 1, 1.5, 2, 3], [0, 1, 1, 2], [0, 10, 20, 30], left=-5)
  assert.deepEqual(Array.from(interp([-1, 0, 0.5, 1, 1.5, 2, 3], [0, 1, 1, 2], [0, 10, 20, 30], -5)), [-5, 0, 5, 20, 25, 30, 30]);
  // A single point: np.interp([0.5], [1.0], [7.0]) and np.interp([1, 2], [1], [7], left=1, right=3)
  assert.deepEqual(Array.from(interp([0.5], [1], [7])), [7]);
  assert.deepEqual(Array.from(interp([1, 2], [1], [7], 1, 3)), [7, 3]);
});

test('linspace and trapz', () => {
  const x = linspace(0, 1, 101);
  assert.equal(x.length, 101);
  assert.equal(x[50], 0.5);
  assert.equal(x[100], 1);
  close(trapz([0, 1, 2], [0, 1, 2]), 2);
  assert.equal(trapz([5], [0]), 0);
});

test('smooth is a 101-tap box filter for f = 0.1 over 1000 points, padded with the edge values', () => {
  const step = Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : 1));
  const s = smooth(step, 0.1);
  assert.equal(s.length, 1000);
  close(s[0]!, 0);
  close(s[500]!, 51 / 101); // window 450 … 550 holds 51 ones
  close(s[449]!, 0);
  close(s[450]!, 1 / 101);
  close(s[999]!, 1);
  // f = 0.05 → round(100) // 2 + 1 = 51 taps
  close(smooth(step, 0.05)[500]!, 26 / 51);
});

test('apPerClass: hand-computed AP, operating point and counts', () => {
  // Targets: two of class 0, one of class 1. Predictions by conf: class 0 TP, FP, TP; class 1 FP; class 2 (no
  // targets, ignored).
  const tp = Uint8Array.from([1, 0, 1, 0, 1]);
  const conf = [0.9, 0.8, 0.7, 0.6, 0.5];
  const predCls = [0, 0, 0, 1, 2];
  const res = apPerClass(tp, conf, predCls, [0, 1, 0]);
  assert.deepEqual(res.classes, [0, 1]);
  assert.deepEqual(res.nt, [2, 1]);
  assert.equal(res.ap.length, 2);
  assert.equal(res.ap[0]!.length, 1);
  close(res.ap[0]![0]!, 0.495 + 1 / 3); // recall [0.5, 0.5, 1], precision [1, 0.5, 2/3] (test above)
  close(res.ap[1]![0]!, 0); // recall [0], precision [0]
  // Mean F1 peaks on the plateau of confidences ≤ 0.7 (class 0: p = 2/3, r = 1 → F1 0.8; class 1: 0); the first
  // index of the plateau is px = 0.
  assert.equal(res.bestIndex, 0);
  close(res.p[0]!, 2 / 3);
  close(res.r[0]!, 1);
  close(res.f1[0]!, 0.8);
  assert.equal(res.p[1], 0);
  assert.equal(res.r[1], 0);
  assert.deepEqual(Array.from(res.tp), [2, 0]); // round(r · nt)
  assert.deepEqual(Array.from(res.fp), [1, 0]); // round(tp / p − tp)
  assert.equal(res.px.length, 1000);
  assert.equal(res.pCurve[0]!.length, 1000);
  assert.notEqual(res.prCurve[0], null);
  assert.notEqual(res.prCurve[1], null);
});

test('apPerClass: identical confidences keep NumPy argsort order (stable for small inputs)', () => {
  // Same conf: FP then TP (input order) → recall [0, 1], precision [0, 0.5] → envelope 0.5 → AP 0.99·0.5 + 0.0025.
  const res = apPerClass(Uint8Array.from([0, 1]), [0.9, 0.9], [0, 0], [0]);
  close(res.ap[0]![0]!, 0.4975);
  // The other order (TP first) would give the perfect 0.995.
  const swapped = apPerClass(Uint8Array.from([1, 0]), [0.9, 0.9], [0, 0], [0]);
  close(swapped.ap[0]![0]!, 0.995);
});

test('apPerClass: a class without predictions has AP 0 and no PR curve', () => {
  const res = apPerClass(Uint8Array.from([1]), [0.9], [0], [0, 3]);
  assert.deepEqual(res.classes, [0, 3]);
  close(res.ap[0]![0]!, 0.995);
  assert.equal(res.ap[1]![0], 0);
  assert.equal(res.prCurve[1], null);
  assert.throws(() => apPerClass(Uint8Array.from([1, 0, 1]), [0.9, 0.8], [0, 0], [0]), /not a multiple of 2/);
});
