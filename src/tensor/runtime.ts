// Engine-wide settings: seeds, threads, devices, gradient mode, live-tensor count.
import { native } from '../native/binding.ts';

/** torch.manual_seed: seeds the engine's random generators (rand, randn, init, dropout). */
export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}
/** torch.set_num_threads: libtorch's intra-op threads. */
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
/** libtorch's intra-op thread count. */
export function getNumThreads(): number {
  return native.getNumThreads();
}
/** torch.cuda: whether libtorch was built with CUDA and sees a GPU, and how many. */
export const cuda = {
  /** Whether a CUDA device can be used. */
  isAvailable: (): boolean => native.cudaIsAvailable(),
  /** Number of CUDA devices. */
  deviceCount: (): number => native.cudaDeviceCount(),
};
/** The libtorch version the addon was built against (e.g. '2.1.2'). */
export function libtorchVersion(): string {
  return native.version();
}
/**
 * Hands the free pages of every malloc arena back to the OS (glibc's malloc_trim(0); false where there is none or
 * nothing was returned). The addon keeps freed tensor memory resident so steps reuse it; call this between phases
 * (the trainer does once per epoch), never per step.
 */
export function releaseFreeMemory(): boolean {
  return native.releaseFreeMemory();
}
/** Number of tensors alive in the engine (for leak checks). */
export function liveTensorCount(): number {
  return native.liveCount();
}
/** Whether autograd records operations now (false inside noGrad()). */
export function isGradEnabled(): boolean {
  return native.gradEnabled();
}
/** Runs fn with autograd off (torch.no_grad()); works for async functions too. */
export function noGrad<T>(fn: () => T): T {
  const prev = native.gradEnabled();
  native.setGradEnabled(false);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    native.setGradEnabled(prev);
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => native.setGradEnabled(prev)) as T;
  native.setGradEnabled(prev);
  return result;
}

/** torch.use_deterministic_algorithms(enabled, warn_only): ops without a deterministic implementation then throw (or warn). */
export function useDeterministicAlgorithms(enabled: boolean, o: { warnOnly?: boolean } = {}): void {
  native.setDeterministicAlgorithms(enabled, o.warnOnly ?? false);
}

/** Whether useDeterministicAlgorithms(true) is in force. */
export function areDeterministicAlgorithmsEnabled(): boolean {
  return native.deterministicAlgorithms();
}

/**
 * torch.autograd.profiler (the legacy CPU profiler): every libtorch op fn runs on this thread, with its duration,
 * written to `tracePath` as a Chrome trace (open it in chrome://tracing or Perfetto) when fn returns or throws.
 */
export function withProfiler<T>(tracePath: string, fn: () => T): T {
  native.profilerStart(tracePath);
  try {
    return fn();
  } finally {
    native.profilerStop();
  }
}
