// The one-call detector behind loadDetector() in every entry (tsyolo, tsyolo/onnx, tsyolo/web): an input → RGB
// pixels (entry-specific), then the shared letterbox → backend → NMS → scale pipeline, then plain result objects in
// the input's pixels. Browser-safe.
import type { RgbImage } from '../data/image-buffer.ts';
import { DetectionRows } from '../geometry/rows.ts';
import { type Backend, checkAugment, inputGeometry } from './backend.ts';
import { DETECT_DEFAULTS, detectImage, type DetectImageResult } from './pipeline.ts';
import type { MaskStack } from '../segment/process-mask.ts';
import { checkNmsMethod, NMS_OPTION_NAMES, type NmsMethod } from '../eval/nms-variants.ts';

/** One detected object, as Detector.detect() returns it. */
export interface Detection {
  /** Corners in the input image's pixels (detect.py's rounded boxes). */
  box: {
    /** Left edge. */
    x1: number;
    /** Top edge. */
    y1: number;
    /** Right edge. */
    x2: number;
    /** Bottom edge. */
    y2: number;
  };
  /** Confidence: objectness × class probability (0–1). */
  score: number;
  /** Class index into the model's names. */
  classId: number;
  /** The model's class name ('0', '1', … when it has none). */
  label: string;
  /**
   * A segmentation model's mask of this object: the input image's height × width, row-major, 1 inside and 0
   * outside (v7.0's process_mask + scale_image); absent for a detection model.
   */
  mask?: Uint8Array;
}

/** Detection settings of a Detector (detect.py's defaults), per detector or per call. */
export interface DetectorOptions {
  /** Inference size for models that take any size (default 640); fixed-shape exports use their own. */
  imgsz?: number;
  /** Confidence threshold (default 0.25, detect.py's). */
  conf?: number;
  /** NMS IoU threshold (default 0.45). */
  iou?: number;
  /** Most detections per image (default 1000). */
  maxDet?: number;
  /** Keep only these class ids. */
  classes?: number[];
  /** Class-agnostic NMS. */
  agnostic?: boolean;
  /** NMS variant (docs/nms.md): 'nms' (default), 'diou', 'soft-linear' (Nt = iou), 'soft-gaussian'. */
  nmsMethod?: NmsMethod;
  /** Soft-NMS gaussian σ (default 0.5). */
  softSigma?: number;
  /** v7.0's augmented inference (TTA: scales 1, 0.83, 0.67, flip); libtorch weights only (.pt, .safetensors). */
  augment?: boolean;
  /**
   * Segmentation models: upsample the prototypes' masks to the input before cropping them to the boxes
   * (process_mask_upsample, finer edges) instead of segment/predict.py's process_mask. Default false.
   */
  upsampleMasks?: boolean;
}

/** Plain objects of (n, 6) rows x1, y1, x2, y2, conf, cls; with a segmentation model's `masks` (n, h, w), each its own. */
export function toDetections(rows: Float32Array, names: readonly string[], masks?: MaskStack): Detection[] {
  const det = new DetectionRows(rows);
  const out: Detection[] = [];
  const hw = masks ? masks.height * masks.width : 0;
  for (let r = 0; r < det.length; r++) {
    const classId = det.cls(r);
    const d: Detection = { box: { x1: det.x1(r), y1: det.y1(r), x2: det.x2(r), y2: det.y2(r) }, score: det.conf(r), classId, label: names[classId] ?? String(classId) };
    if (masks) d.mask = masks.data.subarray(r * hw, (r + 1) * hw);
    out.push(d);
  }
  return out;
}

/** One-call detection on any Backend: an image in, `{ box, score, classId, label }` out (letterbox → model → NMS → scale back). */
export class Detector<Input> {
  /** The runtime the model runs on. */
  readonly backend: Backend;
  /** The detector's default settings (each detect() call may override them). */
  readonly options: DetectorOptions;
  readonly #toImage: (input: Input) => Promise<RgbImage>;

  constructor(backend: Backend, toImage: (input: Input) => Promise<RgbImage>, options: DetectorOptions = {}) {
    for (const [k, v] of [['conf', options.conf], ['iou', options.iou]] as const) {
      if (v !== undefined && !(v >= 0 && v <= 1)) throw new Error(`loadDetector: option ${k} must be between 0 and 1, got ${v}`);
    }
    if (options.imgsz !== undefined && !(Number.isInteger(options.imgsz) && options.imgsz > 0)) {
      throw new Error(`loadDetector: option imgsz must be a positive integer, got ${options.imgsz}`);
    }
    checkDetectorNms(backend, options);
    if (options.augment) checkAugment(backend);
    this.backend = backend;
    this.options = options;
    this.#toImage = toImage;
  }

  /** The model's class names. */
  get names(): string[] {
    return this.backend.names;
  }

  /** Detections in `input`'s pixels, highest score first; `options` override the detector's for this call. */
  async detect(input: Input, options: DetectorOptions = {}): Promise<Detection[]> {
    const r = await this.detectRows(await this.#toImage(input), options);
    return toDetections(r.detections, this.names, r.masks);
  }

  /** True when the model is a segmentation model (a -seg export): detections then carry masks. */
  get segmentation(): boolean {
    return (this.backend.nm ?? 0) > 0;
  }

  /** The pipeline's raw result for decoded pixels: (n, 6) rows, a segmentation model's masks, letterboxed size and timings. */
  async detectRows(image: RgbImage, options: DetectorOptions = {}): Promise<DetectImageResult> {
    const d = this.options;
    const { method, sigma } = checkDetectorNms(this.backend, { nmsMethod: options.nmsMethod ?? d.nmsMethod, softSigma: options.softSigma ?? d.softSigma });
    const augment = options.augment ?? d.augment ?? false;
    if (augment) checkAugment(this.backend);
    return detectImage(this.backend, image, {
      ...inputGeometry(this.backend, options.imgsz ?? d.imgsz),
      confThres: options.conf ?? d.conf ?? DETECT_DEFAULTS.confThres,
      iouThres: options.iou ?? d.iou ?? DETECT_DEFAULTS.iouThres,
      maxDet: options.maxDet ?? d.maxDet ?? DETECT_DEFAULTS.maxDet,
      classes: options.classes ?? d.classes,
      agnostic: options.agnostic ?? d.agnostic,
      method,
      sigma,
      augment,
      upsampleMasks: options.upsampleMasks ?? d.upsampleMasks,
    });
  }

  /** Frees the model. */
  async dispose(): Promise<void> {
    await this.backend.dispose();
  }
}

/** The detector's NMS method and σ, checked; a model with NMS inside (export --nms: plain NMS) refuses the others. */
function checkDetectorNms(backend: Backend, o: Pick<DetectorOptions, 'nmsMethod' | 'softSigma'>): { method: NmsMethod; sigma: number } {
  const r = checkNmsMethod(o.nmsMethod, o.softSigma, 'loadDetector', NMS_OPTION_NAMES);
  if (r.method !== 'nms' && backend.inGraphNms) {
    throw new Error(`loadDetector: nmsMethod '${r.method}' cannot apply: the model has NMS inside (export --nms bakes plain NMS); use a model exported without --nms`);
  }
  return r;
}
