// YOLOv5 v7.0's LoadImagesAndLabelsAndMasks (utils/segment/dataloaders.py): YoloDataset's images and boxes with each
// box's polygon carried through the same augmentations — mosaic (4 tiles, points offset and clipped to the 2s
// canvas; unlike detection's load_mosaic, no shuffle of the 4 indices), copy_paste (hyp copy_paste: mirrored
// polygons pasted where they cover < 30 % of any label), random_perspective on segments (each resampled to 1000
// points, warped, its box taken from the points inside the image), MixUp (segments concatenated), flips — and the
// item's masks rasterised at 1/downsample_ratio of the image (polygons2masks, or with overlap one index mask with the
// labels re-ordered by mask area, largest first).
import { createImage, PAD_VALUE, pasteRegion, type RgbImage } from './image-buffer.ts';
import { letterbox } from './letterbox.ts';
import { mixup } from './augment/mixup.ts';
import { mosaicTile } from './augment/mosaic.ts';
import { boxCandidates, randomPerspectiveMatrix, type PerspectiveParams } from './augment/random-perspective.ts';
import { augmentHsv } from './augment/augment-hsv.ts';
import { flipImageLeftRight, flipImageUpDown, flipLabelsLeftRight, flipLabelsUpDown } from './augment/flip.ts';
import { fillPoly, polygons2masks, polygons2masksOverlap } from './polygon-masks.ts';
import { bboxIoa, resampleSegment, segment2box, xyn2xy } from './segments.ts';
import type { SeededRandom } from './seeded-random.ts';
import { type DatasetItem, type LabelledImages, YoloDataset, type YoloDatasetOptions } from './yolo-dataset.ts';
import { xyxy2xywhn } from '../geometry/boxes.ts';

/** LabelledImages with each label row's polygon (flat normalised x y pairs), in row order. */
export interface SegmentedImages extends LabelledImages {
  /** Per image, one polygon per label row. */
  segments: Float32Array[][];
}

/** How the loader makes masks (segment/train.py's --mask-ratio and --no-overlap). */
export interface MaskOptions {
  /** Masks at 1/downsampleRatio of the image (v7.0's mask_ratio, default 4). */
  downsampleRatio: number;
  /** One index mask per image instead of one mask per label (v7.0's overlap_mask, default true). */
  overlap: boolean;
}

/** A segmentation sample: DatasetItem plus its masks. */
export interface SegmentItem extends DatasetItem {
  /** (n, h/r, w/r) masks: n = 1 with overlap (values 0…labels), else one 0/1 mask per label row. */
  masks: Uint8Array | Int32Array;
  /** [n, h/r, w/r]. */
  maskShape: [number, number, number];
}

/** An image with pixel boxes (cls, x1, y1, x2, y2) and their polygons (flat pixel x y pairs), row for row. */
export interface AnnotatedImage {
  /** HWC RGB pixels. */
  image: RgbImage;
  /** (cls, x1, y1, x2, y2) per label. */
  boxes: number[][];
  /** One polygon per label, flat x y pixel pairs. */
  segments: Float64Array[];
}

/** LoadImagesAndLabelsAndMasks: a YoloDataset whose items carry masks. */
export class SegmentDataset extends YoloDataset {
  /** Per image, one polygon per label row (normalised). */
  readonly segments: Float32Array[][];
  /** Mask resolution and layout. */
  readonly maskOptions: MaskOptions;

  constructor(source: SegmentedImages, opts: YoloDatasetOptions & { masks: MaskOptions }) {
    super(source, opts);
    if (!source.segments || source.segments.length !== source.imFiles.length) {
      throw new Error(`SegmentDataset: ${source.imFiles.length} images but ${source.segments?.length ?? 0} segment lists (segment training needs polygon labels)`);
    }
    source.segments.forEach((s, i) => {
      if (s.length * 5 !== source.labels[i]!.length) throw new Error(`SegmentDataset: ${source.imFiles[i]} has ${source.labels[i]!.length / 5} labels but ${s.length} polygons`);
    });
    const r = opts.masks.downsampleRatio;
    if (!Number.isInteger(r) || r < 1) throw new Error(`SegmentDataset: mask downsample ratio must be an integer ≥ 1, got ${r}`);
    this.maskOptions = opts.masks;
    // The same order as the images and labels (rect sorting).
    const byFile = new Map<string, Float32Array[]>();
    source.imFiles.forEach((f, i) => byFile.set(f, source.segments[i]!));
    this.segments = this.imFiles.map((f) => byFile.get(f)!);
  }

