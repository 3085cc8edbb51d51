// YOLOv5's random_perspective(): one random affine (or perspective) warp of the image and its boxes.
// The matrix is M = T·S·R·P·C (centre, perspective, rotation+scale, shear, translation — applied right to left).
import type { RgbImage } from '../image-buffer.ts';
import { PAD_VALUE } from '../image-buffer.ts';
import { TYPESCRIPT_PIXELS, type PixelOps } from '../pixel-ops.ts';
import type { SeededRandom } from '../seeded-random.ts';

export interface PerspectiveParams {
  /** Rotation range ±degrees. */
  degrees: number;
  /** Translation range ±fraction of the output size around its centre. */
  translate: number;
  /** Scale gain range 1 ± scale. */
  scale: number;
  /** Shear range ±degrees. */
  shear: number;
  /** Perspective range ±value. */
  perspective: number;
}

/** 3×3 row-major matrix product a·b. */
function matmul3(a: Float64Array, b: Float64Array): Float64Array {
  const o = new Float64Array(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      o[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
    }
  }
  return o;
}

function identity3(): Float64Array {
  return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
}

/**
 * Draws the random matrix exactly as YOLOv5 does (same order of random draws: perspective x/y, angle, scale,
 * shear x/y, translation x/y). Returns M (3×3 row-major) and the scale factor s used by box_candidates.
 */
export function randomPerspectiveMatrix(
  inWidth: number,
  inHeight: number,
  outWidth: number,
  outHeight: number,
  p: PerspectiveParams,
  rng: SeededRandom,
): { M: Float64Array; scale: number } {
  const C = identity3();
  C[2] = -inWidth / 2;
  C[5] = -inHeight / 2;

  const P = identity3();
  P[6] = rng.uniform(-p.perspective, p.perspective);
  P[7] = rng.uniform(-p.perspective, p.perspective);

  const angle = rng.uniform(-p.degrees, p.degrees);
  const s = rng.uniform(1 - p.scale, 1 + p.scale);
  // cv2.getRotationMatrix2D(center=(0, 0), angle, scale): counter-clockwise for positive angles in image axes.
  const rad = (angle * Math.PI) / 180;
  const alpha = s * Math.cos(rad);
  const beta = s * Math.sin(rad);
  const R = Float64Array.of(alpha, beta, 0, -beta, alpha, 0, 0, 0, 1);

  const S = identity3();
  S[1] = Math.tan((rng.uniform(-p.shear, p.shear) * Math.PI) / 180);
  S[3] = Math.tan((rng.uniform(-p.shear, p.shear) * Math.PI) / 180);

  const T = identity3();
  T[2] = rng.uniform(0.5 - p.translate, 0.5 + p.translate) * outWidth;
  T[5] = rng.uniform(0.5 - p.translate, 0.5 + p.translate) * outHeight;

  const M = matmul3(T, matmul3(S, matmul3(R, matmul3(P, C))));
  return { M, scale: s };
}

/**
 * box_candidates(box1, box2): which boxes survive augmentation. box1 = boxes before (already multiplied by the
 * scale gain), box2 = boxes after, both n×4 xyxy. Keep when w, h > whThr px, area ratio > areaThr and aspect
 * ratio < arThr.
 */
export function boxCandidates(
  before: ArrayLike<number>,
  after: ArrayLike<number>,
  whThr = 2,
  arThr = 100,
  areaThr = 0.1,
  eps = 1e-16,
): boolean[] {
  const n = after.length / 4;
  const keep: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const w1 = before[i * 4 + 2]! - before[i * 4]!;
    const h1 = before[i * 4 + 3]! - before[i * 4 + 1]!;
    const w2 = after[i * 4 + 2]! - after[i * 4]!;
    const h2 = after[i * 4 + 3]! - after[i * 4 + 1]!;
    const ar = Math.max(w2 / (h2 + eps), h2 / (w2 + eps));
    keep.push(w2 > whThr && h2 > whThr && (w2 * h2) / (w1 * h1 + eps) > areaThr && ar < arThr);
  }
  return keep;
}

