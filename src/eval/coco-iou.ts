// COCOeval's region overlap per iouType: cocoapi's maskApi.c bbIou for 'bbox'. A 'segm' (RLE masks) entry goes
// beside it: COCOeval only calls `COCO_IOU[iouType]`.
import type { CocoAnnotation } from './coco-dataset.ts';

/** The iouTypes COCOeval evaluates ('segm' and 'keypoints' are not implemented yet). */
export type CocoIouType = 'bbox';

/** IoU of D detections × G ground truths, row-major [d·G + g]; a crowd GT's union is the detection's own area. */
export type CocoIouFn = (dts: readonly CocoAnnotation[], gts: readonly CocoAnnotation[], iscrowd: readonly boolean[]) => Float64Array;

/** maskApi.c bbIou on [x, y, w, h] boxes, in its operation order (so the doubles are the same). */
export function bboxIou(dts: readonly CocoAnnotation[], gts: readonly CocoAnnotation[], iscrowd: readonly boolean[]): Float64Array {
  const D = dts.length;
  const G = gts.length;
  const out = new Float64Array(D * G);
  for (let g = 0; g < G; g++) {
    const gb = gts[g]!.bbox;
    const ga = gb[2]! * gb[3]!;
    const crowd = iscrowd[g] === true;
    for (let d = 0; d < D; d++) {
      const db = dts[d]!.bbox;
      const da = db[2]! * db[3]!;
      const w = Math.min(db[2]! + db[0]!, gb[2]! + gb[0]!) - Math.max(db[0]!, gb[0]!);
      if (w <= 0) continue;
      const h = Math.min(db[3]! + db[1]!, gb[3]! + gb[1]!) - Math.max(db[1]!, gb[1]!);
      if (h <= 0) continue;
      const i = w * h;
      const u = crowd ? da : da + ga - i;
      out[d * G + g] = i / u;
    }
  }
  return out;
}

/** The overlap each iouType uses. */
export const COCO_IOU: Readonly<Record<CocoIouType, CocoIouFn>> = { bbox: bboxIou };
