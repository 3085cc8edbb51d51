// Test-time augmentation (`--augment`), as YOLOv5 v7.0's DetectionModel._forward_augment runs it: the batch at
// scales 1, 0.83 and 0.67 (the 0.83 one mirrored left-right), each resized bilinearly and padded to a stride
// multiple with 0.447 (scale_img), its detections mapped back to the input's pixels (_descale_pred), the large-object
// level of the full-size pass and the small-object level of the smallest pass dropped (_clip_augmented), and the
// three concatenated along the rows before NMS.
import { cat, full } from '../tensor/create.ts';
import { interpolateBilinear } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** v7.0's TTA passes: scale and flip (3: left-right on the width axis, null: none). */
export const TTA_PASSES: readonly { readonly scale: number; readonly flip: 3 | null }[] = [
  { scale: 1, flip: null },
  { scale: 0.83, flip: 3 },
  { scale: 0.67, flip: null },
];

/**
 * v7.0's scale_img: (bs, c, h, w) resized by `ratio` to (int(h·ratio), int(w·ratio)) with bilinear interpolation
 * (align_corners false), then padded right and bottom with 0.447 to ceil(h·ratio / gs)·gs × ceil(w·ratio / gs)·gs
 * (with `sameShape`, back to h × w instead: padded, or cropped when larger). Ratio 1 returns `img` itself.
 */
export function scaleImg(img: Tensor, ratio = 1, sameShape = false, gs = 32): Tensor {
  if (ratio === 1) return img;
  const [, , h, w] = img.shape as [number, number, number, number];
  const s: [number, number] = [Math.trunc(h * ratio), Math.trunc(w * ratio)];
  let out = interpolateBilinear(img, s, false);
  const [th, tw] = sameShape ? [h, w] : [Math.ceil((h * ratio) / gs) * gs, Math.ceil((w * ratio) / gs) * gs];
  out = padOrCrop(out, 3, tw - s[1]);
  return padOrCrop(out, 2, th - s[0]);
}

/** F.pad on one side of one dimension: `n` > 0 appends n slices of 0.447, n < 0 drops the last −n. */
function padOrCrop(x: Tensor, dim: number, n: number): Tensor {
  if (n === 0) return x;
  if (n < 0) return x.narrow(dim, 0, x.shape[dim]! + n);
  const shape = [...x.shape];
  shape[dim] = n;
  return cat([x, full(shape, 0.447, { dtype: x.dtype, device: x.device })], dim);
}

/**
 * v7.0's _descale_pred: boxes (cx, cy, w, h in the scaled input's pixels) divided by `scale`; flip 2 mirrors cy in
 * the original height, flip 3 mirrors cx in the original width. The other columns are kept.
 */
export function descalePred(p: Tensor, flip: 2 | 3 | null, scale: number, imgHW: readonly [number, number]): Tensor {
  const last = p.ndim - 1;
  let x = p.narrow(last, 0, 1).div(scale);
  let y = p.narrow(last, 1, 1).div(scale);
  const wh = p.narrow(last, 2, 2).div(scale);
  if (flip === 2) y = y.rsub(imgHW[0]);
  else if (flip === 3) x = x.rsub(imgHW[1]);
  return cat([x, y, wh, p.narrow(last, 4, p.shape[last]! - 4)], last);
}

/**
 * v7.0's _clip_augmented for `nl` detection levels: with g = Σ 4^k (k < nl), the first pass loses its last
 * ⌊rows/g⌋ rows (the coarsest level: large objects at full size) and the last pass its first ⌊rows/g⌋·4^(nl−1) rows
 * (the finest level: small objects at the smallest scale). As in Python, a count of 0 on the first pass (`[:, :-0]`)
 * keeps no rows.
 */
export function clipAugmented(y: Tensor[], nl: number): Tensor[] {
  const g = Array.from({ length: nl }, (_, k) => 4 ** k).reduce((a, b) => a + b, 0);
  const out = [...y];
  const first = out[0]!;
  const i0 = Math.floor(first.shape[1]! / g);
  out[0] = first.narrow(1, 0, i0 === 0 ? 0 : first.shape[1]! - i0);
  const lastT = out[out.length - 1]!;
  const i1 = Math.min(Math.floor(lastT.shape[1]! / g) * 4 ** (nl - 1), lastT.shape[1]!);
  out[out.length - 1] = lastT.narrow(1, i1, lastT.shape[1]! - i1);
  return out;
}

/**
 * v7.0's _forward_augment around a model's eval forward (`forward`: (bs, 3, h, w) → decoded (bs, rows, no)), with
 * `gs` the model's largest stride and `nl` its detection levels: the three TTA passes, descaled, clipped and
 * concatenated, (bs, rows', no) in the input's pixels.
 */
export function forwardAugmented(forward: (x: Tensor) => Tensor, x: Tensor, gs: number, nl: number): Tensor {
  const imgHW = [x.shape[2]!, x.shape[3]!] as const;
  const y = TTA_PASSES.map(({ scale, flip }) => {
    const xi = scaleImg(flip ? x.flip(flip) : x, scale, false, gs);
    return descalePred(forward(xi), flip, scale, imgHW);
  });
  return cat(clipAugmented(y, nl), 1);
}
