// Views, shape ops and indexing on a = arange(24).reshape(2, 3, 4). Expected values: PyTorch 1.13's output
// (the Python expression is next to each) or hand-derived.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import type { Tensor } from '../../src/tensor/index.ts';

const flat = (t: Tensor) => (t.tolist() as unknown[]).flat(Infinity) as number[];
const a24 = () => torch.arange(24).reshape(2, 3, 4);

test('reshape / view / flatten / squeeze / unsqueeze / expand / repeat / flip', () => {
  torch.tidy(() => {
    const a = a24();
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.deepEqual(a.reshape(4, -1).shape, [4, 6]);
    assert.deepEqual((a.view(6, 4).tolist() as number[][])[1], [4, 5, 6, 7]);
    assert.deepEqual(a.flatten(1).shape, [2, 12]);
    assert.deepEqual(a.unsqueeze(0).shape, [1, 2, 3, 4]);
    assert.deepEqual(a.unsqueeze(-1).squeeze(-1).shape, [2, 3, 4]);
    assert.deepEqual(torch.zeros([1, 3, 1]).squeeze().shape, [3]);
    assert.deepEqual(torch.tensor([1, 2]).reshape(2, 1).expand(2, 3).tolist(), [[1, 1, 1], [2, 2, 2]]);
    assert.deepEqual(torch.tensor([1, 2]).repeat(2, 2).tolist(), [[1, 2, 1, 2], [1, 2, 1, 2]]);
    assert.deepEqual(flat(a.flip(2)).slice(0, 4), [3, 2, 1, 0]);
  });
});

test('permute / transpose give non-contiguous views; contiguous() copies in the new order', () => {
  torch.tidy(() => {
    const a = a24();
    const p = a.permute(2, 0, 1);
    assert.deepEqual(p.shape, [4, 2, 3]);
    assert.equal(p.isContiguous(), false);
    // a.permute(2,0,1).flatten().tolist()
    const permuted = [0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21, 2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23];
    assert.deepEqual(flat(p), permuted);
    const c = p.contiguous();
    assert.equal(c.isContiguous(), true);
    assert.deepEqual(flat(c.view(24)), permuted);
    // a.transpose(0,2).flatten().tolist()
    assert.deepEqual(flat(a.transpose(0, 2)), [0, 12, 4, 16, 8, 20, 1, 13, 5, 17, 9, 21, 2, 14, 6, 18, 10, 22, 3, 15, 7, 19, 11, 23]);
    assert.throws(() => p.view(24), /view size is not compatible|view/);
  });
});

test('a view shares storage with its base: an in-place change shows through', () => {
  torch.tidy(() => {
    const base = torch.zeros([2, 3]);
    const row = base.select(0, 1);
    row.fill_(5);
    assert.deepEqual(base.tolist(), [[0, 0, 0], [5, 5, 5]]);
    base.narrow(1, 0, 1).fill_(-1);
    assert.deepEqual(base.tolist(), [[-1, 0, 0], [-1, 5, 5]]);
  });
});

