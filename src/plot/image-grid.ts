// Batch mosaics train_batch*.jpg, val_batch*_labels.jpg and val_batch*_pred.jpg (YOLOv5 utils/plots.py
// plot_images): up to 16 images on a square grid, filled column by column, with their boxes and file names.
import { basename } from 'node:path';
import sharp from 'sharp';
import { roundHalfEven } from '../compat/python.ts';
import { xywh2xyxy } from '../geometry/boxes.ts';
import { Annotator, className } from './annotator.ts';
import { classColor } from './colors.ts';
import { saveImage } from './image-file.ts';
import { formatFixed } from '../compat/python.ts';

export interface MosaicLayout {
  /** Images drawn: min(N, maxSubplots). */
  tiles: number;
  /** Grid side: ceil(sqrt(tiles)). */
  gridSize: number;
  /** Tile size after the mosaic is shrunk to fit maxSize. */
  tileWidth: number;
  tileHeight: number;
  /** Scale applied to the images (1 when they already fit). */
  scale: number;
  width: number;
  height: number;
  /** Top-left pixel of each tile: tile i sits in column floor(i / gridSize), row i % gridSize. */
  origins: Array<[number, number]>;
}

/** The grid YOLOv5 builds for `n` images of h×w. */
export function mosaicLayout(n: number, height: number, width: number, maxSize = 1920, maxSubplots = 16): MosaicLayout {
  const tiles = Math.min(n, maxSubplots);
  const gridSize = Math.ceil(Math.sqrt(tiles));
  const fit = maxSize / gridSize / Math.max(height, width);
  const scale = Math.min(1, fit);
  const tileHeight = fit < 1 ? Math.ceil(fit * height) : height;
  const tileWidth = fit < 1 ? Math.ceil(fit * width) : width;
  const origins: Array<[number, number]> = [];
  for (let i = 0; i < tiles; i++) origins.push([tileWidth * Math.floor(i / gridSize), tileHeight * (i % gridSize)]);
  return { tiles, gridSize, tileWidth, tileHeight, scale, width: tileWidth * gridSize, height: tileHeight * gridSize, origins };
}

export interface PlotImagesOptions {
  /** N×3×H×W RGB batch: uint8 0..255, or floats (0..1 when the first image's maximum is ≤ 1, else 0..255). */
  images: Uint8Array | Float32Array;
  /** [N, 3, H, W] */
  shape: readonly [number, number, number, number];
  /**
   * Boxes to draw, flat rows. Labels: [image, cls, cx, cy, w, h] (targetColumns 6). Predictions (YOLOv5
   * output_to_target): [image, cls, cx, cy, w, h, conf] (targetColumns 7), drawn when conf > 0.25 and labelled
   * "name 0.8". Per image, boxes whose values are all ≤ 1.01 count as normalised, others as input pixels.
   */
  targets?: Float32Array | Float64Array;
  targetColumns?: 6 | 7;
  names?: readonly string[];
  /** Source file of each image; its base name (≤ 40 characters) is written in the tile's corner. */
  paths?: readonly string[];
  /** Output file, e.g. runs/train/exp/train_batch0.jpg */
  path: string;
  maxSize?: number;
  maxSubplots?: number;
  /**
   * Called after each tile's boxes are drawn (v7.0's plot_images_and_masks draws the tile's masks there); the
   * tile's target rows come in file order, each marked drawn or not (predictions at conf ≤ 0.25 are not).
   */
  decorateTile?: (annotator: Annotator, tile: MosaicTile) => void;
  /**
   * Where the file name goes: 'top' (plot_images: x + 5, y + 5) or 'below' (v7.0's plot_images_and_masks writes it
   * at y + 5 + h, on the tile underneath; the bottom row's names fall outside the picture).
   */
  fileNamePlace?: 'top' | 'below';
}

/** One tile of a mosaic as `decorateTile` sees it. */
export interface MosaicTile {
  /** Image index in the batch. */
  index: number;
  /** Left edge of the tile in the mosaic. */
  x: number;
  /** Top edge of the tile in the mosaic. */
  y: number;
  /** Tile width in the mosaic (after the shrink to maxSize). */
  width: number;
  /** Tile height in the mosaic. */
  height: number;
  /** The image's target rows in order: class, and whether its box was drawn. */
  rows: Array<{ cls: number; drawn: boolean }>;
}

/** Prediction boxes below this confidence are left out of the mosaic. */
const MOSAIC_CONF_THRESHOLD = 0.25;

