// Arithmetic, comparisons, elementwise maths and reductions. References: hand-computed values, JavaScript's
// Math functions on the same float32 inputs, and PyTorch 1.13's output where noted.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import { assertClose } from './assert-close.ts';

const f32 = (xs: number[]) => xs.map(Math.fround);

test('arithmetic with a tensor (broadcasting) and with a scalar', () => {
  torch.tidy(() => {
    const a = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    const b = torch.tensor([10, 20, 30]);
    assert.deepEqual(a.add(b).tolist(), [[11, 22, 33], [14, 25, 36]]);
    assert.deepEqual(a.sub(b).tolist(), [[-9, -18, -27], [-6, -15, -24]]);
    assert.deepEqual(a.mul(b).tolist(), [[10, 40, 90], [40, 100, 180]]);
    assert.deepEqual(b.div(a).tolist(), [[10, 10, 10], [2.5, 4, 5]]);
    assert.deepEqual(a.add(0.5).tolist(), [[1.5, 2.5, 3.5], [4.5, 5.5, 6.5]]);
    assert.deepEqual(a.mul(-2).sub(1).tolist(), [[-3, -5, -7], [-9, -11, -13]]);
    assert.deepEqual(a.div(4).tolist(), [[0.25, 0.5, 0.75], [1, 1.25, 1.5]]);
    assert.deepEqual(a.rsub(1).tolist(), [[0, -1, -2], [-3, -4, -5]]);
    assert.deepEqual(a.rdiv(12).tolist(), [[12, 6, 4], [3, 2.4000000953674316, 2]]);
    assert.deepEqual(a.pow(2).tolist(), [[1, 4, 9], [16, 25, 36]]);
    assert.deepEqual(b.pow(a.narrow(0, 0, 1)).tolist(), [[10, 400, 27000]]);
    assert.deepEqual(torch.tensor([-7, 7]).remainder(3).tolist(), [2, 1], 'Python-style modulo');
    assert.deepEqual(a.neg().tolist(), [[-1, -2, -3], [-4, -5, -6]]);
    assert.deepEqual(a.maximum(b.div(10).mul(2)).tolist(), [[2, 4, 6], [4, 5, 6]]);
    assert.deepEqual(a.minimum(3).tolist(), [[1, 2, 3], [3, 3, 3]]);
  });
});

test('integer arithmetic stays integral; int / int is true division like PyTorch', () => {
  torch.tidy(() => {
    const i = torch.tensor([7, -7], { dtype: 'int64' });
    assert.equal(i.add(1).dtype, 'int64');
    assert.deepEqual(i.add(1).tolist(), [8, -6]);
    assert.equal(i.div(2).dtype, 'float32');
    assert.deepEqual(i.div(2).tolist(), [3.5, -3.5]);
    assert.equal(i.add(0.5).dtype, 'float32');
  });
});

test('comparisons with a tensor and with a scalar give bool tensors', () => {
  torch.tidy(() => {
    const a = torch.tensor([1, 2, 3, 4]);
    const b = torch.tensor([4, 2, 1, 4]);
    assert.equal(a.eq(b).dtype, 'bool');
    assert.deepEqual(a.eq(b).tolist(), [0, 1, 0, 1]);
    assert.deepEqual(a.ne(b).tolist(), [1, 0, 1, 0]);
    assert.deepEqual(a.lt(b).tolist(), [1, 0, 0, 0]);
    assert.deepEqual(a.le(b).tolist(), [1, 1, 0, 1]);
    assert.deepEqual(a.gt(b).tolist(), [0, 0, 1, 0]);
    assert.deepEqual(a.ge(b).tolist(), [0, 1, 1, 1]);
    assert.deepEqual(a.gt(2).tolist(), [0, 0, 1, 1]);
    assert.deepEqual(a.eq(3).tolist(), [0, 0, 1, 0]);
    assert.deepEqual(a.gt(2).logicalAnd(a.lt(4)).tolist(), [0, 0, 1, 0]);
    assert.deepEqual(a.lt(2).logicalOr(a.gt(3)).tolist(), [1, 0, 0, 1]);
    assert.equal(a.gt(0).all().item(), 1);
    assert.equal(a.gt(3).any().item(), 1);
    assert.equal(a.gt(9).any().item(), 0);
  });
});

