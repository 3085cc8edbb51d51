// segment/val.py's plots: confusion_matrix.png (boxes, as v7.0's ConfusionMatrix) and ap_per_class's curves once
// for boxes and once for masks, named with v7.0's prefixes (BoxPR_curve.png, BoxF1_curve.png, BoxP_curve.png,
// BoxR_curve.png, MaskPR_curve.png, …), and val_batch{0,1,2}_labels.jpg / _pred.jpg with masks (plot_images_and_masks).
import { join } from 'node:path';
import type { Batch } from '../data/batch.ts';
import type { ApPerClassResult } from '../eval/ap.ts';
import { plotConfusionMatrix } from '../plot/confusion-matrix-plot.ts';
import { plotMcCurve, plotPrCurve } from '../plot/metric-curves.ts';
import { plotImagesAndMasks } from './mask-mosaic.ts';
import type { MaskDetections, MaskStack } from './process-mask.ts';

/** Detections per image in val_batch*_pred.jpg (v7.0: output_to_target(preds, max_det=15), pred_masks[:15]). */
const PLOT_MAX_DET = 15;

/**
 * val_batch{i}_labels.jpg (the batch's targets with the ground-truth masks of each image, in target order) and
 * val_batch{i}_pred.jpg (each image's first 15 detections, labelled with their confidence and drawn above 0.25, with
 * their masks) as segment/val.py writes them for its first three batches.
 */
export async function plotSegmentValBatch(batch: Batch, gtMasks: ReadonlyArray<MaskStack | null>, preds: ReadonlyArray<{ det: MaskDetections; masks: MaskStack } | undefined>, names: readonly string[], saveDir: string, batchI: number): Promise<void> {
  const [, , H, W] = batch.shape;
  const common = { images: batch.images, shape: batch.shape, paths: batch.paths, names };
  const gt = concatMasks(gtMasks.filter((m): m is MaskStack => m !== null && m.n > 0), H, W);
  await plotImagesAndMasks({ ...common, targets: batch.targets, targetColumns: 6, path: join(saveDir, `val_batch${batchI}_labels.jpg`), masks: { ...gt, overlap: false } });
  const rows: number[] = [];
  const kept: MaskStack[] = [];
  preds.forEach((p, i) => {
    if (!p) return;
    const n = Math.min(PLOT_MAX_DET, p.det.n);
    for (let k = 0; k < n; k++) {
      const r = p.det.data.subarray(k * p.det.width, k * p.det.width + 6);
      const [x1, y1, x2, y2, conf, cls] = [r[0]!, r[1]!, r[2]!, r[3]!, r[4]!, r[5]!];
      rows.push(i, cls, (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1, conf);
    }
    const plane = p.masks.height * p.masks.width;
    kept.push({ data: p.masks.data.subarray(0, n * plane), n, height: p.masks.height, width: p.masks.width });
  });
  const pm = kept.length ? concatMasks(kept, kept[0]!.height, kept[0]!.width) : { data: new Uint8Array(0), shape: [0, H, W] as const };
  await plotImagesAndMasks({ ...common, targets: Float32Array.from(rows), targetColumns: 7, path: join(saveDir, `val_batch${batchI}_pred.jpg`), masks: { ...pm, overlap: false } });
}

/** Mask stacks of one size concatenated along n (torch.cat). */
function concatMasks(stacks: readonly MaskStack[], h: number, w: number): { data: Uint8Array; shape: readonly [number, number, number] } {
  const n = stacks.reduce((s, m) => s + m.n, 0);
  const data = new Uint8Array(n * h * w);
  let o = 0;
  for (const m of stacks) {
    if (m.height !== h || m.width !== w) throw new Error(`val_batch masks: ${m.height}×${m.width} among ${h}×${w}`);
    data.set(m.data.subarray(0, m.n * h * w), o);
    o += m.n * h * w;
  }
  return { data, shape: [n, h, w] };
}

/** The PR / F1 / P / R curves of one ap_per_class result as `<prefix>PR_curve.png` etc. */
export async function plotSegmentCurves(r: ApPerClassResult, names: readonly string[], saveDir: string, prefix: 'Box' | 'Mask'): Promise<void> {
  const px = r.px;
  const stack = (rows: ArrayLike<number>[]) => {
    const flat = new Float64Array(rows.length * px.length);
    rows.forEach((row, k) => flat.set(row, k * px.length));
    return flat;
  };
  const clsNames = r.classes.map((c) => names[c] ?? String(c));
  const present = r.classes.map((_, k) => k).filter((k) => r.prCurve[k]);
  if (present.length) {
    const ap = new Float64Array(present.length * 10);
    present.forEach((k, j) => ap.set(r.ap[k]!, j * 10));
    await plotPrCurve(px, stack(present.map((k) => r.prCurve[k]!)), ap, join(saveDir, `${prefix}PR_curve.png`), present.map((k) => clsNames[k]!));
  }
  await plotMcCurve(px, stack(r.f1Curve), join(saveDir, `${prefix}F1_curve.png`), clsNames, 'Confidence', 'F1');
  await plotMcCurve(px, stack(r.pCurve), join(saveDir, `${prefix}P_curve.png`), clsNames, 'Confidence', 'Precision');
  await plotMcCurve(px, stack(r.rCurve), join(saveDir, `${prefix}R_curve.png`), clsNames, 'Confidence', 'Recall');
}

/** confusion_matrix.png of the boxes. */
export async function plotSegmentConfusion(matrix: Float64Array, nc: number, names: readonly string[], saveDir: string): Promise<void> {
  await plotConfusionMatrix(matrix, nc, [...names], join(saveDir, 'confusion_matrix.png'));
}
