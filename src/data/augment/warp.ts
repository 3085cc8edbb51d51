// cv2.warpAffine / cv2.warpPerspective with INTER_LINEAR and BORDER_CONSTANT on uint8 RGB images.
// Like OpenCV, source coordinates are quantised to 1/32 pixel and blended with 15-bit fixed-point weights;
// neighbours outside the source take the border value, so edges fade into the border as in OpenCV.
import { createImage, PAD_VALUE, type RgbImage } from '../image-buffer.ts';

const INTER_BITS = 5;
const INTER_TAB_SIZE = 1 << INTER_BITS; // 32 sub-pixel steps
const REMAP_BITS = 15;
const REMAP_SCALE = 1 << REMAP_BITS;
const AB_BITS = 10; // fixed-point bits of the incremental affine coordinates
const AB_SCALE = 1 << AB_BITS;

/** Bilinear weights of the 4 neighbours for each (fx, fy) sub-pixel step, summing exactly to REMAP_SCALE. */
const BILINEAR_TABLE: Int32Array = (() => {
  const tab = new Int32Array(INTER_TAB_SIZE * INTER_TAB_SIZE * 4);
  for (let fy = 0; fy < INTER_TAB_SIZE; fy++) {
    for (let fx = 0; fx < INTER_TAB_SIZE; fx++) {
      const ax = fx / INTER_TAB_SIZE;
      const ay = fy / INTER_TAB_SIZE;
      const w = [(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay];
      const o = (fy * INTER_TAB_SIZE + fx) * 4;
      let sum = 0;
      let big = 0;
      for (let k = 0; k < 4; k++) {
        tab[o + k] = Math.round(w[k]! * REMAP_SCALE);
        sum += tab[o + k]!;
        if (tab[o + k]! > tab[o + big]!) big = k;
      }
      tab[o + big]! += REMAP_SCALE - sum; // rounding remainder goes to the largest weight
    }
  }
  return tab;
})();

/** Writes one bilinearly sampled pixel; (X, Y) are source coordinates in 1/32 pixel units. */
function samplePixel(
  src: Uint8Array,
  sw: number,
  sh: number,
  X: number,
  Y: number,
  dst: Uint8Array,
  o: number,
  border: number,
): void {
  const sx = X >> INTER_BITS;
  const sy = Y >> INTER_BITS;
  const t = ((Y & (INTER_TAB_SIZE - 1)) * INTER_TAB_SIZE + (X & (INTER_TAB_SIZE - 1))) * 4;
  const w0 = BILINEAR_TABLE[t]!;
  const w1 = BILINEAR_TABLE[t + 1]!;
  const w2 = BILINEAR_TABLE[t + 2]!;
  const w3 = BILINEAR_TABLE[t + 3]!;
  const half = 1 << (REMAP_BITS - 1);
  if (sx >= 0 && sy >= 0 && sx + 1 < sw && sy + 1 < sh) {
    const p = (sy * sw + sx) * 3;
    const q = p + sw * 3;
    for (let c = 0; c < 3; c++) {
      dst[o + c] = (src[p + c]! * w0 + src[p + 3 + c]! * w1 + src[q + c]! * w2 + src[q + 3 + c]! * w3 + half) >> REMAP_BITS;
    }
    return;
  }
  if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) {
    dst[o] = border;
    dst[o + 1] = border;
    dst[o + 2] = border;
    return;
  }
  const in0x = sx >= 0;
  const in1x = sx + 1 < sw;
  const in0y = sy >= 0;
  const in1y = sy + 1 < sh;
  const p = (sy * sw + sx) * 3;
  const q = p + sw * 3;
  for (let c = 0; c < 3; c++) {
    const v00 = in0x && in0y ? src[p + c]! : border;
    const v01 = in1x && in0y ? src[p + 3 + c]! : border;
    const v10 = in0x && in1y ? src[q + c]! : border;
    const v11 = in1x && in1y ? src[q + 3 + c]! : border;
    const v = (v00 * w0 + v01 * w1 + v10 * w2 + v11 * w3 + half) >> REMAP_BITS;
    dst[o + c] = v > 255 ? 255 : v < 0 ? 0 : v;
  }
}

