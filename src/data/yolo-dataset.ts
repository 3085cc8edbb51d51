// YOLOv5's LoadImagesAndLabels: one training/validation sample per call, with mosaic, MixUp, random
// perspective, HSV and flips when augmenting, or a plain letterbox (to the rect batch shape) when not.
import { xyxy2xywhn } from '../geometry/boxes.ts';
import { mixup } from './augment/mixup.ts';
import { loadMosaic, type LoadedImage, type MosaicSource } from './augment/mosaic.ts';
import { augmentHsv } from './augment/augment-hsv.ts';
import { flipImageLeftRight, flipImageUpDown, flipLabelsLeftRight, flipLabelsUpDown } from './augment/flip.ts';
import { randomPerspective } from './augment/random-perspective.ts';
import { resolveHyp, type AugmentationHyp } from './hyp.ts';
import { assertRgbImage, type RgbImage } from './image-buffer.ts';
import { checkCacheRam, hasImageNpy, npyPathOf, readImageNpy, resizedSize, writeImageNpy, type RamCacheCheck } from './image-cache.ts';
import { letterbox } from './letterbox.ts';
import { pixelBackend, type PixelOps } from './pixel-backend.ts';
import { computeRectBatches } from './rect-batches.ts';
import type { SeededRandom } from './seeded-random.ts';

/** The parts of a DatasetIndex (src/data/dataset-index.ts) the dataset needs. */
export interface LabelledImages {
  imFiles: string[];
  /** Per image n×5 (cls, cx, cy, w, h), normalised. */
  labels: Float32Array[];
  /** Per image original [w, h]. */
  shapes: Array<[number, number]>;
}

export interface YoloDatasetOptions {
  /** Target size of the long side / the square training shape (default 640). */
  imgSize?: number;
  /** Only used to form rect batches (default 16). */
  batchSize?: number;
  augment?: boolean;
  hyp?: Partial<AugmentationHyp>;
  /** Rectangular batches (sorts the images by aspect ratio; disables mosaic). */
  rect?: boolean;
  stride?: number;
  /** Extra stride fraction added to rect shapes (YOLOv5 val uses 0.5). */
  pad?: number;
  /**
   * 'ram': keep resized images in memory after the first load; 'disk': read each image from the `.npy` beside it
   * (written by cacheImagesToDisk(), YOLOv5's format) instead of decoding it.
   */
  cache?: ImageCacheMode;
  /** Map every class to 0. */
  singleCls?: boolean;
  /** Custom image reader (default: decodeImage from image-decode.ts). Not transferable to loader workers. */
  readImage?: (path: string) => Promise<RgbImage>;
  /** Pixel operations (default: pixelBackend(), OpenCV when built). Loader workers pick their own. */
  pixels?: PixelOps;
}

export type ImageCacheMode = 'ram' | 'disk';

/** How a validation image maps back to its original: YOLOv5's ((h0, w0), ((h/h0, w/w0), (dw, dh))). */
export interface ItemShapes {
  /** Original [h0, w0]. */
  original: [number, number];
  /** load_image's resize gains [h/h0, w/w0]. */
  ratio: [number, number];
  /** Letterbox padding [dw, dh]. */
  pad: [number, number];
}

export interface DatasetItem {
  /** 3×height×width RGB bytes (planar). */
  image: Uint8Array;
  height: number;
  width: number;
  /** n×5 (cls, cx, cy, w, h) normalised to the output image. */
  labels: Float32Array;
  /** null for mosaic samples, as in YOLOv5. */
  shapes: ItemShapes | null;
  path: string;
  /** Position of the sample in this dataset (after rect sorting). */
  index: number;
}

/** A resized image held in the RAM cache; its bytes may live in a SharedArrayBuffer to share with workers. */
export interface CachedImage {
  data: Uint8Array;
  width: number;
  height: number;
  h0: number;
  w0: number;
}

