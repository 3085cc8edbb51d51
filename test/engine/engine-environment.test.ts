// The engine's environment defaults (OMP_WAIT_POLICY, ATEN_CPU_CAPABILITY): set before libtorch loads, never over
// a value the user gave, AVX-512 only on a CPU that has every flag ATen's kernels use.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { applyEngineEnvironment } from '../../src/native/engine-environment.ts';

const AVX2 = new Set(['fma', 'avx', 'avx2']);
const AVX512 = new Set([...AVX2, 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq']);

test('an empty environment gets passive OpenMP threads; AVX-512 only when the CPU has it', () => {
  const env: NodeJS.ProcessEnv = {};
  assert.deepEqual(applyEngineEnvironment(env, AVX2), { OMP_WAIT_POLICY: 'PASSIVE' });
  assert.equal(env.OMP_WAIT_POLICY, 'PASSIVE');
  assert.equal(env.ATEN_CPU_CAPABILITY, undefined);
  const env512: NodeJS.ProcessEnv = {};
  assert.deepEqual(applyEngineEnvironment(env512, AVX512), { OMP_WAIT_POLICY: 'PASSIVE', ATEN_CPU_CAPABILITY: 'avx512' });
  // One flag short (avx512dq) is not enough: ATen would run instructions the CPU lacks.
  const partial: NodeJS.ProcessEnv = {};
  applyEngineEnvironment(partial, new Set([...AVX2, 'avx512f', 'avx512bw', 'avx512vl']));
  assert.equal(partial.ATEN_CPU_CAPABILITY, undefined);
});

test('values the user set are kept; a user GOMP_SPINCOUNT leaves the wait policy alone', () => {
  const env: NodeJS.ProcessEnv = { OMP_WAIT_POLICY: 'ACTIVE', ATEN_CPU_CAPABILITY: 'avx2' };
  assert.deepEqual(applyEngineEnvironment(env, AVX512), {});
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
