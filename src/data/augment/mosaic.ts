// YOLOv5's load_mosaic(): four images tiled around a random centre on a 2s×2s grey canvas, then one
// random_perspective that also crops the canvas back to s×s (border = −s/2).
import { createImage, PAD_VALUE, pasteRegion, type RgbImage } from '../image-buffer.ts';
import { TYPESCRIPT_PIXELS, type PixelOps } from '../pixel-ops.ts';
import type { SeededRandom } from '../seeded-random.ts';
import { randomPerspective, type PerspectiveParams } from './random-perspective.ts';

/** An image after load_image(): resized so its long side is imgSize, with its original size. */
export interface LoadedImage {
  image: RgbImage;
  h0: number;
  w0: number;
}

/** What a mosaic needs from a dataset. */
export interface MosaicSource {
  readonly imgSize: number;
  /** Number of images (random picks come from 0 … size−1). */
  readonly size: number;
  loadImage(index: number): Promise<LoadedImage>;
  /** n×5 normalised (cls, cx, cy, w, h) labels of an image. */
  labelsOf(index: number): Float32Array;
}

/** Tile placement for mosaic position 0–3 (top-left, top-right, bottom-left, bottom-right) around (xc, yc). */
export function mosaicTile(
  position: number,
  xc: number,
  yc: number,
  w: number,
  h: number,
  s: number,
): { canvas: [number, number, number, number]; tile: [number, number, number, number] } {
  let x1a: number, y1a: number, x2a: number, y2a: number;
  let x1b: number, y1b: number, x2b: number, y2b: number;
  if (position === 0) {
    [x1a, y1a, x2a, y2a] = [Math.max(xc - w, 0), Math.max(yc - h, 0), xc, yc];
    [x1b, y1b, x2b, y2b] = [w - (x2a - x1a), h - (y2a - y1a), w, h];
  } else if (position === 1) {
    [x1a, y1a, x2a, y2a] = [xc, Math.max(yc - h, 0), Math.min(xc + w, s * 2), yc];
    [x1b, y1b, x2b, y2b] = [0, h - (y2a - y1a), Math.min(w, x2a - x1a), h];
  } else if (position === 2) {
    [x1a, y1a, x2a, y2a] = [Math.max(xc - w, 0), yc, xc, Math.min(s * 2, yc + h)];
    [x1b, y1b, x2b, y2b] = [w - (x2a - x1a), 0, w, Math.min(y2a - y1a, h)];
  } else {
    [x1a, y1a, x2a, y2a] = [xc, yc, Math.min(xc + w, s * 2), Math.min(s * 2, yc + h)];
    [x1b, y1b, x2b, y2b] = [0, 0, Math.min(w, x2a - x1a), Math.min(y2a - y1a, h)];
  }
  return { canvas: [x1a, y1a, x2a, y2a], tile: [x1b, y1b, x2b, y2b] };
}

/**
 * load_mosaic(index): returns an s×s image and n×5 (cls, x1, y1, x2, y2) pixel labels.
 * Random draws, in YOLOv5's order: centre y, centre x, 3 extra indices, shuffle, then random_perspective's.
 */
export async function loadMosaic(
  source: MosaicSource,
  index: number,
  params: PerspectiveParams,
  rng: SeededRandom,
  pixels: PixelOps = TYPESCRIPT_PIXELS,
  pool?: ArrayLike<number>,
): Promise<{ image: RgbImage; targets: Float32Array }> {
  const s = source.imgSize;
  const border = Math.floor(-s / 2); // Python: -img_size // 2
  const yc = Math.trunc(rng.uniform(-border, 2 * s + border));
  const xc = Math.trunc(rng.uniform(-border, 2 * s + border));
  const indices = [index];
  // random.choices(self.indices, k=3): --image-weights' weighted draw when given (`pool`), else every image.
  for (let k = 0; k < 3; k++) indices.push(pool ? pool[rng.below(pool.length)]! : rng.below(source.size));
  rng.shuffle(indices);
  const loaded = await Promise.all(indices.map((i) => source.loadImage(i)));

  const canvas = createImage(s * 2, s * 2, PAD_VALUE);
  const parts: Float32Array[] = [];
  for (let position = 0; position < 4; position++) {
    const { image } = loaded[position]!;
    const w = image.width;
    const h = image.height;
    const { canvas: a, tile: b } = mosaicTile(position, xc, yc, w, h, s);
    pasteRegion(canvas, a[0], a[1], image, b[0], b[1], a[2] - a[0], a[3] - a[1]);
    const padw = a[0] - b[0];
    const padh = a[1] - b[1];
    const labels = source.labelsOf(indices[position]!);
    const px = new Float32Array(labels.length);
    for (let r = 0; r < labels.length; r += 5) {
      const [cx, cy, bw, bh] = [labels[r + 1]!, labels[r + 2]!, labels[r + 3]!, labels[r + 4]!];
      px[r] = labels[r]!;
      // xywhn2xyxy with the tile's offset, then clip to the canvas [0, 2s].
      px[r + 1] = Math.min(Math.max(w * (cx - bw / 2) + padw, 0), 2 * s);
      px[r + 2] = Math.min(Math.max(h * (cy - bh / 2) + padh, 0), 2 * s);
      px[r + 3] = Math.min(Math.max(w * (cx + bw / 2) + padw, 0), 2 * s);
      px[r + 4] = Math.min(Math.max(h * (cy + bh / 2) + padh, 0), 2 * s);
    }
    parts.push(px);
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const targets = new Float32Array(total);
  let off = 0;
  for (const p of parts) {
    targets.set(p, off);
    off += p.length;
  }
  // copy_paste needs polygon segments; box-only labels have none, so (as in YOLOv5) it changes nothing here.
  const warped = randomPerspective(canvas, targets, params, rng, [border, border], pixels);
  return { image: warped.image, targets: warped.targets };
}