  /** An image's labels (pixels, tile offset) and polygons, as load_mosaic / __getitem__ place them. */
  private placed(index: number, w: number, h: number, padw: number, padh: number): { boxes: number[][]; segments: Float64Array[] } {
    const labels = this.labels[index]!;
    const boxes: number[][] = [];
    for (let r = 0; r < labels.length; r += 5) {
      const [cx, cy, bw, bh] = [labels[r + 1]!, labels[r + 2]!, labels[r + 3]!, labels[r + 4]!];
      boxes.push([labels[r]!, w * (cx - bw / 2) + padw, h * (cy - bh / 2) + padh, w * (cx + bw / 2) + padw, h * (cy + bh / 2) + padh]);
    }
    return { boxes, segments: this.segments[index]!.map((s) => xyn2xy(s, w, h, padw, padh)) };
  }

  /** load_mosaic with segments. */
  private async loadSegmentMosaic(index: number, rng: SeededRandom, pool?: ArrayLike<number>): Promise<AnnotatedImage> {
    const s = this.imgSize;
    const border = Math.floor(-s / 2);
    const yc = Math.trunc(rng.uniform(-border, 2 * s + border));
    const xc = Math.trunc(rng.uniform(-border, 2 * s + border));
    const indices = [index];
    for (let k = 0; k < 3; k++) indices.push(pool ? pool[rng.below(pool.length)]! : rng.below(this.size));
    const loaded = await Promise.all(indices.map((i) => this.loadImage(i)));
    const canvas = createImage(s * 2, s * 2, PAD_VALUE);
    const boxes: number[][] = [];
    const segments: Float64Array[] = [];
    for (let position = 0; position < 4; position++) {
      const { image } = loaded[position]!;
      const { canvas: a, tile: b } = mosaicTile(position, xc, yc, image.width, image.height, s);
      pasteRegion(canvas, a[0], a[1], image, b[0], b[1], a[2] - a[0], a[3] - a[1]);
      const p = this.placed(indices[position]!, image.width, image.height, a[0] - b[0], a[1] - b[1]);
      boxes.push(...p.boxes);
      segments.push(...p.segments);
    }
    const clip = (v: number) => Math.min(Math.max(v, 0), 2 * s);
    for (const b of boxes) for (let k = 1; k < 5; k++) b[k] = clip(b[k]!);
    for (const seg of segments) for (let k = 0; k < seg.length; k++) seg[k] = clip(seg[k]!);
    const pasted = copyPaste({ image: canvas, boxes, segments }, this.hyp.copy_paste, rng);
    return randomPerspectiveSegments(pasted, this.hyp, rng, [border, border], this.pixels);
  }

