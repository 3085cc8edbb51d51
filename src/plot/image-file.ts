// Writing RGB pixel buffers and canvases to .jpg/.png files.
import { dirname, extname } from 'node:path';
import sharp from 'sharp';
import type { Canvas } from '@napi-rs/canvas';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';

type ImageFormat = 'jpeg' | 'png';

function formatFromPath(path: string): ImageFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return 'jpeg';
  if (ext === '.png') return 'png';
  throw new Error(`Cannot save image ${path}: extension must be .jpg, .jpeg or .png`);
}

export interface SaveImageOptions {
  /** JPEG quality 1..100 (default 95, like cv2.imwrite). */
  quality?: number;
}

/** Saves an RGB HWC uint8 image; the format follows the file extension (.jpg/.jpeg/.png). */
export async function saveImage(
  path: string,
  rgb: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
  options: SaveImageOptions = {},
): Promise<void> {
  const format = formatFromPath(path);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`Cannot save image ${path}: bad size ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new Error(`Cannot save image ${path}: ${rgb.length} bytes is not ${width}x${height}x3 RGB`);
  }
  makeDirs(dirname(path));
  const pixels = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  const image = sharp(pixels, { raw: { width, height, channels: 3 } });
  const encoded = format === 'jpeg' ? image.jpeg({ quality: options.quality ?? 95 }) : image.png();
  writeFileAtomic(path, await encoded.toBuffer());
}

/** Saves a canvas (opaque plots) by extension. */
export async function saveCanvas(canvas: Canvas, path: string, options: SaveImageOptions = {}): Promise<void> {
  const format = formatFromPath(path);
  makeDirs(dirname(path));
  const ctx = canvas.getContext('2d');
  const rgba = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  const pixels = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  const image = sharp(pixels, { raw: { width: canvas.width, height: canvas.height, channels: 4 } }).removeAlpha();
  const encoded = format === 'jpeg' ? image.jpeg({ quality: options.quality ?? 95 }) : image.png();
  writeFileAtomic(path, await encoded.toBuffer());
}
