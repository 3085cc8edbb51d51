// Box coordinate conversions as YOLOv5 uses them, on flat row-major arrays of 4 numbers per box.
// Every function returns a new array of the same length; inputs are never modified.

export type Boxes = Float32Array | Float64Array;

function like(a: Boxes): Boxes {
  return a instanceof Float64Array ? new Float64Array(a.length) : new Float32Array(a.length);
}

/** (cx, cy, w, h) → (x1, y1, x2, y2). */
export function xywh2xyxy(a: Boxes): Boxes {
  const o = like(a);
  for (let i = 0; i < a.length; i += 4) {
    const hw = a[i + 2]! / 2;
    const hh = a[i + 3]! / 2;
    o[i] = a[i]! - hw;
    o[i + 1] = a[i + 1]! - hh;
    o[i + 2] = a[i]! + hw;
    o[i + 3] = a[i + 1]! + hh;
  }
  return o;
}

/** (x1, y1, x2, y2) → (cx, cy, w, h). */
export function xyxy2xywh(a: Boxes): Boxes {
  const o = like(a);
  for (let i = 0; i < a.length; i += 4) {
    o[i] = (a[i]! + a[i + 2]!) / 2;
    o[i + 1] = (a[i + 1]! + a[i + 3]!) / 2;
    o[i + 2] = a[i + 2]! - a[i]!;
    o[i + 3] = a[i + 3]! - a[i + 1]!;
  }
  return o;
}

/** Normalised (cx, cy, w, h) → pixel (x1, y1, x2, y2) in an image of w×h placed at (padw, padh). */
export function xywhn2xyxy(a: Boxes, w: number, h: number, padw = 0, padh = 0): Boxes {
  const o = like(a);
  for (let i = 0; i < a.length; i += 4) {
    o[i] = w * (a[i]! - a[i + 2]! / 2) + padw;
    o[i + 1] = h * (a[i + 1]! - a[i + 3]! / 2) + padh;
    o[i + 2] = w * (a[i]! + a[i + 2]! / 2) + padw;
    o[i + 3] = h * (a[i + 1]! + a[i + 3]! / 2) + padh;
  }
  return o;
}

/** Pixel (x1, y1, x2, y2) → normalised (cx, cy, w, h); with `clip`, boxes are first clipped to (w − eps, h − eps). */
export function xyxy2xywhn(a: Boxes, w: number, h: number, clip = false, eps = 0): Boxes {
  const src = clip ? clipBoxes(a, w - eps, h - eps) : a;
  const o = like(a);
  for (let i = 0; i < a.length; i += 4) {
    o[i] = (src[i]! + src[i + 2]!) / 2 / w;
    o[i + 1] = (src[i + 1]! + src[i + 3]!) / 2 / h;
    o[i + 2] = (src[i + 2]! - src[i]!) / w;
    o[i + 3] = (src[i + 3]! - src[i + 1]!) / h;
  }
  return o;
}

/** Clip (x1, y1, x2, y2) boxes to [0, w] × [0, h]. */
export function clipBoxes(a: Boxes, w: number, h: number): Boxes {
  const o = like(a);
  for (let i = 0; i < a.length; i += 4) {
    o[i] = Math.min(Math.max(a[i]!, 0), w);
    o[i + 1] = Math.min(Math.max(a[i + 1]!, 0), h);
    o[i + 2] = Math.min(Math.max(a[i + 2]!, 0), w);
    o[i + 3] = Math.min(Math.max(a[i + 3]!, 0), h);
  }
  return o;
}

/** How a letterboxed image maps back to its original: gain and (left, top) padding. */
export interface RatioPad {
  gain: number;
  padX: number;
  padY: number;
}

/**
 * Rescale (x1, y1, x2, y2) boxes from a letterboxed image of `from` = [h, w] back to the original `to` = [h, w]
 * (YOLOv5 scale_boxes), then clip. Without `ratioPad` the gain and centred padding are recomputed.
 */
export function scaleBoxes(from: readonly [number, number], a: Boxes, to: readonly [number, number], ratioPad?: RatioPad): Boxes {
  let gain: number;
  let padX: number;
  let padY: number;
  if (ratioPad) ({ gain, padX, padY } = ratioPad);
  else {
    gain = Math.min(from[0] / to[0], from[1] / to[1]);
    padX = (from[1] - to[1] * gain) / 2;
    padY = (from[0] - to[0] * gain) / 2;
  }
  const o = like(a);
  for (let i = 0; i < a.length; i += 4) {
    o[i] = (a[i]! - padX) / gain;
    o[i + 1] = (a[i + 1]! - padY) / gain;
    o[i + 2] = (a[i + 2]! - padX) / gain;
    o[i + 3] = (a[i + 3]! - padY) / gain;
  }
  return clipBoxes(o, to[1], to[0]);
}
