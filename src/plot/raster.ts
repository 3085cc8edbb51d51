// Moving RGB HWC uint8 pixels in and out of a canvas (canvases hold RGBA).
import { createCanvas, ImageData, type Canvas } from '@napi-rs/canvas';

export function checkRgbSize(rgb: ArrayLike<number>, width: number, height: number, what: string): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`${what}: bad image size ${width}x${height}`);
  }
  if (rgb.length !== width * height * 3) {
    throw new Error(`${what}: ${rgb.length} values is not a ${width}x${height}x3 RGB image`);
  }
}

export function canvasFromRgb(rgb: ArrayLike<number>, width: number, height: number): Canvas {
  const canvas = createCanvas(width, height);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    rgba[p] = rgb[q]!;
    rgba[p + 1] = rgb[q + 1]!;
    rgba[p + 2] = rgb[q + 2]!;
    rgba[p + 3] = 255;
  }
  canvas.getContext('2d').putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas;
}

export function rgbFromCanvas(canvas: Canvas): Uint8Array {
  const { width, height } = canvas;
  const rgba = canvas.getContext('2d').getImageData(0, 0, width, height).data;
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0, q = 0; q < rgb.length; p += 4, q += 3) {
    rgb[q] = rgba[p]!;
    rgb[q + 1] = rgba[p + 1]!;
    rgb[q + 2] = rgba[p + 2]!;
  }
  return rgb;
}
