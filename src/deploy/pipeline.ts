// detectImage(): letterbox → backend → NMS → boxes in original pixels, for any Backend (a segmentation model: its
// masks too, at the original's size). detect, the library's detector and the browser page run this same code.
// Browser-safe.
import type { RgbImage } from '../data/image-buffer.ts';
import type { NmsOptions } from '../eval/nms.ts';
import type { Backend, ForwardOptions } from './backend.ts';
import { type DetectionArray, nonFiniteRows, postprocess } from './postprocess.ts';
import { prepareInput } from './preprocess.ts';
import type { MaskStack } from '../segment/process-mask.ts';
import { nmsWithMasks } from '../segment/segment-nms.ts';
import { imageProtos, masksAndBoxes, scaleMaskStack } from '../segment/segment-postprocess.ts';

export interface DetectImageOptions extends NmsOptions {
  /** Inference size: a number (square) or [h, w]. */
  imgsz: number | readonly [number, number];
  /** Pad only to a stride multiple (dynamic-shape models); false pads to exactly imgsz (fixed-shape exports). */
  auto?: boolean;
  /** v7.0's augmented inference (TTA); the caller checks the backend supports it (checkAugment). */
  augment?: boolean;
  /** detect --visualize: each layer's output for this image (Backend.forward's `visualize`). */
  visualize?: ForwardOptions['visualize'];
  /** A segmentation model's masks: process_mask_upsample instead of process_mask (MaskAssembly.upsample). */
  upsampleMasks?: boolean;
}

/** One image through the pipeline: detections in its pixels, the letterboxed size, the timings. */
export interface DetectImageResult {
  /** (n, 6) rows x1, y1, x2, y2, conf, cls in the original image's pixels. */
  detections: DetectionArray;
  /** Letterboxed input [height, width]. */
  inputHW: [number, number];
  /** Milliseconds spent in each step. */
  timesMs: {
    /** Letterbox and tensor conversion. */
    preprocess: number;
    /** The model's forward pass. */
    inference: number;
    /** Non-maximum suppression and scaling back to the original image. */
    nms: number;
    /** A segmentation model's masks: prototypes × coefficients, crop, upsample, scale to the original. */
    masks?: number;
  };
  /**
   * A segmentation model's masks (n, height, width) at the original image's size, one per detection in the same
   * order (1 inside the object); absent for a detection model.
   */
  masks?: MaskStack;
  /** Rows of the model's output holding a NaN or ±inf (a diverged model; NMS drops them): 0 for a sound one. */
  nonFiniteRows: number;
}

/** detect.py's defaults: conf 0.25, IoU 0.45, 1000 detections. */
export const DETECT_DEFAULTS = { confThres: 0.25, iouThres: 0.45, maxDet: 1000 } as const;

/** One image through letterbox → backend → NMS → scale back (and a segmentation model's masks). */
export async function detectImage(backend: Backend, im: RgbImage, o: DetectImageOptions): Promise<DetectImageResult> {
  const t0 = performance.now();
  const p = prepareInput(im, o.imgsz, backend.stride, o.auto ?? false);
  const t1 = performance.now();
  const out = await backend.forward(p.input, p.shape, undefined, o.augment || o.visualize ? { augment: o.augment, visualize: o.visualize } : undefined);
  const t2 = performance.now();
  const inputHW: [number, number] = [p.shape[2], p.shape[3]];
  const nms = { ...DETECT_DEFAULTS, ...stripUndefined(o) };
  const bad = nonFiniteRows(out)[0] ?? 0;
  if (out.protos) {
    const [det] = nmsWithMasks(out, backend.nm ?? out.protos.shape[1]!, nms);
    const t3 = performance.now();
    const originalHW: [number, number] = [im.height, im.width];
    const r = masksAndBoxes(det!, imageProtos(out.protos, 0), inputHW, originalHW, { upsample: o.upsampleMasks });
    const masks = scaleMaskStack(r.masks, originalHW);
    const t4 = performance.now();
    return { detections: r.detections, masks, inputHW, timesMs: { preprocess: t1 - t0, inference: t2 - t1, nms: t3 - t2, masks: t4 - t3 }, nonFiniteRows: bad };
  }
  const [detections] = postprocess(out, inputHW, [[im.height, im.width]], nms);
  const t3 = performance.now();
  return { detections: detections!, inputHW, timesMs: { preprocess: t1 - t0, inference: t2 - t1, nms: t3 - t2 }, nonFiniteRows: bad };
}

/** Options left undefined (unset CLI flags) keep the defaults instead of overriding them. */
function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
