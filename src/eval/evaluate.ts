// val.py's metric pipeline (YOLOv5 v7.0) on detections and labels that are already in the same pixel space:
// per-image matching at IoU 0.50:0.95, then ap_per_class and the summary numbers val.py prints and returns.

import type { HostTensor } from '../io/host-tensor.ts';
import { numpySum } from '../compat/numpy.ts';
import { apPerClass, type ApPerClassResult } from './ap.ts';
import { ConfusionMatrix } from './confusion-matrix.ts';
import { IOUV, matrixRows, processBatch } from './match.ts';
import { DetectionRows, TargetRows } from '../geometry/rows.ts';

export interface EvaluateOptions {
  /** Class names by index; their count is nc unless `nc` is given. */
  names?: readonly string[];
  /** Number of classes (default: names.length, else the largest class seen + 1). */
  nc?: number;
  /** IoU thresholds (default val.py's linspace(0.5, 0.95, 10)). */
  iouv?: readonly number[];
}

/** One class's row of val.py's table. */
export interface ClassMetrics {
  /** Class index. */
  cls: number;
  /** Class name. */
  name: string;
  /** Images evaluated (val.py prints the total on every class row). */
  images: number;
  /** Ground-truth objects of this class. */
  instances: number;
  /** Precision at the operating point. */
  P: number;
  /** Recall at the operating point. */
  R: number;
  /** AP at IoU 0.5. */
  mAP50: number;
  /** AP averaged over IoU 0.5:0.95. */
  mAP50_95: number;
}

/** val.py's metrics: the all-classes row, per-class rows, the curves and the confusion matrix. */
export interface EvaluationResult {
  /** Mean precision over classes. */
  P: number;
  /** Mean recall over classes. */
  R: number;
  /** mAP at IoU 0.5. */
  mAP50: number;
  /** mAP averaged over IoU 0.5:0.95. */
  mAP50_95: number;
  /** One row per class present in the labels (empty when no detection was a true positive, as in val.py). */
  perClass: ClassMetrics[];
  /** Images evaluated. */
  nImages: number;
  /** Ground-truth objects. */
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

/** val.py's stats, concatenated over images: correct (predictions × niou), conf, predicted and target classes. */
interface MatchStats {
  correct: Uint8Array;
  conf: Float32Array;
  predCls: Float32Array;
  targetCls: number[];
}

/** Label rows grouped by image index, checked (integer image and class ≥ 0). */
interface LabelIndex {
  rows: TargetRows;
  byImage: Map<number, number[]>;
  maxClass: number;
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
  const index = indexLabels(labels);
  const dets = detections.map((d, i) => new DetectionRows(matrixRows(d, 6, `evaluateDetections: detections[${i}]`).subarray(0, d.shape[0]! * 6)));
  let maxClass = index.maxClass;
  for (const d of dets) for (let k = 0; k < d.length; k++) maxClass = Math.max(maxClass, d.cls(k));
  const nc = opts.nc ?? opts.names?.length ?? Math.max(Math.floor(maxClass) + 1, 1);
  let nImages = detections.length;
  for (const img of index.byImage.keys()) nImages = Math.max(nImages, img + 1);
  const confusionMatrix = new ConfusionMatrix(nc);
  const stats = matchImages(detections, dets, index, nImages, iouv, confusionMatrix);

  const nt = new Array<number>(Math.max(nc, index.maxClass + 1)).fill(0);
  for (const c of stats.targetCls) nt[c]!++;
  const summary = summarizeStats(stats, iouv.length, nt, nImages, opts.names);
  const maps = new Float64Array(nc).fill(summary.mAP50_95);
  summary.perClass.forEach((row) => {
    if (row.cls < nc) maps[row.cls] = row.mAP50_95;
  });
  return { ...summary, nImages, nInstances: stats.targetCls.length, nt, maps, confusionMatrix };
}

function indexLabels(labels: HostTensor): LabelIndex {
  const rows = new TargetRows(matrixRows(labels, 6, 'evaluateDetections: labels').subarray(0, labels.shape[0]! * 6));
  const byImage = new Map<number, number[]>();
  let maxClass = -1;
  for (let i = 0; i < rows.length; i++) {
    const img = rows.image(i);
    const cls = rows.cls(i);
    if (!Number.isInteger(img) || img < 0) throw new Error(`evaluateDetections: label row ${i} has image index ${img}, expected an integer ≥ 0`);
    if (!Number.isInteger(cls) || cls < 0) throw new Error(`evaluateDetections: label row ${i} has class ${cls}, expected an integer ≥ 0`);
    const list = byImage.get(img);
    if (list) list.push(i);
    else byImage.set(img, [i]);
    maxClass = Math.max(maxClass, cls);
  }
  return { rows, byImage, maxClass };
}

/** Per image: process_batch at every IoU threshold and the confusion matrix, as val.py's loop over images. */
function matchImages(detections: readonly HostTensor[], dets: DetectionRows[], index: LabelIndex, nImages: number, iouv: readonly number[], confusionMatrix: ConfusionMatrix): MatchStats {
  const niou = iouv.length;
  let total = 0;
  for (const d of dets) total += d.length;
  const stats: MatchStats = { correct: new Uint8Array(total * niou), conf: new Float32Array(total), predCls: new Float32Array(total), targetCls: [] };
  let offset = 0;
  for (let si = 0; si < nImages; si++) {
    const rows = index.byImage.get(si) ?? [];
    const nl = rows.length;
    const imageLabels = new Float32Array(nl * 5);
    rows.forEach((r, k) => imageLabels.set(index.rows.label(r), k * 5));
    const labelTensor: HostTensor = { dtype: 'float32', shape: [nl, 5], data: imageLabels };
    for (let k = 0; k < nl; k++) stats.targetCls.push(imageLabels[k * 5]!);
    const d = dets[si];
    if (!d || d.length === 0) {
      if (nl) confusionMatrix.processBatch(null, labelTensor);
      continue;
    }
    if (nl) {
      stats.correct.set(processBatch(detections[si]!, labelTensor, iouv), offset * niou);
      confusionMatrix.processBatch(detections[si]!, labelTensor);
    }
    for (let k = 0; k < d.length; k++) {
      stats.conf[offset + k] = d.conf(k);
      stats.predCls[offset + k] = d.cls(k);
    }
    offset += d.length;
  }
  return stats;
}

/** ap_per_class and val.py's means: P, R, mAP50, mAP50-95 overall and per class (all 0 without a true positive). */
function summarizeStats(stats: MatchStats, niou: number, nt: number[], nImages: number, names: readonly string[] | undefined) {
  const perClass: ClassMetrics[] = [];
  if (stats.correct.indexOf(1) < 0) return { P: 0, R: 0, mAP50: 0, mAP50_95: 0, perClass, curves: null };
  const curves = apPerClass(stats.correct, stats.conf, stats.predCls, stats.targetCls, { niou });
  const ap50 = Float64Array.from(curves.ap, (row) => row[0]!);
  const apMean = Float64Array.from(curves.ap, (row) => numpySum(row) / niou);
  const k = curves.classes.length;
  curves.classes.forEach((c, i) => {
    perClass.push({
      cls: c,
      name: names?.[c] ?? String(c),
      images: nImages,
      instances: nt[c]!,
      P: curves.p[i]!,
      R: curves.r[i]!,
      mAP50: ap50[i]!,
      mAP50_95: apMean[i]!,
    });
  });
  return { P: numpySum(curves.p) / k, R: numpySum(curves.r) / k, mAP50: numpySum(ap50) / k, mAP50_95: numpySum(apMean) / k, perClass, curves: curves as ApPerClassResult | null };
}
