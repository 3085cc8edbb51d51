// What a Node user may hand to detector.detect(): a file path, encoded bytes (Buffer), a sharp instance, or raw
// pixels { data, width, height } (RGB, RGBA or grey) → RGB pixels. Uses sharp, never the native engine.
import type { Sharp } from 'sharp';
import type { RgbImage } from '../data/image-buffer.ts';
import { decodeImage, decodeImageBytes } from '../data/image-decode.ts';

/** Decoded pixels given directly. */
export interface RawImage {
  /** Interleaved pixels, row-major: width·height·channels bytes. */
  data: Uint8Array | Uint8ClampedArray;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** 3 (RGB, the default), 4 (RGBA: alpha ignored) or 1 (grey). */
  channels?: 1 | 3 | 4;
}

/** What a NodeDetector takes: a file path, an encoded image (JPEG, PNG, …), a sharp instance or raw pixels. */
export type NodeImageInput = string | Uint8Array | Sharp | RawImage;

function isSharp(x: unknown): x is Sharp {
  return typeof x === 'object' && x !== null && typeof (x as Sharp).raw === 'function' && typeof (x as Sharp).toBuffer === 'function';
}

/** Raw pixels → RGB, checking that the buffer matches the stated size. */
export function rawToRgb(im: RawImage, what = 'raw image'): RgbImage {
  const { width, height } = im;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${what}: width and height must be positive integers, got ${width}×${height}`);
  }
  const channels = im.channels ?? 3;
  if (![1, 3, 4].includes(channels)) throw new Error(`${what}: channels must be 1, 3 or 4, got ${channels}`);
  if (im.data.length !== width * height * channels) {
    throw new Error(`${what}: ${im.data.length} bytes do not match ${width}×${height}×${channels}`);
  }
  if (channels === 3) return { data: new Uint8Array(im.data.buffer, im.data.byteOffset, im.data.length), width, height };
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += channels, j += 3) {
    data[j] = im.data[i]!;
    data[j + 1] = im.data[channels === 1 ? i : i + 1]!;
    data[j + 2] = im.data[channels === 1 ? i : i + 2]!;
  }
  return { data, width, height };
}

/** Decodes any NodeImageInput to RGB (EXIF orientation applied for files, bytes and sharp pipelines). */
export async function toRgbImage(input: NodeImageInput): Promise<RgbImage> {
  if (typeof input === 'string') return decodeImage(input);
  if (input instanceof Uint8Array) return decodeImageBytes(input);
  if (isSharp(input)) {
    const { data, info } = await input.clone().autoOrient().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return rawToRgb({ data, width: info.width, height: info.height, channels: info.channels as 3 }, 'sharp image');
  }
  if (typeof input === 'object' && input !== null && 'data' in input && 'width' in input) return rawToRgb(input);
  throw new Error(`detect() takes a file path, a Buffer of encoded image bytes, a sharp instance or { data, width, height }; got ${Object.prototype.toString.call(input)}`);
}
