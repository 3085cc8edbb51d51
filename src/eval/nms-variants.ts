// The suppressions nonMaxSuppression can use in place of YOLOv5 v7.0's torchvision `nms` call (same candidates,
// class offsets, max_nms and max_det around them; see docs/nms.md):
//   'diou'          DIoU-NMS as Zheng et al.'s `diounms` (Zzh-tju/DIoU-pytorch-detectron, lib/utils/cython_nms.pyx):
//                   a box is suppressed when IoU − d²/c² ≥ iouThres against a kept box (d: centre distance, c: the
//                   enclosing box's diagonal), IoU with +1-pixel widths and heights, d and c without.
//   'soft-linear'   Soft-NMS as Bodla, Singh et al.'s `cpu_soft_nms` (bharatsingh430/soft-nms, lib/nms/cpu_nms.pyx),
//   'soft-gaussian' method 1 (score · (1 − IoU) where IoU > Nt = iouThres) and method 2 (score · exp(−IoU²/σ)),
//                   +1-pixel IoU; boxes whose score decays below confThres are dropped. The rescored scores are the
//                   output confidences.
// Float32 arithmetic is reproduced operation by operation as the compiled reference code does it (where its C mixes
// in a double literal, in double), so results equal the reference's bit for bit. Host arrays, browser-safe.

import type { HostTensor } from '../io/host-tensor.ts';
import { DetectionRows } from '../geometry/rows.ts';

/** The NMS variants (docs/nms.md): YOLOv5's NMS, DIoU-NMS, linear and gaussian Soft-NMS. */
export type NmsMethod = 'nms' | 'diou' | 'soft-linear' | 'soft-gaussian';
/** Every NmsMethod, in the order the CLI lists them. */
export const NMS_METHODS: readonly NmsMethod[] = ['nms', 'diou', 'soft-linear', 'soft-gaussian'];
/** Soft-NMS's gaussian σ when none is given (cpu_soft_nms's default). */
export const DEFAULT_SOFT_SIGMA = 0.5;

/**
 * The method (default 'nms') and σ (default 0.5) after checking them; errors start with `who` and call the two
 * options by the caller's names.
 */
export function checkNmsMethod(method: unknown, sigma: unknown, who: string, names = { method: 'method', sigma: 'sigma' }): { method: NmsMethod; sigma: number } {
  const m = method ?? 'nms';
  if (!NMS_METHODS.includes(m as NmsMethod)) {
    throw new Error(`${who}: ${names.method} must be ${NMS_METHODS.slice(0, -1).join(', ')} or ${NMS_METHODS.at(-1)}, got ${JSON.stringify(m)}`);
  }
  const s = sigma ?? DEFAULT_SOFT_SIGMA;
  if (typeof s !== 'number' || !Number.isFinite(s) || s <= 0) throw new Error(`${who}: ${names.sigma} must be a number > 0, got ${String(s)}`);
  return { method: m as NmsMethod, sigma: s };
}

/** The names val, detect and loadDetector give the two options. */
export const NMS_OPTION_NAMES = { method: 'nmsMethod', sigma: 'softSigma' };

/** One image's candidates (parallel arrays: source row, class, confidence), as nonMaxSuppression gathers them. */
export interface NmsCandidates {
  readonly row: Int32Array;
  readonly cls: Int32Array;
  readonly conf: Float32Array;
}

export interface VariantOptions {
  method: Exclude<NmsMethod, 'nms'>;
  confThres: number;
  iouThres: number;
  sigma: number;
  agnostic: boolean;
  maxDet: number;
  maxWh: number;
}

/**
 * The kept detections (n, 6) of one image for a non-default method. `order`: candidate indices by confidence
 * descending (ties in candidate order), at most maxNms — the boxes the reference suppression is given, in its
 * input order.
 */
export function suppressVariant(
  data: Float32Array,
  imageBase: number,
  width: number,
  cand: NmsCandidates,
  order: Int32Array,
  o: VariantOptions,
): HostTensor {
  const boxes = new ImageBoxes(data, imageBase, width, cand);
  return o.method === 'diou' ? diouNms(boxes, cand, order, o) : softNms(boxes, cand, order, o);
}

