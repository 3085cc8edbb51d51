// segment/val.py's process_batch with masks=True: ground-truth masks brought to the predicted masks' size
// (bilinear, > 0.5) when they differ, mask_iou in float32, then YOLOv5's matching per IoU threshold. Browser-safe.
import { dedupeMatches, IOUV, type MatchPair } from '../eval/match.ts';
import { interpolateBilinear, type MaskStack } from './process-mask.ts';

const EPS_F32 = Math.fround(1e-7);

/** Ground-truth masks at the predicted masks' resolution, as process_batch resizes them (and the overlap split). */
export function gtMasksFor(gt: MaskStack, pred: { height: number; width: number }, overlap = false, nl = gt.n): MaskStack {
  let g = gt;
  if (overlap) {
    // one mask of instance indices → nl binary masks
    const hw = gt.height * gt.width;
    const data = new Uint8Array(nl * hw);
    for (let k = 0; k < nl; k++) for (let p = 0; p < hw; p++) data[k * hw + p] = gt.data[p] === k + 1 ? 1 : 0;
    g = { data, n: nl, height: gt.height, width: gt.width };
  }
  if (g.height === pred.height && g.width === pred.width) return g;
  const f = interpolateBilinear(Float32Array.from(g.data), g.n, g.height, g.width, pred.height, pred.width);
  const data = new Uint8Array(f.length);
  for (let i = 0; i < f.length; i++) data[i] = f[i]! > 0.5 ? 1 : 0;
  return { data, n: g.n, height: pred.height, width: pred.width };
}

/** mask_iou(gt, pred): (m × n) IoU row-major by ground truth, float32 as torch computes it on 0/1 masks. */
export function maskIou(gt: MaskStack, pred: MaskStack): Float32Array {
  const hw = gt.height * gt.width;
  if (pred.height * pred.width !== hw) throw new Error(`maskIou: masks of ${gt.height}×${gt.width} and ${pred.height}×${pred.width}`);
  const out = new Float32Array(gt.n * pred.n);
  const area = (s: MaskStack, k: number) => {
    let a = 0;
    for (let p = k * hw; p < (k + 1) * hw; p++) a += s.data[p]!;
    return a;
  };
  const pa = Array.from({ length: pred.n }, (_, j) => area(pred, j));
  for (let i = 0; i < gt.n; i++) {
    const ga = area(gt, i);
    for (let j = 0; j < pred.n; j++) {
      let inter = 0;
      for (let p = 0; p < hw; p++) inter += gt.data[i * hw + p]! & pred.data[j * hw + p]!;
      const union = Math.fround(Math.fround(ga + pa[j]! - inter) + EPS_F32);
      out[i * pred.n + j] = Math.fround(inter / union);
    }
  }
  return out;
}

/**
 * process_batch's matching from an (m labels × n detections) IoU matrix: per threshold of `iouv`, pairs of equal
 * class at IoU ≥ threshold, deduplicated as YOLOv5 does; (n × iouv.length) with 1 = true positive.
 */
export function matchByIou(iou: Float32Array, labelCls: ArrayLike<number>, detCls: ArrayLike<number>, iouv: readonly number[] = IOUV): Uint8Array {
  const m = labelCls.length;
  const n = detCls.length;
  const niou = iouv.length;
  const correct = new Uint8Array(n * niou);
  for (let t = 0; t < niou; t++) {
    const thr = Math.fround(iouv[t]!);
    const pairs: MatchPair[] = [];
    for (let l = 0; l < m; l++) {
      for (let d = 0; d < n; d++) {
        const v = iou[l * n + d]!;
        if (v >= thr && labelCls[l] === detCls[d]) pairs.push({ label: l, det: d, iou: v });
      }
    }
    for (const p of dedupeMatches(pairs, false)) correct[p.det * niou + t] = 1;
  }
  return correct;
}
