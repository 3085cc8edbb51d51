// Average precision per class, as YOLOv5 v7.0's utils/metrics.py computes it (ap_per_class, compute_ap, smooth),
// on the NumPy operations in compat/numpy.ts whose exact behaviour the numbers depend on.

import { argmax, interp, linspace, numpyArgsort, trapz } from '../compat/numpy.ts';
import { roundHalfEven } from '../compat/python.ts';

export interface ApPerClassOptions {
  /** IoU thresholds per prediction (columns of `tp`); needed only when there are no predictions. Default 10. */
  niou?: number;
  eps?: number;
}

/** YOLOv5's ap_per_class: per-class precision, recall, F1 and AP at 10 IoU thresholds, and the curves. */
export interface ApPerClassResult {
  /** Per class (in `classes` order), at the operating point: true positives round(r·nt). */
  tp: Float64Array;
  /** False positives round(tp/p − tp). */
  fp: Float64Array;
  /** Precision at the confidence that maximises the smoothed class-mean F1. */
  p: Float64Array;
  /** Recall at that confidence. */
  r: Float64Array;
  /** F1 at that confidence. */
  f1: Float64Array;
  /** AP per class and IoU threshold: ap[classIndex][iouIndex]. */
  ap: Float64Array[];
  /** The classes present in the targets, ascending: the row order of every per-class output. */
  classes: number[];
  /** Number of targets of each class. */
  nt: number[];
  /** The 1000 confidences the curves are sampled at: linspace(0, 1, 1000). */
  px: Float64Array;
  /**
   * Precision at recall = px on the mAP@0.5 precision envelope, per class; null for a class with no predictions
   * (YOLOv5's PR plot only stacks the classes that have a curve).
   */
  prCurve: Array<Float64Array | null>;
  /** F1, precision and recall against confidence px, per class. */
  f1Curve: Float64Array[];
  /** Precision against confidence px, per class. */
  pCurve: Float64Array[];
  /** Recall against confidence px, per class. */
  rCurve: Float64Array[];
  /** Index into px of the operating point. */
  bestIndex: number;
}

/**
 * `ap_per_class(tp, conf, pred_cls, target_cls)`: `tp` is row-major (predictions × niou) with 1 = true positive,
 * `conf` and `predCls` one value per prediction, `targetCls` one value per ground-truth object.
 * Predictions are ranked by confidence descending; equal confidences are ordered as NumPy's argsort leaves them.
 */