export class YoloDataset implements MosaicSource {
  readonly imFiles: string[];
  readonly labels: Float32Array[];
  /** Original [w, h] per image (in dataset order). */
  readonly shapes: Array<[number, number]>;
  readonly imgSize: number;
  readonly augment: boolean;
  readonly rect: boolean;
  readonly mosaic: boolean;
  readonly stride: number;
  readonly pad: number;
  readonly hyp: AugmentationHyp;
  /** The image cache in use (undefined once dropRamCache() turned a RAM cache off). */
  cache: ImageCacheMode | undefined;
  /** Rect mode: batch index of each image and [h, w] shape of each batch. */
  readonly batchIndex: Int32Array | undefined;
  readonly batchShapes: Array<[number, number]> | undefined;
  readonly pixels: PixelOps;
  private readonly readImage: (path: string) => Promise<RgbImage>;
  private readonly ims: Array<CachedImage | undefined>;

  constructor(source: LabelledImages, opts: YoloDatasetOptions = {}) {
    const n = source.imFiles.length;
    if (n === 0) throw new Error('YoloDataset: no images');
    if (source.labels.length !== n || source.shapes.length !== n) {
      throw new Error(`YoloDataset: ${n} images but ${source.labels.length} label sets and ${source.shapes.length} shapes`);
    }
    source.labels.forEach((l, i) => {
      if (l.length % 5 !== 0) throw new Error(`YoloDataset: labels of ${source.imFiles[i]} are not n×5 (${l.length} values)`);
    });
    this.imgSize = opts.imgSize ?? 640;
    this.stride = opts.stride ?? 32;
    this.pad = opts.pad ?? 0;
    this.augment = opts.augment ?? false;
    this.rect = opts.rect ?? false;
    this.mosaic = this.augment && !this.rect;
    this.hyp = resolveHyp(opts.hyp);
    this.cache = opts.cache;
    this.readImage = opts.readImage ?? decodeWithSharedDecoder;
    this.pixels = opts.pixels ?? pixelBackend();
    if (!Number.isInteger(this.imgSize) || this.imgSize < this.stride) {
      throw new Error(`YoloDataset: imgSize ${this.imgSize} must be an integer ≥ stride ${this.stride}`);
    }

    let order = Array.from({ length: n }, (_, i) => i);
    if (this.rect) {
      const rb = computeRectBatches(source.shapes, opts.batchSize ?? 16, this.imgSize, this.stride, this.pad);
      order = rb.order;
      this.batchIndex = rb.batchIndex;
      this.batchShapes = rb.batchShapes;
    }
    this.imFiles = order.map((i) => source.imFiles[i]!);
    this.shapes = order.map((i) => [source.shapes[i]![0], source.shapes[i]![1]] as [number, number]);
    this.labels = order.map((i) => {
      const l = source.labels[i]!;
      if (!opts.singleCls) return l;
      const c = l.slice();
      for (let r = 0; r < c.length; r += 5) c[r] = 0;
      return c;
    });
    this.ims = new Array(n).fill(undefined);
  }

  get size(): number {
    return this.imFiles.length;
  }

  labelsOf(index: number): Float32Array {
    return this.labels[index]!;
  }

  /** load_image(i): the image with its long side resized to imgSize (INTER_AREA only when shrinking without augmentation). */
  async loadImage(index: number): Promise<LoadedImage> {
    const cached = this.ims[index];
    if (cached) return { image: { data: cached.data, width: cached.width, height: cached.height }, h0: cached.h0, w0: cached.w0 };
    const loaded = await this.readAndResize(index);
    if (this.cache === 'ram') this.ims[index] = { ...loaded.image, h0: loaded.h0, w0: loaded.w0 };
    return loaded;
  }

  /** The image at its original size: the disk cache's `.npy` when there is one, else the decoded file. */
  private async readOriginal(index: number): Promise<RgbImage> {
    const path = this.imFiles[index]!;
    if (this.cache === 'disk' && hasImageNpy(path)) {
      const im = readImageNpy(npyPathOf(path), path);
      this.pixels.swapRedBlue(im); // stored BGR, as YOLOv5 writes it
      return im;
    }
    let im: RgbImage;
    try {
      im = await this.readImage(path);
      assertRgbImage(im, path);
    } catch (e) {
      const reason = (e as Error).message;
      throw new Error(reason.includes(path) ? `Image Not Found or unreadable: ${reason}` : `Image Not Found or unreadable ${path}: ${reason}`);
    }
    return im;
  }

