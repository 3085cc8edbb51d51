// Model output → detections in original-image pixels, shared by detect, val, the library and the browser page:
// YOLOv5's NMS, then scale_boxes from the letterboxed size back to the original. Browser-safe.
import { roundHalfEven } from '../compat/python.ts';
import { nonMaxSuppression, type NmsOptions } from '../eval/nms.ts';
import { type RatioPad, scaleBoxes } from '../geometry/boxes.ts';
import { DetectionRows } from '../geometry/rows.ts';
import type { ModelOutput } from './backend.ts';
import { inGraphDetections } from './in-graph-nms.ts';

/** One image's detections: (n, 6) rows x1, y1, x2, y2, conf, cls, highest confidence first. */
export type DetectionArray = Float32Array;

/** Where an image's letterboxed boxes go: its original [height, width], and val's ratio_pad when known. */
export interface ScaleTarget {
  originalHW: readonly [number, number];
  ratioPad?: RatioPad;
}

/**
 * NMS on each image of `output` (N, rows, 5 + nc): boxes still in the letterboxed input's pixels. A model with NMS
 * inside has done it already: its rows are split by image instead.
 */
export function nmsPerImage(output: ModelOutput, nms: NmsOptions = {}): DetectionRows[] {
  if (output.inGraphNms) return inGraphDetections(output, output.inGraphNms.images, nms);
  if (output.shape.length !== 3) throw new Error(`detector output must be (batch, rows, 5+nc), got (${output.shape.join(', ')})`);
  return nonMaxSuppression({ dtype: 'float32', shape: output.shape, data: output.data }, nms).map((d) => new DetectionRows(d.data as Float32Array));
}

/**
 * Per image of `output`, how many of its prediction rows hold a NaN or ±inf: a model whose weights diverged gives
 * them, and NMS would silently drop them (conf NaN is never above the threshold). Rows of a model with NMS inside
 * count for the image their first column names.
 */
export function nonFiniteRows(output: ModelOutput): number[] {
  const images = output.inGraphNms?.images ?? output.shape[0] ?? 0;
  const counts = new Array<number>(images).fill(0);
  const width = output.shape[output.shape.length - 1] ?? 0;
  if (width === 0) return counts;
  const d = output.data;
  const rowsPerImage = output.inGraphNms ? 0 : d.length / width / Math.max(images, 1);
  for (let r = 0, i = 0; i < d.length; r++, i += width) {
    let finite = true;
    for (let j = i; j < i + width; j++) {
      if (!Number.isFinite(d[j]!)) {
        finite = false;
        break;
      }
    }
    if (finite) continue;
    const image = output.inGraphNms ? d[i]! : Math.floor(r / rowsPerImage);
    if (Number.isInteger(image) && image >= 0 && image < images) counts[image]!++;
  }
  return counts;
}

/**
 * scale_boxes of detections from the letterboxed `inputHW` to the original image. detect.py rounds the result
 * (torch's round: half to even); val.py keeps the fractions (`round: false`).
 */
export function scaleDetections(det: DetectionRows, inputHW: readonly [number, number], to: ScaleTarget, round = true): DetectionRows {
  const scaled = scaleBoxes(inputHW, det.boxes(), to.originalHW, to.ratioPad);
  return det.withBoxes(scaled, round ? roundHalfEven : undefined);
}

/**
 * detect.py's post-processing: NMS on each image of `output`, boxes mapped from `inputHW` (the letterboxed size)
 * back to each image's original [height, width] and rounded.
 */
export function postprocess(output: ModelOutput, inputHW: readonly [number, number], originalHW: readonly (readonly [number, number])[], nms: NmsOptions = {}): DetectionArray[] {
  const images = output.inGraphNms?.images ?? output.shape[0];
  if ((output.inGraphNms || output.shape.length === 3) && originalHW.length !== images) {
    throw new Error(`postprocess: ${images} images in the output, ${originalHW.length} original sizes given`);
  }
  return nmsPerImage(output, nms).map((det, b) => scaleDetections(det, inputHW, { originalHW: originalHW[b]! }).data);
}
