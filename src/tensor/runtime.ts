// Engine-wide settings: seeds, threads, devices, gradient mode, live-tensor count.
import { native } from '../native/binding.ts';

export function manualSeed(seed: number): void {
  native.manualSeed(seed);
}
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}
export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
};
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

export function areDeterministicAlgorithmsEnabled(): boolean {
  return native.deterministicAlgorithms();
}
