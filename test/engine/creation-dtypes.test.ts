// Tensor factories and dtype round trips. Expected values are hand-computed (IEEE bit patterns, PyTorch semantics).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import { assertClose } from './assert-close.ts';

test('zeros / ones / full / empty have the requested shape, dtype and values', () => {
  torch.tidy(() => {
    const z = torch.zeros([2, 3]);
    assert.deepEqual(z.shape, [2, 3]);
    assert.equal(z.dtype, 'float32');
    assert.deepEqual(z.tolist(), [[0, 0, 0], [0, 0, 0]]);
    const o = torch.ones([4], { dtype: 'int32' });
    assert.equal(o.dtype, 'int32');
    assert.deepEqual([...o.toTypedArray()], [1, 1, 1, 1]);
    const f = torch.full([2, 2], 2.5, { dtype: 'float64' });
    assert.deepEqual(f.tolist(), [[2.5, 2.5], [2.5, 2.5]]);
    assert.deepEqual(torch.empty([3, 0, 2]).shape, [3, 0, 2]);
    assert.equal(torch.empty([3, 0, 2]).numel, 0);
    assert.deepEqual(torch.zeros([]).shape, []);
    assert.equal(torch.zeros([]).item(), 0);
    assert.deepEqual(torch.fullLike(o, 7).tolist(), [7, 7, 7, 7]);
    assert.equal(torch.zerosLike(f).dtype, 'float64');
  });
});

test('arange follows PyTorch: integers give int64, floats give float32, end is exclusive', () => {
  torch.tidy(() => {
    const a = torch.arange(5);
    assert.equal(a.dtype, 'int64');
    assert.deepEqual(a.tolist(), [0, 1, 2, 3, 4]);
    assert.deepEqual(torch.arange(2, 11, 3).tolist(), [2, 5, 8]);
    const f = torch.arange(0, 1, 0.25);
    assert.equal(f.dtype, 'float32');
    assert.deepEqual(f.tolist(), [0, 0.25, 0.5, 0.75]);
    assert.deepEqual(torch.arange(3, undefined, 1, { dtype: 'float64' }).tolist(), [0, 1, 2]);
  });
});

test('linspace includes both ends', () => {
  torch.tidy(() => {
    assert.deepEqual(torch.linspace(0, 1, 5).tolist(), [0, 0.25, 0.5, 0.75, 1]);
    assert.deepEqual(torch.linspace(-3, 3, 3, { dtype: 'float64' }).tolist(), [-3, 0, 3]);
  });
});

test('rand is in [0, 1) with mean ≈ 1/2; randn has mean ≈ 0 and std ≈ 1; randint stays in [low, high)', () => {
  torch.tidy(() => {
    const n = 20000;
    const u = torch.rand([100, 200]);
    assert.deepEqual(u.shape, [100, 200]);
    const ud = u.toTypedArray() as Float32Array;
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of ud) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    assert.ok(min >= 0 && max < 1, `rand range [${min}, ${max}]`);
    assert.ok(Math.abs(sum / n - 0.5) < 0.01, `rand mean ${sum / n}`); // σ of the mean ≈ 0.002
    const g = torch.randn([n]).toTypedArray() as Float32Array;
    const mean = g.reduce((a, b) => a + b, 0) / n;
    const std = Math.sqrt(g.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    assert.ok(Math.abs(mean) < 0.03, `randn mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 0.03, `randn std ${std}`);
    const r = torch.randint(-2, 3, [1000]);
    assert.equal(r.dtype, 'int64');
    const rv = r.tolist() as number[];
    assert.deepEqual([...new Set(rv)].sort((p, q) => p - q), [-2, -1, 0, 1, 2]);
    assert.deepEqual((torch.randperm(6).tolist() as number[]).sort((p, q) => p - q), [0, 1, 2, 3, 4, 5]);
  });
});

test('tensor() from typed arrays keeps dtype and bytes; nested arrays infer the shape', () => {
  torch.tidy(() => {
    const t = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    const f64 = torch.tensor(Float64Array.from([0.1, 1e300]), { shape: [2, 1] });
    assert.equal(f64.dtype, 'float64');
    assert.deepEqual([...f64.toTypedArray()], [0.1, 1e300]);
    const s = torch.tensor(3.5);
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 3.5);
    assert.throws(() => torch.tensor(Float32Array.from([1, 2, 3]), { shape: [2, 2] }), /3 values do not fill shape \[2, 2\]/);
  });
});

test('every dtype round-trips through the engine bit-exactly', () => {
  torch.tidy(() => {
    const i64 = BigInt64Array.from([0n, -1n, 2n ** 62n + 1n, -(2n ** 63n)]);
    assert.deepEqual([...(torch.tensor(i64).toTypedArray() as BigInt64Array)], [...i64]);
    const i32 = Int32Array.from([0, -1, 2147483647, -2147483648]);
    assert.deepEqual([...torch.tensor(i32).toTypedArray()], [...i32]);
    const u8 = Uint8Array.from([0, 1, 128, 255]);
    const tu8 = torch.tensor(u8);
    assert.equal(tu8.dtype, 'uint8');
    assert.deepEqual([...tu8.toTypedArray()], [0, 1, 128, 255]);
    const b = torch.tensor([1, 0, 1], { dtype: 'bool' });
    assert.equal(b.dtype, 'bool');
    assert.deepEqual(b.tolist(), [1, 0, 1]);
    const f32 = Float32Array.from([1.5, -0, 3.4028234663852886e38, 1e-45]);
    assert.deepEqual([...torch.tensor(f32).toTypedArray()], [...f32]);
    // float16 bits: 1 = 0x3c00, -2 = 0xc000, 65504 = 0x7bff, smallest subnormal = 0x0001
    const h = torch.tensor(Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001]), { dtype: 'float16' });
    assert.equal(h.dtype, 'float16');
    assert.deepEqual([...h.toTypedArray()], [0x3c00, 0xc000, 0x7bff, 0x0001]);
    assert.deepEqual([...h.toFloat32Array()], [1, -2, 65504, 2 ** -24]);
    // bfloat16 bits: 1 = 0x3f80, -2 = 0xc000, 0.5 = 0x3f00
    const bf = torch.tensor(Uint16Array.from([0x3f80, 0xc000, 0x3f00]), { dtype: 'bfloat16' });
    assert.deepEqual([...bf.toFloat32Array()], [1, -2, 0.5]);
  });
});

test('dtype conversion: float→half/bfloat16 bits, float→int truncates toward zero, nonzero→bool true', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, -2, 0.5, 65504]);
    assert.deepEqual([...x.half().toTypedArray()], [0x3c00, 0xc000, 0x3800, 0x7bff]);
    assert.deepEqual([...x.to('bfloat16').toTypedArray().slice(0, 3)], [0x3f80, 0xc000, 0x3f00]);
    assert.deepEqual(torch.tensor([-1.7, 2.9, 0]).long().tolist(), [-1, 2, 0]);
    assert.deepEqual(torch.tensor([-1.7, 0, 3]).bool().tolist(), [1, 0, 1]);
    assert.deepEqual(torch.tensor([300, -1]).to('int32').to('uint8').tolist(), [44, 255]);
    assertClose(torch.tensor([0.1]).to('float64').toTypedArray() as Float64Array, [Math.fround(0.1)], 0);
  });
});