test('cat / stack / chunk / split / narrow / slice', () => {
  torch.tidy(() => {
    const x = torch.tensor([[1, 2], [3, 4]]);
    const y = torch.tensor([[5, 6]]);
    assert.deepEqual(torch.cat([x, y], 0).tolist(), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(torch.cat([x, x], 1).tolist(), [[1, 2, 1, 2], [3, 4, 3, 4]]);
    const s = torch.stack([x, x.mul(10)], 1);
    assert.deepEqual(s.shape, [2, 2, 2]);
    assert.deepEqual(s.tolist(), [[[1, 2], [10, 20]], [[3, 4], [30, 40]]]);
    const r = torch.arange(7);
    assert.deepEqual(r.chunk(3).map((t) => t.tolist()), [[0, 1, 2], [3, 4, 5], [6]]);
    assert.deepEqual(r.split(3).map((t) => t.tolist()), [[0, 1, 2], [3, 4, 5], [6]]);
    assert.deepEqual(r.split([2, 5]).map((t) => t.tolist()), [[0, 1], [2, 3, 4, 5, 6]]);
    assert.deepEqual(r.narrow(0, 2, 3).tolist(), [2, 3, 4]);
    assert.deepEqual(r.slice(0, 1, 6, 2).tolist(), [1, 3, 5]);
    assert.deepEqual(r.slice(0, -3).tolist(), [4, 5, 6]);
  });
});

test('indexSelect / gather / index with tensors / select', () => {
  torch.tidy(() => {
    const a = a24();
    // a.index_select(1, tensor([2, 0]))
    assert.deepEqual(flat(a.indexSelect(1, torch.tensor([2, 0], { dtype: 'int64' }))), [8, 9, 10, 11, 0, 1, 2, 3, 20, 21, 22, 23, 12, 13, 14, 15]);
    const gi = torch.tensor([[[3, 0], [1, 1], [2, 0]], [[0, 0], [3, 2], [1, 3]]], { dtype: 'int64' });
    // a.gather(2, gi)
    assert.deepEqual(flat(a.gather(2, gi)), [3, 0, 5, 5, 10, 8, 12, 12, 19, 18, 21, 23]);
    // a[tensor([1,0]), :, tensor([3,1])] → shape [2, 3]
    const idx = a.index([torch.tensor([1, 0], { dtype: 'int64' }), null, torch.tensor([3, 1], { dtype: 'int64' })]);
    assert.deepEqual(idx.shape, [2, 3]);
    assert.deepEqual(flat(idx), [15, 19, 23, 1, 5, 9]);
    const boolRows = a.index([torch.tensor([0, 1], { dtype: 'bool' })]);
    assert.deepEqual(boolRows.shape, [1, 3, 4]);
    assert.equal(flat(boolRows)[0], 12);
    assert.deepEqual(a.select(2, -1).tolist(), [[3, 7, 11], [15, 19, 23]]);
  });
});

test('indexPut_ assigns and accumulates', () => {
  torch.tidy(() => {
    const c = a24();
    const values = torch.tensor([-1, -2], { dtype: 'int64' }).unsqueeze(1).expand(2, 4);
    c.indexPut_([torch.tensor([0, 1], { dtype: 'int64' }), torch.tensor([2, 0], { dtype: 'int64' })], values);
    // c[tensor([0,1]), tensor([2,0])] = ...
    assert.deepEqual(flat(c), [0, 1, 2, 3, 4, 5, 6, 7, -1, -1, -1, -1, -2, -2, -2, -2, 16, 17, 18, 19, 20, 21, 22, 23]);
    const d = torch.zeros([5], { dtype: 'int64' });
    d.indexPut_([torch.tensor([0, 2, 0, 4], { dtype: 'int64' })], torch.tensor([1, 2, 3, 4], { dtype: 'int64' }), true);
    assert.deepEqual(d.tolist(), [4, 0, 2, 0, 4]);
  });
});

test('maskedSelect / maskedFill / maskedFill_ / nonzero / where', () => {
  torch.tidy(() => {
    const x = torch.tensor([[1, -2, 3], [-4, 5, -6]]);
    const neg = x.lt(0);
    assert.equal(neg.dtype, 'bool');
    assert.deepEqual(x.maskedSelect(neg).tolist(), [-2, -4, -6]);
    assert.deepEqual(x.maskedFill(neg, 0).tolist(), [[1, 0, 3], [0, 5, 0]]);
    assert.deepEqual(x.tolist(), [[1, -2, 3], [-4, 5, -6]], 'maskedFill is out of place');
    x.maskedFill_(neg.logicalNot(), 9);
    assert.deepEqual(x.tolist(), [[9, -2, 9], [-4, 9, -6]]);
    assert.deepEqual(neg.nonzero().tolist(), [[0, 1], [1, 0], [1, 2]]);
    assert.deepEqual(torch.where(neg, x, x.neg()).tolist(), [[-9, -2, -9], [-4, -9, -6]]);
  });
});
