import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classColor, hexToRgb, ULTRALYTICS_PALETTE_HEX } from '../../src/plot/colors.ts';
import { formatFixed } from '../../src/compat/python.ts';

test('classColor follows the Ultralytics palette and wraps every 20 classes like Python %', () => {
  assert.equal(ULTRALYTICS_PALETTE_HEX.length, 20);
  assert.deepEqual(classColor(0), [0xff, 0x38, 0x38]); // FF3838
  assert.deepEqual(classColor(1), [0xff, 0x9d, 0x97]); // FF9D97
  assert.deepEqual(classColor(19), [0xff, 0x37, 0xc7]); // FF37C7
  assert.deepEqual(classColor(20), classColor(0));
  assert.deepEqual(classColor(45), classColor(5));
  assert.deepEqual(classColor(-1), classColor(19)); // Python: -1 % 20 == 19
});

test('hexToRgb rejects malformed colours', () => {
  assert.deepEqual(hexToRgb('#0018EC'), [0, 24, 236]);
  assert.throws(() => hexToRgb('12345'), /6-digit hex/);
});

test("formatFixed matches Python's format(), including round-half-even on exact ties", () => {
  // Expected strings printed by CPython 3: f'{0.125:.2f}' etc.
  assert.equal(formatFixed(0.125, 2), '0.12');
  assert.equal(formatFixed(0.375, 2), '0.38');
  assert.equal(formatFixed(0.875, 2), '0.88');
  assert.equal(formatFixed(-0.125, 2), '-0.12');
  assert.equal(formatFixed(0.25, 1), '0.2');
  assert.equal(formatFixed(0.35, 1), '0.3'); // 0.35 is stored just below 0.35
  assert.equal(formatFixed(2.5, 0), '2');
  assert.equal(formatFixed(0.6, 3), '0.600');
  assert.equal(formatFixed(0.8349, 2), '0.83');
});