test('exp / log / sigmoid / sqrt / atan / tanh / abs / pow match Math on the same float32 inputs', () => {
  torch.tidy(() => {
    const xs = f32([-3.5, -1, -0.25, 0, 0.3, 1, 2.75, 8]);
    const pos = f32([0.01, 0.5, 1, 2, 9, 100]);
    const x = torch.tensor(xs);
    const p = torch.tensor(pos);
    const td = (t: torch.Tensor) => t.toTypedArray() as Float32Array;
    assertClose(td(x.exp()), xs.map(Math.exp), 1e-6, 'exp');
    assertClose(td(p.log()), pos.map(Math.log), 1e-6, 'log');
    assertClose(td(x.sigmoid()), xs.map((v) => 1 / (1 + Math.exp(-v))), 1e-6, 'sigmoid');
    assertClose(td(p.sqrt()), pos.map(Math.sqrt), 1e-6, 'sqrt');
    assertClose(td(x.atan()), xs.map(Math.atan), 1e-6, 'atan');
    assertClose(td(x.tanh()), xs.map(Math.tanh), 1e-6, 'tanh');
    assertClose(td(x.abs()), xs.map(Math.abs), 0, 'abs');
    assertClose(td(p.pow(1.5)), pos.map((v) => v ** 1.5), 1e-6, 'pow');
    assertClose(td(p.reciprocal()), pos.map((v) => 1 / v), 1e-6, 'reciprocal');
    assert.deepEqual(torch.tensor([-1.5, -0.5, 0.5, 1.5, 2.5]).round().tolist(), [-2, -0, 0, 2, 2], 'round half to even');
    assert.deepEqual(torch.tensor([-1.5, 1.5]).floor().tolist(), [-2, 1]);
    assert.deepEqual(torch.tensor([-1.5, 1.5]).ceil().tolist(), [-1, 2]);
    assert.deepEqual(torch.tensor([-3, 0, 2]).sign().tolist(), [-1, 0, 1]);
    assert.deepEqual(torch.tensor([1, NaN, Infinity]).isnan().tolist(), [0, 1, 0]);
    assert.deepEqual(torch.tensor([1, NaN, -Infinity]).isfinite().tolist(), [1, 0, 0]);
  });
});

test('clamp with both, one or no bounds; clamp_ in place', () => {
  torch.tidy(() => {
    const x = torch.tensor([-2, -0.5, 0.5, 2]);
    assert.deepEqual(x.clamp(-1, 1).tolist(), [-1, -0.5, 0.5, 1]);
    assert.deepEqual(x.clamp(0).tolist(), [0, 0, 0.5, 2]);
    assert.deepEqual(x.clamp(null, 0).tolist(), [-2, -0.5, 0, 0]);
    x.clamp_(-1, null);
    assert.deepEqual(x.tolist(), [-1, -0.5, 0.5, 2]);
  });
});

test('reductions: sum / mean / max / min / argmax / topk / sort (PyTorch 1.13 reference)', () => {
  torch.tidy(() => {
    const r = torch.tensor([[3, -1, 4, 1.5, -5], [9, 2, -6, 5, 3]]);
    assert.equal(r.sum().item(), 15.5);
    assert.deepEqual(r.sum(0).tolist(), [12, 1, -2, 6.5, -2]);
    assert.deepEqual(r.sum([0, 1], true).shape, [1, 1]);
    assertClose(r.mean(1).toTypedArray() as Float32Array, [0.5, 2.5999999046325684], 0, 'mean(1)');
    assert.equal(r.max().item(), 9);
    assert.equal(r.min().item(), -6);
    const m = r.maxDim(1);
    assert.deepEqual(m.values.tolist(), [4, 9]);
    assert.deepEqual(m.indices.tolist(), [2, 0]);
    assert.equal(m.indices.dtype, 'int64');
    assert.deepEqual(r.minDim(0, true).values.tolist(), [[3, -1, -6, 1.5, -5]]);
    assert.deepEqual(r.amax(1).tolist(), [4, 9]);
    assert.equal(r.argmax().item(), 5);
    assert.deepEqual(r.argmax(0).tolist(), [1, 1, 0, 1, 1]);
    // r.topk(2, dim=1)
    const t = r.topk(2, 1);
    assert.deepEqual(t.values.tolist(), [[4, 3], [9, 5]]);
    assert.deepEqual(t.indices.tolist(), [[2, 0], [0, 3]]);
    const ts = r.topk(2, 1, false);
    assert.deepEqual(ts.values.tolist(), [[-5, -1], [-6, 2]]);
    assert.deepEqual(ts.indices.tolist(), [[4, 1], [2, 1]]);
    // r.sort(dim=1)
    const s = r.sort(1);
    assert.deepEqual(s.values.tolist(), [[-5, -1, 1.5, 3, 4], [-6, 2, 3, 5, 9]]);
    assert.deepEqual(s.indices.tolist(), [[4, 1, 3, 0, 2], [2, 1, 4, 3, 0]]);
    // r.sort(dim=0, descending=True)
    const sd = r.sort(0, true);
    assert.deepEqual(sd.values.tolist(), [[9, 2, 4, 5, 3], [3, -1, -6, 1.5, -5]]);
    assert.deepEqual(sd.indices.tolist(), [[1, 1, 0, 1, 1], [0, 0, 1, 0, 0]]);
    assert.deepEqual(torch.tensor([1, 2, 3, 4]).cumsum(0).tolist(), [1, 3, 6, 10]);
    assert.equal(torch.tensor([1, 2, 3, 4]).prod().item(), 24);
    assert.equal(torch.tensor([3, 4]).norm().item(), 5);
  });
});

test('where selects elementwise with broadcasting', () => {
  torch.tidy(() => {
    const c = torch.tensor([1, 0, 1], { dtype: 'bool' });
    assert.deepEqual(torch.where(c, torch.tensor([1, 2, 3]), torch.tensor([-1])).tolist(), [1, -1, 3]);
  });
});
