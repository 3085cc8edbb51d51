// YOLOv5's MixUp: blend two augmented images with a Beta(32, 32) ratio and keep both label sets.
import type { RgbImage } from '../image-buffer.ts';
import type { SeededRandom } from '../seeded-random.ts';

/** Blends im·r + im2·(1 − r), truncating to uint8 as numpy's astype does. Labels (n×5 rows) are concatenated. */
export function mixup(
  im: RgbImage,
  labels: Float32Array,
  im2: RgbImage,
  labels2: Float32Array,
  rng: SeededRandom,
): { image: RgbImage; labels: Float32Array; ratio: number } {
  if (im.width !== im2.width || im.height !== im2.height) {
    throw new Error(`mixup: image sizes differ (${im.width}×${im.height} vs ${im2.width}×${im2.height})`);
  }
  const r = rng.beta(32, 32);
  const a = im.data;
  const b = im2.data;
  const out = new Uint8Array(a.length);
  const q = 1 - r;
  for (let i = 0; i < a.length; i++) out[i] = a[i]! * r + b[i]! * q; // Uint8Array store truncates toward zero
  const merged = new Float32Array(labels.length + labels2.length);
  merged.set(labels, 0);
  merged.set(labels2, labels.length);
  return { image: { data: out, width: im.width, height: im.height }, labels: merged, ratio: r };
}
