// The libtorch addon (native/), loaded on first use: importing the engine costs nothing, so commands that never
// compute (`tsyolo --help`, ONNX-only inference) never load libtorch. Everything else reaches it through src/tensor.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { applyEngineEnvironment, engineThreadCount } from './engine-environment.ts';
import { type NativeBinding, OP_NAMES } from './native.generated.ts';

export type { DTypeCode, Handle, NativeBinding } from './native.generated.ts';
export { DTYPE_NAMES } from './native.generated.ts';

export const ADDON_PATH = fileURLToPath(new URL('../../native/build/Release/tsyolo_native.node', import.meta.url));

// In a checkout (TypeScript sources) set-up builds the addon; an installed package built it in its install step
// (scripts/install.mjs, which prints the same libtorch line as scripts/find-libtorch.mjs's LIBTORCH_HINT).
const HOW_TO_BUILD = import.meta.url.endsWith('.ts')
  ? 'run `npm run setup` (it builds the addon; libtorch comes from LIBTORCH=/path/to/libtorch, an installed Python torch, or `apt-get install libtorch-dev`)'
  : 'set LIBTORCH=/path/to/libtorch (a folder with include/ and lib/), install Python torch, or apt-get install libtorch-dev, then run `npm rebuild tsyolo`';

/** The addon is missing, cannot be loaded or is out of date; the message is one line saying what to run. */
export class NativeEngineError extends Error {
  /** The error's name. */
  override name = 'NativeEngineError';
}

/** Opens the addon at `path`, checking it has every op of the table. Throws NativeEngineError (one line). */
export function openAddon(path: string): NativeBinding {
  if (!existsSync(path)) throw new NativeEngineError(`tsyolo's native engine is not built (${path} is missing): ${HOW_TO_BUILD}`);
  let addon: Partial<NativeBinding>;
  try {
    addon = createRequire(import.meta.url)(path) as Partial<NativeBinding>;
  } catch (e) {
    const reason = String((e as Error).message).split('\n')[0];
    throw new NativeEngineError(`tsyolo's native engine (${path}) cannot be loaded (${reason}): ${HOW_TO_BUILD}`);
  }
  const missing = OP_NAMES.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) {
    throw new NativeEngineError(`tsyolo's native engine (${path}) is out of date (no ${missing.slice(0, 3).join(', ')}): ${HOW_TO_BUILD}`);
  }
  return addon as NativeBinding;
}

let loaded: NativeBinding | undefined;

/** Loads the addon now (later calls return it at once). Throws NativeEngineError when it is missing or broken. */
export function loadNative(): NativeBinding {
  if (loaded) return loaded;
  applyEngineEnvironment();
  loaded = openAddon(ADDON_PATH);
  const threads = engineThreadCount();
  if (threads !== undefined) loaded.setNumThreads(threads);
  // From now on `native.x` is the addon's own function: no indirection per op.
  Object.assign(native, loaded);
  return loaded;
}

/** Whether libtorch has been loaded into this process. */
export function isNativeLoaded(): boolean {
  return loaded !== undefined;
}

type AnyOp = (...args: unknown[]) => unknown;

/** The addon's ops. Until the first call each entry is a stub that loads the addon and forwards the call. */
export const native = Object.fromEntries(
  OP_NAMES.map((name) => [name, (...args: unknown[]) => (loadNative()[name] as AnyOp)(...args)]),
) as unknown as NativeBinding;