  /** __getitem__ with masks. */
  override async getItem(index: number, rng: SeededRandom, mosaicPool?: ArrayLike<number>): Promise<SegmentItem> {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw new Error(`SegmentDataset: index ${index} out of range 0…${this.size - 1}`);
    const hyp = this.hyp;
    let a: AnnotatedImage;
    let shapes: DatasetItem['shapes'] = null;
    if (this.mosaic && rng.random() < hyp.mosaic) {
      a = await this.loadSegmentMosaic(index, rng, mosaicPool);
      if (rng.random() < hyp.mixup) {
        const b = await this.loadSegmentMosaic(rng.randint(0, this.size - 1), rng);
        const mixed = mixup(a.image, new Float32Array(0), b.image, new Float32Array(0), rng);
        a = { image: mixed.image, boxes: [...a.boxes, ...b.boxes], segments: [...a.segments, ...b.segments] };
      }
    } else {
      const { image, h0, w0 } = await this.loadImage(index);
      const h = image.height;
      const w = image.width;
      const shape = this.rect ? this.batchShapes![this.batchIndex![index]!]! : this.imgSize;
      const lb = letterbox(image, shape, { auto: false, scaleup: this.augment, resize: this.pixels.resize });
      shapes = { original: [h0, w0], ratio: [h / h0, w / w0], pad: lb.pad };
      const p = this.placed(index, lb.ratio[0] * w, lb.ratio[1] * h, lb.pad[0], lb.pad[1]);
      a = { image: lb.image, ...p };
      if (this.augment) a = randomPerspectiveSegments(a, hyp, rng, [0, 0], this.pixels);
    }

    const img = a.image;
    const nl = a.boxes.length;
    const { downsampleRatio: ratio, overlap } = this.maskOptions;
    const mh = Math.floor(img.height / ratio);
    const mw = Math.floor(img.width / ratio);
    let boxes = a.boxes;
    let masks: Uint8Array | Int32Array;
    let maskShape: [number, number, number];
    if (nl && overlap) {
      const r = polygons2masksOverlap(img.height, img.width, a.segments, ratio);
      masks = r.mask;
      maskShape = [1, mh, mw];
      boxes = r.index.map((k) => boxes[k]!);
    } else if (nl) {
      masks = polygons2masks(img.height, img.width, a.segments, 1, ratio);
      maskShape = [nl, mh, mw];
    } else {
      maskShape = [overlap ? 1 : 0, mh, mw];
      masks = new Uint8Array(maskShape[0] * mh * mw);
    }
    const labels = toNormalisedXywh(boxes, img.width, img.height);

    if (this.augment) {
      augmentHsv(img, hyp.hsv_h, hyp.hsv_s, hyp.hsv_v, rng, this.pixels.applyHsvGains);
      if (rng.random() < hyp.flipud) {
        flipImageUpDown(img);
        if (nl) {
          flipLabelsUpDown(labels);
          flipMasks(masks, maskShape, 'ud');
        }
      }
      if (rng.random() < hyp.fliplr) {
        flipImageLeftRight(img);
        if (nl) {
          flipLabelsLeftRight(labels);
          flipMasks(masks, maskShape, 'lr');
        }
      }
    }
    return { image: this.pixels.hwcToChw(img), height: img.height, width: img.width, labels, shapes, path: this.imFiles[index]!, index, masks, maskShape };
  }
}

/** torch.flip of (n, h, w) masks along rows ('ud') or columns ('lr'), in place. */
function flipMasks(masks: Uint8Array | Int32Array, [n, h, w]: [number, number, number], dir: 'ud' | 'lr'): void {
  for (let k = 0; k < n; k++) {
    const o = k * h * w;
    if (dir === 'lr') {
      for (let y = 0; y < h; y++) masks.subarray(o + y * w, o + (y + 1) * w).reverse();
    } else {
      for (let y = 0; y < h >> 1; y++) {
        const a = masks.slice(o + y * w, o + (y + 1) * w);
        masks.copyWithin(o + y * w, o + (h - 1 - y) * w, o + (h - y) * w);
        masks.set(a, o + (h - 1 - y) * w);
      }
    }
  }
}

/** xyxy2xywhn(clip=True, eps=1e-3) on (cls, x1, y1, x2, y2) rows → n×5 float32. */
function toNormalisedXywh(boxes: number[][], w: number, h: number): Float32Array {
  const xyxy = new Float64Array(boxes.length * 4);
  boxes.forEach((b, i) => xyxy.set(b.slice(1, 5), i * 4));
  const xywhn = xyxy2xywhn(xyxy, w, h, true, 1e-3);
  const out = new Float32Array(boxes.length * 5);
  boxes.forEach((b, i) => {
    out[i * 5] = b[0]!;
    for (let k = 0; k < 4; k++) out[i * 5 + 1 + k] = xywhn[i * 4 + k]!;
  });
  return out;
}

/**
 * copy_paste (utils/augmentations.py): round(p·n) labels drawn without replacement; each one's left-right mirror is
 * added (box and polygon) when it covers < 30 % of every current label, and its pixels are pasted from the
 * mirrored image through its filled (int32) polygon.
 */
export function copyPaste(a: AnnotatedImage, p: number, rng: SeededRandom): AnnotatedImage {
  const n = a.segments.length;
  if (!p || !n) return a;
  // random.sample(range(n), k): a partial Fisher-Yates draw of k distinct indices.
  const k = Math.round(p * n);
  const pool = Array.from({ length: n }, (_, i) => i);
  const picks: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + rng.below(n - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
    picks.push(pool[i]!);
  }
  return copyPasteWith(a, picks);
}

