// Non-maximum suppression as YOLOv5 v7.0's `non_max_suppression` (utils/general.py) computes it, on host arrays.
//
// Float32 arithmetic is reproduced with Math.fround wherever PyTorch computes in float32 (conf = obj·cls, the
// xyxy corners, the class-offset boxes and torchvision's IoU), because the class offset (cls·7680) pushes boxes to
// coordinates where float32 rounding is coarse enough to change borderline suppressions.
// Ties in confidence keep candidate order (image row, then class). PyTorch's own argsort is not stable on large
// inputs, so among exactly equal confidences YOLOv5's order is unspecified; a stable order is the reproducible
// choice. Not carried over: the time limit (0.5 + 0.05·bs s), autolabel `labels` and mask columns (nm).

import { toFloat32, type HostTensor } from '../io/host-tensor.ts';
import { DetectionRows } from '../geometry/rows.ts';
import { checkNmsMethod, type NmsMethod, suppressVariant } from './nms-variants.ts';

/** non_max_suppression's settings (YOLOv5 v7.0's defaults unless noted). */
export interface NmsOptions {
  /** Keep candidates whose objectness and obj·cls confidence exceed this (compared in float32). */
  confThres?: number;
  /** Suppress a box whose IoU with a higher-scoring kept box of its class is greater than this. */
  iouThres?: number;
  /** Keep only these class indices. */
  classes?: readonly number[];
  /** Suppress across classes (no class offset). */
  agnostic?: boolean;
  /** One candidate per (box, class) whose confidence exceeds confThres, instead of the best class only. */
  multiLabel?: boolean;
  /** Detections kept per image. */
  maxDet?: number;
  /** Candidates (highest confidence first) passed to the suppression per image. */
  maxNms?: number;
  /** Class offset in pixels that separates classes in batched NMS. */
  maxWh?: number;
  /**
   * The suppression in place of v7.0's torchvision nms (docs/nms.md): 'nms' (default), 'diou' (DIoU-NMS: iouThres
   * is the IoU − d²/c² threshold), 'soft-linear' (Soft-NMS, iouThres is its Nt), 'soft-gaussian' (Soft-NMS with
   * `sigma`; iouThres unused). Soft-NMS drops boxes whose rescored confidence falls below confThres.
   */
  method?: NmsMethod;
  /** Soft-NMS gaussian σ (default 0.5; 'soft-gaussian' only), > 0. */
  sigma?: number;
}

const ORDER_SHIFT = 2 ** 22; // candidate indices below this fit beside the 31 conf bits in one exact double key
const INF_BITS = 0x7f800000;
const HIST_BITS = 16; // histogram on the top 16 of the 31 value bits of a positive float32
const HIST_SHIFT = 31 - HIST_BITS;

/**
 * Per image of `pred` (float32 (bs, N, 5+nc): cx, cy, w, h, objectness, class scores), the kept detections as
 * float32 (n, 6): x1, y1, x2, y2, conf, cls, highest confidence first.
 */
