// Model output → detections in original-image pixels, shared by Node and the browser page: YOLOv5's NMS, then
// scale_boxes from the letterboxed size to the original and .round() (half to even, as torch.round). Browser-safe.
import { roundHalfEven } from '../compat/python.ts';
import { nonMaxSuppression, type NmsOptions } from '../eval/nms.ts';
import { scaleBoxes } from '../geometry/boxes.ts';
import type { ModelOutput } from './detector-backend.ts';

/** One image's detections: (n, 6) rows x1, y1, x2, y2, conf, cls, highest confidence first. */
export type DetectionRows = Float32Array;

/**
 * NMS on each image of `output` (N, rows, 5 + nc), boxes mapped from `inputHW` (the letterboxed size) back to
 * each image's original [height, width].
 */
export function postprocess(output: ModelOutput, inputHW: readonly [number, number], originalHW: readonly (readonly [number, number])[], nms: NmsOptions = {}): DetectionRows[] {
  if (output.shape.length !== 3) throw new Error(`detector output must be (batch, rows, 5+nc), got (${output.shape.join(', ')})`);
  if (originalHW.length !== output.shape[0]) throw new Error(`postprocess: ${output.shape[0]} images in the output, ${originalHW.length} original sizes given`);
  const perImage = nonMaxSuppression({ dtype: 'float32', shape: output.shape, data: output.data }, nms);
  return perImage.map((det, b) => {
    const rows = det.data as Float32Array;
    const n = rows.length / 6;
    const boxes = new Float32Array(n * 4);
    for (let r = 0; r < n; r++) boxes.set(rows.subarray(r * 6, r * 6 + 4), r * 4);
    const scaled = scaleBoxes(inputHW, boxes, originalHW[b]!);
    const out = new Float32Array(n * 6);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < 4; c++) out[r * 6 + c] = roundHalfEven(scaled[r * 4 + c]!);
      out[r * 6 + 4] = rows[r * 6 + 4]!;
      out[r * 6 + 5] = rows[r * 6 + 5]!;
    }
    return out;
  });
}