/**
 * Maps n×5 (cls, x1, y1, x2, y2) pixel boxes through M: the 4 corners are transformed and their bounding box
 * is clipped to the output; boxes failing box_candidates are dropped.
 */
export function transformBoxes(
  targets: Float32Array,
  M: Float64Array,
  scale: number,
  outWidth: number,
  outHeight: number,
  perspective: boolean,
): Float32Array {
  const n = targets.length / 5;
  if (n === 0) return new Float32Array(0);
  const after = new Float64Array(n * 4);
  const before = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const x1 = targets[i * 5 + 1]!;
    const y1 = targets[i * 5 + 2]!;
    const x2 = targets[i * 5 + 3]!;
    const y2 = targets[i * 5 + 4]!;
    const cx = [x1, x2, x1, x2];
    const cy = [y1, y2, y2, y1];
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let k = 0; k < 4; k++) {
      let X = M[0]! * cx[k]! + M[1]! * cy[k]! + M[2]!;
      let Y = M[3]! * cx[k]! + M[4]! * cy[k]! + M[5]!;
      if (perspective) {
        const W = M[6]! * cx[k]! + M[7]! * cy[k]! + M[8]!;
        X /= W;
        Y /= W;
      }
      minX = Math.min(minX, X);
      maxX = Math.max(maxX, X);
      minY = Math.min(minY, Y);
      maxY = Math.max(maxY, Y);
    }
    after[i * 4] = Math.min(Math.max(minX, 0), outWidth);
    after[i * 4 + 1] = Math.min(Math.max(minY, 0), outHeight);
    after[i * 4 + 2] = Math.min(Math.max(maxX, 0), outWidth);
    after[i * 4 + 3] = Math.min(Math.max(maxY, 0), outHeight);
    for (let k = 0; k < 4; k++) before[i * 4 + k] = targets[i * 5 + 1 + k]! * scale;
  }
  const keep = boxCandidates(before, after);
  const kept = keep.filter(Boolean).length;
  const out = new Float32Array(kept * 5);
  for (let i = 0, j = 0; i < n; i++) {
    if (!keep[i]) continue;
    out[j * 5] = targets[i * 5]!;
    for (let k = 0; k < 4; k++) out[j * 5 + 1 + k] = after[i * 4 + k]!;
    j++;
  }
  return out;
}

/**
 * random_perspective(im, targets, degrees, translate, scale, shear, perspective, border).
 * `targets` is n×5 (cls, x1, y1, x2, y2) in pixels of `im`; `border` = [rows, cols] added on each side of the
 * output (negative in mosaic, where it crops the 2s canvas back to s).
 */
export function randomPerspective(
  im: RgbImage,
  targets: Float32Array,
  params: PerspectiveParams,
  rng: SeededRandom,
  border: readonly [number, number] = [0, 0],
  pixels: PixelOps = TYPESCRIPT_PIXELS,
): { image: RgbImage; targets: Float32Array } {
  const height = im.height + border[0] * 2;
  const width = im.width + border[1] * 2;
  if (width < 1 || height < 1) throw new Error(`randomPerspective: border ${border} leaves no output`);
  const { M, scale } = randomPerspectiveMatrix(im.width, im.height, width, height, params, rng);
  const isIdentity = M.every((v, k) => v === (k % 4 === 0 ? 1 : 0));
  let image = im;
  if (border[0] !== 0 || border[1] !== 0 || !isIdentity) {
    image = params.perspective
      ? pixels.warpPerspective(im, M, width, height, PAD_VALUE)
      : pixels.warpAffine(im, M.subarray(0, 6), width, height, PAD_VALUE);
  }
  return { image, targets: transformBoxes(targets, M, scale, width, height, params.perspective !== 0) };
}
