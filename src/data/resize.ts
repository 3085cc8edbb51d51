// Image resizing on uint8 RGB buffers, following OpenCV's cv2.resize:
// - 'linear' (INTER_LINEAR): half-pixel-centre bilinear with edge replication and 11-bit fixed-point weights,
//   as OpenCV's generic 8-bit path computes it (its SIMD paths may differ by ±1 in the last bit).
// - 'area' (INTER_AREA): pixel-area averaging when shrinking; when enlarging, OpenCV's area-flavoured bilinear.
import { createImage, type RgbImage } from './image-buffer.ts';

export type Interpolation = 'linear' | 'area';

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS; // 2048, OpenCV's INTER_RESIZE_COEF_SCALE

/** Per-axis sampling table: source index and fixed-point weight of the left/top neighbour. */
interface LinearAxis {
  index: Int32Array;
  weight0: Int32Array;
  weight1: Int32Array;
}

function linearAxis(srcSize: number, dstSize: number, areaStyle: boolean): LinearAxis {
  const index = new Int32Array(dstSize);
  const weight0 = new Int32Array(dstSize);
  const weight1 = new Int32Array(dstSize);
  const invScale = dstSize / srcSize;
  const scale = 1 / invScale;
  for (let d = 0; d < dstSize; d++) {
    let s: number;
    let f: number;
    if (areaStyle) {
      s = Math.floor(d * scale);
      f = d + 1 - (s + 1) * invScale;
      f = f <= 0 ? 0 : f - Math.floor(f);
    } else {
      const fx = Math.fround((d + 0.5) * scale - 0.5);
      s = Math.floor(fx);
      f = fx - s;
    }
    if (s < 0) {
      s = 0;
      f = 0;
    }
    if (s >= srcSize - 1) {
      s = srcSize - 1;
      f = 0;
    }
    f = Math.fround(f);
    index[d] = s;
    weight0[d] = Math.round(Math.fround(1 - f) * COEF_SCALE);
    weight1[d] = Math.round(f * COEF_SCALE);
  }
  return { index, weight0, weight1 };
}

/** Horizontal pass of one source row into fixed-point values (×2048). */
function horizontalLinear(src: Uint8Array, rowStart: number, srcW: number, ax: LinearAxis, out: Int32Array): void {
  const { index, weight0, weight1 } = ax;
  const n = index.length;
  const last = srcW - 1;
  for (let x = 0, o = 0; x < n; x++, o += 3) {
    const s = index[x]!;
    const s1 = s < last ? s + 1 : last;
    const p0 = rowStart + s * 3;
    const p1 = rowStart + s1 * 3;
    const a = weight0[x]!;
    const b = weight1[x]!;
    out[o] = src[p0]! * a + src[p1]! * b;
    out[o + 1] = src[p0 + 1]! * a + src[p1 + 1]! * b;
    out[o + 2] = src[p0 + 2]! * a + src[p1 + 2]! * b;
  }
}

/** Exact halving: bilinear at (2d + 0.5) averages 2×2 blocks, (a + b + c + d + 2) >> 2 in OpenCV's rounding. */
function halve(im: RgbImage, width: number, height: number): RgbImage {
  const out = createImage(width, height);
  const src = im.data;
  const dst = out.data;
  const stride = im.width * 3;
  for (let y = 0; y < height; y++) {
    let p = 2 * y * stride;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, p += 6, o += 3) {
      const q = p + stride;
      dst[o] = (src[p]! + src[p + 3]! + src[q]! + src[q + 3]! + 2) >> 2;
      dst[o + 1] = (src[p + 1]! + src[p + 4]! + src[q + 1]! + src[q + 4]! + 2) >> 2;
      dst[o + 2] = (src[p + 2]! + src[p + 5]! + src[q + 2]! + src[q + 5]! + 2) >> 2;
    }
  }
  return out;
}