/** copy_paste's work for given picks (label indices, in order): mirrored instances added and pasted. */
export function copyPasteWith(a: AnnotatedImage, picks: readonly number[]): AnnotatedImage {
  const { image } = a;
  const w = image.width;
  const h = image.height;
  const pasteMask = new Uint8Array(w * h);
  const boxes = [...a.boxes];
  const segments = [...a.segments];
  for (const j of picks) {
    const l = boxes[j]!;
    const s = segments[j]!;
    const box = [w - l[3]!, l[2]!, w - l[1]!, l[4]!];
    const ioa = bboxIoa(box, boxes.flatMap((b) => b.slice(1, 5)));
    if (ioa.every((v) => v < 0.3)) {
      boxes.push([l[0]!, ...box]);
      const mirrored = new Float64Array(s.length);
      for (let q = 0; q < s.length; q += 2) {
        mirrored[q] = w - s[q]!;
        mirrored[q + 1] = s[q + 1]!;
      }
      segments.push(mirrored);
      const xs = Int32Array.from({ length: s.length / 2 }, (_, q) => Math.trunc(s[2 * q]!));
      const ys = Int32Array.from({ length: s.length / 2 }, (_, q) => Math.trunc(s[2 * q + 1]!));
      fillPoly(pasteMask, w, h, xs, ys, 1);
    }
  }
  // im[flip(mask)] = flip(im)[flip(mask)]: pixel (x, y) marked at (w−1−x, y) takes the mirrored image's (x, y).
  const d = image.data;
  const out = d.slice();
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (!pasteMask[y * w + (w - 1 - x)]) continue;
      const dst = (y * w + x) * 3;
      const src = (y * w + (w - 1 - x)) * 3;
      out[dst] = d[src]!;
      out[dst + 1] = d[src + 1]!;
      out[dst + 2] = d[src + 2]!;
    }
  }
  return { image: { data: out, width: w, height: h }, boxes, segments };
}

/**
 * random_perspective with segments (utils/segment/augmentations.py): the image warped as detection's; each polygon
 * resampled to 1000 points and mapped through M; its new box the segment2box of the points inside the output;
 * box_candidates (area_thr 0.01) decides which labels stay.
 */
export function randomPerspectiveSegments(a: AnnotatedImage, p: PerspectiveParams, rng: SeededRandom, border: readonly [number, number], pixels: { warpAffine: (im: RgbImage, M: ArrayLike<number>, w: number, h: number, b: number) => RgbImage; warpPerspective: (im: RgbImage, M: ArrayLike<number>, w: number, h: number, b: number) => RgbImage }): AnnotatedImage {
  const im = a.image;
  const height = im.height + border[0] * 2;
  const width = im.width + border[1] * 2;
  const { M, scale } = randomPerspectiveMatrix(im.width, im.height, width, height, p, rng);
  const isIdentity = M.every((v, k) => v === (k % 4 === 0 ? 1 : 0));
  let image = im;
  if (border[0] !== 0 || border[1] !== 0 || !isIdentity) {
    image = p.perspective ? pixels.warpPerspective(im, M, width, height, PAD_VALUE) : pixels.warpAffine(im, M.subarray(0, 6), width, height, PAD_VALUE);
  }
  const n = a.boxes.length;
  if (!n) return { image, boxes: [], segments: [] };
  const after = new Float64Array(n * 4);
  const before = new Float64Array(n * 4);
  const warped: Float64Array[] = [];
  a.segments.forEach((seg, i) => {
    const xy = resampleSegment(seg);
    for (let q = 0; q < xy.length; q += 2) {
      const x = xy[q]!;
      const y = xy[q + 1]!;
      let X = M[0]! * x + M[1]! * y + M[2]!;
      let Y = M[3]! * x + M[4]! * y + M[5]!;
      if (p.perspective) {
        const W = M[6]! * x + M[7]! * y + M[8]!;
        X /= W;
        Y /= W;
      }
      xy[q] = X;
      xy[q + 1] = Y;
    }
    after.set(segment2box(xy, width, height), i * 4);
    for (let k = 0; k < 4; k++) before[i * 4 + k] = a.boxes[i]![1 + k]! * scale;
    warped.push(xy);
  });
  const keep = boxCandidates(before, after, 2, 100, 0.01);
  const boxes: number[][] = [];
  const segments: Float64Array[] = [];
  keep.forEach((k, i) => {
    if (!k) return;
    boxes.push([a.boxes[i]![0]!, ...after.subarray(i * 4, i * 4 + 4)]);
    segments.push(warped[i]!);
  });
  return { image, boxes, segments };
}