export function nonMaxSuppression(pred: HostTensor, opts: NmsOptions = {}): HostTensor[] {
  const confThres = opts.confThres ?? 0.25;
  const iouThres = opts.iouThres ?? 0.45;
  const agnostic = opts.agnostic ?? false;
  const maxDet = opts.maxDet ?? 300;
  const maxNms = opts.maxNms ?? 30000;
  const maxWh = opts.maxWh ?? 7680;
  if (pred.shape.length !== 3) {
    throw new Error(`nonMaxSuppression: prediction must have shape (batch, boxes, 5+nc), got (${pred.shape.join(', ')})`);
  }
  const [bs, rows, width] = pred.shape as [number, number, number];
  const nc = width - 5;
  if (nc < 1) throw new Error(`nonMaxSuppression: prediction rows need 5+nc ≥ 6 values, got ${width}`);
  if (!(confThres >= 0 && confThres <= 1)) throw new Error(`nonMaxSuppression: invalid confThres ${confThres}, valid values are between 0.0 and 1.0`);
  if (!(iouThres >= 0 && iouThres <= 1)) throw new Error(`nonMaxSuppression: invalid iouThres ${iouThres}, valid values are between 0.0 and 1.0`);
  for (const [name, v] of [['maxDet', maxDet], ['maxNms', maxNms]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new Error(`nonMaxSuppression: ${name} must be a non-negative integer, got ${v}`);
  }
  const { method, sigma } = checkNmsMethod(opts.method, opts.sigma, 'nonMaxSuppression');
  const data = pred.dtype === 'float32' ? (pred.data as Float32Array) : toFloat32(pred);
  const multiLabel = (opts.multiLabel ?? false) && nc > 1;
  // PyTorch compares a float32 tensor with a Python float after casting the float to float32.
  const confT = Math.fround(confThres);
  let classAllowed: Uint8Array | undefined;
  if (opts.classes) {
    classAllowed = new Uint8Array(nc);
    for (const c of opts.classes) if (Number.isInteger(c) && c >= 0 && c < nc) classAllowed[c] = 1;
  }

  const cand = sharedCandidates;
  const out: HostTensor[] = [];
  for (let b = 0; b < bs; b++) {
    cand.length = 0;
    const imageBase = b * rows * width;
    gatherCandidates(data, imageBase, rows, nc, confT, multiLabel, classAllowed, cand);
    const order = sortedCandidates(cand, maxNms);
    if (method === 'nms') out.push(suppress(data, imageBase, width, cand, order, { iouThres, agnostic, maxDet, maxWh }));
    else out.push(suppressVariant(data, imageBase, width, cand, order, { method, confThres, iouThres, sigma, agnostic, maxDet, maxWh }));
  }
  return out;
}

/** Appends the image's candidates: rows with obj > conf, then (box, class) pairs with obj·cls > conf. */
function gatherCandidates(
  data: Float32Array,
  imageBase: number,
  rows: number,
  nc: number,
  confT: number,
  multiLabel: boolean,
  classAllowed: Uint8Array | undefined,
  cand: CandidateBuffer,
): void {
  const width = nc + 5;
  for (let r = 0; r < rows; r++) {
    const base = imageBase + r * width;
    const obj = data[base + 4]!;
    if (!(obj > confT)) continue;
    if (multiLabel) {
      cand.reserve(nc);
      const { row, cls, conf } = cand;
      let n = cand.length;
      for (let j = 0; j < nc; j++) {
        const c = Math.fround(data[base + 5 + j]! * obj);
        if (c > confT && (classAllowed === undefined || classAllowed[j] === 1)) {
          row[n] = r;
          cls[n] = j;
          conf[n] = c;
          n++;
        }
      }
      cand.length = n;
    } else {
      let best = Math.fround(data[base + 5]! * obj);
      let bestJ = 0;
      for (let j = 1; j < nc; j++) {
        const c = Math.fround(data[base + 5 + j]! * obj);
        if (c > best || c !== c) {
          // torch's max propagates NaN, and a NaN conf never passes the threshold
          best = c;
          bestJ = j;
        }
      }
      if (best > confT && (classAllowed === undefined || classAllowed[bestJ] === 1)) {
        cand.reserve(1);
        cand.row[cand.length] = r;
        cand.cls[cand.length] = bestJ;
        cand.conf[cand.length] = best;
        cand.length++;
      }
    }
  }
}

/** Growable parallel arrays of candidates: source row, class and confidence. */
class CandidateBuffer {
  row: Int32Array;
  cls: Int32Array;
  conf: Float32Array;
  length = 0;
  constructor(capacity: number) {
    const c = Math.max(capacity, 16);
    this.row = new Int32Array(c);
    this.cls = new Int32Array(c);
    this.conf = new Float32Array(c);
  }
  /** Makes room for `extra` more candidates. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.row.length) return;
    const cap = Math.max(need, this.row.length * 2);
    const row = new Int32Array(cap);
    const cls = new Int32Array(cap);
    const conf = new Float32Array(cap);
    row.set(this.row.subarray(0, this.length));
    cls.set(this.cls.subarray(0, this.length));
    conf.set(this.conf.subarray(0, this.length));
    this.row = row;
    this.cls = cls;
    this.conf = conf;
  }
}

// Multi-label candidates can number rows·nc (millions for an untrained model), so the buffer is kept between calls.
const sharedCandidates = new CandidateBuffer(1 << 16);

/** Candidate indices by confidence descending (ties: candidate order), at most `maxNms` of them. */
function sortedCandidates(cand: CandidateBuffer, maxNms: number): Int32Array {
  const n = cand.length;
  // Confidences are positive float32s, whose bit patterns order like their values.
  const bits = new Uint32Array(cand.conf.buffer, 0, n);
  // With more candidates than maxNms, a histogram of the high conf bits finds a cut that keeps the top maxNms
  // (plus the rest of the bucket the cut falls in), so only those need sorting.
  let cutBucket = 0;
  let count = n;
  if (n > maxNms) {
    const hist = new Uint32Array(1 << HIST_BITS);
    for (let i = 0; i < n; i++) hist[bits[i]! >>> HIST_SHIFT]++;
    count = 0;
    for (cutBucket = hist.length - 1; cutBucket > 0; cutBucket--) {
      count += hist[cutBucket]!;
      if (count >= maxNms) break;
    }
  }
  // The survivors of the cut, in candidate order.
  const picked = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < n; i++) if (bits[i]! >>> HIST_SHIFT >= cutBucket) picked[k++] = i;
  const m = Math.min(count, maxNms);
  const order = new Int32Array(m);
  if (count >= ORDER_SHIFT) {
    const sorted = Array.from(picked).sort((a, b) => cand.conf[b]! - cand.conf[a]! || a - b);
    for (let i = 0; i < m; i++) order[i] = sorted[i]!;
    return order;
  }
  // One exact double per survivor (inverted conf bits above its position) lets the native numeric sort order
  // by conf descending, ties by candidate order.
  const keys = new Float64Array(count);
  for (let i = 0; i < count; i++) keys[i] = (INF_BITS - bits[picked[i]!]!) * ORDER_SHIFT + i;
  keys.sort();
  for (let i = 0; i < m; i++) order[i] = picked[keys[i]! % ORDER_SHIFT]!;
  return order;
}

interface SuppressOptions {
  iouThres: number;
  agnostic: boolean;
  maxDet: number;
  maxWh: number;
}

/**
 * Greedy suppression in score order (torchvision.ops.nms semantics) on class-offset boxes: a candidate is kept
 * when no kept box overlaps it by IoU > iouThres. The scan stops once maxDet boxes are kept, since later
 * candidates cannot change the first maxDet kept.
 */
function suppress(
  data: Float32Array,
  imageBase: number,
  width: number,
  cand: CandidateBuffer,
  order: Int32Array,
  o: SuppressOptions,
): HostTensor {
  const cap = Math.min(o.maxDet, order.length);
  const corners = new Float32Array(cap * 4); // x1, y1, x2, y2 of kept boxes, as YOLOv5 outputs them
  const shifted = new Float32Array((cap + 1) * 4); // kept boxes + cls·maxWh (what nms compares); last slot: candidate
  const area = new Float32Array(cap + 1);
  const keptCand = new Int32Array(cap);
  // Kept boxes chained per class: while every box seen spans less than the class offset, boxes of different
  // classes cannot intersect, so a candidate is compared with its own class only.
  const firstOfClass = new Map<number, number>();
  const nextOfClass = new Int32Array(cap).fill(-1);
  const lastOfClass = new Map<number, number>();
  let minX = Infinity;
  let maxX = -Infinity;
  let n = 0;
  const s = cap * 4;
  for (let k = 0; k < order.length && n < cap; k++) {
    const c = order[k]!;
    const cls = cand.cls[c]!;
    const base = imageBase + cand.row[c]! * width;
    const hw = data[base + 2]! / 2;
    const hh = data[base + 3]! / 2;
    const x1 = Math.fround(data[base]! - hw);
    const y1 = Math.fround(data[base + 1]! - hh);
    const x2 = Math.fround(data[base]! + hw);
    const y2 = Math.fround(data[base + 1]! + hh);
    const offset = o.agnostic ? 0 : Math.fround(cls * o.maxWh);
    shifted[s] = x1 + offset;
    shifted[s + 1] = y1 + offset;
    shifted[s + 2] = x2 + offset;
    shifted[s + 3] = y2 + offset;
    area[cap] = Math.fround(Math.fround(shifted[s + 2]! - shifted[s]!) * Math.fround(shifted[s + 3]! - shifted[s + 1]!));
    if (x1 < minX) minX = x1;
    if (x2 > maxX) maxX = x2;
    const perClass = !o.agnostic && maxX - minX < o.maxWh / 2;
    if (perClass) {
      let i = firstOfClass.get(cls) ?? -1;
      let hit = false;
      for (; i >= 0 && !hit; i = nextOfClass[i]!) hit = iouAbove(shifted, area, cap, i, o.iouThres);
      if (hit) continue;
    } else {
      let hit = false;
      for (let i = 0; i < n && !hit; i++) hit = iouAbove(shifted, area, cap, i, o.iouThres);
      if (hit) continue;
    }
    shifted.copyWithin(n * 4, s, s + 4);
    area[n] = area[cap]!;
    corners[n * 4] = x1;
    corners[n * 4 + 1] = y1;
    corners[n * 4 + 2] = x2;
    corners[n * 4 + 3] = y2;
    keptCand[n] = c;
    const last = lastOfClass.get(cls);
    if (last === undefined) firstOfClass.set(cls, n);
    else nextOfClass[last] = n;
    lastOfClass.set(cls, n);
    n++;
  }
  const res = DetectionRows.alloc(n);
  for (let i = 0; i < n; i++) {
    const k = keptCand[i]!;
    res.set(i, corners[i * 4]!, corners[i * 4 + 1]!, corners[i * 4 + 2]!, corners[i * 4 + 3]!, cand.conf[k]!, cand.cls[k]!);
  }
  return { dtype: 'float32', shape: [n, 6], data: res.data };
}

/** torchvision's CPU IoU test between box a (the candidate) and kept box i, each operation rounded to float32. */
function iouAbove(b: Float32Array, area: Float32Array, a: number, i: number, iouThres: number): boolean {
  const w = Math.fround(Math.min(b[a * 4 + 2]!, b[i * 4 + 2]!) - Math.max(b[a * 4]!, b[i * 4]!));
  if (!(w > 0)) return false; // no overlap: IoU is 0 (or NaN), never above the threshold
  const h = Math.fround(Math.min(b[a * 4 + 3]!, b[i * 4 + 3]!) - Math.max(b[a * 4 + 1]!, b[i * 4 + 1]!));
  if (!(h > 0)) return false;
  const inter = Math.fround(w * h);
  return Math.fround(inter / Math.fround(Math.fround(area[i]! + area[a]!) - inter)) > iouThres;
}
