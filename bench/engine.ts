// npm run bench:engine — the cost of tsyolo's engine beside Python PyTorch on the same libtorch (1.13):
//  (a) per-op overhead: `a.add(b)` on 1-element tensors, every result disposed (what small bookkeeping ops cost);
//  (b) one forward+backward step of a small conv net (3×3 conv, depthwise 3×3 conv, BN, SiLU), same threads.
// Writes bench/results/engine.json. A benchmark, not a test: figures move with machine load, so both sides run
// twice in A-B-B-A order (tsyolo, PyTorch, PyTorch, tsyolo) and each figure is the median of the pooled samples.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

import { BatchNorm2d, Conv2d, SiLU, Sequential } from '../src/nn/index.ts';
import { manualSeed, randn, setNumThreads, tensor, tidy } from '../src/tensor/index.ts';
import { describeMachine } from './machine.ts';

const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const OPS = Number(process.env.BENCH_OPS ?? 100_000);
const ROUNDS = 5;
const NET = { batch: 8, channels: 32, size: 64, warmup: 3, iters: Number(process.env.BENCH_ITERS ?? 15) };
const GOALS = { perOpRatio: 0.5, convNetRatio: 1.03 };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Per round, the mean ns per `a.add(b)`; each result is disposed, as tidy() would do. */
function perOpNs(): number[] {
  const a = tensor([1.5]);
  const b = tensor([2.5]);
  for (let i = 0; i < OPS / 10; i++) a.add(b).dispose(); // warm-up (JIT, allocator)
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < OPS; i++) a.add(b).dispose();
    times.push(Number(process.hrtime.bigint() - t0) / OPS);
  }
  a.dispose();
  b.dispose();
  return times;
}

/** ms of single training steps' forward + backward (gradients cleared each step), after warm-up. */
function convNetMs(): number[] {
  const c = NET.channels;
  const model = new Sequential(
    new Conv2d(c, c, 3, { padding: 1, bias: false }),
    new BatchNorm2d(c),
    new SiLU(),
    new Conv2d(c, c, 3, { padding: 1, groups: c, bias: false }),
    new BatchNorm2d(c),
    new SiLU(),
  );
  const params = [...model.parameters()];
  const x = randn([NET.batch, c, NET.size, NET.size]);
  const times: number[] = [];
  for (let k = 0; k < NET.warmup + NET.iters; k++) {
    const t0 = performance.now();
    tidy(() => model.forward(x).mean().backward());
    for (const p of params) p.clearGrad();
    if (k >= NET.warmup) times.push(performance.now() - t0);
  }
  x.dispose();
  model.dispose();
  return times;
}

interface TorchResult {
  torch: string;
  threads: number;
  perOpNs: number[];
  convNetMs: number[];
}

function runTorchBaseline(): TorchResult {
  const script = fileURLToPath(new URL('./engine_torch.py', import.meta.url));
  const args = [script, '--threads', String(THREADS), '--ops', String(OPS), '--rounds', String(ROUNDS)];
  for (const [k, v] of Object.entries(NET)) args.push(`--${k}`, String(v));
  try {
    return JSON.parse(execFileSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as TorchResult;
  } catch (e) {
    throw new Error(`the PyTorch baseline (${PYTHON} ${script}) failed: ${(e as Error).message}`);
  }
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

function main(): void {
  setNumThreads(THREADS);
  manualSeed(0);
  console.log(`engine benchmark: ${OPS} tiny ops × ${ROUNDS} rounds; conv net batch ${NET.batch}, ${NET.channels} ch, ${NET.size}², ${NET.iters} iterations; ${THREADS} threads`);
  const ours = { perOpNs: [] as number[], convNetMs: [] as number[] };
  const theirs = { perOpNs: [] as number[], convNetMs: [] as number[] };
  let torchVersion = '';
  const runOurs = () => {
    ours.perOpNs.push(...perOpNs());
    ours.convNetMs.push(...convNetMs());
  };
  const runTheirs = () => {
    const r = runTorchBaseline();
    if (r.threads !== THREADS) throw new Error(`the PyTorch baseline ran with ${r.threads} threads, not ${THREADS}`);
    torchVersion = r.torch;
    theirs.perOpNs.push(...r.perOpNs);
    theirs.convNetMs.push(...r.convNetMs);
  };
  for (const step of [runOurs, runTheirs, runTheirs, runOurs]) step();

  const [tsyoloOp, torchOp] = [median(ours.perOpNs), median(theirs.perOpNs)];
  const [tsyoloNet, torchNet] = [median(ours.convNetMs), median(theirs.convNetMs)];
  const perOp = { tsyoloNs: round(tsyoloOp, 0), torchNs: round(torchOp, 0), ratio: round(tsyoloOp / torchOp, 3) };
  const convNet = { tsyoloMs: round(tsyoloNet, 2), torchMs: round(torchNet, 2), ratio: round(tsyoloNet / torchNet, 3) };
  const result = {
    machine: describeMachine(PYTHON),
    settings: { threads: THREADS, ops: OPS, rounds: ROUNDS, convNet: NET, order: 'tsyolo, torch, torch, tsyolo' },
    loadAverage: loadavg().map((v) => round(v, 2)),
    perOp,
    convNet,
    // Best single samples: less sensitive to other processes than the medians, shown to judge the noise.
    fastest: {
      perOp: { tsyoloNs: round(Math.min(...ours.perOpNs), 0), torchNs: round(Math.min(...theirs.perOpNs), 0) },
      convNet: { tsyoloMs: round(Math.min(...ours.convNetMs), 2), torchMs: round(Math.min(...theirs.convNetMs), 2) },
    },
    goals: {
      perOpRatio: GOALS.perOpRatio,
      perOpMet: perOp.ratio <= GOALS.perOpRatio,
      convNetRatio: GOALS.convNetRatio,
      convNetMet: convNet.ratio <= GOALS.convNetRatio,
    },
    date: new Date().toISOString(),
  };
  const out = fileURLToPath(new URL('./results/engine.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);

  const verdict = (met: boolean) => (met ? 'goal met' : 'goal MISSED');
  console.log(`machine: ${result.machine.cpuModel}, ${result.machine.cores} cores, node ${result.machine.node}, libtorch ${result.machine.libtorch}, python torch ${torchVersion}, load average ${result.loadAverage.join(' ')}`);
  console.log(`per-op  a.add(b): tsyolo ${perOp.tsyoloNs} ns, PyTorch ${perOp.torchNs} ns → ratio ${perOp.ratio} (goal ≤ ${GOALS.perOpRatio}: ${verdict(result.goals.perOpMet)})`);
  console.log(`conv net fwd+bwd: tsyolo ${convNet.tsyoloMs} ms, PyTorch ${convNet.torchMs} ms → ratio ${convNet.ratio} (goal ≤ ${GOALS.convNetRatio}: ${verdict(result.goals.convNetMet)})`);
  const f = result.fastest;
  console.log(`fastest samples: per-op ${f.perOp.tsyoloNs} vs ${f.perOp.torchNs} ns, conv net ${f.convNet.tsyoloMs} vs ${f.convNet.torchMs} ms`);
  console.log(`written to ${out}`);
}

main();
