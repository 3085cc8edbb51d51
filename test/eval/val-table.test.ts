import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSpeedLine, formatValHeader, formatValRow } from '../../src/eval/val-table.ts';

// Expected strings were printed by CPython 3.11 with val.py's format expressions.

test('header', () => {
  assert.equal(
    formatValHeader(),
    '                 Class     Images  Instances          P          R      mAP50   mAP50-95',
  );
});

test('rows', () => {
  assert.equal(
    formatValRow('all', 128, 929, 0.7146173, 0.633882, 0.7131, 0.474505),
    '                   all        128        929      0.715      0.634      0.713      0.475',
  );
  assert.equal(
    formatValRow('person', 5000, 36335, 0.0004999, 1.0, 0.99951, 1e-5),
    '                person       5000      36335     0.0005          1          1      1e-05',
  );
  assert.equal(
    formatValRow('a_very_long_class_name_here', 3, 0, 0, 0, 0, 0),
    'a_very_long_class_name_here          3          0          0          0          0          0',
  );
});

test('speed line rounds like Python (ties to even on the exact binary value)', () => {
  assert.equal(
    formatSpeedLine(0.23456, 12.35, 1.05, [32, 3, 640, 640]),
    'Speed: 0.2ms pre-process, 12.3ms inference, 1.1ms NMS per image at shape (32, 3, 640, 640)',
  );
  assert.equal(
    formatSpeedLine(0.25, 0.35, 100.05, [1]),
    'Speed: 0.2ms pre-process, 0.3ms inference, 100.0ms NMS per image at shape (1,)',
  );
});
