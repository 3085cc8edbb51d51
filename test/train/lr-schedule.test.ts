// LR lambdas and warmup helpers against their formulas and numpy.interp's documented behaviour.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { applyWarmup, linearLr, oneCycleLr, warmupInterp, warmupIterations } from '../../src/train/lr-schedule.ts';

test('linear: 1 at epoch 0, lrf at the end, straight line between', () => {
  const lf = linearLr(0.01, 100);
  assert.equal(lf(0), 1);
  assert.ok(Math.abs(lf(100) - 0.01) < 1e-15);
  assert.ok(Math.abs(lf(50) - 0.505) < 1e-15);
  assert.ok(Math.abs(lf(1) - 0.9901) < 1e-15);
});

test('one_cycle (--cos-lr): half cosine from 1 to lrf', () => {
  const lf = oneCycleLr(1, 0.1, 300);
  assert.equal(lf(0), 1);
  assert.ok(Math.abs(lf(300) - 0.1) < 1e-15);
  assert.ok(Math.abs(lf(150) - 0.55) < 1e-15);
  assert.ok(Math.abs(lf(75) - (1 + ((1 - Math.SQRT1_2) / 2) * (0.1 - 1))) < 1e-15);
  assert.equal(oneCycleLr()(100), 1);
});

test('interp: clamps outside xp, linear inside, several segments', () => {
  assert.equal(warmupInterp(-5, [0, 10], [1, 3]), 1);
  assert.equal(warmupInterp(50, [0, 10], [1, 3]), 3);
  assert.equal(warmupInterp(2.5, [0, 10], [1, 3]), 1.5);
  assert.equal(warmupInterp(10, [0, 10], [1, 3]), 3);
  assert.equal(warmupInterp(1.5, [0, 1, 3], [0, 10, 0]), 7.5);
  assert.throws(() => warmupInterp(1, [0, 1], [0]), /equally long/);
});

test('warmup length: max(round(epochs·nb), 100) with round-half-even', () => {
  assert.equal(warmupIterations(3, 10), 100);
  assert.equal(warmupIterations(3, 500), 1500);
  assert.equal(warmupIterations(0.5, 205), 102); // 102.5 → 102
  assert.equal(warmupIterations(1.5, 101), 152); // 151.5 → 152
});

test('applyWarmup: bias lr falls from warmup_bias_lr, others rise from 0, SGD momentum ramps, accumulate grows', () => {
  const lf = linearLr(0.01, 100);
  const groups = [
    { lr: 0, initialLr: 0.01, momentum: 0.937 },
    { lr: 0, initialLr: 0.01, momentum: 0.937 },
    { lr: 0, initialLr: 0.01 },
  ];
  const o = { nw: 1000, epoch: 1, lf, warmupBiasLr: 0.1, warmupMomentum: 0.8, momentum: 0.937, nbs: 64, batchSize: 16 };
  let r = applyWarmup(groups, { ...o, ni: 0 });
  assert.deepEqual(groups.map((g) => g.lr), [0.1, 0, 0]);
  assert.equal(groups[0]!.momentum, 0.8);
  assert.equal(r.accumulate, 1);
  r = applyWarmup(groups, { ...o, ni: 250 });
  const target = 0.01 * lf(1);
  assert.ok(Math.abs(groups[0]!.lr - (0.1 + 0.25 * (target - 0.1))) < 1e-15);
  assert.ok(Math.abs(groups[1]!.lr - 0.25 * target) < 1e-15);
  assert.ok(Math.abs(groups[1]!.momentum! - (0.8 + 0.25 * 0.137)) < 1e-15);
  assert.equal(groups[2]!.momentum, undefined);
  assert.equal(r.accumulate, 2); // interp = 1.75 → 2
  assert.equal(applyWarmup(groups, { ...o, ni: 500 }).accumulate, 2); // 2.5 → 2 (numpy rounds half to even)
  assert.equal(applyWarmup(groups, { ...o, ni: 1000 }).accumulate, 4);
});
