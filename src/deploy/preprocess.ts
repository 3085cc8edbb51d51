// Image → model input, shared by Node and the browser page: YOLOv5's letterbox, then HWC uint8 → NCHW float32
// in 0–1 (the x/255 that detect.py applies). Browser-safe.
import type { RgbImage } from '../data/image-buffer.ts';
import { letterbox } from '../data/letterbox.ts';

export interface PreparedInput {
  /** (1, 3, H, W) float32, 0–1. */
  input: Float32Array;
  shape: [number, number, number, number];
  /** The letterboxed image the input was made from. */
  letterboxed: RgbImage;
}

/** HWC RGB bytes → planar float32 / 255 (rounded as PyTorch's float32 division). */
export function imageToNchw(im: RgbImage): Float32Array {
  const plane = im.width * im.height;
  const out = new Float32Array(plane * 3);
  const s = im.data;
  for (let i = 0, j = 0; i < plane; i++, j += 3) {
    out[i] = s[j]! / 255;
    out[plane + i] = s[j + 1]! / 255;
    out[2 * plane + i] = s[j + 2]! / 255;
  }
  return out;
}

/**
 * Letterboxes `im` to `size` ([h, w] or square): with `auto` only up to the next multiple of `stride` (models that
 * take any size), without it to exactly `size` (fixed-shape exports, as detect.py does for ONNX).
 */
export function prepareInput(im: RgbImage, size: number | readonly [number, number], stride: number, auto: boolean): PreparedInput {
  const lb = letterbox(im, size, { stride, auto });
  return { input: imageToNchw(lb.image), shape: [1, 3, lb.image.height, lb.image.width], letterboxed: lb.image };
}
