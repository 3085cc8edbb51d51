// The fused training kernel (batch norm + ReLU/SiLU/identity, native/src/fused_ops.cc) against libtorch's own
// at::batch_norm followed by at::relu / at::silu computed in float64, on both of its code paths, and its use by
// BatchNorm2d, Sequential and Conv.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import { batchNorm, batchNormActivation, type FusedActivation, fusedKernelIsa } from '../../src/tensor/functional.ts';
import { BatchNorm2d, Conv2d, ReLU, SiLU, Sequential } from '../../src/nn/index.ts';
import { fusedBatchNorm } from '../../src/nn/batchnorm2d.ts';
import { Conv } from '../../src/yolo/modules/common/conv.ts';
import { assertClose } from '../engine/assert-close.ts';

const isas: ('portable' | 'avx512')[] = fusedKernelIsa() === 'avx512' ? ['portable', 'avx512'] : ['portable'];

function reference(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, rm: torch.Tensor, rv: torch.Tensor, activation: FusedActivation) {
  const z = batchNorm(x, rm, rv, { weight: w, bias: b, training: true, momentum: 0.03, eps: 1e-3 });
  return activation === 'relu' ? z.relu() : activation === 'silu' ? z.silu() : z;
}

/** The same in float64 (libtorch's kernels on doubles): the exact values both float32 paths approximate. */
function reference64(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, rm: torch.Tensor, rv: torch.Tensor, activation: FusedActivation) {
  const rm64 = rm.to('float64');
  const rv64 = rv.to('float64');
  const y = reference(x.to('float64'), w.to('float64'), b.to('float64'), rm64, rv64, activation);
  rm.copy_(rm64);
  rv.copy_(rv64);
  return y;
}

// Shapes chosen for the kernel's stripes: C of 1, 3, 8 (two rows per 16-float vector), 45 (odd: 16 rows), 60, 64,
// 130; M = N·H·W both a multiple of the stripe rows and not (tail rows), from 2 rows to 32·20·20.
const shapes: [number, number, number, number][] = [
  [2, 8, 5, 7],
  [1, 1, 3, 3],
  [3, 3, 7, 5],
  [2, 45, 3, 5],
  [4, 60, 6, 6],
  [32, 64, 20, 20],
  [2, 130, 3, 3],
  [32, 8, 40, 40],
];

for (const isa of isas) {
  for (const activation of ['identity', 'relu', 'silu'] as FusedActivation[]) {
    test(`batchNormActivation (${isa}, ${activation}) equals batch_norm then ${activation}: output, running stats, gradients`, () => {
      fusedKernelIsa(isa);
      try {
        torch.manualSeed(7);
        for (const shape of shapes) {
          const c = shape[1];
          // Conv outputs are rarely centred: an offset per channel (here tens of standard deviations) checks that the
          // one-pass variance does not cancel.
          const offset = torch.randn([1, c, 1, 1]).mul(c === 64 ? 20 : 3);
          const x0 = torch.randn(shape).mul(shape[0] === 32 ? 0.5 : 1.7).add(offset).contiguous('channels_last');
          const w0 = torch.randn([c]);
          const b0 = torch.randn([c]);
          const g = torch.randn(shape).contiguous('channels_last');
          const runs = [true, false].map((fused) => {
            const x = x0.clone().requiresGrad_();
            const w = w0.clone().requiresGrad_();
            const b = b0.clone().requiresGrad_();
            const rm = torch.zeros([c]).add(0.25);
            const rv = torch.ones([c]).mul(2);
            const y = fused ? batchNormActivation(x, w, b, rm, rv, { momentum: 0.03, eps: 1e-3, activation }) : reference64(x, w, b, rm, rv, activation);
            y.mul(g).sum().backward();
            return { y: y.toFloat32Array(), rm: rm.toFloat32Array(), rv: rv.toFloat32Array(), dx: x.grad!.toFloat32Array(), dw: w.grad!.toFloat32Array(), db: b.grad!.toFloat32Array(), cl: y.isChannelsLast() };
          });
          const [f, r] = runs as [(typeof runs)[0], (typeof runs)[0]];
          const what = `${shape.join('×')}`;
          assert.ok(f.cl, `${what}: output is channels_last`);
          // Against float64: the fused kernel's float32 error, not ATen's (whose float32 batch norm is off by 4e-5 on
          // the 40-σ channels, where this kernel is within 3e-6).
          assertClose(f.y, r.y, 1e-5, `${what} y`);
          assertClose(f.rm, r.rm, 1e-5, `${what} running_mean`);
          assertClose(f.rv, r.rv, 1e-5, `${what} running_var`);
          assertClose(f.dx, r.dx, 5e-4, `${what} dx`);
          assertClose(f.dw, r.dw, 5e-4, `${what} dweight`);
          assertClose(f.db, r.db, 5e-4, `${what} dbias`);
        }
      } finally {
        fusedKernelIsa('auto');
      }
    });
  }
}

