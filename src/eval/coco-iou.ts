// COCOeval's region overlap per iouType: cocoapi's maskApi.c bbIou for 'bbox', rleIou for 'segm' (the masks that
// CocoEval.prepare made from each annotation's segmentation, as pycocotools' _toMask does). COCOeval only calls
// `COCO_IOU[iouType]`.
import type { CocoAnnotation } from './coco-dataset.ts';
import { bbIou, type Rle, rleIou } from './coco-mask.ts';

/** The iouTypes COCOeval evaluates ('keypoints' is not implemented). */
export type CocoIouType = 'bbox' | 'segm';

/** IoU of D detections × G ground truths, row-major [d·G + g]; a crowd GT's union is the detection's own area. */
export type CocoIouFn = (dts: readonly CocoAnnotation[], gts: readonly CocoAnnotation[], iscrowd: readonly boolean[]) => Float64Array;

/** maskApi.c bbIou on the annotations' [x, y, w, h] boxes. */
export function bboxIou(dts: readonly CocoAnnotation[], gts: readonly CocoAnnotation[], iscrowd: readonly boolean[]): Float64Array {
  const G = gts.length;
  const out = new Float64Array(dts.length * G);
  for (let g = 0; g < G; g++) for (let d = 0; d < dts.length; d++) out[d * G + g] = bbIou(dts[d]!.bbox, gts[g]!.bbox, iscrowd[g] === true);
  return out;
}

const maskOf = (a: CocoAnnotation): Rle => {
  const r = a.segmentation as Rle | undefined;
  if (!r || !(r.cnts instanceof Uint32Array)) throw new Error(`annotation ${a.id}: no mask (CocoEval.prepare turns each segmentation into an RLE for 'segm')`);
  return r;
};

/** maskApi.c rleIou on the annotations' masks (their `segmentation` already an Rle). */
export function segmIou(dts: readonly CocoAnnotation[], gts: readonly CocoAnnotation[], iscrowd: readonly boolean[]): Float64Array {
  return rleIou(dts.map(maskOf), gts.map(maskOf), iscrowd);
}

/** The overlap each iouType uses. */
export const COCO_IOU: Readonly<Record<CocoIouType, CocoIouFn>> = { bbox: bboxIou, segm: segmIou };
