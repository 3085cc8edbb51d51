// The image addon (native/image/: OpenCV's resize, warps, colour conversion, LUT and decoding on plain HWC byte
// buffers), loaded on first use. It is optional: without OpenCV at build time there is no addon, and the data
// loader runs its TypeScript pixel ports instead (src/data/pixel-backend.ts). It links no libtorch, so loading it
// in the loader's worker threads costs a few milliseconds.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const IMAGE_ADDON_PATH = fileURLToPath(new URL('../../native/image/build/Release/tsyolo_image.node', import.meta.url));

/** The addon's exports (native/image/src/image_ops.cc). Images are HWC uint8; outputs are new buffers. */
export interface ImageAddon {
  resize(src: Uint8Array, width: number, height: number, channels: number, dstWidth: number, dstHeight: number, interpolation: number): Uint8Array;
  warpAffine(src: Uint8Array, width: number, height: number, channels: number, M: Float64Array, dstWidth: number, dstHeight: number, borderValue: number): Uint8Array;
  warpPerspective(src: Uint8Array, width: number, height: number, channels: number, M: Float64Array, dstWidth: number, dstHeight: number, borderValue: number): Uint8Array;
  /** A 3 → 3 channel conversion into dst (which may be src). */
  cvtColor(src: Uint8Array, width: number, height: number, code: number, dst: Uint8Array): void;
  /** cv::LUT with a 256×channels interleaved table into dst (which may be src). */
  lut(src: Uint8Array, width: number, height: number, channels: number, table: Uint8Array, dst: Uint8Array): void;
  /** HWC → planar CHW into dst at dstOffset (cv::split). */
  split(src: Uint8Array, width: number, height: number, channels: number, dst: Uint8Array, dstOffset: number): void;
  /** Decoded bytes in OpenCV's channel order (BGR), or null when OpenCV cannot decode them. */
  imdecode(bytes: Uint8Array, flags: number): { data: Uint8Array; width: number; height: number; channels: number } | null;
  setNumThreads(n: number): void;
  readonly opencvVersion: string;
  readonly constants: {
    readonly INTER_LINEAR: number;
    readonly INTER_AREA: number;
    readonly COLOR_BGR2RGB: number;
    readonly COLOR_RGB2HSV: number;
    readonly COLOR_HSV2RGB: number;
    readonly IMREAD_COLOR: number;
  };
}

const OPS = ['resize', 'warpAffine', 'warpPerspective', 'cvtColor', 'lut', 'split', 'imdecode', 'setNumThreads'] as const;

let loaded: { addon: ImageAddon } | { reason: string } | undefined;

/** The image addon, or undefined with the reason (not built, unloadable, out of date) from imageAddonProblem(). */
export function loadImageAddon(): ImageAddon | undefined {
  loaded ??= open();
  return 'addon' in loaded ? loaded.addon : undefined;
}

/** Why loadImageAddon() returned undefined (undefined when it loaded). */
export function imageAddonProblem(): string | undefined {
  loadImageAddon();
  return loaded && 'reason' in loaded ? loaded.reason : undefined;
}

function open(): { addon: ImageAddon } | { reason: string } {
  if (!existsSync(IMAGE_ADDON_PATH)) {
    return { reason: `the image addon is not built (${IMAGE_ADDON_PATH} is missing; install OpenCV: apt-get install libopencv-dev, then npm run setup)` };
  }
  let addon: Partial<ImageAddon>;
  try {
    addon = createRequire(import.meta.url)(IMAGE_ADDON_PATH) as Partial<ImageAddon>;
  } catch (e) {
    return { reason: `the image addon (${IMAGE_ADDON_PATH}) cannot be loaded: ${String((e as Error).message).split('\n')[0]}` };
  }
  const missing = OPS.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) return { reason: `the image addon (${IMAGE_ADDON_PATH}) is out of date (no ${missing.join(', ')}): npm run setup` };
  // As YOLOv5 does (cv2.setNumThreads(0)): the loader's workers are the parallelism; OpenCV's own pool would compete.
  addon.setNumThreads!(0);
  return { addon: addon as ImageAddon };
}