  private async readAndResize(index: number): Promise<LoadedImage> {
    let im = await this.readOriginal(index);
    const h0 = im.height;
    const w0 = im.width;
    const r = this.imgSize / Math.max(h0, w0);
    if (r !== 1) {
      const interp = this.augment || r > 1 ? 'linear' : 'area';
      // v7.0 truncates (int(w0·r)); a 1-pixel floor keeps extreme aspect ratios from vanishing.
      const [w, h] = resizedSize(w0, h0, this.imgSize);
      im = this.pixels.resize(im, w, h, interp);
    }
    return { image: im, h0, w0 };
  }

  /** check_cache_ram: whether the RAM cache of this dataset fits in available memory (10 % margin). */
  checkCacheRam(availableBytes?: number): RamCacheCheck {
    return checkCacheRam(this.shapes, this.imgSize, availableBytes);
  }

  /** Turns the RAM cache off (YOLOv5 does when check_cache_ram fails); images are then decoded on every load. */
  dropRamCache(): void {
    if (this.cache !== 'ram') return;
    this.cache = undefined;
    this.ims.fill(undefined);
  }

  /**
   * cache_images_to_disk: writes the `.npy` of every image that has none (decoded at its original size, BGR, as
   * YOLOv5 writes them); returns the bytes of image data the cache holds.
   */
  async cacheImagesToDisk(): Promise<number> {
    let bytes = 0;
    for (let i = 0; i < this.size; i++) {
      const path = this.imFiles[i]!;
      const [w, h] = this.shapes[i]!;
      if (!hasImageNpy(path)) {
        const decoded = await this.readOriginal(i);
        const im = { ...decoded, data: decoded.data.slice() }; // a custom readImage may hand out a buffer it keeps
        this.pixels.swapRedBlue(im);
        writeImageNpy(npyPathOf(path), im);
        bytes += im.data.length;
      } else {
        bytes += w * h * 3;
      }
    }
    return bytes;
  }