/** A candidate's corners (x1, y1, x2, y2 in float32, as v7.0's xywh2xyxy) from its prediction row. */
class ImageBoxes {
  readonly corner = new Float32Array(4);
  constructor(
    private readonly data: Float32Array,
    private readonly imageBase: number,
    private readonly width: number,
    private readonly cand: NmsCandidates,
  ) {}
  /** Fills `corner` for candidate c. */
  load(c: number): Float32Array {
    const base = this.imageBase + this.cand.row[c]! * this.width;
    const d = this.data;
    const hw = d[base + 2]! / 2;
    const hh = d[base + 3]! / 2;
    this.corner[0] = d[base]! - hw;
    this.corner[1] = d[base + 1]! - hh;
    this.corner[2] = d[base]! + hw;
    this.corner[3] = d[base + 1]! + hh;
    return this.corner;
  }
  /** The class offset v7.0 adds to candidate c's box (cls · max_wh in float32, 0 when agnostic). */
  static offset(cls: number, o: { agnostic: boolean; maxWh: number }): number {
    return o.agnostic ? 0 : Math.fround(cls * o.maxWh);
  }
}

// The references' own min/max (`a if a <= b else b`, `a if a >= b else b`), which differ from Math.min/max on
// NaN and signed zeros.
const fmin = (a: number, b: number): number => (a <= b ? a : b);
const fmax = (a: number, b: number): number => (a >= b ? a : b);
const f = Math.fround;

function rowsOf(n: number, boxes: ImageBoxes, cand: NmsCandidates, ids: Int32Array, scores: Float32Array): HostTensor {
  const res = DetectionRows.alloc(n);
  for (let k = 0; k < n; k++) {
    const c = ids[k]!;
    const b = boxes.load(c);
    res.set(k, b[0]!, b[1]!, b[2]!, b[3]!, scores[k]!, cand.cls[c]!);
  }
  return { dtype: 'float32', shape: [n, 6], data: res.data };
}

/**
 * cpu_soft_nms on the class-offset boxes in `order`: step i moves the highest remaining score (the first one, in
 * the array's current order) to position i by swapping it with the box there, then rescales the score of every
 * later box that overlaps it (+1-pixel widths/heights > 0); a box whose score falls below confThres is replaced by
 * the array's last box and the array shrinks by one. Position i is final after step i, so the scan stops after
 * maxDet steps (v7.0 keeps the first max_det).
 */
function softNms(boxes: ImageBoxes, cand: NmsCandidates, order: Int32Array, o: VariantOptions): HostTensor {
  const n = order.length;
  const x1 = new Float32Array(n);
  const y1 = new Float32Array(n);
  const x2 = new Float32Array(n);
  const y2 = new Float32Array(n);
  const score = new Float32Array(n);
  const id = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const c = order[k]!;
    const b = boxes.load(c);
    const off = ImageBoxes.offset(cand.cls[c]!, o);
    x1[k] = b[0]! + off;
    y1[k] = b[1]! + off;
    x2[k] = b[2]! + off;
    y2[k] = b[3]! + off;
    score[k] = cand.conf[c]!;
    id[k] = c;
  }
  const move = (to: number, from: number): void => {
    x1[to] = x1[from]!;
    y1[to] = y1[from]!;
    x2[to] = x2[from]!;
    y2[to] = y2[from]!;
    score[to] = score[from]!;
    id[to] = id[from]!;
  };
  const linear = o.method === 'soft-linear';
  const nt = f(o.iouThres);
  const sigma = f(o.sigma);
  const threshold = f(o.confThres);
  let live = n;
  // The next pick: the first highest score in array order. The rescoring pass of step i leaves each position
  // final as it moves past it (a drop refills the current position from the end, which is then examined), so it
  // finds step i + 1's pick on the way; only step 0 needs its own scan.
  let best = 0;
  for (let p = 1; p < live; p++) if (score[best]! < score[p]!) best = p;
  let i = 0;
  for (; i < live && i < o.maxDet; i++) {
    const [bx1, by1, bx2, by2, bs, bid] = [x1[best]!, y1[best]!, x2[best]!, y2[best]!, score[best]!, id[best]!];
    move(best, i);
    [x1[i], y1[i], x2[i], y2[i], score[i], id[i]] = [bx1, by1, bx2, by2, bs, bid];
    // The picked box's +1 width and height enter the union in double (the C adds the literal 1.0).
    const tw = f(bx2 - bx1) + 1;
    const th = f(by2 - by1) + 1;
    best = i + 1;
    for (let p = i + 1; p < live; p++) {
      const iw = f(f(fmin(bx2, x2[p]!) - fmax(bx1, x1[p]!)) + 1);
      const ih = iw > 0 ? f(f(fmin(by2, y2[p]!) - fmax(by1, y1[p]!)) + 1) : 0;
      if (ih > 0) {
        const area = f((f(x2[p]! - x1[p]!) + 1) * (f(y2[p]! - y1[p]!) + 1));
        const inter = f(iw * ih);
        const ov = f(inter / f(tw * th + area - inter));
        let weight = 1;
        if (linear) {
          if (ov > nt) weight = f(1 - ov);
        } else {
          weight = f(Math.exp(f(-f(ov * ov) / sigma)));
        }
        score[p] = weight * score[p]!;
        if (score[p]! < threshold) {
          move(p, live - 1);
          live--;
          p--;
          continue;
        }
      }
      if (score[best]! < score[p]!) best = p;
    }
  }
  return rowsOf(i, boxes, cand, id, score);
}