/** Writes the mosaic and returns its layout. */
export async function plotImages(options: PlotImagesOptions): Promise<MosaicLayout> {
  const { images, shape, path } = options;
  const [n, channels, h, w] = shape;
  if (channels !== 3) throw new Error(`plotImages ${path}: images must have 3 channels, shape is [${shape.join(', ')}]`);
  if (images.length !== n * 3 * h * w) throw new Error(`plotImages ${path}: ${images.length} values does not match shape [${shape.join(', ')}]`);
  const columns = options.targetColumns ?? 6;
  const targets = options.targets ?? new Float32Array(0);
  if (targets.length % columns !== 0) throw new Error(`plotImages ${path}: ${targets.length} target values is not rows of ${columns}`);
  if (n === 0) throw new Error(`plotImages ${path}: empty batch`);

  const layout = mosaicLayout(n, h, w, options.maxSize ?? 1920, options.maxSubplots ?? 16);
  const mosaic = await buildMosaic(images, n, h, w, layout);
  const { tileWidth: tw, tileHeight: th, gridSize: ns } = layout;

  const fontSize = Math.trunc((th + tw) * ns * 0.01);
  const annotator = new Annotator(mosaic, layout.width, layout.height, {
    lineWidth: roundHalfEven(fontSize / 10) || undefined, // 0 falls back to the default width, as in YOLOv5
    fontSize: Math.max(fontSize, 1),
  });
  for (let i = 0; i < layout.tiles; i++) {
    const [x, y] = layout.origins[i]!;
    annotator.rectangle([x, y, x + tw, y + th], [255, 255, 255], 2);
    const source = options.paths?.[i];
    if (source) annotator.text(x + 5, y + 5 + (options.fileNamePlace === 'below' ? th : 0), basename(source).slice(0, 40), [220, 220, 220]);
    const rows = drawTileBoxes(annotator, targets, columns, i, x, y, tw, th, layout.scale, options.names);
    options.decorateTile?.(annotator, { index: i, x, y, width: tw, height: th, rows });
  }
  await saveImage(path, annotator.result(), layout.width, layout.height, { quality: 75 });
  return layout;
}

function drawTileBoxes(
  annotator: Annotator,
  targets: Float32Array | Float64Array,
  columns: number,
  image: number,
  x0: number,
  y0: number,
  tw: number,
  th: number,
  scale: number,
  names: readonly string[] | undefined,
): MosaicTile['rows'] {
  const rows: number[] = [];
  for (let r = 0; r < targets.length; r += columns) if (targets[r] === image) rows.push(r);
  if (rows.length === 0) return [];
  const xywh = new Float64Array(rows.length * 4);
  rows.forEach((r, k) => xywh.set(targets.subarray(r + 2, r + 6), k * 4));
  const boxes = xywh2xyxy(xywh);
  let max = -Infinity;
  for (const v of boxes) max = Math.max(max, v);
  const normalised = max <= 1.01;
  return rows.map((r, k) => {
    const cls = Math.trunc(targets[r + 1]!);
    const isPrediction = columns === 7;
    const conf = isPrediction ? targets[r + 6]! : 1;
    if (isPrediction && !(conf > MOSAIC_CONF_THRESHOLD)) return { cls, drawn: false };
    const box = [0, 1, 2, 3].map((j) => {
      const v = boxes[k * 4 + j]!;
      const size = j % 2 === 0 ? tw : th;
      const scaled = normalised ? v * size : scale < 1 ? v * scale : v;
      return scaled + (j % 2 === 0 ? x0 : y0);
    });
    const name = className(names, cls);
    annotator.boxLabel(box, isPrediction ? `${name} ${formatFixed(conf, 1)}` : name, classColor(cls));
    return { cls, drawn: true };
  });
}

/** Lays the CHW images into one HWC mosaic (white where a grid cell has no image), resized to the layout. */
async function buildMosaic(images: Uint8Array | Float32Array, n: number, h: number, w: number, layout: MosaicLayout): Promise<Uint8Array> {
  const ns = layout.gridSize;
  const fullW = w * ns, fullH = h * ns;
  const mosaic = new Uint8Array(fullW * fullH * 3).fill(255);
  let gain = 1;
  if (images instanceof Float32Array) {
    let max = -Infinity;
    for (let k = 0; k < 3 * h * w; k++) max = Math.max(max, images[k]!);
    gain = max <= 1 ? 255 : 1;
  }
  const plane = h * w;
  for (let i = 0; i < Math.min(n, layout.tiles); i++) {
    const ox = w * Math.floor(i / ns), oy = h * (i % ns);
    const base = i * 3 * plane;
    for (let yy = 0; yy < h; yy++) {
      for (let xx = 0; xx < w; xx++) {
        const o = ((oy + yy) * fullW + ox + xx) * 3;
        const p = base + yy * w + xx;
        mosaic[o] = Math.round(images[p]! * gain);
        mosaic[o + 1] = Math.round(images[p + plane]! * gain);
        mosaic[o + 2] = Math.round(images[p + 2 * plane]! * gain);
      }
    }
  }
  if (layout.width === fullW && layout.height === fullH) return mosaic;
  const resized = await sharp(mosaic, { raw: { width: fullW, height: fullH, channels: 3 } })
    .resize(layout.width, layout.height, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  return new Uint8Array(resized.buffer, resized.byteOffset, resized.byteLength);
}
