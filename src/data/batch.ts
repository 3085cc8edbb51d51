// One collated batch (YOLOv5's collate_fn): images stacked N×3×H×W and labels concatenated with their image
// index in column 0. Each item draws its randomness from its own generator seeded by (seed, epoch, index), so a
// batch is identical whoever builds it.
import { collateQuad } from './quad-collate.ts';
import { SeededRandom } from './seeded-random.ts';
import type { DatasetItem, ItemShapes, YoloDataset } from './yolo-dataset.ts';
import type { SegmentItem } from './segment-dataset.ts';

export interface Batch {
  /** N×3×H×W RGB bytes. */
  images: Uint8Array;
  shape: [number, number, number, number];
  /** Rows of (image_index, cls, cx, cy, w, h), normalised to the batch images. */
  targets: Float32Array;
  paths: string[];
  /** Per image: YOLOv5's shapes for rescaling predictions (null for mosaic samples). */
  shapes: Array<ItemShapes | null>;
  /** Dataset positions of the images. */
  indices: number[];
  /** Segmentation batches: the items' masks concatenated (v7.0's collate_fn: torch.cat) — see `maskShape`. */
  masks?: Uint8Array | Int32Array;
  /** [n, h, w] of `masks`: n = batch size with overlap masks, else one per target row. */
  maskShape?: [number, number, number];
}

/** Domain separator so item generators never coincide with the epoch-shuffle generator. */
const ITEM_STREAM = 1;

/** The generator of dataset position `index` in `epoch`. */
export function itemRandom(seed: number, epoch: number, index: number): SeededRandom {
  return new SeededRandom(seed, epoch, index, ITEM_STREAM);
}

/** Domain separator of --quad's per-batch draws (the loader's shuffle uses 2, the trainer's multi-scale 3). */
const QUAD_STREAM = 4;

/** Items computed at once per batch: overlaps image decoding (off-thread in sharp) with augmentation. */
const ITEM_CONCURRENCY = 4;

/** How the epoch's positions become a batch. */
export interface BatchBuildOptions {
  /**
   * --image-weights' `dataset.indices`: position p loads image pool[p] (its augmentation still seeded by p, so an
   * image drawn twice is augmented twice), and mosaic partners come from the pool, as v7.0's load_mosaic draws them.
   */
  pool?: ArrayLike<number>;
  /** --quad: collate_fn4 (every 4 items into one image of twice the size). */
  quad?: boolean;
}

/** Builds the batch of the given dataset positions. */
export async function buildBatch(dataset: YoloDataset, indices: readonly number[], seed: number, epoch: number, opts: BatchBuildOptions = {}): Promise<Batch> {
  if (indices.length === 0) throw new Error('buildBatch: empty batch');
  const items: DatasetItem[] = new Array(indices.length);
  let next = 0;
  const work = async (): Promise<void> => {
    for (;;) {
      const k = next++;
      if (k >= indices.length) return;
      const p = indices[k]!;
      items[k] = await dataset.getItem(opts.pool ? opts.pool[p]! : p, itemRandom(seed, epoch, p), opts.pool);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ITEM_CONCURRENCY, indices.length) }, work));
  // One generator per batch, named by its first position (unique within an epoch).
  return opts.quad ? collateQuad(items, new SeededRandom(seed, epoch, indices[0]!, QUAD_STREAM)) : collate(items);
}

/** collate_fn: stacks same-sized items and concatenates their labels with the image index prepended. */
export function collate(items: readonly DatasetItem[]): Batch {
  const { height, width } = items[0]!;
  const plane = 3 * height * width;
  const images = new Uint8Array(items.length * plane);
  let nTargets = 0;
  items.forEach((it, k) => {
    if (it.height !== height || it.width !== width) {
      throw new Error(`collate: ${it.path} is ${it.width}×${it.height}, the batch is ${width}×${height}`);
    }
    images.set(it.image, k * plane);
    nTargets += it.labels.length / 5;
  });
  const targets = new Float32Array(nTargets * 6);
  let row = 0;
  items.forEach((it, k) => {
    for (let r = 0; r < it.labels.length; r += 5, row++) {
      targets[row * 6] = k;
      targets.set(it.labels.subarray(r, r + 5), row * 6 + 1);
    }
  });
  const batch: Batch = {
    images,
    shape: [items.length, 3, height, width],
    targets,
    paths: items.map((it) => it.path),
    shapes: items.map((it) => it.shapes),
    indices: items.map((it) => it.index),
  };
  if (items.some((it) => 'masks' in it)) Object.assign(batch, collateMasks(items as readonly SegmentItem[]));
  return batch;
}

/** The segmentation items' masks concatenated along their first dimension (int32 when any item's are). */
function collateMasks(items: readonly SegmentItem[]): Pick<Batch, 'masks' | 'maskShape'> {
  const [, h, w] = items[0]!.maskShape;
  let n = 0;
  for (const it of items) {
    if (it.maskShape[1] !== h || it.maskShape[2] !== w) throw new Error(`collate: ${it.path} has ${it.maskShape[2]}×${it.maskShape[1]} masks, the batch ${w}×${h}`);
    n += it.maskShape[0];
  }
  const masks = items.some((it) => it.masks instanceof Int32Array) ? new Int32Array(n * h * w) : new Uint8Array(n * h * w);
  let off = 0;
  for (const it of items) {
    masks.set(it.masks, off);
    off += it.masks.length;
  }
  return { masks, maskShape: [n, h, w] };
}