function resizeBilinear(im: RgbImage, width: number, height: number, areaStyle: boolean): RgbImage {
  if (width * 2 === im.width && height * 2 === im.height) return halve(im, width, height);
  const out = createImage(width, height);
  const ax = linearAxis(im.width, width, areaStyle);
  const ay = linearAxis(im.height, height, areaStyle);
  const rowLen = width * 3;
  let bufA = new Int32Array(rowLen);
  let bufB = new Int32Array(rowLen);
  let rowA = -1; // source row held in bufA
  let rowB = -1; // source row held in bufB
  const src = im.data;
  const dst = out.data;
  const srcStride = im.width * 3;
  const round = 1 << (2 * COEF_BITS - 1);
  const lastRow = im.height - 1;
  for (let y = 0; y < height; y++) {
    const s0 = ay.index[y]!;
    const s1 = s0 < lastRow ? s0 + 1 : lastRow;
    // Keep the two needed horizontally-resampled rows, reusing whatever the previous output row computed.
    if (rowA !== s0) {
      if (rowB === s0) {
        const t = bufA;
        bufA = bufB;
        bufB = t;
        rowA = s0;
        rowB = -1;
      } else {
        horizontalLinear(src, s0 * srcStride, im.width, ax, bufA);
        rowA = s0;
      }
    }
    if (rowB !== s1) {
      horizontalLinear(src, s1 * srcStride, im.width, ax, bufB);
      rowB = s1;
    }
    const b0 = ay.weight0[y]!;
    const b1 = ay.weight1[y]!;
    const o = y * rowLen;
    for (let x = 0; x < rowLen; x++) {
      const v = (bufA[x]! * b0 + bufB[x]! * b1 + round) >> (2 * COEF_BITS);
      dst[o + x] = v > 255 ? 255 : v < 0 ? 0 : v;
    }
  }
  return out;
}

/** Area-average table for one axis (OpenCV's computeResizeAreaTab): source index and weight per dst index. */
interface AreaAxis {
  start: Int32Array; // first entry of dst index d is start[d], last is start[d+1]-1
  src: Int32Array;
  weight: Float64Array;
}

function areaAxis(srcSize: number, dstSize: number): AreaAxis {
  const scale = srcSize / dstSize;
  const start = new Int32Array(dstSize + 1);
  const srcIdx: number[] = [];
  const weights: number[] = [];
  for (let d = 0; d < dstSize; d++) {
    start[d] = srcIdx.length;
    const f1 = d * scale;
    const f2 = f1 + scale;
    const cell = Math.min(scale, srcSize - f1);
    let s2 = Math.floor(f2);
    let s1 = Math.ceil(f1);
    s2 = Math.min(s2, srcSize - 1);
    s1 = Math.min(s1, s2);
    if (s1 - f1 > 1e-3) {
      srcIdx.push(s1 - 1);
      weights.push((s1 - f1) / cell);
    }
    for (let s = s1; s < s2; s++) {
      srcIdx.push(s);
      weights.push(1 / cell);
    }
    if (f2 - s2 > 1e-3) {
      srcIdx.push(s2);
      weights.push(Math.min(Math.min(f2 - s2, 1), cell) / cell);
    }
  }
  start[dstSize] = srcIdx.length;
  return { start, src: Int32Array.from(srcIdx), weight: Float64Array.from(weights) };
}

function resizeAreaDown(im: RgbImage, width: number, height: number): RgbImage {
  const out = createImage(width, height);
  const ax = areaAxis(im.width, width);
  const ay = areaAxis(im.height, height);
  const rowLen = width * 3;
  const hrow = new Float64Array(rowLen);
  const acc = new Float64Array(rowLen);
  const src = im.data;
  const dst = out.data;
  const srcStride = im.width * 3;
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (let k = ay.start[y]!; k < ay.start[y + 1]!; k++) {
      const rowStart = ay.src[k]! * srcStride;
      const wy = ay.weight[k]!;
      hrow.fill(0);
      for (let x = 0, o = 0; x < width; x++, o += 3) {
        let r = 0;
        let g = 0;
        let b = 0;
        for (let j = ax.start[x]!; j < ax.start[x + 1]!; j++) {
          const p = rowStart + ax.src[j]! * 3;
          const w = ax.weight[j]!;
          r += src[p]! * w;
          g += src[p + 1]! * w;
          b += src[p + 2]! * w;
        }
        hrow[o] = r;
        hrow[o + 1] = g;
        hrow[o + 2] = b;
      }
      for (let x = 0; x < rowLen; x++) acc[x]! += hrow[x]! * wy;
    }
    const o = y * rowLen;
    for (let x = 0; x < rowLen; x++) {
      const v = Math.round(acc[x]!);
      dst[o + x] = v > 255 ? 255 : v < 0 ? 0 : v;
    }
  }
  return out;
}

/** cv2.resize(im, (width, height), interpolation) on an RGB uint8 image. Same size returns a copy. */
export function resizeImage(im: RgbImage, width: number, height: number, interpolation: Interpolation = 'linear'): RgbImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`resizeImage: invalid target size ${width}×${height}`);
  }
  if (im.width < 1 || im.height < 1) throw new Error(`resizeImage: empty source image ${im.width}×${im.height}`);
  if (width === im.width && height === im.height) return { data: im.data.slice(), width, height };
  if (interpolation === 'area') {
    if (width * 2 === im.width && height * 2 === im.height) return halve(im, width, height);
    if (width <= im.width && height <= im.height) return resizeAreaDown(im, width, height);
    return resizeBilinear(im, width, height, true);
  }
  return resizeBilinear(im, width, height, false);
}
