// Which detections are true positives at each IoU threshold: val.py's `process_batch` (YOLOv5 v7.0).
// IoU follows utils/metrics.py `box_iou` in float32 (as PyTorch computes it), so thresholds compare as in YOLOv5.

import { toFloat32, type HostTensor } from '../io/host-tensor.ts';
import { DetectionRows } from '../geometry/rows.ts';
import { firstOccurrences, numpyArgsort } from '../compat/numpy.ts';

/** val.py's `iouv = torch.linspace(0.5, 0.95, 10)`: the float32 IoU thresholds of mAP@0.5:0.95. */
export const IOUV: readonly number[] = Array.from({ length: 10 }, (_, i) => Math.fround(0.5 + 0.05 * i));

const EPS_F32 = Math.fround(1e-7);

/** Float32 rows of a (rows, cols) tensor, with a clear error when the shape is wrong. */
export function matrixRows(t: HostTensor, cols: number, what: string): Float32Array {
  const ok = t.shape.length === 2 && t.shape[1] === cols;
  const empty = t.shape.length >= 1 && t.shape[0] === 0;
  if (!ok && !empty) throw new Error(`${what} must have shape (n, ${cols}), got (${t.shape.join(', ')})`);
  return t.dtype === 'float32' ? (t.data as Float32Array) : toFloat32(t);
}

/**
 * utils/metrics.py `box_iou` for xyxy boxes in float32: (m × n) IoU of `a` (m boxes, read at `aOffset` within
 * rows of `aStride`) against `b` (n boxes, likewise), row-major by box of `a`.
 */
export function boxIouF32(
  a: Float32Array,
  m: number,
  aStride: number,
  aOffset: number,
  b: Float32Array,
  n: number,
  bStride: number,
  bOffset: number,
): Float32Array {
  const out = new Float32Array(m * n);
  const areaB = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    const q = j * bStride + bOffset;
    areaB[j] = Math.fround(Math.fround(b[q + 2]! - b[q]!) * Math.fround(b[q + 3]! - b[q + 1]!));
  }
  for (let i = 0; i < m; i++) {
    const p = i * aStride + aOffset;
    const ax1 = a[p]!;
    const ay1 = a[p + 1]!;
    const ax2 = a[p + 2]!;
    const ay2 = a[p + 3]!;
    const areaA = Math.fround(Math.fround(ax2 - ax1) * Math.fround(ay2 - ay1));
    for (let j = 0; j < n; j++) {
      const q = j * bStride + bOffset;
      const w = Math.max(Math.fround(Math.min(ax2, b[q + 2]!) - Math.max(ax1, b[q]!)), 0);
      const h = Math.max(Math.fround(Math.min(ay2, b[q + 3]!) - Math.max(ay1, b[q + 1]!)), 0);
      const inter = Math.fround(w * h);
      const union = Math.fround(Math.fround(Math.fround(areaA + areaB[j]!) - inter) + EPS_F32);
      out[i * n + j] = inter / union;
    }
  }
  return out;
}

/** One (label, detection) pair and its IoU, as the rows of YOLOv5's `matches` array. */
export interface MatchPair {
  label: number;
  det: number;
  iou: number;
}

/**
 * YOLOv5's deduplication of candidate pairs (given in torch.where order: by label, then detection): sort by IoU
 * descending (NumPy's argsort, reversed), keep each detection's first pair, optionally sort by IoU again
 * (ConfusionMatrix does, process_batch does not), then keep each label's first pair.
 */
export function dedupeMatches(pairs: MatchPair[], resortBeforeLabels: boolean): MatchPair[] {
  if (pairs.length <= 1) return pairs;
  const byIouDesc = (list: MatchPair[]): MatchPair[] =>
    Array.from(numpyArgsort(Float32Array.from(list, (p) => p.iou)))
      .reverse()
      .map((i) => list[i]!);
  let list = byIouDesc(pairs);
  list = firstOccurrences(list.map((p) => p.det)).map((i) => list[i]!);
  if (resortBeforeLabels) list = byIouDesc(list);
  return firstOccurrences(list.map((p) => p.label)).map((i) => list[i]!);
}

/**
 * For detections (n, 6: x1, y1, x2, y2, conf, cls) and labels (m, 5: cls, x1, y1, x2, y2) of one image, whether each
 * detection is correct at each threshold of `iouv`: row-major (n × iouv.length), 1 = true positive.
 *
 * At each threshold, the candidate pairs are those of equal class with IoU ≥ threshold; each detection keeps its
 * highest-IoU label, then each label keeps the first of those detections in detection order (the highest
 * confidence, NMS output being sorted), exactly as YOLOv5's sorts and np.unique calls resolve them.
 */
export function processBatch(detections: HostTensor, labels: HostTensor, iouv: readonly number[] = IOUV): Uint8Array {
  const det = matrixRows(detections, 6, 'processBatch: detections');
  const lab = matrixRows(labels, 5, 'processBatch: labels');
  const n = detections.shape[0]!;
  const rows = new DetectionRows(det.subarray(0, n * 6));
  const m = labels.shape[0]!;
  const niou = iouv.length;
  const correct = new Uint8Array(n * niou);
  if (n === 0 || m === 0) return correct;
  const iou = boxIouF32(lab, m, 5, 1, det, n, 6, 0);
  const bestLabel = new Int32Array(n);
  const labelTaken = new Uint8Array(m);
  for (let t = 0; t < niou; t++) {
    const thr = Math.fround(iouv[t]!); // iouv is a float32 tensor in YOLOv5
    // Only a tie between two labels for one detection's best IoU depends on NumPy's sort order; without one,
    // each detection's best label, claimed in detection order, is the whole answer.
    let tie = false;
    for (let d = 0; d < n && !tie; d++) {
      let best = -1;
      let bestIou = 0;
      for (let l = 0; l < m; l++) {
        const v = iou[l * n + d]!;
        if (!(v >= thr) || lab[l * 5] !== rows.cls(d)) continue;
        if (best >= 0 && v === bestIou) tie = true;
        if (best < 0 || v > bestIou) {
          best = l;
          bestIou = v;
        }
      }
      bestLabel[d] = best;
    }
    if (!tie) {
      labelTaken.fill(0);
      for (let d = 0; d < n; d++) {
        const l = bestLabel[d]!;
        if (l >= 0 && !labelTaken[l]) {
          labelTaken[l] = 1;
          correct[d * niou + t] = 1;
        }
      }
      continue;
    }
    const pairs: MatchPair[] = [];
    for (let l = 0; l < m; l++) {
      for (let d = 0; d < n; d++) {
        const v = iou[l * n + d]!;
        if (v >= thr && lab[l * 5] === rows.cls(d)) pairs.push({ label: l, det: d, iou: v });
      }
    }
    for (const p of dedupeMatches(pairs, false)) correct[p.det * niou + t] = 1;
  }
  return correct;
}