for (const isa of isas) {
  test(`batchNormActivation (${isa}) on bfloat16 input: float32 maths on the bfloat16 values, one rounding`, () => {
    fusedKernelIsa(isa);
    try {
      torch.manualSeed(11);
      for (const shape of [[2, 8, 5, 7], [4, 60, 6, 6], [8, 32, 10, 10]] as [number, number, number, number][]) {
        for (const activation of ['relu', 'silu'] as FusedActivation[]) {
          const c = shape[1];
          const xb = torch.randn(shape).mul(2).add(1).to('bfloat16').contiguous('channels_last');
          const gb = torch.randn(shape).to('bfloat16').contiguous('channels_last');
          const w0 = torch.randn([c]);
          const b0 = torch.randn([c]);
          const fused = (() => {
            const x = xb.clone().requiresGrad_();
            const w = w0.clone().requiresGrad_();
            const b = b0.clone().requiresGrad_();
            const y = batchNormActivation(x, w, b, torch.zeros([c]), torch.ones([c]), { activation });
            assert.equal(y.dtype, 'bfloat16');
            y.backward(gb);
            assert.equal(x.grad!.dtype, 'bfloat16');
            return { y: y.float().toFloat32Array(), dx: x.grad!.float().toFloat32Array(), dw: w.grad!.toFloat32Array(), db: b.grad!.toFloat32Array() };
          })();
          const exact = (() => {
            const x = xb.float().contiguous('channels_last').requiresGrad_();
            const w = w0.clone().requiresGrad_();
            const b = b0.clone().requiresGrad_();
            const y = reference(x, w, b, torch.zeros([c]), torch.ones([c]), activation);
            y.backward(gb.float().contiguous('channels_last'));
            return { y: y.toFloat32Array(), dx: x.grad!.toFloat32Array(), dw: w.grad!.toFloat32Array(), db: b.grad!.toFloat32Array() };
          })();
          const what = `${shape.join('×')} ${activation}`;
          assertClose(fused.y, exact.y, 8e-3, `${what} y (bfloat16: 8 significant bits)`);
          assertClose(fused.dx, exact.dx, 1e-2, `${what} dx`);
          assertClose(fused.dw, exact.dw, 1e-3, `${what} dweight`);
          assertClose(fused.db, exact.db, 1e-3, `${what} dbias`);
        }
      }
    } finally {
      fusedKernelIsa('auto');
    }
  });
}

test('batchNormActivation backward reads a gradient that is a channel slice in place (cat and chunk hand those over)', () => {
  for (const isa of isas) {
    fusedKernelIsa(isa);
    try {
      torch.manualSeed(5);
      for (const c of [32, 8]) {
        // C = 32: one row per stripe, the slice is read with its row stride; C = 8: two rows per stripe, copied first.
        const x0 = torch.randn([4, c, 6, 5]).mul(2).add(1).contiguous('channels_last');
        const other = torch.randn([4, 16, 6, 5]).contiguous('channels_last');
        const g = torch.randn([4, c + 16, 6, 5]).contiguous('channels_last');
        const grads = [true, false].map((fused) => {
          const x = x0.clone().requiresGrad_();
          const w = torch.ones([c]).requiresGrad_();
          const b = torch.zeros([c]).requiresGrad_();
          const rm = torch.zeros([c]);
          const rv = torch.ones([c]);
          const y = fused ? batchNormActivation(x, w, b, rm, rv, { momentum: 0.03, eps: 1e-3, activation: 'silu' }) : reference64(x, w, b, rm, rv, 'silu').float();
          torch.cat([other, y.contiguous('channels_last')], 1).mul(g).sum().backward();
          return [x.grad!, w.grad!, b.grad!].map((t) => t.toFloat32Array());
        });
        grads[0]!.forEach((v, i) => assertClose(v, grads[1]![i]!, 5e-4, `${isa} C=${c} gradient ${i}`));
      }
    } finally {
      fusedKernelIsa('auto');
    }
  }
});

