// val.py's metric pipeline (YOLOv5 v7.0) on detections and labels that are already in the same pixel space:
// per-image matching at IoU 0.50:0.95, then ap_per_class and the summary numbers val.py prints and returns.

import type { HostTensor } from '../io/host-tensor.ts';
import { numpySum } from '../compat/numpy.ts';
import { apPerClass, type ApPerClassResult } from './ap.ts';
import { ConfusionMatrix } from './confusion-matrix.ts';
import { IOUV, matrixRows, processBatch } from './match.ts';

export interface EvaluateOptions {
  /** Class names by index; their count is nc unless `nc` is given. */
  names?: readonly string[];
  /** Number of classes (default: names.length, else the largest class seen + 1). */
  nc?: number;
  /** IoU thresholds (default val.py's linspace(0.5, 0.95, 10)). */
  iouv?: readonly number[];
}

export interface ClassMetrics {
  cls: number;
  name: string;
  /** Images evaluated (val.py prints the total on every class row). */
  images: number;
  /** Ground-truth objects of this class. */
  instances: number;
  P: number;
  R: number;
  mAP50: number;
  mAP50_95: number;
}

export interface EvaluationResult {
  P: number;
  R: number;
  mAP50: number;
  mAP50_95: number;
  /** One row per class present in the labels (empty when no detection was a true positive, as in val.py). */
  perClass: ClassMetrics[];
  nImages: number;
  nInstances: number;
  /** Ground-truth objects per class index (NumPy's bincount with minlength nc). */
  nt: number[];
  /** Per-class mAP@0.5:0.95 by class index; classes without labels get the overall mAP@0.5:0.95 (val.py's `maps`). */
  maps: Float64Array;
  /** ap_per_class's output, for PR/F1/P/R curves; null when no detection was a true positive. */
  curves: ApPerClassResult | null;
  /** Confusion matrix at conf 0.25, IoU 0.45 (val.py's plots=True path). */
  confusionMatrix: ConfusionMatrix;
}

/**
 * Metrics of `detections` (per image, (n, 6): x1, y1, x2, y2, conf, cls, sorted by conf as NMS returns them) against
 * `labels` ((m, 6): image, cls, x1, y1, x2, y2), both in pixels. The image count is the larger of
 * detections.length and the highest label image index + 1.
 */
export function evaluateDetections(
  detections: readonly HostTensor[],
  labels: HostTensor,
  opts: EvaluateOptions = {},
): EvaluationResult {
  const iouv = opts.iouv ?? IOUV;
  const niou = iouv.length;
  const lab = matrixRows(labels, 6, 'evaluateDetections: labels');
  const m = labels.shape[0]!;

  const labelRowsByImage = new Map<number, number[]>();
  let maxClass = -1;
  for (let i = 0; i < m; i++) {
    const img = lab[i * 6]!;
    const cls = lab[i * 6 + 1]!;
    if (!Number.isInteger(img) || img < 0) throw new Error(`evaluateDetections: label row ${i} has image index ${img}, expected an integer ≥ 0`);
    if (!Number.isInteger(cls) || cls < 0) throw new Error(`evaluateDetections: label row ${i} has class ${cls}, expected an integer ≥ 0`);
    const rows = labelRowsByImage.get(img);
    if (rows) rows.push(i);
    else labelRowsByImage.set(img, [i]);
    maxClass = Math.max(maxClass, cls);
  }
  const maxLabelClass = maxClass;
  const dets = detections.map((d, i) => matrixRows(d, 6, `evaluateDetections: detections[${i}]`));
  dets.forEach((d, i) => {
    for (let k = 0; k < detections[i]!.shape[0]!; k++) maxClass = Math.max(maxClass, d[k * 6 + 5]!);
  });
  const nc = opts.nc ?? opts.names?.length ?? Math.max(Math.floor(maxClass) + 1, 1);
  let nImages = detections.length;
  for (const img of labelRowsByImage.keys()) nImages = Math.max(nImages, img + 1);
  const confusionMatrix = new ConfusionMatrix(nc);

  // val.py's stats, concatenated over images: correct (predictions × niou), conf, predicted and target classes.
  let total = 0;
  for (const d of detections) total += d.shape[0]!;
  const correct = new Uint8Array(total * niou);
  const conf = new Float32Array(total);
  const predCls = new Float32Array(total);
  const targetCls: number[] = [];
  let offset = 0;
  for (let si = 0; si < nImages; si++) {
    const rows = labelRowsByImage.get(si) ?? [];
    const nl = rows.length;
    const imageLabels = new Float32Array(nl * 5);
    rows.forEach((r, k) => imageLabels.set(lab.subarray(r * 6 + 1, r * 6 + 6), k * 5));
    const labelTensor: HostTensor = { dtype: 'float32', shape: [nl, 5], data: imageLabels };
    const pred = detections[si];
    const npr = pred ? pred.shape[0]! : 0;
    for (let k = 0; k < nl; k++) targetCls.push(imageLabels[k * 5]!);
    if (npr === 0) {
      if (nl) confusionMatrix.processBatch(null, labelTensor);
      continue;
    }
    if (nl) {
      correct.set(processBatch(pred!, labelTensor, iouv), offset * niou);
      confusionMatrix.processBatch(pred!, labelTensor);
    }
    const d = dets[si]!;
    for (let k = 0; k < npr; k++) {
      conf[offset + k] = d[k * 6 + 4]!;
      predCls[offset + k] = d[k * 6 + 5]!;
    }
    offset += npr;
  }

  const nt = new Array<number>(Math.max(nc, maxLabelClass + 1)).fill(0);
  for (const c of targetCls) nt[c]!++;
  const nInstances = targetCls.length;

  let P = 0;
  let R = 0;
  let mAP50 = 0;
  let mAP50_95 = 0;
  let curves: ApPerClassResult | null = null;
  const perClass: ClassMetrics[] = [];
  const apMeanByRow: number[] = [];
  if (correct.indexOf(1) >= 0) {
    curves = apPerClass(correct, conf, predCls, targetCls, { niou });
    const ap50 = Float64Array.from(curves.ap, (row) => row[0]!);
    const apMean = Float64Array.from(curves.ap, (row) => numpySum(row) / niou);
    const k = curves.classes.length;
    P = numpySum(curves.p) / k;
    R = numpySum(curves.r) / k;
    mAP50 = numpySum(ap50) / k;
    mAP50_95 = numpySum(apMean) / k;
    curves.classes.forEach((c, i) => {
      apMeanByRow.push(apMean[i]!);
      perClass.push({
        cls: c,
        name: opts.names?.[c] ?? String(c),
        images: nImages,
        instances: nt[c]!,
        P: curves!.p[i]!,
        R: curves!.r[i]!,
        mAP50: ap50[i]!,
        mAP50_95: apMean[i]!,
      });
    });
  }
  const maps = new Float64Array(nc).fill(mAP50_95);
  perClass.forEach((row, i) => {
    if (row.cls < nc) maps[row.cls] = apMeanByRow[i]!;
  });
  return { P, R, mAP50, mAP50_95, perClass, nImages, nInstances, nt, maps, curves, confusionMatrix };
}
