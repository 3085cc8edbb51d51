// The detection confusion matrix of YOLOv5 v7.0 (utils/metrics.py `ConfusionMatrix`), without the plot.
// Rows are predicted classes and columns true classes; index nc is "background".

import type { HostTensor } from '../io/host-tensor.ts';
import { DetectionRows } from '../geometry/rows.ts';
import { boxIouF32, dedupeMatches, matrixRows, type MatchPair } from './match.ts';

/** YOLOv5's ConfusionMatrix: detections against labels, with a background row and column. */
export class ConfusionMatrix {
  /** Number of classes. */
  readonly nc: number;
  /** Detections below this confidence are ignored. */
  readonly conf: number;
  /** IoU at which a detection matches a label. */
  readonly iouThres: number;
  /** (nc + 1) × (nc + 1), row-major: matrix[pred * (nc + 1) + true]. */
  readonly matrix: Float64Array;

  constructor(nc: number, conf = 0.25, iouThres = 0.45) {
    if (!Number.isInteger(nc) || nc < 1) throw new Error(`ConfusionMatrix: nc must be a positive integer, got ${nc}`);
    this.nc = nc;
    this.conf = conf;
    this.iouThres = iouThres;
    this.matrix = new Float64Array((nc + 1) * (nc + 1));
  }

  /** Count at [predicted, true]. */
  at(pred: number, trueCls: number): number {
    return this.matrix[pred * (this.nc + 1) + trueCls]!;
  }

  /**
   * Adds one image: detections (n, 6: x1, y1, x2, y2, conf, cls) or null when the image has none, and labels
   * (m, 5: cls, x1, y1, x2, y2). With null detections every label counts as a missed object.
   *
   * As in YOLOv5: detections with conf ≤ `conf` are ignored; a label and a detection match when IoU > iouThres
   * regardless of class, each detection keeping its best label and then each label its best detection; unmatched
   * detections count as background false positives only when the image had at least one match.
   */
  processBatch(detections: HostTensor | null, labels: HostTensor): void {
    const lab = matrixRows(labels, 5, 'ConfusionMatrix.processBatch: labels');
    const m = labels.shape[0]!;
    const size = this.nc + 1;
    const gtClass = (l: number): number => this.classIndex(lab[l * 5]!, 'label');
    if (detections === null) {
      for (let l = 0; l < m; l++) this.matrix[this.nc * size + gtClass(l)]++;
      return;
    }
    const all = new DetectionRows(matrixRows(detections, 6, 'ConfusionMatrix.processBatch: detections').subarray(0, detections.shape[0]! * 6));
    // PyTorch compares float32 tensors with a float32 copy of a Python float threshold.
    const confT = Math.fround(this.conf);
    const iouT = Math.fround(this.iouThres);
    const kept: number[] = [];
    for (let d = 0; d < all.length; d++) if (all.conf(d) > confT) kept.push(d);
    const n = kept.length;
    const det = DetectionRows.alloc(n);
    kept.forEach((d, i) => det.data.set(all.row(d), i * DetectionRows.width));
    const iou = boxIouF32(lab, m, 5, 1, det.data, n, 6, 0);

    const pairs: MatchPair[] = [];
    for (let l = 0; l < m; l++) {
      for (let d = 0; d < n; d++) {
        const v = iou[l * n + d]!;
        if (v > iouT) pairs.push({ label: l, det: d, iou: v });
      }
    }
    const matches = dedupeMatches(pairs, true);
    const anyMatch = matches.length > 0;
    const detOfLabel = new Int32Array(m).fill(-1);
    for (const p of matches) detOfLabel[p.label] = p.det;
    const matchedDet = new Uint8Array(n);
    for (let l = 0; l < m; l++) {
      const d = detOfLabel[l]!;
      if (d >= 0) {
        matchedDet[d] = 1;
        this.matrix[this.classIndex(det.cls(d), 'detection') * size + gtClass(l)]++;
      } else {
        this.matrix[this.nc * size + gtClass(l)]++;
      }
    }
    if (anyMatch) {
      for (let d = 0; d < n; d++) {
        if (!matchedDet[d]) this.matrix[this.classIndex(det.cls(d), 'detection') * size + this.nc]++;
      }
    }
  }

  /** True positives and false positives per class (background row and column left out). */
  tpFp(): {
    /** True positives per class. */
    tp: Float64Array;
    /** False positives per class. */
    fp: Float64Array;
  } {
    const size = this.nc + 1;
    const tp = new Float64Array(this.nc);
    const fp = new Float64Array(this.nc);
    for (let c = 0; c < this.nc; c++) {
      tp[c] = this.matrix[c * size + c]!;
      let rowSum = 0;
      for (let k = 0; k < size; k++) rowSum += this.matrix[c * size + k]!;
      fp[c] = rowSum - tp[c]!;
    }
    return { tp, fp };
  }

  private classIndex(value: number, what: string): number {
    const c = Math.trunc(value);
    if (!(c >= 0 && c < this.nc)) {
      throw new Error(`ConfusionMatrix: ${what} class ${value} is outside 0..${this.nc - 1}`);
    }
    return c;
  }
}
