// Settings libtorch's libraries read from the environment once, when they load: they must be in place before the
// addon is opened (loadNative calls this first). A value the user set is always kept.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** The x86 flags ATen's AVX-512 kernels need (the checks its own detection would make). */
const AVX512_FLAGS = ['avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'fma'];

/** The CPU's feature flags from /proc/cpuinfo (empty elsewhere or when unreadable). */
export function cpuFlags(): Set<string> {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return new Set(line ? line.slice(line.indexOf(':') + 1).trim().split(/\s+/) : []);
  } catch {
    return new Set();
  }
}

/** The CPU's vendor_id from /proc/cpuinfo ('GenuineIntel', 'AuthenticAMD', …; '' elsewhere or when unreadable). */
export function cpuVendor(): string {
  try {
    return /^vendor_id\s*:\s*(\S+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
  } catch {
    return '';
  }
}

/**
 * The engine's defaults, written into `env` where the user set nothing; returns what was set.
 * - OMP_WAIT_POLICY=PASSIVE: libgomp's threads otherwise spin after every parallel op. Training runs libtorch's
 *   threads beside the data loader's worker threads on the same cores, and spinning threads take the cores the
 *   others need: a yolov5n-shufflenetv2 step (batch 32 @320, 2 threads) took 12–25 s instead of 2–4 s on a busy
 *   2-core machine, burning ~4× the CPU time of a 1-thread step; passive threads cost what the work costs.
 * - ATEN_CPU_CAPABILITY=avx512 on Intel CPUs with AVX-512 but without AMX (Skylake-SP to Ice Lake): Debian's
 *   libtorch 1.13 picks AVX2 kernels by default (PyTorch made AVX-512 opt-in). Decided per CPU family by measurement:
 *   on the Intel Xeon it was introduced on, depthwise convolutions and elementwise ops ran ~8–10% faster; on an Intel
 *   Xeon with AMX (Sapphire Rapids) a yolov5n-shufflenetv2 training epoch took 22.0 s with it against 20.0 s without
 *   (bench:train-e2e, quiet, alternated twice); on an AMD EPYC Zen 4 a training step was slower with it (0.57–0.67 s
 *   against 0.47–0.49 s). So AMD CPUs and Intel CPUs with AMX keep ATen's choice. ATen does not check the CPU when
 *   told, so it is only set when /proc/cpuinfo lists every flag its kernels use.
 */
export function applyEngineEnvironment(env: NodeJS.ProcessEnv = process.env, flags: Set<string> = cpuFlags(), vendor: string = cpuVendor()): Record<string, string> {
  const set: Record<string, string> = {};
  const setDefault = (name: string, value: string) => {
    if (env[name] === undefined) env[name] = set[name] = value;
  };
  if (env.GOMP_SPINCOUNT === undefined) setDefault('OMP_WAIT_POLICY', 'PASSIVE');
  if (vendor === 'GenuineIntel' && !flags.has('amx_tile') && AVX512_FLAGS.every((f) => flags.has(f))) setDefault('ATEN_CPU_CAPABILITY', 'avx512');
  return set;
}

/** Hardware threads per physical core from /proc/cpuinfo ("siblings" ÷ "cpu cores"); 1 when it does not say. */
export function threadsPerCore(cpuinfo?: string): number {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return 1;
    }
  }
  const siblings = Number(/^siblings\s*:\s*(\d+)/m.exec(text)?.[1]);
  const cores = Number(/^cpu cores\s*:\s*(\d+)/m.exec(text)?.[1]);
  return siblings > 0 && cores > 0 && siblings >= cores ? Math.round(siblings / cores) : 1;
}

/**
 * libtorch's intra-op threads when the user chose none: one per physical core this process may run on, which is
 * what libtorch means to default to. On some virtual machines its CPU probe counts too few cores (the 2-core
 * machine this was measured on got 1 thread, halving the speed of a training step), so tsyolo sets the count
 * itself. OMP_NUM_THREADS or MKL_NUM_THREADS, when set, are libtorch's to read: undefined then.
 */
export function engineThreadCount(env: NodeJS.ProcessEnv = process.env, cpus = availableParallelism(), perCore = threadsPerCore()): number | undefined {
  if (env.OMP_NUM_THREADS !== undefined || env.MKL_NUM_THREADS !== undefined) return undefined;
  return Math.max(1, Math.floor(cpus / perCore));
}
