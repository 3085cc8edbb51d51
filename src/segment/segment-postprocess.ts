// A segmentation model's NMS'd rows (nmsWithMasks) → one image's detections and masks, shared by segment predict
// (Node) and the library's Detector (Node and the browser, from an ONNX export's 'output0' + 'output1'): v7.0's
// process_mask(upsample=True) (or process_mask_upsample), boxes scale_boxes'd to the original and rounded, and masks
// scale_image'd to the original. Plain TypedArray code: no libtorch, no OpenCV. Browser-safe.
import { DetectionRows } from '../geometry/rows.ts';
import { scaleDetections } from '../deploy/postprocess.ts';
import { type MaskDetections, type MaskProbabilities, type MaskStack, processMask, processMaskUpsample, type Protos } from './process-mask.ts';
import { scaleImageMask, type ScaleImagePad } from './mask-resize.ts';

/** How masks are made from the NMS'd rows. */
export interface MaskAssembly {
  /**
   * process_mask_upsample (segment val --save-json's: prototypes' masks upsampled to the input before the box crop,
   * finer edges) instead of segment/predict.py's process_mask(upsample=True) (crop at prototype resolution, then
   * upsample). Default false.
   */
  upsample?: boolean;
  /** The runtime's own coefficients × prototypes (libtorch: PyTorch's BLAS); default float32 sums in TypeScript. */
  maskProbabilities?: MaskProbabilities;
}

/** One image's detections with masks. */
export interface SegmentImageDetections {
  /** (n, 6) x1, y1, x2, y2, conf, cls in the original image's pixels (rounded, as predict.py), highest confidence first. */
  detections: Float32Array;
  /** (n, h, w) binary masks at the letterboxed input's size, in detection order. */
  masks: MaskStack;
}

/** Image `b`'s prototypes (nm, mh, mw) out of a batch's (N, nm, mh, mw). */
export function imageProtos(proto: { data: Float32Array; shape: readonly number[] }, b: number): Protos {
  const [, nm, mh, mw] = proto.shape as [number, number, number, number];
  const size = nm * mh * mw;
  return { data: proto.data.subarray(b * size, (b + 1) * size), shape: [nm, mh, mw] };
}

/**
 * Masks at the letterboxed `inputHW` and boxes in `originalHW` pixels (rounded) for one image's NMS'd rows
 * (nmsWithMasks' result): segment/predict.py after its NMS.
 */
export function masksAndBoxes(det: MaskDetections, protos: Protos, inputHW: readonly [number, number], originalHW: readonly [number, number], o: MaskAssembly = {}): SegmentImageDetections {
  const n = det.n;
  const [h, w] = inputHW;
  const masks = n === 0
    ? { data: new Uint8Array(0), n: 0, height: h, width: w }
    : o.upsample
      ? processMaskUpsample(protos, det, inputHW, o.maskProbabilities)
      : processMask(protos, det, inputHW, true, o.maskProbabilities);
  const rows = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) rows.set(det.data.subarray(i * det.width, i * det.width + 6), i * 6);
  const detections = scaleDetections(new DetectionRows(rows), inputHW, { originalHW }).data;
  return { detections, masks };
}

/**
 * scale_image on every mask of a stack: the letterbox padding cropped off and each mask resized (cv2 INTER_LINEAR)
 * to the original `toHW` (padding from `ratioPad` when given) — one binary mask per detection at the original image's size, as Annotator.masks'
 * --retina-masks path draws them.
 */
export function scaleMaskStack(masks: MaskStack, toHW: readonly [number, number], ratioPad?: ScaleImagePad): MaskStack {
  const [h0, w0] = toHW;
  const hw = masks.height * masks.width;
  const data = new Uint8Array(masks.n * h0 * w0);
  for (let k = 0; k < masks.n; k++) data.set(scaleImageMask(masks.data.subarray(k * hw, (k + 1) * hw), [masks.height, masks.width], toHW, ratioPad), k * h0 * w0);
  return { data, n: masks.n, height: h0, width: w0 };
}

