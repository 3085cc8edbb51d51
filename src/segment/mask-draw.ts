// v7.0's Annotator.masks (utils/plots.py) on RGB pixels: masks blended over the image at alpha 0.5, either on the
// letterboxed input (im_gpu: colours composited front to back with cumulative (1 − α·mask) products, the result
// cropped and resized back to the original, as segment/predict.py draws by default) or, with --retina-masks, the
// masks themselves cropped and resized to the original and added there (colours summed where masks overlap).
// YOLOv5 works in BGR with BGR colours; the same arithmetic per channel in RGB with RGB colours gives the same
// picture. Browser-safe.
import type { RgbImage } from '../data/image-buffer.ts';
import { resizeImage } from '../data/resize.ts';
import { classColor, type RGB } from '../plot/colors.ts';
import { scaleImageWindow, type ScaleImagePad } from './mask-resize.ts';
import { scaleMaskStack } from './segment-postprocess.ts';
import type { MaskStack } from './process-mask.ts';

const ALPHA = 0.5;

/**
 * Annotator.masks(masks, colors, im_gpu=letterboxed): masks (n, h, w) at the letterboxed input's size drawn on it;
 * returns the picture cropped and resized (cv2 INTER_LINEAR) to the original's size. With no masks, the letterboxed
 * image itself is what v7.0 brings back.
 */
export function drawMasksOnInput(letterboxed: RgbImage, masks: MaskStack, colors: readonly RGB[], originalHW: readonly [number, number], ratioPad?: ScaleImagePad): RgbImage {
  const { width: w, height: h } = letterboxed;
  if (masks.height !== h || masks.width !== w) throw new Error(`drawMasksOnInput: masks ${masks.height}×${masks.width} on a ${h}×${w} image`);
  const hw = h * w;
  const out = new Uint8Array(hw * 3);
  const f = Math.fround;
  const cols = colors.map((c) => c.map((v) => f(f(f(v / 255) * ALPHA))));
  for (let p = 0; p < hw; p++) {
    let inv = 1; // cumprod of (1 − α·mask_k) over k ≤ current
    const mcs = [0, 0, 0];
    for (let k = 0; k < masks.n; k++) {
      const m = masks.data[k * hw + p]!;
      inv = f(inv * f(1 - m * ALPHA));
      if (m) for (let c = 0; c < 3; c++) mcs[c] = f(mcs[c]! + f(cols[k]![c]! * inv));
    }
    for (let c = 0; c < 3; c++) {
      const x = f(letterboxed.data[p * 3 + c]! / 255);
      const v = f(f(x * inv) + f(mcs[c]! * 2));
      out[p * 3 + c] = Math.min(255, Math.max(0, Math.trunc(f(v * 255))));
    }
  }
  return scaleImage({ data: out, width: w, height: h }, originalHW, ratioPad);
}

/** scale_image on an RGB picture: crop the letterbox padding, resize to the original (cv2 INTER_LINEAR). */
function scaleImage(im: RgbImage, toHW: readonly [number, number], ratioPad?: ScaleImagePad): RgbImage {
  const w1 = im.width;
  const [h0, w0] = toHW;
  const { top, left, bottom, right } = scaleImageWindow([im.height, im.width], toHW, ratioPad);
  const cw = right - left;
  const ch = bottom - top;
  const crop = new Uint8Array(cw * ch * 3);
  for (let y = 0; y < ch; y++) crop.set(im.data.subarray(((top + y) * w1 + left) * 3, ((top + y) * w1 + left + cw) * 3), y * cw * 3);
  return resizeImage({ data: crop, width: cw, height: ch }, w0, h0, 'linear');
}

/**
 * Annotator.masks(masks, colors) with --retina-masks: masks (n, h, w) at the input's size cropped and resized to
 * the original `im0`, their colours summed (clipped to 255) and blended: im·(1 − α·any) + α·colours, truncated.
 */
export function drawMasksNative(im0: RgbImage, masks: MaskStack, colors: readonly RGB[], ratioPad?: ScaleImagePad): RgbImage {
  const out = im0.data.slice();
  if (masks.n === 0) return { data: out, width: im0.width, height: im0.height };
  blendMasks(out, 3, scaleMaskStack(masks, [im0.height, im0.width], ratioPad), colors);
  return { data: out, width: im0.width, height: im0.height };
}

/**
 * Annotator.masks' blend (its --retina-masks path) in place on interleaved pixels with `channels` values each (3:
 * RGB; 4: RGBA such as a canvas's ImageData, alpha left as is): where masks (n, h, w) at the picture's size cover a
 * pixel, its colours summed (clipped to 255) are blended at α = `alpha`: im·(1 − α·any) + α·colours, truncated.
 */
export function blendMasks(pixels: Uint8Array | Uint8ClampedArray, channels: 3 | 4, masks: MaskStack, colors: readonly RGB[], alpha = ALPHA): void {
  const hw0 = masks.width * masks.height;
  if (pixels.length !== hw0 * channels) throw new Error(`blendMasks: masks ${masks.height}×${masks.width} on ${pixels.length / channels} pixels`);
  if (colors.length < masks.n) throw new Error(`blendMasks: ${masks.n} masks, ${colors.length} colours`);
  const f = Math.fround;
  const a = f(alpha);
  for (let p = 0; p < hw0; p++) {
    let s = 0;
    const sum = [0, 0, 0];
    for (let k = 0; k < masks.n; k++) {
      const m = masks.data[k * hw0 + p]!;
      if (!m) continue;
      s += m;
      for (let c = 0; c < 3; c++) sum[c] = f(sum[c]! + f(m * colors[k]![c]!));
    }
    if (s === 0) continue;
    const cover = Math.min(s, 1);
    for (let c = 0; c < 3; c++) {
      const col = Math.min(255, sum[c]!);
      const v = f(f(col * a) + f(pixels[p * channels + c]! * f(1 - cover * a)));
      pixels[p * channels + c] = Math.trunc(v);
    }
  }
}

/** Pixels to draw on: a canvas's ImageData (RGBA) or an RgbImage (RGB), interleaved row-major. */
export interface DrawablePixels {
  /** width·height·3 (RGB) or width·height·4 (RGBA) values. */
  data: Uint8Array | Uint8ClampedArray;
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
}

/**
 * Draws the masks of a segmentation model's detections (Detector.detect()'s `mask`, at the picture's size) on
 * `picture` in place, semi-transparent in each class's palette colour as v7.0's Annotator.masks (α 0.5, colours
 * summed where masks overlap). `ctx.getImageData` → drawMasks → `ctx.putImageData` in a page; detections without
 * a mask are skipped.
 */
export function drawMasks(picture: DrawablePixels, detections: readonly { classId: number; mask?: Uint8Array }[], alpha = ALPHA): void {
  const { width, height } = picture;
  const hw = width * height;
  const channels = picture.data.length / hw;
  if (channels !== 3 && channels !== 4) throw new Error(`drawMasks: ${picture.data.length} values are neither RGB nor RGBA ${width}×${height} pixels`);
  const withMask = detections.filter((d) => d.mask);
  if (withMask.length === 0) return;
  const data = new Uint8Array(withMask.length * hw);
  withMask.forEach((d, k) => {
    if (d.mask!.length !== hw) throw new Error(`drawMasks: a ${d.mask!.length}-pixel mask on a ${width}×${height} picture`);
    data.set(d.mask!, k * hw);
  });
  blendMasks(picture.data, channels, { data, n: withMask.length, height, width }, withMask.map((d) => classColor(d.classId)), alpha);
}
