// Loads the compiled libtorch addon (native/). Everything else reaches libtorch through src/tensor.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** A tensor handle as the addon issues it (a number; see native/src/handles.h). */
export type Handle = number;

/** The addon's exports. Argument order mirrors the C++ functions in native/src/addon.cc. */
export interface NativeBinding {
  [name: string]: (...args: any[]) => any;
}

const addonPath = fileURLToPath(new URL('../../native/build/Release/tsyolo_native.node', import.meta.url));

function load(): NativeBinding {
  if (!existsSync(addonPath)) {
    throw new Error(`tsyolo's native engine is not built (${addonPath} is missing). Run \`npm run setup\` first.`);
  }
  return createRequire(import.meta.url)(addonPath) as NativeBinding;
}

export const native: NativeBinding = load();
