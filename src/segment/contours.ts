// v7.0's masks2segments: cv2.findContours(mask, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE) on each mask, keeping the
// contour with the most points ('largest') or all of them concatenated ('concat'). The contour search is
// OpenCV 4.6's (Suzuki–Abe border following as cvFindNextContour / icvFetchContour do it: the image padded with
// zeros, traced borders marked positive or, at a right bound, negative; an outer border is skipped in RETR_EXTERNAL
// when the last border met on its row is a positive mark; contours listed last-found first). Browser-safe.
import type { MaskStack } from './process-mask.ts';

// Direction codes 0–7: right, up-right, up, up-left, left, down-left, down, down-right (x, y).
const DX = [1, 1, 0, -1, -1, -1, 0, 1];
const DY = [0, -1, -1, -1, 0, 1, 1, 1];

/**
 * cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0] on an h×w mask (nonzero = 1): each contour
 * as flat x, y pixel coordinates, in OpenCV's order.
 */
export function findExternalContours(mask: ArrayLike<number>, w: number, h: number): number[][] {
  const W = w + 2;
  const H = h + 2;
  const img = new Int32Array(W * H);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[(y + 1) * W + x + 1] = mask[y * w + x] ? 1 : 0;
  const deltas = DX.map((dx, s) => dx + DY[s]! * W);
  const delta = (s: number) => deltas[s & 7]!;
  const found: number[][] = [];
  const NBD = 2;
  const NEG = -2;
  for (let y = 1; y < H - 1; y++) {
    let lnbd = y * W; // x = 0 of this row: the zero padding
    let prev = 0;
    for (let x = 1; x < W - 1; x++) {
      const i = y * W + x;
      const p = img[i]!;
      if (p === prev) continue;
      const outer = prev === 0 && p === 1;
      if (outer && !(img[lnbd]! > 0)) {
        found.push(trace(img, i, W, delta, NBD, NEG));
        // the scan resumes after the start pixel with its new mark as `prev`; lnbd is kept
        prev = img[i]!;
        continue;
      }
      prev = p;
      if (prev & -2) lnbd = i;
    }
  }
  return found.reverse();
}

/** icvFetchContour for an outer border starting at i0 (CHAIN_APPROX_SIMPLE), marking the border pixels. */
function trace(img: Int32Array, i0: number, W: number, delta: (s: number) => number, nbd: number, neg: number): number[] {
  let px = (i0 % W) - 1;
  let py = Math.floor(i0 / W) - 1;
  const pts: number[] = [];
  let s = 4;
  const sEnd0 = 4;
  let i1 = i0;
  do {
    s = (s - 1) & 7;
    i1 = i0 + delta(s);
  } while (img[i1] === 0 && s !== sEnd0);
  if (s === sEnd0) {
    img[i0] = neg;
    return [px, py];
  }
  let i3 = i0;
  let prevS = s ^ 4;
  for (;;) {
    const sEnd = s;
    let i4 = i3;
    for (;;) {
      s++;
      i4 = i3 + delta(s);
      if (img[i4] !== 0 || s >= 15) break;
    }
    s &= 7;
    if (((s - 1) >>> 0) < (sEnd >>> 0)) img[i3] = neg;
    else if (img[i3] === 1) img[i3] = nbd;
    if (s !== prevS) {
      pts.push(px, py);
      prevS = s;
    }
    px += DX[s]!;
    py += DY[s]!;
    if (i4 === i0 && i3 === i1) break;
    i3 = i4;
    s = (s + 4) & 7;
  }
  return pts;
}

/**
 * masks2segments(masks, strategy): per mask, its largest external contour (most points; the first of equals) or
 * all contours concatenated, as flat x, y pixels (empty when the mask is empty).
 */
export function masksToSegments(masks: MaskStack, strategy: 'largest' | 'concat' = 'largest'): Float32Array[] {
  const hw = masks.height * masks.width;
  const out: Float32Array[] = [];
  for (let k = 0; k < masks.n; k++) {
    const c = findExternalContours(masks.data.subarray(k * hw, (k + 1) * hw), masks.width, masks.height);
    if (c.length === 0) out.push(new Float32Array(0));
    else if (strategy === 'concat') out.push(Float32Array.from(c.flat()));
    else {
      let best = 0;
      for (let j = 1; j < c.length; j++) if (c[j]!.length > c[best]!.length) best = j;
      out.push(Float32Array.from(c[best]!));
    }
  }
  return out;
}
