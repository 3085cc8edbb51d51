// clipGradNorm against torch.nn.utils.clip_grad_norm_(max_norm=10) (fixtures/train_reference.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as torch from '../../src/tensor/index.ts';
import { clipGradNorm } from '../../src/train/clip-grad.ts';
import { assertClose } from '../engine/assert-close.ts';

const REF = JSON.parse(readFileSync(new URL('../fixtures/train_reference.json', import.meta.url), 'utf8')).clip;

// The parameters and step-1 gradients of make_train_reference.py, times `scale`.
function withGrads(scale: number): torch.Tensor[] {
  const shapes = [[2, 3], [4], [3]];
  const grads = [
    Array.from({ length: 6 }, (_, i) => Math.cos(0.5 * i + 1)),
    Array.from({ length: 4 }, (_, i) => 0.3 * Math.sin(i - 1)),
    Array.from({ length: 3 }, (_, i) => 0.1 * (i + 1) * 2),
  ];
  return shapes.map((s, k) => {
    const p = torch.zeros(s, { requiresGrad: true });
    const g = torch.tensor(Float32Array.from(grads[k]!), { shape: s }).mul(scale);
    torch.tidy(() => p.mul(g).sum().backward());
    return p;
  });
}

for (const [name, scale] of [['above', 7.0], ['below', 0.5]] as const) {
  test(`total norm ${name} 10: returned norm and gradients equal torch's`, () => {
    const params = withGrads(scale);
    const total = clipGradNorm([...params, torch.zeros([2], { requiresGrad: true })], 10.0);
    assert.ok(Math.abs(total - REF[name].total) <= 1e-6 * REF[name].total, `${total} vs ${REF[name].total}`);
    params.forEach((p, i) => assertClose(p.grad!.toFloat32Array(), REF[name].grads[i], 1e-6, `grad ${i}`));
  });
}

test('clipped gradients have norm max_norm; no gradients gives 0', () => {
  const params = withGrads(7.0);
  clipGradNorm(params, 10.0);
  const after = Math.hypot(...params.flatMap((p) => Array.from(p.grad!.toFloat32Array())));
  assert.ok(Math.abs(after - 10) < 1e-4);
  assert.equal(clipGradNorm([torch.zeros([3], { requiresGrad: true })]), 0);
});