export function apPerClass(
  tp: Uint8Array,
  conf: ArrayLike<number>,
  predCls: ArrayLike<number>,
  targetCls: ArrayLike<number>,
  opts: ApPerClassOptions = {},
): ApPerClassResult {
  const eps = opts.eps ?? 1e-16;
  const n = conf.length;
  if (predCls.length !== n) throw new Error(`apPerClass: ${n} confidences but ${predCls.length} predicted classes`);
  if (n > 0 && tp.length % n !== 0) throw new Error(`apPerClass: tp has ${tp.length} values, not a multiple of ${n} predictions`);
  const niou = n > 0 ? tp.length / n : (opts.niou ?? 10);

  // np.argsort(-conf): NumPy's unstable quicksort decides the order of equal confidences.
  const order = numpyArgsort(Float32Array.from({ length: n }, (_, i) => -conf[i]!));
  const byClass = new Map<number, number[]>();
  for (const i of order) {
    const list = byClass.get(predCls[i]!);
    if (list) list.push(i);
    else byClass.set(predCls[i]!, [i]);
  }

  const counts = new Map<number, number>();
  for (let i = 0; i < targetCls.length; i++) counts.set(targetCls[i]!, (counts.get(targetCls[i]!) ?? 0) + 1);
  const classes = [...counts.keys()].sort((a, b) => a - b);
  const nt = classes.map((c) => counts.get(c)!);
  const nc = classes.length;

  const px = linspace(0, 1, 1000);
  const negPx = px.map((v) => -v);
  const ap = classes.map(() => new Float64Array(niou));
  const pCurve: Float64Array[] = classes.map(() => new Float64Array(1000));
  const rCurve: Float64Array[] = classes.map(() => new Float64Array(1000));
  const prCurve: Array<Float64Array | null> = classes.map(() => null);

  for (let ci = 0; ci < nc; ci++) {
    const c = classes[ci]!;
    const idx = byClass.get(c) ?? [];
    const nl = nt[ci]!;
    const np = idx.length;
    if (np === 0 || nl === 0) continue;
    const negConf = Float64Array.from(idx, (i) => -conf[i]!);
    // Recall and precision at each rank go straight into the padded curves compute_ap builds (buffers reused
    // across IoU thresholds: with many predictions these arrays dominate the cost).
    const mrec = new Float64Array(np + 2);
    const mpre = new Float64Array(np + 2);
    for (let j = 0; j < niou; j++) {
      let tpc = 0;
      for (let k = 0; k < np; k++) {
        tpc += tp[idx[k]! * niou + j]!;
        mrec[k + 1] = tpc / (nl + eps);
        mpre[k + 1] = tpc / (k + 1); // tpc / (tpc + fpc)
      }
      if (j === 0) {
        rCurve[ci] = interp(negPx, negConf, mrec.subarray(1, np + 1), 0);
        pCurve[ci] = interp(negPx, negConf, mpre.subarray(1, np + 1), 1);
      }
      ap[ci]![j] = apOfPaddedCurve(mrec, mpre);
      if (j === 0) prCurve[ci] = interp(px, mrec, mpre);
    }
  }

  const f1Curve = classes.map((_, ci) => {
    const p = pCurve[ci]!;
    const r = rCurve[ci]!;
    return p.map((pv, k) => (2 * pv * r[k]!) / (pv + r[k]! + eps));
  });
  const meanF1 = new Float64Array(1000);
  if (nc > 0) {
    for (const row of f1Curve) for (let k = 0; k < 1000; k++) meanF1[k] += row[k]!;
    for (let k = 0; k < 1000; k++) meanF1[k] /= nc;
  }
  const bestIndex = nc > 0 ? argmax(smooth(meanF1, 0.1)) : 0;
  const p = Float64Array.from(pCurve, (row) => row[bestIndex]!);
  const r = Float64Array.from(rCurve, (row) => row[bestIndex]!);
  const f1 = Float64Array.from(f1Curve, (row) => row[bestIndex]!);
  const tpOut = Float64Array.from(r, (rv, i) => roundHalfEven(rv * nt[i]!));
  const fpOut = Float64Array.from(tpOut, (t, i) => roundHalfEven(t / (p[i]! + eps) - t));
  return { tp: tpOut, fp: fpOut, p, r, f1, ap, classes, nt, px, prCurve, f1Curve, pCurve, rCurve, bestIndex };
}

/**
 * `compute_ap(recall, precision)`: area under the precision envelope by 101-point interpolation (COCO style),
 * integrated with the trapezoid rule. Also returns the padded curves (mrec, mpre).
 */
export function computeAp(recall: ArrayLike<number>, precision: ArrayLike<number>): { ap: number; mpre: Float64Array; mrec: Float64Array } {
  const n = recall.length;
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  for (let i = 0; i < n; i++) {
    mrec[i + 1] = recall[i]!;
    mpre[i + 1] = precision[i]!;
  }
  return { ap: apOfPaddedCurve(mrec, mpre), mpre, mrec };
}

const RECALL_POINTS = linspace(0, 1, 101);

/**
 * compute_ap's work on curves with a free first and last slot: writes the sentinels (recall 0 → 1, precision
 * 1 → 0), turns mpre into its envelope in place and integrates it at 101 recall points.
 */
function apOfPaddedCurve(mrec: Float64Array, mpre: Float64Array): number {
  const last = mrec.length - 1;
  mrec[0] = 0;
  mpre[0] = 1;
  mrec[last] = 1;
  mpre[last] = 0;
  for (let i = last - 1; i >= 0; i--) mpre[i] = Math.max(mpre[i]!, mpre[i + 1]!);
  return trapz(interp(RECALL_POINTS, mrec, mpre), RECALL_POINTS);
}

/** `smooth(y, f)`: box filter over a fraction f of the length (odd width), edges padded with the end values. */
export function smooth(y: ArrayLike<number>, f = 0.05): Float64Array {
  const len = y.length;
  const nf = Math.floor(roundHalfEven(len * f * 2) / 2) + 1;
  const half = Math.floor(nf / 2);
  const padded = new Float64Array(len + 2 * half);
  for (let i = 0; i < half; i++) {
    padded[i] = y[0]!;
    padded[half + len + i] = y[len - 1]!;
  }
  for (let i = 0; i < len; i++) padded[half + i] = y[i]!;
  const w = 1 / nf;
  const out = new Float64Array(padded.length - nf + 1);
  for (let i = 0; i < out.length; i++) {
    let s = 0;
    for (let k = 0; k < nf; k++) s += padded[i + k]! * w;
    out[i] = s;
  }
  return out;
}