test('batchNormActivation refuses what it does not handle, naming it', () => {
  const w = torch.ones([4]);
  const b = torch.zeros([4]);
  const stats = () => [torch.zeros([4]), torch.ones([4])] as const;
  assert.throws(() => batchNormActivation(torch.randn([2, 4, 3, 3]).contiguous(), w, b, ...stats()), /channels_last/);
  assert.throws(() => batchNormActivation(torch.randn([2, 4, 3, 3]).to('float64').contiguous('channels_last'), w, b, ...stats()), /float32 or bfloat16 CPU tensor, got Double/);
  assert.throws(() => batchNormActivation(torch.randn([2, 4, 3, 3]).contiguous('channels_last'), torch.ones([3]), b, ...stats()), /of 4 elements/);
  assert.throws(() => batchNormActivation(torch.randn([1, 4, 1, 1]).contiguous('channels_last'), w, b, ...stats()), /more than 1 value per channel/);
  assert.throws(() => fusedKernelIsa('sse' as 'auto'), /request must be/);
});

test('BatchNorm2d, Sequential(BN, ReLU) and Conv train through the fused kernel with the values of the unfused layers', () => {
  const before = fusedBatchNorm();
  try {
    const results = (['on', 'off'] as const).map((mode) => {
      fusedBatchNorm(mode);
      torch.manualSeed(3);
      const seq = new Sequential(new Conv2d(3, 8, 3, { padding: 1, bias: false }), new BatchNorm2d(8), new ReLU(), new BatchNorm2d(8));
      const conv = new Conv(8, 16, 3, 2);
      for (const m of [seq, conv]) m.toChannelsLast();
      const x = torch.randn([4, 3, 12, 12]).contiguous('channels_last');
      const out = conv.forward(seq.forward(x));
      out.pow(2).mean().backward();
      return {
        out: out.toFloat32Array(),
        grads: [...seq.parameters(), ...conv.parameters()].map((p) => p.grad!.toFloat32Array()),
        stats: [...seq.namedBuffers(), ...conv.namedBuffers()].map(([, t]) => Array.from(t.float().toFloat32Array())),
      };
    });
    const [on, off] = results as [(typeof results)[0], (typeof results)[0]];
    assertClose(on.out, off.out, 2e-5, 'output');
    on.grads.forEach((g, i) => assertClose(g, off.grads[i]!, 5e-4, `gradient ${i}`));
    on.stats.forEach((s, i) => assertClose(s, off.stats[i]!, 1e-5, `buffer ${i}`));
  } finally {
    fusedBatchNorm(before);
  }
});

test('fusedBatchNorm: SiLU subclasses, eval mode and NCHW input keep the unfused path', () => {
  class Scaled extends SiLU {}
  assert.equal(fusedBatchNorm('on'), 'on');
  try {
    const bn = new BatchNorm2d(4);
    const x = torch.randn([2, 4, 3, 3]);
    // NCHW input: batch_norm as before (a fused call would have refused it).
    const y = bn.forwardActivated(x, new Scaled());
    assert.deepEqual(y.shape, [2, 4, 3, 3]);
    const fresh = new BatchNorm2d(4).eval();
    const e = fresh.forwardActivated(x.contiguous('channels_last'), new SiLU());
    assertClose(e.toFloat32Array(), x.div(Math.sqrt(1 + 1e-5)).silu().toFloat32Array(), 1e-5, 'eval: running stats 0/1 → silu(x/√(1+eps))');
    assert.equal(fresh.getBuffer('num_batches_tracked')!.item(), 0, 'eval does not count batches');
  } finally {
    fusedBatchNorm('auto');
  }
});

test('withProfiler writes a Chrome trace naming the fused node and the ops run inside fn', async () => {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-profiler-'));
  try {
    const trace = join(dir, 'trace.json');
    const x = torch.randn([2, 16, 4, 4]).contiguous('channels_last').requiresGrad_();
    torch.withProfiler(trace, () => {
      const y = batchNormActivation(x, torch.ones([16]), torch.zeros([16]), torch.zeros([16]), torch.ones([16]), { activation: 'relu' });
      y.sum().backward();
    });
    const names = new Set((JSON.parse(readFileSync(trace, 'utf8').replace(/,\s*\]$/, ']')) as { name: string }[]).map((e) => e.name));
    assert.ok(names.has('aten::sum'), 'the forward op is recorded');
    assert.ok([...names].some((n) => n.includes('BatchNormActivationFunction')), 'the fused backward node is recorded');
    assert.throws(() => torch.withProfiler(trace, () => torch.withProfiler(trace, () => 0)), /already running/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