  /** Fills the RAM cache (all images), optionally in SharedArrayBuffers so loader workers can read them without copies. */
  async cacheImages(opts: { shared?: boolean; concurrency?: number } = {}): Promise<void> {
    const concurrency = opts.concurrency ?? 4;
    let next = 0;
    const work = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= this.size) return;
        if (this.ims[i]) continue;
        const { image, h0, w0 } = await this.readAndResize(i);
        let data = image.data;
        if (opts.shared) {
          data = new Uint8Array(new SharedArrayBuffer(image.data.length));
          data.set(image.data);
        }
        this.ims[i] = { data, width: image.width, height: image.height, h0, w0 };
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, this.size) }, work));
  }

  /** The RAM cache (undefined where not loaded yet). */
  cachedImages(): ReadonlyArray<CachedImage | undefined> {
    return this.ims;
  }

  /** Adopts a cache filled elsewhere (e.g. shared from the main thread), in dataset order. */
  adoptCache(images: ReadonlyArray<CachedImage | undefined>): void {
    if (images.length !== this.size) throw new Error(`adoptCache: ${images.length} images for a dataset of ${this.size}`);
    images.forEach((im, i) => {
      if (im) this.ims[i] = im;
    });
  }

  /**
   * __getitem__(index): one sample, using `rng` for every random decision. `mosaicPool` (--image-weights'
   * `dataset.indices`): the images mosaic partners are drawn from, instead of all.
   */
  async getItem(index: number, rng: SeededRandom, mosaicPool?: ArrayLike<number>): Promise<DatasetItem> {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) {
      throw new Error(`YoloDataset: index ${index} out of range 0…${this.size - 1}`);
    }
    const hyp = this.hyp;
    let img: RgbImage;
    let pixelLabels: Float32Array; // n×5 (cls, x1, y1, x2, y2)
    let shapes: ItemShapes | null = null;

    if (this.mosaic && rng.random() < hyp.mosaic) {
      const first = await loadMosaic(this, index, hyp, rng, this.pixels, mosaicPool);
      img = first.image;
      pixelLabels = first.targets;
      if (rng.random() < hyp.mixup) {
        const second = await loadMosaic(this, rng.randint(0, this.size - 1), hyp, rng, this.pixels);
        const mixed = mixup(img, pixelLabels, second.image, second.targets, rng);
        img = mixed.image;
        pixelLabels = mixed.labels;
      }
    } else {
      const { image, h0, w0 } = await this.loadImage(index);
      const h = image.height;
      const w = image.width;
      const shape = this.rect ? this.batchShapes![this.batchIndex![index]!]! : this.imgSize;
      const lb = letterbox(image, shape, { auto: false, scaleup: this.augment, resize: this.pixels.resize });
      img = lb.image;
      shapes = { original: [h0, w0], ratio: [h / h0, w / w0], pad: lb.pad };
      const labels = this.labels[index]!;
      pixelLabels = new Float32Array(labels.length);
      const gw = lb.ratio[0] * w;
      const gh = lb.ratio[1] * h;
      for (let r = 0; r < labels.length; r += 5) {
        const [cx, cy, bw, bh] = [labels[r + 1]!, labels[r + 2]!, labels[r + 3]!, labels[r + 4]!];
        pixelLabels[r] = labels[r]!;
        pixelLabels[r + 1] = gw * (cx - bw / 2) + lb.pad[0];
        pixelLabels[r + 2] = gh * (cy - bh / 2) + lb.pad[1];
        pixelLabels[r + 3] = gw * (cx + bw / 2) + lb.pad[0];
        pixelLabels[r + 4] = gh * (cy + bh / 2) + lb.pad[1];
      }
      if (this.augment) {
        const warped = randomPerspective(img, pixelLabels, hyp, rng, [0, 0], this.pixels);
        img = warped.image;
        pixelLabels = warped.targets;
      }
    }

    const labels = toNormalisedXywh(pixelLabels, img.width, img.height);

    if (this.augment) {
      // img is always a fresh buffer here (letterbox and mosaic allocate), so in-place edits never reach the cache.
      augmentHsv(img, hyp.hsv_h, hyp.hsv_s, hyp.hsv_v, rng, this.pixels.applyHsvGains);
      if (rng.random() < hyp.flipud) {
        flipImageUpDown(img);
        flipLabelsUpDown(labels);
      }
      if (rng.random() < hyp.fliplr) {
        flipImageLeftRight(img);
        flipLabelsLeftRight(labels);
      }
    }

    return {
      image: this.pixels.hwcToChw(img),
      height: img.height,
      width: img.width,
      labels,
      shapes,
      path: this.imFiles[index]!,
      index,
    };
  }
}

/** The project's decoder (image-decode.ts), loaded on first use so custom readers work without it. */
async function decodeWithSharedDecoder(path: string): Promise<RgbImage> {
  const { decodeImage } = await import('./image-decode.ts');
  return decodeImage(path);
}

/** xyxy2xywhn(clip=True, eps=1e-3) on n×5 (cls, x1, y1, x2, y2) rows. */
function toNormalisedXywh(pixelLabels: Float32Array, w: number, h: number): Float32Array {
  const n = pixelLabels.length / 5;
  const boxes = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) boxes[i * 4 + k] = pixelLabels[i * 5 + 1 + k]!;
  const xywhn = xyxy2xywhn(boxes, w, h, true, 1e-3);
  const out = new Float32Array(n * 5);
  for (let i = 0; i < n; i++) {
    out[i * 5] = pixelLabels[i * 5]!;
    for (let k = 0; k < 4; k++) out[i * 5 + 1 + k] = xywhn[i * 4 + k]!;
  }
  return out;
}
