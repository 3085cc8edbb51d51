// v7.0's non_max_suppression(..., nm=32): NMS on the box and class columns, each kept row carrying its mask
// coefficients → (n, 6 + nm) rows x1, y1, x2, y2, conf, cls, coefficients. The NMS itself is tsyolo's
// (src/eval/nms.ts); a kept row is found again by its float32 corners, which it shares with no other candidate.
// Its coefficients are multiplied by its objectness, as v7.0 does.
import { nonMaxSuppression, type NmsOptions } from '../eval/nms.ts';
import type { MaskDetections } from './process-mask.ts';

/** Per image of `pred` (N, rows, 5 + nc + nm): the NMS'd detections with their mask coefficients. */
export function nmsWithMasks(pred: { data: Float32Array; shape: readonly number[] }, nm: number, opts: NmsOptions = {}): MaskDetections[] {
  const [bs, rows, width] = pred.shape as [number, number, number];
  const nc = width - 5 - nm;
  if (nc < 1) throw new Error(`segment NMS: rows of ${width} values cannot hold 5 + nc + ${nm} mask coefficients`);
  const boxWidth = 5 + nc;
  const boxes = new Float32Array(bs * rows * boxWidth);
  for (let r = 0; r < bs * rows; r++) boxes.set(pred.data.subarray(r * width, r * width + boxWidth), r * boxWidth);
  const kept = nonMaxSuppression({ dtype: 'float32', shape: [bs, rows, boxWidth], data: boxes }, opts);
  const confT = Math.fround(opts.confThres ?? 0.25);
  return kept.map((det, b) => {
    const d = det.data as Float32Array;
    const n = det.shape[0] ?? 0;
    const index = new Map<string, number>();
    if (n > 0) {
      for (let r = 0; r < rows; r++) {
        const base = (b * rows + r) * width;
        if (!(pred.data[base + 4]! > confT)) continue;
        const hw = pred.data[base + 2]! / 2;
        const hh = pred.data[base + 3]! / 2;
        const key = `${Math.fround(pred.data[base]! - hw)},${Math.fround(pred.data[base + 1]! - hh)},${Math.fround(pred.data[base]! + hw)},${Math.fround(pred.data[base + 1]! + hh)}`;
        if (!index.has(key)) index.set(key, r);
      }
    }
    const out = new Float32Array(n * (6 + nm));
    for (let i = 0; i < n; i++) {
      out.set(d.subarray(i * 6, i * 6 + 6), i * (6 + nm));
      const r = index.get(`${d[i * 6]},${d[i * 6 + 1]},${d[i * 6 + 2]},${d[i * 6 + 3]}`);
      if (r === undefined) throw new Error('segment NMS: a kept box matches no prediction row');
      // v7.0's `x[:, 5:] *= x[:, 4:5]` scales the mask coefficients by the objectness too (not only the class
      // scores); the masks' 0.5 threshold is unchanged by it, but their interpolated probabilities are not.
      const row = (b * rows + r) * width;
      const obj = pred.data[row + 4]!;
      for (let k = 0; k < nm; k++) out[i * (6 + nm) + 6 + k] = Math.fround(pred.data[row + 5 + nc + k]! * obj);
    }
    return { data: out, n, width: 6 + nm };
  });
}
