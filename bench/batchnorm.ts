// npm run bench:batchnorm — a training BatchNorm2d with its ReLU/SiLU, forward and backward, at the channels_last
// shapes of yolov5n-shufflenetv2 (batch 32 @320): ATen's batch_norm then relu()/silu() (what BatchNorm2d ran before
// issue #26, TSYOLO_FUSED_BN=off) against the fused kernel (native/src/fused_ops.cc), alternating A B B A per shape,
// float32 and bfloat16. Writes bench/results/batchnorm.json. A benchmark, not a test.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

import { batchNorm, batchNormActivation, fusedKernelIsa } from '../src/tensor/functional.ts';
import { getNumThreads, noGrad, ones, randn, tidy, zeros, type Tensor } from '../src/tensor/index.ts';
import { describeMachine } from './machine.ts';

const SHAPES: [number, number, number, number][] = [
  [32, 8, 160, 160],
  [32, 8, 40, 40],
  [32, 16, 40, 40],
  [32, 32, 40, 40],
  [32, 60, 10, 10],
  [32, 64, 20, 20],
  [32, 128, 10, 10],
];
const REPS = Number(process.env.BENCH_REPS ?? 10);
const round = (v: number) => Math.round(v * 100) / 100;

function msPerCall(fn: () => void): number {
  for (let i = 0; i < 2; i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < REPS; i++) fn();
  return (performance.now() - t0) / REPS;
}

function main(): void {
  const rows = [];
  for (const dtype of ['float32', 'bfloat16'] as const) {
    for (const shape of SHAPES) {
      const c = shape[1];
      const x = randn(shape).to(dtype).contiguous('channels_last').requiresGrad_();
      const g = randn(shape).to(dtype).contiguous('channels_last');
      const w = ones([c]).requiresGrad_();
      const b = zeros([c]).requiresGrad_();
      const rm = zeros([c]);
      const rv = ones([c]);
      for (const activation of ['relu', 'silu'] as const) {
        const act = (z: Tensor) => (activation === 'relu' ? z.relu() : z.silu());
        const sides = {
          aten: () => tidy(() => act(batchNorm(x, rm, rv, { weight: w, bias: b, training: true })).backward(g)),
          fused: () => tidy(() => batchNormActivation(x, w, b, rm, rv, { activation }).backward(g)),
          fusedForward: () => noGrad(() => tidy(() => void batchNormActivation(x, w, b, rm, rv, { activation }))),
        };
        const times: Record<keyof typeof sides, number[]> = { aten: [], fused: [], fusedForward: [] };
        for (const side of ['aten', 'fused', 'fusedForward', 'fusedForward', 'fused', 'aten'] as const) times[side].push(msPerCall(sides[side]));
        const mean = (v: number[]) => round(v.reduce((s, t) => s + t, 0) / v.length);
        const row = { dtype, shape, activation, atenMs: mean(times.aten), fusedMs: mean(times.fused), fusedForwardMs: mean(times.fusedForward) };
        rows.push({ ...row, speedup: round(row.atenMs / row.fusedMs) });
        console.log(`${dtype} ${shape.join('×')} ${activation}: ATen ${row.atenMs} ms, fused ${row.fusedMs} ms (forward ${row.fusedForwardMs}) → ${round(row.atenMs / row.fusedMs)}×`);
      }
    }
  }
  const out = fileURLToPath(new URL('./results/batchnorm.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  const result = {
    benchmark: 'training BatchNorm2d + activation, forward and backward (ms per call; the input is a leaf, so backward also accumulates its .grad), channels_last',
    machine: describeMachine(),
    threads: getNumThreads(),
    kernels: fusedKernelIsa(),
    loadAverage: loadavg().map(round),
    results: rows,
    date: new Date().toISOString(),
  };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${out}`);
}

main();
