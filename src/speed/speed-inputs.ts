// The batches `tsyolo speed` times: synthetic pixels at the model's input size, or the --source images letterboxed
// to it. Either way they are prepared once, before timing: val.py's loader letterboxes and decodes in its workers,
// outside the three stages its "Speed:" line reports.
import { hwcToChw } from '../data/image-buffer.ts';
import { listImageFiles } from '../data/image-files.ts';
import { letterbox } from '../data/letterbox.ts';
import { toRgbImage } from '../deploy/node-image-input.ts';

/** A (N, 3, H, W) uint8 batch and what it holds. */
export interface SpeedBatch {
  /** Pixels, planar RGB per image. */
  input: Uint8Array;
  /** [N, 3, H, W]. */
  shape: [number, number, number, number];
  /** How the pixels were made, for the output ('synthetic noise' or the source). */
  content: string;
}

/** Uniform noise pixels from a fixed seed (xorshift32): the same batch on every run and every machine. */
export function syntheticBatch(batch: number, height: number, width: number, channels = 3, seed = 0x9e3779b9): SpeedBatch {
  const input = new Uint8Array(batch * channels * height * width);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < input.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    input[i] = x & 0xff;
  }
  return { input, shape: [batch, channels, height, width], content: 'synthetic (uniform noise pixels, fixed seed)' };
}

/** Decoded --source images, letterboxed to a square or [h, w] once; batchFrom() fills any batch size from them. */
export class SourceImages {
  readonly files: string[];
  readonly #chw: Map<string, Uint8Array> = new Map();
  readonly #decoded: Map<string, Awaited<ReturnType<typeof toRgbImage>>> = new Map();

  private constructor(files: string[]) {
    this.files = files;
  }

  /** The images `source` names (a folder, file, glob or .txt list); none found is an Error naming the flag. */
  static async load(source: string, flag = '--source'): Promise<SourceImages> {
    let files: string[];
    try {
      files = listImageFiles([source]);
    } catch (e) {
      throw new Error(`${flag} ${source}: ${(e as Error).message}`);
    }
    if (files.length === 0) throw new Error(`${flag} ${source}: no images found (formats: jpg, png, bmp, tif, webp, …)`);
    const images = new SourceImages(files);
    for (const f of files.slice(0, 64)) images.#decoded.set(f, await toRgbImage(f));
    return images;
  }

  /** A batch of `batch` images (repeating the list when it is shorter) letterboxed to exactly height × width. */
  batchFrom(batch: number, height: number, width: number): SpeedBatch {
    const used = [...this.#decoded.keys()];
    const plane = 3 * height * width;
    const input = new Uint8Array(batch * plane);
    for (let b = 0; b < batch; b++) {
      const file = used[b % used.length]!;
      const key = `${file}\0${height}x${width}`;
      let chw = this.#chw.get(key);
      if (!chw) {
        chw = hwcToChw(letterbox(this.#decoded.get(file)!, [height, width], { auto: false }).image);
        this.#chw.set(key, chw);
      }
      input.set(chw, b * plane);
    }
    const n = Math.min(batch, used.length);
    return { input, shape: [batch, 3, height, width], content: `${n} source image${n === 1 ? '' : 's'} letterboxed to ${height}×${width}${used.length < batch ? ', repeated to fill the batch' : ''}` };
  }
}
