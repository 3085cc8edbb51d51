// Shared by the v7.0 parity tests: a fixture's files and the checks every loaded v7.0 model must pass.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tidy, type Tensor } from '../../src/tensor/index.ts';
import type { DetectionModel } from '../../src/yolo/detection-model.ts';

export const v7Fixture = (f: string) => fileURLToPath(new URL(`../fixtures/v7/${f}`, import.meta.url));

/** max |a − b| / max |b| */
export const relativeDiff = (a: Tensor, b: Tensor) => tidy(() => a.sub(b).abs().max().item() / b.abs().max().item());

/** max |a − b| / max |b| of host arrays (onnxruntime outputs, fixture data), in float64; the lengths must agree. */
export function relativeDiffHost(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    m = Math.max(m, Math.abs(b[i]!));
  }
  return d / m;
}

export interface V7Expected {
  output_shape: number[];
  proto_shape?: number[];
  strides: number[];
  state_dict: Record<string, number[]>;
  summary: { unfused: { layers: number; parameters: number; gflops_640: number } };
}

export function readV7Expected(stem: string): V7Expected {
  return JSON.parse(readFileSync(v7Fixture(`${stem}_expected.json`), 'utf8')) as V7Expected;
}

/** The checkpoint's state_dict keys in order with their shapes, and the strides. */
export function assertCheckpointLayout(model: DetectionModel, expected: Pick<V7Expected, 'state_dict' | 'strides'>): void {
  const shapes = Object.fromEntries([...model.stateDict()].map(([k, t]) => [k, t.shape]));
  assert.deepEqual(Object.keys(shapes), Object.keys(expected.state_dict));
  assert.deepEqual(shapes, expected.state_dict);
  assert.deepEqual(model.stride, expected.strides);
}

/** The checkpoint's state_dict keys, order and shapes, strides and v7.0's summary at 640. */
export function assertV7Structure(model: DetectionModel, expected: V7Expected): void {
  assertCheckpointLayout(model, expected);
  const s = model.info(640);
  assert.equal(s.layers, expected.summary.unfused.layers);
  assert.equal(s.parameters, expected.summary.unfused.parameters);
  assert.equal(Number(s.gflops.toFixed(1)), expected.summary.unfused.gflops_640);
}
