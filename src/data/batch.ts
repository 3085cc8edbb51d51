// One collated batch (YOLOv5's collate_fn): images stacked N×3×H×W and labels concatenated with their image
// index in column 0. Each item draws its randomness from its own generator seeded by (seed, epoch, index), so a
// batch is identical whoever builds it.
import { SeededRandom } from './seeded-random.ts';
import type { DatasetItem, ItemShapes, YoloDataset } from './yolo-dataset.ts';

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
}

/** Domain separator so item generators never coincide with the epoch-shuffle generator. */
const ITEM_STREAM = 1;

/** The generator of dataset position `index` in `epoch`. */
export function itemRandom(seed: number, epoch: number, index: number): SeededRandom {
  return new SeededRandom(seed, epoch, index, ITEM_STREAM);
}

/** Items computed at once per batch: overlaps image decoding (off-thread in sharp) with augmentation. */
const ITEM_CONCURRENCY = 4;

/** Builds the batch of the given dataset positions. */
export async function buildBatch(dataset: YoloDataset, indices: readonly number[], seed: number, epoch: number): Promise<Batch> {
  if (indices.length === 0) throw new Error('buildBatch: empty batch');
  const items: DatasetItem[] = new Array(indices.length);
  let next = 0;
  const work = async (): Promise<void> => {
    for (;;) {
      const k = next++;
      if (k >= indices.length) return;
      items[k] = await dataset.getItem(indices[k]!, itemRandom(seed, epoch, indices[k]!));
    }
  };
  await Promise.all(Array.from({ length: Math.min(ITEM_CONCURRENCY, indices.length) }, work));
  return collate(items);
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
  return {
    images,
    shape: [items.length, 3, height, width],
    targets,
    paths: items.map((it) => it.path),
    shapes: items.map((it) => it.shapes),
    indices: items.map((it) => it.index),
  };
}