/** Inverse of a 2×3 affine matrix [a b c; d e f] given row-major. */
export function invertAffine(m: ArrayLike<number>): Float64Array {
  const [a, b, c, d, e, f] = [m[0]!, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!];
  const det = a * e - b * d;
  if (det === 0) throw new Error('invertAffine: singular affine matrix');
  const ia = e / det;
  const ib = -b / det;
  const id = -d / det;
  const ie = a / det;
  return Float64Array.of(ia, ib, -ia * c - ib * f, id, ie, -id * c - ie * f);
}

/** Inverse of a 3×3 matrix given row-major. */
export function invert3x3(m: ArrayLike<number>): Float64Array {
  const [a, b, c, d, e, f, g, h, i] = Array.from({ length: 9 }, (_, k) => m[k]!);
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (det === 0) throw new Error('invert3x3: singular matrix');
  return Float64Array.of(
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  );
}

/** cv2.warpAffine(im, M, (width, height), borderValue) — M is the 2×3 forward map, row-major. */
export function warpAffine(im: RgbImage, M: ArrayLike<number>, width: number, height: number, border = PAD_VALUE): RgbImage {
  const out = createImage(width, height);
  const inv = invertAffine(M);
  const adelta = new Int32Array(width);
  const bdelta = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    adelta[x] = Math.round(inv[0]! * x * AB_SCALE);
    bdelta[x] = Math.round(inv[3]! * x * AB_SCALE);
  }
  const roundDelta = AB_SCALE / INTER_TAB_SIZE / 2;
  const shift = AB_BITS - INTER_BITS;
  const src = im.data;
  const dst = out.data;
  const sw = im.width;
  const sh = im.height;
  const rowBytes = sw * 3;
  const half = 1 << (REMAP_BITS - 1);
  const mask = INTER_TAB_SIZE - 1;
  for (let y = 0; y < height; y++) {
    const X0 = Math.round((inv[1]! * y + inv[2]!) * AB_SCALE) + roundDelta;
    const Y0 = Math.round((inv[4]! * y + inv[5]!) * AB_SCALE) + roundDelta;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      const X = (X0 + adelta[x]!) >> shift;
      const Y = (Y0 + bdelta[x]!) >> shift;
      const sx = X >> INTER_BITS;
      const sy = Y >> INTER_BITS;
      if (sx >= 0 && sy >= 0 && sx + 1 < sw && sy + 1 < sh) {
        // Interior fast path (the common case), channels unrolled.
        const t = (((Y & mask) << INTER_BITS) + (X & mask)) << 2;
        const w0 = BILINEAR_TABLE[t]!;
        const w1 = BILINEAR_TABLE[t + 1]!;
        const w2 = BILINEAR_TABLE[t + 2]!;
        const w3 = BILINEAR_TABLE[t + 3]!;
        const p = sy * rowBytes + sx * 3;
        const q = p + rowBytes;
        dst[o] = (src[p]! * w0 + src[p + 3]! * w1 + src[q]! * w2 + src[q + 3]! * w3 + half) >> REMAP_BITS;
        dst[o + 1] = (src[p + 1]! * w0 + src[p + 4]! * w1 + src[q + 1]! * w2 + src[q + 4]! * w3 + half) >> REMAP_BITS;
        dst[o + 2] = (src[p + 2]! * w0 + src[p + 5]! * w1 + src[q + 2]! * w2 + src[q + 5]! * w3 + half) >> REMAP_BITS;
      } else {
        samplePixel(src, sw, sh, X, Y, dst, o, border);
      }
    }
  }
  return out;
}

/** cv2.warpPerspective(im, M, (width, height), borderValue) — M is the 3×3 forward map, row-major. */
export function warpPerspective(im: RgbImage, M: ArrayLike<number>, width: number, height: number, border = PAD_VALUE): RgbImage {
  const out = createImage(width, height);
  const m = invert3x3(M);
  const src = im.data;
  const dst = out.data;
  const clampInt = (v: number): number => (v > 2147483647 ? 2147483647 : v < -2147483648 ? -2147483648 : Math.round(v));
  for (let y = 0; y < height; y++) {
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      let w = m[6]! * x + m[7]! * y + m[8]!;
      w = w !== 0 ? INTER_TAB_SIZE / w : 0;
      const X = clampInt((m[0]! * x + m[1]! * y + m[2]!) * w);
      const Y = clampInt((m[3]! * x + m[4]! * y + m[5]!) * w);
      samplePixel(src, im.width, im.height, X, Y, dst, o, border);
    }
  }
  return out;
}
