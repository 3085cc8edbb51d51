// Image decoding for datasets: OpenCV's imdecode for JPEG and PNG when the image addon is built (cv2.imread's
// decoder, so YOLOv5's pixels, without leaving the calling thread), else sharp (libvips) for JPEG/PNG/WebP/TIFF;
// our own decoder for BMP, which libvips lacks. Files are read into memory first so that libvips never serves a stale cached copy of a path that
// changed on disk, and so that empty files get a clear message.
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isMainThread } from 'node:worker_threads';
import sharp, { type Metadata } from 'sharp';
import { decodeBmp, isBmp, parseBmpHeader } from './bmp-decode.ts';
import { pixelBackend } from './pixel-backend.ts';

/** Decoded image: height·width·3 bytes, HWC, RGB, EXIF orientation applied. */
export interface DecodedImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface ImageProbe {
  /** Displayed size, i.e. after the EXIF orientation is applied. */
  width: number;
  height: number;
  /** Container format by content: jpeg, png, webp, tiff or bmp. */
  format: string;
  /** Set when the file needed leniency, e.g. a JPEG without its end-of-image marker. */
  warning?: string;
}

/** An unreadable image: `file` is the path, `reason` the problem alone (the message joins both). */
export class ImageReadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'ImageReadError';
  }
}

/** Formats (by content) that YOLOv5's IMG_FORMATS admits and this decoder handles. */
const DECODABLE_FORMATS = new Set(['jpeg', 'png', 'webp', 'tiff', 'bmp']);

/** EXIF orientations 5–8 rotate by ±90°, so width and height swap. */
function swapsAxes(orientation: number | undefined): boolean {
  return orientation !== undefined && orientation >= 5 && orientation <= 8;
}

function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

function endsWithJpegEoi(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 2 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
}

/** PNG files end with the 12-byte IEND chunk; anything else was cut short or has trailing junk. */
function endsWithPngIend(bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (n < 12) return false;
  const tag = String.fromCharCode(bytes[n - 8]!, bytes[n - 7]!, bytes[n - 6]!, bytes[n - 5]!);
  return tag === 'IEND';
}

/**
 * A JPEG whose only fault is a missing end-of-image marker decodes once the marker is appended (YOLOv5 "restores"
 * such files by re-saving them; we never rewrite user data, we patch the bytes in memory). A JPEG cut short
 * inside its scan data still fails, with libjpeg's "premature end of data segment".
 */
function withJpegEoi(bytes: Uint8Array): Uint8Array {
  if (!isJpeg(bytes) || endsWithJpegEoi(bytes)) return bytes;
  const patched = new Uint8Array(bytes.length + 2);
  patched.set(bytes);
  patched[bytes.length] = 0xff;
  patched[bytes.length + 1] = 0xd9;
  return patched;
}

function libvipsReason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  // libvips repeats its warnings; the first line says what is wrong.
  // libpng prints its details itself, leaving "Input buffer has corrupt header:" with nothing after the colon.
  return text.split('\n')[0]!.trim().replace(/:$/, '');
}

async function readImageBytes(path: string): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    // A worker thread (the data loader's) reads synchronously: blocking is its job, and a small file read through
    // libuv's thread pool costs more in hand-offs than in reading when the cores are busy.
    bytes = isMainThread ? await readFile(path) : readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ImageReadError(path, code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(e)})`);
  }
  if (bytes.length === 0) throw new ImageReadError(path, 'empty file (0 bytes)');
  return bytes;
}

async function decodeWithSharp(path: string, bytes: Uint8Array): Promise<DecodedImage> {
  try {
    const { data, info } = await sharp(withJpegEoi(bytes))
      .autoOrient()
      .removeAlpha()
      .toColourspace('srgb') // greyscale, CMYK and 16-bit inputs all become 8-bit RGB
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels instead of 3`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (e) {
    throw new ImageReadError(path, `cannot decode image: ${libvipsReason(e)}`);
  }
}

/** Decodes an image file to HWC RGB uint8 with its EXIF orientation applied. */
export async function decodeImage(path: string): Promise<DecodedImage> {
  return decodeImageBytes(await readImageBytes(path), path);
}

/** Decodes encoded image bytes (JPEG, PNG, WebP, TIFF, BMP) like decodeImage; `name` labels errors. */
export async function decodeImageBytes(bytes: Uint8Array, name = 'image buffer'): Promise<DecodedImage> {
  if (bytes.length === 0) throw new ImageReadError(name, 'empty buffer (0 bytes)');
  if (isBmp(bytes)) {
    try {
      return decodeBmp(bytes, 'BMP');
    } catch (e) {
      throw new ImageReadError(name, (e as Error).message);
    }
  }
  // libjpeg under OpenCV decodes a truncated JPEG to a grey-filled image with only a warning on stderr, so
  // OpenCV gets complete JPEGs only (ending in the end-of-image marker, which entropy-coded data cannot contain);
  // sharp reports the others (or reads them, when the marker alone is missing).
  if ((isJpeg(bytes) && endsWithJpegEoi(bytes)) || isPng(bytes)) {
    const decoded = pixelBackend().decode?.(bytes);
    if (decoded) return decoded;
  }
  return decodeWithSharp(name, bytes);
}

/**
 * Reads the image header: displayed size (EXIF-rotated) and format. JPEGs without an end marker and PNGs
 * without an IEND chunk are decoded in full to tell a truncated file from a merely sloppy one.
 * Throws ImageReadError for empty, truncated, unknown-format or undecodable files.
 */
export async function probeImage(path: string): Promise<ImageProbe> {
  const bytes = await readImageBytes(path);
  if (isBmp(bytes)) {
    try {
      const h = parseBmpHeader(bytes, 'BMP');
      return { width: h.width, height: h.height, format: 'bmp' };
    } catch (e) {
      throw new ImageReadError(path, (e as Error).message);
    }
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes).metadata();
  } catch (e) {
    throw new ImageReadError(path, `not a readable image: ${libvipsReason(e)}`);
  }
  const format = meta.format ?? 'unknown';
  if (!DECODABLE_FORMATS.has(format)) throw new ImageReadError(path, `invalid image format ${format}`);
  if (!meta.width || !meta.height) throw new ImageReadError(path, 'image header has no size');

  let warning: string | undefined;
  const jpegWithoutEoi = format === 'jpeg' && !endsWithJpegEoi(bytes);
  const pngWithoutIend = format === 'png' && !endsWithPngIend(bytes);
  if (jpegWithoutEoi || pngWithoutIend) {
    await decodeWithSharp(path, bytes); // throws for a truncated file
    warning = jpegWithoutEoi ? 'JPEG has no end-of-image marker (decoded anyway)' : 'PNG has data after its IEND chunk';
  }
  const swap = swapsAxes(meta.orientation);
  const probe: ImageProbe = { width: swap ? meta.height : meta.width, height: swap ? meta.width : meta.height, format };
  if (warning) probe.warning = warning;
  return probe;
}
