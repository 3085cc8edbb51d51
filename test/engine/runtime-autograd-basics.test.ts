// Engine-wide settings and the basic autograd contract: threads, seeds, no_grad, detach, grads, liveTensorCount.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';

test('setNumThreads / getNumThreads', () => {
  const before = torch.getNumThreads();
  assert.ok(before >= 1);
  torch.setNumThreads(2);
  assert.equal(torch.getNumThreads(), 2);
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(before);
});

test('manualSeed makes rand / randn / randint / randperm / uniform_ reproducible', () => {
  const draw = () =>
    torch.tidy(() => [
      ...(torch.rand([5]).toTypedArray() as Float32Array),
      ...(torch.randn([5]).toTypedArray() as Float32Array),
      ...(torch.randint(0, 1000, [5]).tolist() as number[]),
      ...(torch.randperm(8).tolist() as number[]),
      ...(torch.empty([5]).uniform_(-3, 3).toTypedArray() as Float32Array),
    ]);
  torch.manualSeed(1234);
  const a = draw();
  torch.manualSeed(1234);
  const b = draw();
  torch.manualSeed(4321);
  const c = draw();
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // Same generator as PyTorch: torch.manual_seed(0); torch.rand(3) → [0.4962566, 0.7682218, 0.0884774]
  torch.manualSeed(0);
  const r = torch.tidy(() => [...(torch.rand([3]).toTypedArray() as Float32Array)]);
  assert.deepEqual(r.map((v) => +v.toFixed(7)), [0.4962566, 0.7682218, 0.0884774]);
});

test('backward fills .grad of leaves; clearGrad drops it; grads accumulate like PyTorch', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2, 3], { requiresGrad: true });
    assert.equal(x.requiresGrad, true);
    assert.equal(x.grad, null);
    x.mul(x).sum().backward(); // d/dx Σx² = 2x
    assert.deepEqual(x.grad!.tolist(), [2, 4, 6]);
    x.mul(3).sum().backward(); // accumulates +3
    assert.deepEqual(x.grad!.tolist(), [5, 7, 9]);
    x.clearGrad();
    assert.equal(x.grad, null);
    const y = torch.tensor([2, 2]).requiresGrad_();
    y.pow(3).sum().backward(torch.tensor(0.5));
    assert.deepEqual(y.grad!.tolist(), [6, 6], 'gradient argument scales the seed: 0.5·3y²');
  });
});

test('retainGraph allows a second backward through the same graph', () => {
  torch.tidy(() => {
    const x = torch.tensor([3], { requiresGrad: true });
    const y = x.exp();
    y.backward(undefined, true);
    y.backward();
    assert.ok(Math.abs(x.grad!.item() - 2 * Math.exp(3)) < 1e-4);
    const z = x.exp();
    z.backward();
    assert.throws(() => z.backward(), /backward through the graph a second time|Trying to backward/);
  });
});

test('noGrad turns off graph recording and restores it, even when fn throws', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    assert.equal(torch.isGradEnabled(), true);
    const y = torch.noGrad(() => {
      assert.equal(torch.isGradEnabled(), false);
      return x.mul(2);
    });
    assert.equal(y.requiresGrad, false);
    assert.equal(torch.isGradEnabled(), true);
    assert.throws(() => torch.noGrad(() => {
      throw new Error('inner');
    }), /inner/);
    assert.equal(torch.isGradEnabled(), true);
    assert.equal(x.mul(2).requiresGrad, true);
  });
});

test('noGrad with an async function restores grad mode when the promise settles', async () => {
  const p = torch.noGrad(async () => {
    await new Promise((r) => setTimeout(r, 1));
    return torch.isGradEnabled();
  });
  assert.equal(await p, false);
  assert.equal(torch.isGradEnabled(), true);
});

test('detach shares storage but cuts the graph', () => {
  torch.tidy(() => {
    const x = torch.tensor([1, 2], { requiresGrad: true });
    const d = x.mul(2).detach();
    assert.equal(d.requiresGrad, false);
    const xd = x.detach();
    torch.noGrad(() => x.add_(1));
    assert.deepEqual(xd.tolist(), [2, 3], 'detach() is a view of the same storage');
    const y = x.mul(x.detach()).sum();
    y.backward();
    assert.deepEqual(x.grad!.tolist(), [2, 3], 'd/dx (x·stop(x)) = stop(x)');
  });
});

test('tidy disposes everything created inside except what it returns; keep() lets a tensor escape', () => {
  const start = torch.liveTensorCount();
  let kept: torch.Tensor | undefined;
  let inner: torch.Tensor | undefined;
  const out = torch.tidy(() => {
    inner = torch.ones([2]);
    kept = torch.keep(torch.zeros([2]));
    const nested = torch.tidy(() => ({ a: torch.ones([1]), list: [torch.ones([1])], tmp: 3 }));
    return { result: inner.add(1), nested };
  });
  assert.equal(inner!.isDisposed, true);
  assert.equal(kept!.isDisposed, false);
  assert.deepEqual(out.result.tolist(), [2, 2]);
  assert.equal(out.nested.a.isDisposed, false);
  assert.equal(torch.liveTensorCount(), start + 4);
  for (const t of [out.result, out.nested.a, out.nested.list[0]!, kept!]) t.dispose();
  assert.equal(torch.liveTensorCount(), start);
  assert.throws(() => torch.tidy(() => {
    torch.ones([3]);
    throw new Error('boom');
  }), /boom/);
  assert.equal(torch.liveTensorCount(), start, 'tensors of a throwing tidy are freed too');
});

test('cuda.isAvailable answers with a boolean and deviceCount agrees with it', () => {
  const available = torch.cuda.isAvailable();
  assert.equal(typeof available, 'boolean');
  assert.equal(torch.cuda.deviceCount() > 0, available);
  assert.match(torch.libtorchVersion(), /^\d+\.\d+\.\d+$/);
});
