// YOLOv5 v7.0's --quad collate (LoadImagesAndLabels.collate_fn4): every 4 items of a batch become one image of
// twice the size, so a batch of B items yields floor(B / 4) images. Per group one random() draw: below 0.5 the
// group's first image alone, upsampled 2× (bilinear, align_corners=False, truncated back to uint8) with its labels
// unchanged; otherwise the four tiled 2×2 (first top-left, second below it, third top-right, fourth bottom-right)
// with their normalised labels shifted into their quarter and halved, in float32 as v7.0's tensors.
import type { Batch } from './batch.ts';
import type { DatasetItem } from './yolo-dataset.ts';

/** The one draw collate_fn4 makes per group (Python's random.random()). */
export interface QuadRandom {
  random(): number;
}

/** F.interpolate(x.float(), scale_factor=2, mode='bilinear', align_corners=False) of a 3×h×w uint8 image, cast back. */
export function upsample2xBilinear(image: Uint8Array, height: number, width: number): Uint8Array {
  const oh = 2 * height;
  const ow = 2 * width;
  const out = new Uint8Array(3 * oh * ow);
  // Source coordinate (d + 0.5)·0.5 − 0.5, clamped at 0; the neighbour stays in range; weights 0.25/0.75.
  const axis = (size: number, outSize: number) => {
    const i0 = new Int32Array(outSize);
    const i1 = new Int32Array(outSize);
    const l1 = new Float64Array(outSize);
    for (let d = 0; d < outSize; d++) {
      const src = Math.max((d + 0.5) * 0.5 - 0.5, 0);
      const a = Math.floor(src);
      i0[d] = a;
      i1[d] = a < size - 1 ? a + 1 : a;
      l1[d] = src - a;
    }
    return { i0, i1, l1 };
  };
  const ys = axis(height, oh);
  const xs = axis(width, ow);
  for (let c = 0; c < 3; c++) {
    const plane = c * height * width;
    const outPlane = c * oh * ow;
    for (let y = 0; y < oh; y++) {
      const r0 = plane + ys.i0[y]! * width;
      const r1 = plane + ys.i1[y]! * width;
      const ly1 = ys.l1[y]!;
      const ly0 = 1 - ly1;
      for (let x = 0; x < ow; x++) {
        const x0 = xs.i0[x]!;
        const x1 = xs.i1[x]!;
        const lx1 = xs.l1[x]!;
        const lx0 = 1 - lx1;
        // Multiples of 1/16 below 256: exact in float32 whatever the order, so truncation matches libtorch's.
        const v = ly0 * (lx0 * image[r0 + x0]! + lx1 * image[r0 + x1]!) + ly1 * (lx0 * image[r1 + x0]! + lx1 * image[r1 + x1]!);
        out[outPlane + y * ow + x] = Math.trunc(v);
      }
    }
  }
  return out;
}

/** Tiles four 3×h×w images 2×2 into a 3×2h×2w image (a | c over b | d). */
function tile4(a: Uint8Array, b: Uint8Array, c: Uint8Array, d: Uint8Array, height: number, width: number): Uint8Array {
  const ow = 2 * width;
  const out = new Uint8Array(3 * 4 * height * width);
  const place = (im: Uint8Array, oy: number, ox: number) => {
    for (let ch = 0; ch < 3; ch++) {
      for (let y = 0; y < height; y++) {
        const src = (ch * height + y) * width;
        out.set(im.subarray(src, src + width), (ch * 2 * height + oy + y) * ow + ox);
      }
    }
  };
  place(a, 0, 0);
  place(b, height, 0);
  place(c, 0, width);
  place(d, height, width);
  return out;
}

/** collate_fn4: floor(items / 4) images of twice the items' size, their labels with the new image index. */
export function collateQuad(items: readonly DatasetItem[], rng: QuadRandom): Batch {
  const n = Math.floor(items.length / 4);
  if (n === 0) throw new Error(`--quad collates every 4 images of a batch into one: this batch has ${items.length}, fewer than 4`);
  const { height, width } = items[0]!;
  for (const it of items) {
    if (it.height !== height || it.width !== width) throw new Error(`collate: ${it.path} is ${it.width}×${it.height}, the batch is ${width}×${height}`);
  }
  const plane = 3 * 4 * height * width;
  const images = new Uint8Array(n * plane);
  const rows: number[] = [];
  // (cls, cx, cy, w, h) of an item, shifted by (dx, dy) quarters and scaled by s, in float32 steps.
  const push = (image: number, it: DatasetItem, dx: number, dy: number, s: number) => {
    for (let r = 0; r < it.labels.length; r += 5) {
      const l = it.labels;
      rows.push(image, l[r]!, Math.fround(l[r + 1]! + dx) * s, Math.fround(l[r + 2]! + dy) * s, l[r + 3]! * s, l[r + 4]! * s);
    }
  };
  for (let i = 0; i < n; i++) {
    const [a, b, c, d] = [items[4 * i]!, items[4 * i + 1]!, items[4 * i + 2]!, items[4 * i + 3]!];
    if (rng.random() < 0.5) {
      images.set(upsample2xBilinear(a.image, height, width), i * plane);
      push(i, a, 0, 0, 1);
    } else {
      images.set(tile4(a.image, b.image, c.image, d.image, height, width), i * plane);
      push(i, a, 0, 0, 0.5);
      push(i, b, 0, 1, 0.5);
      push(i, c, 1, 0, 0.5);
      push(i, d, 1, 1, 0.5);
    }
  }
  // v7.0 keeps the paths and shapes of the batch's first n items (path[:n], shapes[:n]), not of each group.
  const kept = items.slice(0, n);
  return {
    images,
    shape: [n, 3, 2 * height, 2 * width],
    targets: Float32Array.from(rows),
    paths: kept.map((it) => it.path),
    shapes: kept.map((it) => it.shapes),
    indices: kept.map((it) => it.index),
  };
}

/**
 * --quad needs at least 4 items in every batch: v7.0 fails mid-epoch there (torch.stack of an empty list); tsyolo
 * refuses before training. `batchSizes`: the item count of each batch of an epoch.
 */
export function checkQuadBatches(batchSizes: readonly number[]): void {
  const k = batchSizes.findIndex((s) => s < 4);
  if (k < 0) return;
  const which = k === batchSizes.length - 1 && k > 0 ? 'the last batch of each epoch' : `batch ${k} of each epoch`;
  throw new Error(`--quad collates every 4 images of a batch into one, but ${which} holds ${batchSizes[k]} image(s): use a --batch (per rank) and a training set size that leave at least 4`);
}
