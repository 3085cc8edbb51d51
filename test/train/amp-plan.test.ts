// train --amp's decision on the CPU: auto trains detection in bfloat16 only where the CPU has AMX (measured faster
// there, bench/report.md), never segmentation by default; true asks for it wherever bfloat16 is native.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { cpuAmpByDefault, planAmp } from '../../src/train/amp.ts';
import type { DetectionModel } from '../../src/yolo/detection-model.ts';

// The CPU plan never looks at the model (only CUDA's check_amp runs it).
const model = {} as DetectionModel;
const plan = (setting: 'auto' | boolean, flags: string[], task?: 'detect' | 'segment') => {
  const lines: string[] = [];
  const p = planAmp(setting, 'cpu', model, (l) => lines.push(l), new Set(flags), { task });
  return { enabled: p.enabled, dtype: p.dtype, scaler: p.scaler.enabled, lines };
};

test('--amp auto on the CPU: bfloat16 for detection where the CPU has AMX, fp32 elsewhere and for segmentation', () => {
  assert.equal(cpuAmpByDefault(new Set(['avx512_bf16', 'amx_bf16', 'amx_tile'])), true);
  assert.equal(cpuAmpByDefault(new Set(['avx512_bf16'])), false);
  const amx = plan('auto', ['avx512_bf16', 'amx_bf16']);
  assert.deepEqual([amx.enabled, amx.dtype, amx.scaler], [true, 'bfloat16', false]);
  assert.match(amx.lines.join('\n'), /AMP: bfloat16 autocast on the CPU \(native bfloat16: avx512_bf16, amx_bf16\)/);
  assert.equal(plan('auto', ['avx512_bf16', 'amx_bf16'], 'segment').enabled, false);
  assert.equal(plan('auto', ['avx512_bf16']).enabled, false, 'AVX512-BF16 without AMX: not measured, fp32');
  assert.equal(plan('auto', ['avx2']).enabled, false);
  assert.deepEqual(plan('auto', ['avx2']).lines, [], 'auto says nothing when it stays fp32 without native bfloat16');
});

test('--amp true / false on the CPU', () => {
  assert.equal(plan(true, ['avx512_bf16']).enabled, true);
  assert.equal(plan(true, ['avx512_bf16', 'amx_bf16'], 'segment').enabled, true);
  const none = plan(true, ['avx2']);
  assert.equal(none.enabled, false);
  assert.match(none.lines.join('\n'), /AMP: off: this CPU has no native bfloat16/);
  assert.equal(plan(false, ['avx512_bf16', 'amx_bf16']).enabled, false);
});
