// val.py's files besides the table: confusion matrix and PR/F1/P/R curves, and --save-json's COCO detections.
import { basename, extname, join } from 'node:path';
import type { EvaluationResult } from '../eval/evaluate.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import type { DetectionRows } from '../geometry/rows.ts';
import { plotConfusionMatrix } from '../plot/confusion-matrix-plot.ts';
import { plotMcCurve, plotPrCurve } from '../plot/metric-curves.ts';
import { writePrCurveCsv } from '../plot/pr-curve-data.ts';

export interface CocoDetection {
  image_id: number | string;
  category_id: number;
  bbox: number[];
  score: number;
}

/** save_one_json: one image's detections (original pixels) as COCO dicts; numeric file stems become ids. */
export function cocoDetections(det: DetectionRows, stem: string): CocoDetection[] {
  const imageId = /^\d+$/.test(stem) ? Number(stem) : stem;
  const out: CocoDetection[] = [];
  for (let r = 0; r < det.length; r++) {
    const [x1, y1, x2, y2] = [det.x1(r), det.y1(r), det.x2(r), det.y2(r)];
    out.push({
      image_id: imageId,
      category_id: det.cls(r),
      bbox: [x1, y1, x2 - x1, y2 - y1].map((v) => Math.round(v * 1000) / 1000),
      score: Math.round(det.conf(r) * 1e5) / 1e5,
    });
  }
  return out;
}

/** Writes `<weights stem>_predictions.json` into saveDir; returns its path. */
export function writeCocoJson(saveDir: string, weightsFile: string | undefined, dicts: CocoDetection[]): string {
  const stem = weightsFile ? basename(weightsFile, extname(weightsFile)) : 'model';
  const file = join(saveDir, `${stem}_predictions.json`);
  writeFileAtomic(file, JSON.stringify(dicts), { fsync: true });
  return file;
}

/** confusion_matrix.png and, when any detection was a true positive, PR_curve, F1_curve, P_curve, R_curve. */
export async function saveValPlots(result: EvaluationResult, nc: number, names: readonly string[], saveDir: string): Promise<void> {
  await plotConfusionMatrix(result.confusionMatrix.matrix, nc, [...names], join(saveDir, 'confusion_matrix.png'));
  const curves = result.curves;
  if (!curves) return;
  const present = curves.classes.map((_, k) => k).filter((k) => curves.prCurve[k]);
  const px = curves.px;
  const stackRows = (rows: ArrayLike<number>[]) => {
    const flat = new Float64Array(rows.length * px.length);
    rows.forEach((row, k) => flat.set(row, k * px.length));
    return flat;
  };
  const clsNames = curves.classes.map((c) => names[c] ?? String(c));
  if (present.length) {
    const ap = new Float64Array(present.length * 10);
    present.forEach((k, j) => ap.set(curves.ap[k]!, j * 10));
    const py = stackRows(present.map((k) => curves.prCurve[k]!));
    await plotPrCurve(px, py, ap, join(saveDir, 'PR_curve.png'), present.map((k) => clsNames[k]!));
    writePrCurveCsv(join(saveDir, 'PR_curve.csv'), px, py, ap); // the all-classes curve, for `tsyolo plot`
  }
  await plotMcCurve(px, stackRows(curves.f1Curve), join(saveDir, 'F1_curve.png'), clsNames, 'Confidence', 'F1');
  await plotMcCurve(px, stackRows(curves.pCurve), join(saveDir, 'P_curve.png'), clsNames, 'Confidence', 'Precision');
  await plotMcCurve(px, stackRows(curves.rCurve), join(saveDir, 'R_curve.png'), clsNames, 'Confidence', 'Recall');
}
