import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoLimits, niceTicks, tickLabels } from '../../src/plot/chart.ts';

test('niceTicks picks 1/2/2.5/5 × 10^k steps within the limits', () => {
  assert.deepEqual(niceTicks(0, 1, 5), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(0, 1, 4), [0, 0.25, 0.5, 0.75, 1]);
  assert.deepEqual(niceTicks(-4.5, 83.5, 5), [0, 20, 40, 60, 80]);
  assert.deepEqual(niceTicks(0.0945, 0.1055, 5), [0.095, 0.0975, 0.1, 0.1025, 0.105]);
});

test('tickLabels use the fewest decimals that show every tick (matplotlib look)', () => {
  assert.deepEqual(tickLabels([0, 0.2, 0.4, 1]), ['0.0', '0.2', '0.4', '1.0']);
  assert.deepEqual(tickLabels([0, 0.25, 0.5]), ['0.00', '0.25', '0.50']);
  assert.deepEqual(tickLabels([0, 20, 40]), ['0', '20', '40']);
});

test('autoLimits adds 5 % margins and widens single values and floating-point-noise ranges', () => {
  const [lo, hi] = autoLimits([0, 10]);
  assert.ok(Math.abs(lo + 0.5) < 1e-12 && Math.abs(hi - 10.5) < 1e-12);
  const [a, b] = autoLimits([0.1, 0.1 + 1e-17, NaN]); // a one-epoch run: data and its smoothed copy differ by an ulp
  assert.ok(b - a > 0.01, `window ${a}..${b}`);
  assert.ok(niceTicks(a, b, 5).length <= 10);
  assert.deepEqual(autoLimits([]), [0, 1]);
});
