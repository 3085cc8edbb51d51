// v7.0's plot_images_and_masks (utils/segment/plots.py): the batch mosaic of src/plot/image-grid.ts (train_batch*.jpg,
// val_batch*_labels.jpg, val_batch*_pred.jpg) with each drawn box's mask painted over its tile — 0.4·pixel +
// 0.6·class colour, truncated — after the tile's boxes. Masks are either one index mask per image (overlap: values
// 1…n for the image's n target rows) or one 0/1 mask per target row; masks of another size than the tile are
// resized to it first (cv2.resize, INTER_LINEAR, then any non-zero value counts). As v7.0, each file name is written
// a tile lower (y + 5 + h).
import { classColor } from '../plot/colors.ts';
import { type MosaicLayout, type PlotImagesOptions, plotImages } from '../plot/image-grid.ts';
import { resizeMask } from './mask-resize.ts';

/** A batch's masks as the segment loader or segment val gives them. */
export interface MosaicMasks {
  /** n·h·w values. */
  data: ArrayLike<number>;
  /** [n, h, w]: n = images (overlap index masks) or target rows (0/1 masks, in the targets' order). */
  shape: readonly [number, number, number];
  /**
   * Index masks (one per image) or one mask per target row. v7.0 guesses it from the values (any > 1 means index
   * masks), which misreads index masks of images with one instance each; the default here is that guess.
   */
  overlap?: boolean;
}

/** plot_images_and_masks: plotImages' mosaic with the masks of the drawn boxes. Returns the layout. */
export async function plotImagesAndMasks(options: PlotImagesOptions & { masks: MosaicMasks }): Promise<MosaicLayout> {
  const { masks } = options;
  const [n, mh, mw] = masks.shape;
  const plane = mh * mw;
  if (masks.data.length !== n * plane) throw new Error(`plotImagesAndMasks ${options.path}: ${masks.data.length} mask values for shape [${masks.shape.join(', ')}]`);
  let overlap = masks.overlap;
  if (overlap === undefined) {
    overlap = false;
    for (let k = 0; k < masks.data.length; k++) if (masks.data[k]! > 1) { overlap = true; break; }
  }
  const columns = options.targetColumns ?? 6;
  const targets = options.targets ?? new Float32Array(0);
  // Target row r of the batch → its image and its position among that image's rows.
  const rowOfImage: number[][] = [];
  for (let r = 0; r < targets.length / columns; r++) (rowOfImage[targets[r * columns]!] ??= []).push(r);
  return plotImages({
    ...options,
    fileNamePlace: 'below',
    decorateTile: (annotator, tile) => {
      if (n === 0 || tile.rows.length === 0) return;
      const rows = rowOfImage[tile.index] ?? [];
      tile.rows.forEach(({ cls, drawn }, j) => {
        if (!drawn) return;
        let mask: Uint8Array;
        if (overlap) {
          if (tile.index >= n) return;
          const src = masks.data;
          mask = new Uint8Array(plane);
          for (let p = 0; p < plane; p++) mask[p] = src[tile.index * plane + p] === j + 1 ? 1 : 0;
        } else {
          const r = rows[j]!;
          if (r >= n) throw new Error(`plotImagesAndMasks ${options.path}: target row ${r} has no mask (${n} masks)`);
          mask = Uint8Array.from({ length: plane }, (_, p) => (masks.data[r * plane + p] ? 1 : 0));
        }
        if (mh !== tile.height || mw !== tile.width) mask = resizeMask(mask, mw, mh, tile.width, tile.height);
        annotator.blendMask(tile.x, tile.y, tile.width, tile.height, mask, classColor(cls));
      });
    },
  });
}
