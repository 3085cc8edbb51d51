// What a browser user may hand to detector.detect(): ImageData, an <img>, a <canvas>/OffscreenCanvas, an
// ImageBitmap, a <video> frame or an image Blob/File → RGB pixels, through a 2D canvas.
import type { RgbImage } from '../data/image-buffer.ts';

/** What the browser Detector takes: ImageData, an image, a canvas, an ImageBitmap, a video's current frame or an image Blob. */
export type WebImageInput = ImageData | HTMLImageElement | HTMLCanvasElement | OffscreenCanvas | ImageBitmap | HTMLVideoElement | Blob;

/** RGBA pixels (ImageData's layout) → RGB. */
export function rgbaToRgb(rgba: ArrayLike<number>, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgba[i]!;
    data[j + 1] = rgba[i + 1]!;
    data[j + 2] = rgba[i + 2]!;
  }
  return { data, width, height };
}

function sizeOf(source: Exclude<WebImageInput, ImageData | Blob>): [number, number] {
  if (typeof HTMLImageElement !== 'undefined' && source instanceof HTMLImageElement) return [source.naturalWidth, source.naturalHeight];
  if (typeof HTMLVideoElement !== 'undefined' && source instanceof HTMLVideoElement) return [source.videoWidth, source.videoHeight];
  return [source.width, source.height];
}

/** Pixels of any drawable source, read back from a canvas of its natural size. */
function drawablePixels(source: Exclude<WebImageInput, ImageData | Blob>): RgbImage {
  const [width, height] = sizeOf(source);
  if (!width || !height) throw new Error('detect(): the image has no pixels yet (not loaded, or 0×0)');
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(source, 0, 0);
  return rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height);
}

/** Decodes any WebImageInput to RGB. Blobs decode without colour management, so pixels equal the file's. */
export async function toRgbImage(input: WebImageInput): Promise<RgbImage> {
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return rgbaToRgb(input.data, input.width, input.height);
  if (typeof Blob !== 'undefined' && input instanceof Blob) {
    const bitmap = await createImageBitmap(input, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    try {
      return drawablePixels(bitmap);
    } finally {
      bitmap.close();
    }
  }
  return drawablePixels(input as Exclude<WebImageInput, ImageData | Blob>);
}
