// segment/val.py's plots: confusion_matrix.png (boxes, as v7.0's ConfusionMatrix) and ap_per_class's curves once
// for boxes and once for masks, named with v7.0's prefixes (BoxPR_curve.png, BoxF1_curve.png, BoxP_curve.png,
// BoxR_curve.png, MaskPR_curve.png, …).
import { join } from 'node:path';
import type { ApPerClassResult } from '../eval/ap.ts';
import { plotConfusionMatrix } from '../plot/confusion-matrix-plot.ts';
import { plotMcCurve, plotPrCurve } from '../plot/metric-curves.ts';

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
