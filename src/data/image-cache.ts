// YOLOv5's image caches (--cache ram | disk), the parts that are not the dataset itself:
// - ram: check_cache_ram — refuse to cache (and say so) unless the resized images fit in available memory with a
//   10 % margin. YOLOv5 extrapolates from 30 sampled images; the index already knows every image's size, so the
//   figure here is exact.
// - disk: cache_images_to_disk — one `.npy` beside each image (Path.with_suffix('.npy')) holding the decoded image
//   at its original size in OpenCV's BGR order (the dataset swaps channels with its PixelOps), exactly as np.save(cv2.imread(f)) writes it, so YOLOv5 and tsyolo
//   can share a dataset folder's caches. Written atomically; an existing file is reused, as YOLOv5 does.
import { existsSync, readFileSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import { extname } from 'node:path';
import { parseNpy, writeNpyFile } from '../io/npy.ts';
import type { RgbImage } from './image-buffer.ts';

/** load_image's resized size of a w0×h0 image for imgSize (int(w0·r), int(h0·r), at least 1 pixel). */
export function resizedSize(w0: number, h0: number, imgSize: number): [number, number] {
  const r = imgSize / Math.max(w0, h0);
  if (r === 1) return [w0, h0];
  return [Math.max(1, Math.trunc(w0 * r)), Math.max(1, Math.trunc(h0 * r))];
}

/** Bytes of memory the system can still give (MemAvailable; os.freemem() where /proc/meminfo is missing). */
export function availableMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

export interface RamCacheCheck {
  /** True when the cache fits: required·(1 + margin) < available. */
  fits: boolean;
  requiredBytes: number;
  availableBytes: number;
  /** YOLOv5's line when it does not fit, e.g. "5.3GB RAM required, 3.1/23.5GB available, not caching images ⚠️". */
  message: string;
}

const GB = 1 << 30;

/** check_cache_ram(safety_margin=0.1) on the images' original [w, h] sizes. */
export function checkCacheRam(
  shapes: ReadonlyArray<readonly [number, number]>,
  imgSize: number,
  availableBytes = availableMemory(),
  totalBytes = totalmem(),
  safetyMargin = 0.1,
): RamCacheCheck {
  let requiredBytes = 0;
  for (const [w0, h0] of shapes) {
    const [w, h] = resizedSize(w0, h0, imgSize);
    requiredBytes += w * h * 3;
  }
  const fits = requiredBytes * (1 + safetyMargin) < availableBytes;
  const message =
    `${(requiredBytes / GB).toFixed(1)}GB RAM required, ${(availableBytes / GB).toFixed(1)}/${(totalBytes / GB).toFixed(1)}GB available, ` +
    (fits ? 'caching images ✅' : 'not caching images ⚠️');
  return { fits, requiredBytes, availableBytes, message };
}

/** Path(f).with_suffix('.npy'): the last extension replaced (or `.npy` appended when there is none). */
export function npyPathOf(imageFile: string): string {
  const ext = extname(imageFile);
  return (ext ? imageFile.slice(0, -ext.length) : imageFile) + '.npy';
}

/** Writes a BGR image (callers swap RGB first) as YOLOv5's disk cache: an (h, w, 3) uint8 array, atomically. */
export function writeImageNpy(path: string, bgr: RgbImage): void {
  writeNpyFile(path, { dtype: 'uint8', shape: [bgr.height, bgr.width, 3], data: bgr.data });
}

/** Reads a disk-cache `.npy` (h, w, 3) uint8 as stored (BGR); anything else is an error naming the file. */
export function readImageNpy(path: string, imageFile: string): RgbImage {
  const t = parseNpy(new Uint8Array(readFileSync(path)), path);
  const [h, w, c] = t.shape;
  if (t.dtype !== 'uint8' || t.shape.length !== 3 || c !== 3 || !h || !w) {
    throw new Error(`${path}: not an image cache (want an (h, w, 3) uint8 array, got ${t.dtype} (${t.shape.join(', ')})); delete it to re-create it from ${imageFile}`);
  }
  return { data: t.data as Uint8Array, width: w, height: h };
}

/** True when the disk cache of `imageFile` exists. */
export function hasImageNpy(imageFile: string): boolean {
  return existsSync(npyPathOf(imageFile));
}
