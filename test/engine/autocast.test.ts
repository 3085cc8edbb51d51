// torch.autocast as withAutocast: which dtype convolutions, matmuls and fp32-listed ops produce inside and outside the
// scope, nesting (an inner enabled:false scope, an inner scope of the same kind), restoration after a throw and after
// an async function, and gradients reaching float32 leaves through bfloat16 convolutions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as torch from '../../src/tensor/index.ts';

const x = () => torch.randn([2, 3, 8, 8]);
const w = () => torch.randn([4, 3, 3, 3]);

test('convolutions and matmuls run in bfloat16 inside the CPU scope, float32 outside', () => {
  torch.tidy(() => {
    const a = x();
    const k = w();
    assert.equal(torch.F.conv2d(a, k).dtype, 'float32');
    torch.withAutocast('cpu', 'bfloat16', () => {
      assert.equal(torch.F.conv2d(a, k).dtype, 'bfloat16');
      assert.equal(torch.randn([3, 4]).matmul(torch.randn([4, 5])).dtype, 'bfloat16');
      // binary_cross_entropy_with_logits is on autocast's float32 list
      const logits = torch.F.conv2d(a, k);
      assert.equal(torch.F.binaryCrossEntropyWithLogits(logits, torch.zeros(logits.shape)).dtype, 'float32');
      // ops autocast leaves alone keep their input's dtype
      assert.equal(a.add(1).dtype, 'float32');
    });
    assert.equal(torch.F.conv2d(a, k).dtype, 'float32');
  });
});

test('nested scopes: enabled:false inside turns autocast off, the outer state returns after', () => {
  torch.tidy(() => {
    const a = x();
    const k = w();
    torch.withAutocast('cpu', 'bfloat16', () => {
      torch.withAutocast('cpu', 'bfloat16', () => assert.equal(torch.F.conv2d(a, k).dtype, 'float32'), { enabled: false });
      assert.equal(torch.F.conv2d(a, k).dtype, 'bfloat16');
      torch.withAutocast('cpu', 'bfloat16', () => assert.equal(torch.F.conv2d(a, k).dtype, 'bfloat16'));
      assert.deepEqual(torch.autocastState('cpu'), { enabled: true, dtype: 'bfloat16' });
    });
    assert.equal(torch.autocastState('cpu').enabled, false);
    // the CUDA state is separate from the CPU one
    assert.equal(torch.autocastState('cuda').enabled, false);
  });
});

test('the state is restored after a throw and after an async function settles', async () => {
  assert.throws(() => torch.withAutocast('cpu', 'bfloat16', () => { throw new Error('inside'); }), /inside/);
  assert.equal(torch.autocastState('cpu').enabled, false);
  let seen = false;
  await torch.withAutocast('cpu', 'bfloat16', async () => {
    await new Promise((r) => setTimeout(r, 1));
    seen = torch.autocastState('cpu').enabled;
  });
  assert.equal(seen, true);
  assert.equal(torch.autocastState('cpu').enabled, false);
});

test('an unsupported dtype is refused with its name', () => {
  assert.throws(() => torch.withAutocast('cpu', 'float64', () => 0), /autocast dtype must be float16 or bfloat16, got float64/);
});

test('float32 leaves get float32 gradients through a bfloat16 convolution', () => {
  torch.tidy(() => {
    const k = w().requiresGrad_();
    const a = x();
    const loss = torch.withAutocast('cpu', 'bfloat16', () => torch.F.conv2d(a, k).float().mean());
    loss.backward();
    const g = k.grad!;
    assert.equal(g.dtype, 'float32');
    // close to the float32 gradient (bfloat16 has an 8-bit mantissa)
    const k32 = k.detach().clone().requiresGrad_();
    torch.F.conv2d(a, k32).mean().backward();
    const rel = g.sub(k32.grad!).abs().max().item() / k32.grad!.abs().max().item();
    assert.ok(rel < 0.05, `relative gradient difference ${rel}`);
  });
});

test('retainGrad keeps a non-leaf gradient; autogradGrad returns gradients without touching .grad', () => {
  torch.tidy(() => {
    const a = torch.tensor(Float32Array.of(1, 2, 3)).requiresGrad_();
    const h = a.mul(3).retainGrad();
    h.mul(h).sum().backward();
    assert.deepEqual([...(h.grad!.toTypedArray() as Float32Array)], [6, 12, 18]);
    const b = torch.tensor(Float32Array.of(1, 2, 3)).requiresGrad_();
    const [g] = torch.autogradGrad([b.mul(b).sum()], [b]);
    assert.deepEqual([...(g!.toTypedArray() as Float32Array)], [2, 4, 6]);
    assert.equal(b.grad, null);
    assert.throws(() => torch.autogradGrad([b.sum(), b.sum()], [b], { gradOutputs: [torch.ones([])] }), /1 gradOutputs for 2 outputs/);
  });
});
