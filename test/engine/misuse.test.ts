// Misuse must surface as a catchable JavaScript Error with a useful message — never a process crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import { F } from '../../src/tensor/index.ts';
import { native } from '../../src/native/binding.ts';

// The addon without its TypeScript types, to pass what the types forbid.
const untyped = native as unknown as Record<string, (...args: unknown[]) => unknown>;

test('shape mismatches', () => {
  torch.tidy(() => {
    assert.throws(() => torch.ones([2, 3]).add(torch.ones([4])), (e: Error) => e instanceof Error && /size of tensor a \(3\) must match the size of tensor b \(4\)/.test(e.message));
    assert.throws(() => torch.ones([2, 3]).reshape(4, 2), /shape '\[4, 2\]' is invalid for input of size 6/);
    assert.throws(() => torch.cat([torch.ones([2, 3]), torch.ones([2, 4])], 0), /Sizes of tensors must match/);
    assert.throws(() => F.conv2d(torch.ones([1, 3, 8, 8]), torch.ones([4, 2, 3, 3])), /expected input\[1, 3, 8, 8\] to have 2 channels/);
  });
});

test('wrong dtypes', () => {
  torch.tidy(() => {
    const xi = torch.ones([1, 1, 4, 4], { dtype: 'int64' });
    assert.throws(() => F.conv2d(xi, torch.ones([1, 1, 3, 3])), /expected scalar type Long but found Float/);
    assert.throws(() => torch.ones([3]).indexSelect(0, torch.tensor([0, 1])), /Expected dtype int32 or int64 for index/, 'a float index tensor');
    assert.throws(() => torch.tensor([1], { dtype: 'int64' }).requiresGrad_(true), /Only Tensors of floating point and complex dtype can require gradients/);
    assert.throws(() => torch.ones([2], { dtype: 'nope' as never }), /unknown dtype 'nope'/);
  });
});

test('use after dispose()', () => {
  const t = torch.ones([2]);
  const alias = torch.tidy(() => torch.keep(t.add(1)));
  t.dispose();
  t.dispose(); // idempotent
  assert.equal(t.isDisposed, true);
  assert.throws(() => t.add(1), /tensor used after dispose\(\)/);
  assert.throws(() => t.shape, /tensor used after dispose\(\)/);
  assert.throws(() => alias.add(t), /tensor used after dispose\(\)/);
  assert.throws(() => torch.cat([alias, t]), /tensor used after dispose\(\)/);
  // The raw handle is generation-checked: a stale number is rejected even after its slot is reused.
  const h = alias.handle;
  alias.dispose();
  const reuse = torch.ones([1]);
  assert.throws(() => native.add(h, reuse.handle), /tensor used after dispose\(\)/);
  assert.throws(() => native.add(123456789, reuse.handle), /tensor used after dispose\(\)/);
  assert.throws(() => untyped.add('x', reuse.handle), /argument 0 must be a tensor/);
  reuse.dispose();
});

test('bad device strings', () => {
  torch.tidy(() => {
    assert.throws(() => torch.ones([2]).to('gpu'), /Expected one of cpu, cuda.* device type at start of device string: gpu/);
    assert.throws(() => torch.zeros([2], { device: 'cuda:x' }), Error);
    if (!torch.cuda.isAvailable()) assert.throws(() => torch.ones([2]).to('cuda'), /cuda/i);
  });
});

test('item() on a multi-element tensor', () => {
  torch.tidy(() => {
    assert.throws(() => torch.ones([3]).item(), /item\(\) needs a tensor with exactly one element, this one has 3/);
    assert.equal(torch.ones([1, 1]).item(), 1);
  });
});

test('fromBuffer length mismatch and bad arguments', () => {
  assert.throws(() => native.fromBuffer(new Float32Array(5), [2, 3], 0), /buffer has 20 bytes, shape and dtype need 24/);
  assert.throws(() => untyped.fromBuffer([1, 2], [2], 0), /argument 0 must be a typed array/);
  assert.throws(() => untyped.fromBuffer(new Float32Array(2), [2], 99), /unknown dtype code 99/);
  assert.throws(() => untyped.zeros('3', 0, 'cpu'), /argument 0 must be an array of integers/);
  assert.throws(() => untyped.transpose(), /argument 0 must be a tensor/);
});

test('index out of range', () => {
  torch.tidy(() => {
    const t = torch.arange(5);
    assert.throws(() => t.indexSelect(0, torch.tensor([7], { dtype: 'int64' })), /out of range|index/);
    assert.throws(() => t.index([torch.tensor([5], { dtype: 'int64' })]), /index 5 is out of bounds/);
    assert.throws(() => t.select(0, 5), /out of range/);
    assert.throws(() => t.gather(0, torch.tensor([9], { dtype: 'int64' })), /out of bounds|index/);
    assert.throws(() => t.narrow(0, 3, 4), /start \(3\) \+ length \(4\) exceeds dimension size \(5\)/);
    assert.throws(() => t.size(3), /dimension 3 out of range for a 1-d tensor/);
    assert.throws(() => t.transpose(0, 2), /Dimension out of range/);
  });
});

test('the process is still healthy after all the errors', () => {
  torch.tidy(() => assert.deepEqual(torch.tensor([1, 2]).add(1).tolist(), [2, 3]));
});
