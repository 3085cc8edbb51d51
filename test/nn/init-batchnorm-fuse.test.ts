// PyTorch's default initialisation, BatchNorm2d's settable eps/momentum, and conv+BN fusion.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import { BatchNorm2d, Conv2d, Sequential, fanIn, fuseConvAndBn } from '../../src/nn/index.ts';
import { assertClose } from '../engine/assert-close.ts';

/** Checks that values look like U(−bound, bound): inside the bounds, mean ≈ 0, var ≈ bound²/3, even quartiles. */
function assertUniform(values: Float32Array, bound: number, what: string): void {
  const n = values.length;
  let sum = 0;
  let sq = 0;
  const quarter = [0, 0, 0, 0];
  for (const v of values) {
    assert.ok(Math.abs(v) <= bound, `${what}: ${v} outside ±${bound}`);
    sum += v;
    sq += v * v;
    quarter[Math.min(3, Math.floor(((v + bound) / (2 * bound)) * 4))]!++;
  }
  const mean = sum / n;
  const variance = sq / n - mean * mean;
  // For U(−b, b): σ(mean) = b/√(3n); allow 5σ. var = b²/3 with relative σ ≈ √(4/(5n)).
  assert.ok(Math.abs(mean) < (5 * bound) / Math.sqrt(3 * n), `${what}: mean ${mean}`);
  assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 5 * Math.sqrt(0.8 / n), `${what}: variance ${variance} vs ${bound * bound / 3}`);
  for (const q of quarter) assert.ok(Math.abs(q / n - 0.25) < 5 * Math.sqrt(0.1875 / n), `${what}: quartile counts ${quarter}`);
  const maxAbs = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.ok(maxAbs > 0.95 * bound, `${what}: values reach close to the bound (max |w| = ${maxAbs})`);
}

test('Conv2d default init: weight and bias ~ U(±1/√fan_in), fan_in = in/groups × k²', () => {
  torch.manualSeed(3);
  const conv = new Conv2d(64, 128, 3);
  assert.equal(fanIn(conv.weight), 576);
  assertUniform(conv.weight.toTypedArray() as Float32Array, 1 / 24, 'weight 64→128 3×3');
  const dw = new Conv2d(256, 256, 3, { groups: 256 });
  assert.equal(fanIn(dw.weight), 9);
  assertUniform(dw.weight.toTypedArray() as Float32Array, 1 / 3, 'depthwise weight');
  assertUniform(dw.bias!.toTypedArray() as Float32Array, 1 / 3, 'depthwise bias');
  const pw = new Conv2d(96, 4000, 1);
  assertUniform(pw.bias!.toTypedArray() as Float32Array, 1 / Math.sqrt(96), 'bias 96→4000 1×1');
  assert.throws(() => new Conv2d(6, 4, 3, { groups: 4 }), /channels must be divisible by groups/);
  for (const m of [conv, dw, pw]) m.dispose();
});

test('BatchNorm2d starts at weight 1, bias 0, running_mean 0, running_var 1, num_batches_tracked 0', () => {
  const bn = new BatchNorm2d(3);
  assert.deepEqual(bn.weight.tolist(), [1, 1, 1]);
  assert.deepEqual(bn.bias.tolist(), [0, 0, 0]);
  assert.deepEqual(bn.runningMean.tolist(), [0, 0, 0]);
  assert.deepEqual(bn.runningVar.tolist(), [1, 1, 1]);
  assert.equal(bn.eps, 1e-5);
  assert.equal(bn.momentum, 0.1);
  bn.dispose();
});

test('BatchNorm2d eps and momentum are settable and used (YOLOv5 sets eps=1e-3, momentum=0.03)', () => {
  const bn = new BatchNorm2d(2, { eps: 1e-3, momentum: 0.03 });
  torch.tidy(() => {
    // channel 0 holds 1,3 (mean 2, unbiased var 2); channel 1 holds 10,10 (mean 10, var 0)
    const x = torch.tensor([1, 10, 3, 10], { shape: [2, 2, 1, 1] });
    bn.forward(x);
    assertClose(bn.runningMean.toTypedArray() as Float32Array, [0.03 * 2, 0.03 * 10], 1e-6, 'running_mean, momentum 0.03');
    assertClose(bn.runningVar.toTypedArray() as Float32Array, [0.97 + 0.03 * 2, 0.97], 1e-6, 'running_var');
    assert.equal(bn.getBuffer('num_batches_tracked')!.item(), 1);
    bn.momentum = 0.5;
    bn.forward(x);
    assertClose(bn.runningMean.toTypedArray() as Float32Array, [0.5 * 0.06 + 0.5 * 2, 0.5 * 0.3 + 0.5 * 10], 1e-6, 'running_mean, momentum 0.5');
    assert.equal(bn.getBuffer('num_batches_tracked')!.item(), 2);
    // eval with running var 0 on channel 1: the output is (x − mean)/√eps; changing eps changes it
    bn.eval();
    assert.equal(bn.runningVar.requiresGrad, false, 'buffers do not require grad');
    torch.noGrad(() => bn.runningVar.fill_(0));
    const y = bn.forward(torch.tensor([0, 1], { shape: [1, 2, 1, 1] })).toTypedArray() as Float32Array;
    const mean = bn.runningMean.toTypedArray() as Float32Array;
    assertClose([...y], [(0 - mean[0]!) / Math.sqrt(1e-3), (1 - mean[1]!) / Math.sqrt(1e-3)], 1e-5, 'eps 1e-3');
    bn.eps = 0.25;
    const y2 = bn.forward(torch.tensor([0, 1], { shape: [1, 2, 1, 1] })).toTypedArray() as Float32Array;
    assertClose([...y2], [(0 - mean[0]!) / 0.5, (1 - mean[1]!) / 0.5], 1e-5, 'eps 0.25');
    assert.equal(bn.getBuffer('num_batches_tracked')!.item(), 2, 'eval does not count batches');
  });
  bn.dispose();
});

test('fuseConvAndBn equals conv → bn in eval mode (≤ 1e-5), with and without conv bias, grouped and strided', () => {
  torch.manualSeed(7);
  for (const [opts, label] of [
    [{ stride: 2, padding: 1, bias: false }, 'no bias, stride 2'],
    [{ padding: 1, groups: 4, bias: true }, 'bias, groups 4'],
  ] as const) {
    const conv = new Conv2d(8, 12, 3, opts);
    const bn = new BatchNorm2d(12, { eps: 1e-3 });
    torch.noGrad(() => {
      bn.weight.uniform_(0.5, 1.5);
      bn.bias.uniform_(-0.5, 0.5);
      bn.runningMean.uniform_(-0.3, 0.3);
      bn.runningVar.uniform_(0.2, 2);
    });
    const reference = new Sequential(conv, bn).eval();
    const fused = fuseConvAndBn(conv, bn);
    torch.tidy(() => {
      const x = torch.randn([2, 8, 10, 10]);
      const want = reference.forward(x).toTypedArray() as Float32Array;
      const got = fused.forward(x).toTypedArray() as Float32Array;
      assert.deepEqual(fused.weight.shape, conv.weight.shape);
      assertClose(got, want, 1e-5, label);
    });
    reference.dispose();
    fused.dispose();
  }
});
