// Which PixelOps the loader uses: OpenCV when the image addon is built (set-up builds it when libopencv-dev is
// installed), else the TypeScript ports. TSYOLO_PIXELS=typescript|opencv forces one; the loader's worker threads
// inherit the environment, so they choose as the main thread does.
import { imageAddonProblem, loadImageAddon } from './image-addon.ts';
import { opencvPixels } from './opencv-pixels.ts';
import { TYPESCRIPT_PIXELS, type PixelBackendName, type PixelOps } from './pixel-ops.ts';

export type { PixelBackendName, PixelOps } from './pixel-ops.ts';

let chosen: PixelOps | undefined;

function open(name: PixelBackendName): PixelOps {
  if (name === 'typescript') return TYPESCRIPT_PIXELS;
  const addon = loadImageAddon();
  if (!addon) throw new Error(`pixel backend 'opencv': ${imageAddonProblem()}`);
  return opencvPixels(addon);
}

function fromEnvironment(): PixelOps {
  const wanted = process.env.TSYOLO_PIXELS;
  if (wanted === 'typescript' || wanted === 'opencv') return open(wanted);
  if (wanted) throw new Error(`TSYOLO_PIXELS must be 'opencv' or 'typescript', got '${wanted}'`);
  const addon = loadImageAddon();
  return addon ? opencvPixels(addon) : TYPESCRIPT_PIXELS;
}

/** The pixel operations in use (picked on first call). */
export function pixelBackend(): PixelOps {
  chosen ??= fromEnvironment();
  return chosen;
}

/** Forces a backend in this thread (benchmarks, tests); 'opencv' throws when the image addon is missing. */
export function setPixelBackend(name: PixelBackendName): void {
  chosen = open(name);
}