/**
 * diounms on the class-offset boxes in `order` (visited in that order): a box is kept unless a kept box suppresses
 * it (IoU − d/c ≥ iouThres). The first maxDet kept are final once found. Boxes of other classes cannot reach the
 * threshold while every box spans less than half the class offset (their IoU is 0 and d > 0), so a candidate is then
 * compared with the kept boxes of its own class only, as plain NMS does.
 */
function diouNms(boxes: ImageBoxes, cand: NmsCandidates, order: Int32Array, o: VariantOptions): HostTensor {
  const cap = Math.min(o.maxDet, order.length);
  const kept = new Float32Array(cap * 4); // offset boxes of kept candidates
  const keptArea = new Float32Array(cap);
  const keptCand = new Int32Array(cap);
  const keptScore = new Float32Array(cap);
  const firstOfClass = new Map<number, number>();
  const lastOfClass = new Map<number, number>();
  const nextOfClass = new Int32Array(cap).fill(-1);
  const thresh = f(o.iouThres);
  const b = new Float32Array(4);
  let minX = Infinity;
  let maxX = -Infinity;
  let n = 0;
  for (let k = 0; k < order.length && n < cap; k++) {
    const c = order[k]!;
    const cls = cand.cls[c]!;
    const corner = boxes.load(c);
    const off = ImageBoxes.offset(cls, o);
    for (let q = 0; q < 4; q++) b[q] = corner[q]! + off;
    // numpy's float32 areas: (x2 - x1 + 1) * (y2 - y1 + 1)
    const area = f(f(f(b[2]! - b[0]!) + 1) * f(f(b[3]! - b[1]!) + 1));
    if (corner[0]! < minX) minX = corner[0]!;
    if (corner[2]! > maxX) maxX = corner[2]!;
    let hit = false;
    if (!o.agnostic && maxX - minX < o.maxWh / 2) {
      for (let i = firstOfClass.get(cls) ?? -1; i >= 0 && !hit; i = nextOfClass[i]!) hit = diouSuppresses(kept, keptArea, i, b, area, thresh);
    } else {
      for (let i = 0; i < n && !hit; i++) hit = diouSuppresses(kept, keptArea, i, b, area, thresh);
    }
    if (hit) continue;
    kept.set(b, n * 4);
    keptArea[n] = area;
    keptCand[n] = c;
    keptScore[n] = cand.conf[c]!;
    const last = lastOfClass.get(cls);
    if (last === undefined) firstOfClass.set(cls, n);
    else nextOfClass[last] = n;
    lastOfClass.set(cls, n);
    n++;
  }
  return rowsOf(n, boxes, cand, keptCand, keptScore);
}

/** diounms's test of box b (area `area`) against kept box i, in its float32 operations. */
function diouSuppresses(kept: Float32Array, keptArea: Float32Array, i: number, b: Float32Array, area: number, thresh: number): boolean {
  const ix1 = kept[i * 4]!;
  const iy1 = kept[i * 4 + 1]!;
  const ix2 = kept[i * 4 + 2]!;
  const iy2 = kept[i * 4 + 3]!;
  const [jx1, jy1, jx2, jy2] = [b[0]!, b[1]!, b[2]!, b[3]!];
  const dx = f(f(f(ix1 + ix2) / 2) - f(f(jx1 + jx2) / 2));
  const dy = f(f(f(iy1 + iy2) / 2) - f(f(jy1 + jy2) / 2));
  const d = f(f(dx * dx) + f(dy * dy));
  const cw = f(fmax(ix2, jx2) - fmin(ix1, jx1));
  const ch = f(fmax(iy2, jy2) - fmin(iy1, jy1));
  const c = f(f(cw * cw) + f(ch * ch));
  const w = fmax(0, f(f(fmin(ix2, jx2) - fmax(ix1, jx1)) + 1));
  const h = fmax(0, f(f(fmin(iy2, jy2) - fmax(iy1, jy1)) + 1));
  const inter = f(w * h);
  // The reference raises ZeroDivisionError when both boxes are the same point (c = 0); their centres coincide, so
  // the penalty is taken as 0 (plain IoU).
  const penalty = c === 0 ? 0 : f(d / c);
  return f(f(inter / f(f(keptArea[i]! + area) - inter)) - penalty) >= thresh;
}
