// YOLOv5's letterbox(): resize keeping the aspect ratio, then pad with grey to the target shape (or, with
// `auto`, only up to the next stride multiple).
import { roundHalfEven } from '../compat/python.ts';
import { PAD_VALUE, padImage, type RgbImage } from './image-buffer.ts';
import { resizeImage, type Interpolation } from './resize.ts';

export interface LetterboxOptions {
  /** Border grey level (YOLOv5: 114). */
  color?: number;
  /** Pad only to the minimum stride-multiple rectangle (default true, as in YOLOv5). */
  auto?: boolean;
  /** Stretch to exactly newShape without padding (ignored when `auto`). */
  scaleFill?: boolean;
  /** Allow enlarging (default true); false only shrinks. */
  scaleup?: boolean;
  stride?: number;
  /** The resize to use (default: the TypeScript port of cv2.resize; the loader passes OpenCV's when built). */
  resize?: (im: RgbImage, width: number, height: number, interpolation: Interpolation) => RgbImage;
}

export interface LetterboxGeometry {
  /** Size of the resized image before padding, [w, h]. */
  newUnpad: [number, number];
  /** Width and height gains. */
  ratio: [number, number];
  /** Padding per side as YOLOv5 returns it (may be a half integer), [dw, dh]. */
  pad: [number, number];
  top: number;
  bottom: number;
  left: number;
  right: number;
}

export interface LetterboxResult {
  image: RgbImage;
  ratio: [number, number];
  pad: [number, number];
}

/** Python's `%` on numbers (result has the sign of the divisor). */
function pyMod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

/** Normalises a shape argument: an int means square; a pair is [h, w]. */
export function toShapeHW(shape: number | readonly [number, number]): [number, number] {
  const hw: [number, number] = typeof shape === 'number' ? [shape, shape] : [shape[0], shape[1]];
  if (!(hw[0] > 0 && hw[1] > 0)) throw new Error(`letterbox: invalid new shape ${JSON.stringify(shape)}`);
  return hw;
}

/** The arithmetic of letterbox() for an h×w image, without touching pixels. */
export function letterboxGeometry(
  h: number,
  w: number,
  newShape: number | readonly [number, number],
  opts: LetterboxOptions = {},
): LetterboxGeometry {
  const { auto = true, scaleFill = false, scaleup = true, stride = 32 } = opts;
  const [nh, nw] = toShapeHW(newShape);
  let r = Math.min(nh / h, nw / w);
  if (!scaleup) r = Math.min(r, 1.0);
  let ratio: [number, number] = [r, r];
  let newUnpad: [number, number] = [roundHalfEven(w * r), roundHalfEven(h * r)];
  let dw = nw - newUnpad[0];
  let dh = nh - newUnpad[1];
  if (auto) {
    dw = pyMod(dw, stride);
    dh = pyMod(dh, stride);
  } else if (scaleFill) {
    dw = 0;
    dh = 0;
    newUnpad = [nw, nh];
    ratio = [nw / w, nh / h];
  }
  dw /= 2;
  dh /= 2;
  // `+ 0` turns round(−0.1) = −0 into 0.
  return {
    newUnpad,
    ratio,
    pad: [dw, dh],
    top: roundHalfEven(dh - 0.1) + 0,
    bottom: roundHalfEven(dh + 0.1) + 0,
    left: roundHalfEven(dw - 0.1) + 0,
    right: roundHalfEven(dw + 0.1) + 0,
  };
}

/** letterbox(im, new_shape, color, auto, scaleFill, scaleup, stride) → resized, padded image, ratio and pad. */
export function letterbox(
  im: RgbImage,
  newShape: number | readonly [number, number],
  opts: LetterboxOptions = {},
): LetterboxResult {
  const g = letterboxGeometry(im.height, im.width, newShape, opts);
  const resized =
    im.width !== g.newUnpad[0] || im.height !== g.newUnpad[1] ? (opts.resize ?? resizeImage)(im, g.newUnpad[0], g.newUnpad[1], 'linear') : im;
  const image = padImage(resized, g.top, g.bottom, g.left, g.right, opts.color ?? PAD_VALUE);
  return { image, ratio: g.ratio, pad: g.pad };
}
