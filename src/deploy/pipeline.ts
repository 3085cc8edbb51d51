// detectImage(): letterbox → model → NMS → boxes in original pixels, for any DetectorBackend. The browser page
// and Node run this same code. Browser-safe.
import type { RgbImage } from '../data/image-buffer.ts';
import type { NmsOptions } from '../eval/nms.ts';
import type { DetectorBackend } from './detector-backend.ts';
import { type DetectionRows, postprocess } from './postprocess.ts';
import { prepareInput } from './preprocess.ts';

export interface DetectImageOptions extends NmsOptions {
  /** Inference size: a number (square) or [h, w]. */
  imgsz: number | readonly [number, number];
  /** Pad only to a stride multiple (dynamic-shape models); false pads to exactly imgsz (fixed-shape exports). */
  auto?: boolean;
}

export interface DetectImageResult {
  detections: DetectionRows;
  /** Letterboxed input [height, width]. */
  inputHW: [number, number];
  timesMs: { preprocess: number; inference: number; nms: number };
}

/** detect.py's defaults: conf 0.25, IoU 0.45, 1000 detections. */
export const DETECT_DEFAULTS = { confThres: 0.25, iouThres: 0.45, maxDet: 1000 } as const;

export async function detectImage(backend: DetectorBackend, im: RgbImage, o: DetectImageOptions): Promise<DetectImageResult> {
  const t0 = performance.now();
  const p = prepareInput(im, o.imgsz, backend.stride, o.auto ?? false);
  const t1 = performance.now();
  const out = await backend.forward(p.input, p.shape);
  const t2 = performance.now();
  const inputHW: [number, number] = [p.shape[2], p.shape[3]];
  const [detections] = postprocess(out, inputHW, [[im.height, im.width]], { ...DETECT_DEFAULTS, ...o });
  const t3 = performance.now();
  return { detections: detections!, inputHW, timesMs: { preprocess: t1 - t0, inference: t2 - t1, nms: t3 - t2 } };
}

/** Inference size and letterbox mode that an exported model's input shape calls for. */
export function inputGeometry(inputShape: readonly (number | string)[], requested?: number): { imgsz: number | [number, number]; auto: boolean } {
  const [h, w] = [inputShape[2], inputShape[3]];
  if (typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0) return { imgsz: [h, w], auto: false };
  return { imgsz: requested ?? 640, auto: true };
}
