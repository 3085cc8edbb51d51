// Rectangular batches (YOLOv5 --rect and validation): images sorted by aspect ratio, each batch letterboxed to
// the smallest stride-multiple shape that fits its images.

export interface RectBatches {
  /** Dataset positions in aspect-ratio order: order[k] is the original index placed at position k. */
  order: number[];
  /** Batch index of each position k (floor(k / batchSize)). */
  batchIndex: Int32Array;
  /** Per batch letterbox shape [h, w], both multiples of stride. */
  batchShapes: Array<[number, number]>;
}

/**
 * shapes are [w, h] per image. batch_shapes = ceil([h, w]-ratio·imgSize/stride + pad)·stride where the ratio is
 * [maxAr, 1] for tall-less batches (all h/w < 1), [1, 1/minAr] for all h/w > 1, else [1, 1].
 */
export function computeRectBatches(
  shapes: ReadonlyArray<readonly [number, number]>,
  batchSize: number,
  imgSize: number,
  stride: number,
  pad: number,
): RectBatches {
  if (!(batchSize >= 1)) throw new Error(`computeRectBatches: batch size must be ≥ 1, got ${batchSize}`);
  const n = shapes.length;
  const ar = shapes.map(([w, h]) => h / w);
  // numpy argsort (quicksort) is not stable; ties keep index order here, which only permutes equal shapes.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ar[a]! - ar[b]! || a - b);
  const batchIndex = new Int32Array(n);
  for (let k = 0; k < n; k++) batchIndex[k] = Math.floor(k / batchSize);
  const nb = n > 0 ? batchIndex[n - 1]! + 1 : 0;
  const batchShapes: Array<[number, number]> = [];
  for (let b = 0; b < nb; b++) {
    let mini = Infinity;
    let maxi = -Infinity;
    for (let k = b * batchSize; k < Math.min(n, (b + 1) * batchSize); k++) {
      const a = ar[order[k]!]!;
      mini = Math.min(mini, a);
      maxi = Math.max(maxi, a);
    }
    let ratio: [number, number] = [1, 1];
    if (maxi < 1) ratio = [maxi, 1];
    else if (mini > 1) ratio = [1, 1 / mini];
    batchShapes.push([
      Math.ceil((ratio[0] * imgSize) / stride + pad) * stride,
      Math.ceil((ratio[1] * imgSize) / stride + pad) * stride,
    ]);
  }
  return { order, batchIndex, batchShapes };
}
