// torch.autocast as a scope: inside it, libtorch runs eligible ops (convolutions, matmuls) in a lower precision and
// the ops its autocast lists name in float32, exactly as PyTorch's autocast does (the same dispatch key).
import { native } from '../native/binding.ts';
import { dtypeCode, dtypeFromCode, type DType } from './dtype.ts';

/** The device types autocast knows. */
export type AutocastDevice = 'cpu' | 'cuda';

/** The autocast state of one device type on this thread. */
export interface AutocastState {
  /** Whether autocast is on. */
  enabled: boolean;
  /** The lower precision it casts to (float16 or bfloat16). */
  dtype: DType;
}

/** The autocast state now (torch.is_autocast_enabled / get_autocast_gpu_dtype and their CPU twins). */
export function autocastState(device: AutocastDevice): AutocastState {
  return { enabled: native.autocastEnabled(device), dtype: dtypeFromCode(native.autocastDtype(device)) };
}

function enter(device: AutocastDevice, dtype: DType, enabled: boolean): AutocastState {
  const prev = autocastState(device);
  native.setAutocastEnabled(device, enabled);
  native.setAutocastDtype(device, dtypeCode(dtype));
  native.autocastIncrementNesting();
  return prev;
}

function exit(device: AutocastDevice, prev: AutocastState): void {
  // As torch.autocast.__exit__: the cache of cast weights lives for the outermost scope only.
  if (native.autocastDecrementNesting() === 0) native.clearAutocastCache();
  native.setAutocastEnabled(device, prev.enabled);
  native.setAutocastDtype(device, dtypeCode(prev.dtype));
}

/**
 * Runs fn under torch.autocast(device, dtype, enabled): convolutions and matmuls run in `dtype` (float16 on CUDA,
 * bfloat16 on CPUs), the previous state is restored after (nesting works), async functions too. Backward passes
 * need no scope: autograd replays the casts recorded in the forward.
 */
export function withAutocast<T>(device: AutocastDevice, dtype: DType, fn: () => T, o: { enabled?: boolean } = {}): T {
  if (dtype !== 'float16' && dtype !== 'bfloat16') throw new Error(`autocast dtype must be float16 or bfloat16, got ${dtype}`);
  const prev = enter(device, dtype, o.enabled ?? true);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    exit(device, prev);
    throw e;
  }
  if (result instanceof Promise) return result.finally(() => exit(device, prev)) as T;
  exit(device, prev);
  return result;
}
