// A description of the machine a benchmark ran on, stored beside its figures so results can be compared honestly.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, platform, release, totalmem } from 'node:os';
import { cuda, getNumThreads, libtorchVersion } from '../src/tensor/index.ts';

export interface MachineDescription {
  cpuModel: string;
  /** The /proc/cpuinfo flags the engine's kernels choose by (SIMD width, bf16, AMX). */
  cpuFlags: string[];
  /** Logical CPUs visible to this process. */
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  libtorch: string;
  /** PyTorch version of the Python baseline interpreter, or null if it has no torch. */
  pythonTorch: string | null;
  /** intra-op threads libtorch uses for the tsyolo side when this was recorded. */
  threads: number;
  cudaAvailable: boolean;
}

/** The CPU's marketing name; /proc/cpuinfo is more complete than os.cpus() on some virtual machines. */
function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux: fall through to what Node reports
  }
  return cpus()[0]?.model ?? 'unknown';
}

const KERNEL_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512_vnni', 'avx512_bf16', 'amx_bf16', 'amx_tile'];

function cpuFlags(): string[] {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    const have = new Set((line ?? '').slice((line ?? '').indexOf(':') + 1).trim().split(/\s+/));
    return KERNEL_FLAGS.filter((f) => have.has(f));
  } catch {
    return [];
  }
}

function pythonTorchVersion(python: string): string | null {
  try {
    return execFileSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function describeMachine(python = '/usr/bin/python3'): MachineDescription {
  return {
    cpuModel: cpuModel(),
    cpuFlags: cpuFlags(),
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    libtorch: libtorchVersion(),
    pythonTorch: pythonTorchVersion(python),
    threads: getNumThreads(),
    cudaAvailable: cuda.isAvailable(),
  };
}
