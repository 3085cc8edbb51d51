// One-channel uint8 masks through cv2.resize (INTER_LINEAR) and v7.0's scale_image (utils/segment/general.py):
// the letterbox padding cropped off, then resized to the original image. Browser-safe.
import { resizeMaskLinear } from '../data/polygon-masks.ts';
import { roundHalfEven } from '../compat/python.ts';

/**
 * cv2.resize(mask, (dstW, dstH)) with INTER_LINEAR on an h×w one-channel uint8 mask (same size: a copy). Exact 2×
 * shrinks take OpenCV's area path (src/data/polygon-masks.ts); otherwise OpenCV's fixed-point bilinear, where the
 * x weights are clamped at the borders but the y weights are not (the rows read are: row −1 and row h are the edge
 * rows with their unclamped weights, which round differently when the image is enlarged).
 */
export function resizeMask(mask: Uint8Array, w: number, h: number, dstW: number, dstH: number): Uint8Array {
  if (dstW === w && dstH === h) return mask.slice();
  if (dstW * 2 === w && dstH * 2 === h) return resizeMaskLinear(mask, w, h, dstW, dstH);
  const scaleX = w / dstW;
  const scaleY = h / dstH;
  const xo = new Int32Array(dstW);
  const xa0 = new Int32Array(dstW);
  const xa1 = new Int32Array(dstW);
  for (let d = 0; d < dstW; d++) {
    let f = Math.fround((d + 0.5) * scaleX - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (s < 0) [f, s] = [0, 0];
    if (s >= w - 1) [f, s] = [0, w - 1];
    xo[d] = s;
    xa0[d] = Math.min(32767, roundHalfEven(Math.fround(1 - f) * 2048));
    xa1[d] = Math.min(32767, roundHalfEven(f * 2048));
  }
  // Each source row's horizontal pass, computed once (an enlarged mask reads every row for many output rows).
  const rows: (Int32Array | undefined)[] = new Array(h);
  const hrow = (sy: number) => {
    const y = Math.min(Math.max(sy, 0), h - 1);
    let row = rows[y];
    if (row) return row;
    row = rows[y] = new Int32Array(dstW);
    for (let x = 0; x < dstW; x++) {
      const s = xo[x]!;
      const s1 = Math.min(s + 1, w - 1);
      row[x] = mask[y * w + s]! * xa0[x]! + mask[y * w + s1]! * xa1[x]!;
    }
    return row;
  };
  const out = new Uint8Array(dstW * dstH);
  for (let y = 0; y < dstH; y++) {
    let f = Math.fround((y + 0.5) * scaleY - 0.5);
    const sy = Math.floor(f);
    f = Math.fround(f - sy);
    const b0 = Math.min(32767, roundHalfEven(Math.fround(1 - f) * 2048));
    const b1 = Math.min(32767, roundHalfEven(f * 2048));
    const r0 = hrow(sy);
    const r1 = hrow(sy + 1);
    for (let x = 0; x < dstW; x++) {
      const v = (((b0 * (r0[x]! >> 4)) >> 16) + ((b1 * (r1[x]! >> 4)) >> 16) + 2) >> 2;
      out[y * dstW + x] = Math.max(0, Math.min(255, v));
    }
  }
  return out;
}

/** The letterbox geometry scale_image undoes: gain and padding, or null to compute them as v7.0 does. */
export interface ScaleImagePad {
  /** Padding [x, y] added on each side. */
  pad: readonly [number, number];
}

/** scale_image's crop: the letterboxed picture's rows [top, bottom) and columns [left, right) without the padding. */
export function scaleImageWindow(fromHW: readonly [number, number], toHW: readonly [number, number], ratioPad?: ScaleImagePad): { top: number; left: number; bottom: number; right: number } {
  const [h1, w1] = fromHW;
  const [h0, w0] = toHW;
  let padX: number;
  let padY: number;
  if (ratioPad) [padX, padY] = ratioPad.pad;
  else {
    const gain = Math.min(h1 / h0, w1 / w0);
    padX = (w1 - w0 * gain) / 2;
    padY = (h1 - h0 * gain) / 2;
  }
  return { top: Math.trunc(padY), left: Math.trunc(padX), bottom: Math.trunc(h1 - padY), right: Math.trunc(w1 - padX) };
}

/**
 * scale_image(im1_shape, masks, im0_shape, ratio_pad): a mask at the letterboxed size `fromHW` cropped to
 * [int(pady), int(h - pady)) × [int(padx), int(w - padx)) and resized to `toHW` (cv2 INTER_LINEAR).
 */
export function scaleImageMask(mask: Uint8Array, fromHW: readonly [number, number], toHW: readonly [number, number], ratioPad?: ScaleImagePad): Uint8Array {
  const [h1, w1] = fromHW;
  const [h0, w0] = toHW;
  const { top, left, bottom, right } = scaleImageWindow(fromHW, toHW, ratioPad);
  const cw = right - left;
  const ch = bottom - top;
  const crop = new Uint8Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(mask.subarray((top + y) * w1 + left, (top + y) * w1 + right), y * cw);
  return resizeMask(crop, cw, ch, w0, h0);
}
