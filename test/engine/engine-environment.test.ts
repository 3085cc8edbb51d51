// The engine's environment defaults (OMP_WAIT_POLICY, ATEN_CPU_CAPABILITY, intra-op threads): set before libtorch loads, never over
// a value the user gave, AVX-512 only on a CPU that has every flag ATen's kernels use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';
import { applyEngineEnvironment, engineThreadCount, threadsPerCore } from '../../src/native/engine-environment.ts';

const AVX2 = new Set(['fma', 'avx', 'avx2']);
const AVX512 = new Set([...AVX2, 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq']);

test('an empty environment gets passive OpenMP threads; AVX-512 only on an Intel CPU without AMX that has it', () => {
  const env: NodeJS.ProcessEnv = {};
  assert.deepEqual(applyEngineEnvironment(env, AVX2, 'GenuineIntel'), { OMP_WAIT_POLICY: 'PASSIVE' });
  assert.equal(env.OMP_WAIT_POLICY, 'PASSIVE');
  assert.equal(env.ATEN_CPU_CAPABILITY, undefined);
  const env512: NodeJS.ProcessEnv = {};
  assert.deepEqual(applyEngineEnvironment(env512, AVX512, 'GenuineIntel'), { OMP_WAIT_POLICY: 'PASSIVE', ATEN_CPU_CAPABILITY: 'avx512' });
  // One flag short (avx512dq) is not enough: ATen would run instructions the CPU lacks.
  const partial: NodeJS.ProcessEnv = {};
  applyEngineEnvironment(partial, new Set([...AVX2, 'avx512f', 'avx512bw', 'avx512vl']), 'GenuineIntel');
  assert.equal(partial.ATEN_CPU_CAPABILITY, undefined);
  // AMD Zen 4 has every flag, but its training step measured slower with ATen's AVX-512 kernels: ATen's choice stays.
  const amd: NodeJS.ProcessEnv = {};
  assert.deepEqual(applyEngineEnvironment(amd, AVX512, 'AuthenticAMD'), { OMP_WAIT_POLICY: 'PASSIVE' });
  // Nor on an Intel CPU with AMX (Sapphire Rapids): its epoch measured ~10% faster on ATen's AVX2 kernels.
  const spr: NodeJS.ProcessEnv = {};
  assert.deepEqual(applyEngineEnvironment(spr, new Set([...AVX512, 'amx_tile', 'amx_bf16']), 'GenuineIntel'), { OMP_WAIT_POLICY: 'PASSIVE' });
});

test('values the user set are kept; a user GOMP_SPINCOUNT leaves the wait policy alone', () => {
  const env: NodeJS.ProcessEnv = { OMP_WAIT_POLICY: 'ACTIVE', ATEN_CPU_CAPABILITY: 'avx2' };
  assert.deepEqual(applyEngineEnvironment(env, AVX512, 'GenuineIntel'), {});
  assert.deepEqual(env, { OMP_WAIT_POLICY: 'ACTIVE', ATEN_CPU_CAPABILITY: 'avx2' });
  const spin: NodeJS.ProcessEnv = { GOMP_SPINCOUNT: '10000' };
  applyEngineEnvironment(spin, AVX2);
  assert.equal(spin.OMP_WAIT_POLICY, undefined);
});

test('the first op sets the defaults in the process environment before libtorch loads', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const script = "import { zeros } from './src/tensor/index.ts'; const before = process.env.OMP_WAIT_POLICY ?? 'unset'; zeros([1]); console.log(before, process.env.OMP_WAIT_POLICY);";
  const env = { ...process.env };
  delete env.OMP_WAIT_POLICY;
  delete env.GOMP_SPINCOUNT;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'unset PASSIVE');
});

test('intra-op threads: one per physical core, unless OMP_NUM_THREADS or MKL_NUM_THREADS is set', () => {
  const smt = 'processor\t: 0\nsiblings\t: 16\ncpu cores\t: 8\n';
  const noSmt = 'processor\t: 0\nsiblings\t: 2\ncpu cores\t: 2\n';
  assert.equal(threadsPerCore(smt), 2);
  assert.equal(threadsPerCore(noSmt), 1);
  assert.equal(threadsPerCore('processor\t: 0\n'), 1); // e.g. ARM's cpuinfo has neither line
  assert.equal(engineThreadCount({}, 16, 2), 8);
  assert.equal(engineThreadCount({}, 2, 1), 2);
  assert.equal(engineThreadCount({}, 1, 2), 1);
  assert.equal(engineThreadCount({ OMP_NUM_THREADS: '3' }, 16, 2), undefined);
  assert.equal(engineThreadCount({ MKL_NUM_THREADS: '3' }, 16, 2), undefined);
});

test('the loaded engine runs that many threads, and OMP_NUM_THREADS still wins', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const script = "import { getNumThreads } from './src/tensor/index.ts'; console.log(getNumThreads());";
  const run = (extra: NodeJS.ProcessEnv) => {
    const env = { ...process.env, ...extra };
    if (!('OMP_NUM_THREADS' in extra)) delete env.OMP_NUM_THREADS;
    delete env.MKL_NUM_THREADS;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    return Number(r.stdout.trim());
  };
  // libtorch's own probe gave 1 thread on a 2-core virtual machine; the engine sets the count itself.
  assert.equal(run({}), Math.floor(availableParallelism() / threadsPerCore()));
  assert.equal(run({ OMP_NUM_THREADS: '1' }), 1);
});
