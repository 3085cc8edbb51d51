// The one model abstraction of inference: detect, val, the library's detector and the web page all run a Backend
// (libtorch, onnxruntime-node, onnxruntime-web). Browser-safe: types only.
import type { OnnxNmsSettings } from '../export/nms-onnx.ts';

/** What a Backend returns for one batch: decoded predictions, or an in-graph NMS's rows. */
export interface ModelOutput {
  /** Decoded predictions, row-major float32: (N, rows, 5 + nc) cx, cy, w, h, objectness, class scores. */
  data: Float32Array;
  /** Shape of `data`: [N, rows, 5 + nc], or [n, 7] with `inGraphNms`. */
  shape: number[];
  /** YOLOv5's val losses (box, obj, cls), when the backend computes them and was given targets. */
  losses?: [number, number, number];
  /**
   * Set by a model with NMS inside: `data` is then (n, 7) rows image index, x1, y1, x2, y2, conf, cls (its own
   * NMS's result, image by image, highest confidence first) for `images` input images.
   */
  inGraphNms?: {
    /** How many input images the rows belong to. */
    images: number;
  };
  /** Milliseconds spent turning the input into the runtime's tensor (part of val.py's pre-process time). */
  preprocessMs?: number;
  /**
   * A segmentation model's mask prototypes, (N, nm, H/4, W/4) float32 row-major; `data`'s rows then end with nm
   * mask coefficients each ((N, rows, 5 + nc + nm)).
   */
  protos?: {
    /** Row-major values. */
    data: Float32Array;
    /** [N, nm, mh, mw]. */
    shape: number[];
  };
}

/** One inference runtime (libtorch, onnxruntime-node, onnxruntime-web) behind detect, val and Detector. */
export interface Backend {
  /** Class names, indexed by class id. */
  readonly names: string[];
  /** Number of classes. */
  readonly nc: number;
  /** Largest stride: letterbox pads to a multiple of it. */
  readonly stride: number;
  /** [height, width] a fixed-shape export takes (detect/val letterbox to exactly it, batch 1); null when any size works. */
  readonly fixedInputHW: readonly [number, number] | null;
  /** The NMS settings baked into the model (an ONNX export with --nms); absent when detect/val run tsyolo's NMS. */
  readonly inGraphNms?: OnnxNmsSettings | null;
  /** Mask coefficients per prediction row of a segmentation model (forward() then returns `protos`); 0 or absent for a detector. */
  readonly nm?: number;
  /** True when forward() runs v7.0's test-time augmentation on `{ augment: true }` (libtorch models). */
  readonly supportsAugment?: boolean;
  /** True when forward() calls `{ visualize }` with each layer's output (libtorch models: detect --visualize). */
  readonly supportsVisualize?: boolean;
  /**
   * Predictions for an (N, 3, H, W) batch: uint8 pixels (the backend divides by 255, as detect.py and val.py do) or
   * float32 already in 0–1. `targets` (image, cls, cx, cy, w, h rows, normalised) lets a backend that can compute
   * YOLOv5's val losses return them.
   */
  forward(input: Uint8Array | Float32Array, shape: readonly number[], targets?: Float32Array, options?: ForwardOptions): Promise<ModelOutput>;
  /** Frees the runtime's model (tensors, inference session). */
  dispose(): void | Promise<void>;
}

/** Per-call settings of Backend.forward(). */
export interface ForwardOptions {
  /** v7.0's test-time augmentation (`--augment`); only a backend with `supportsAugment` honours it. */
  augment?: boolean;
  /**
   * detect --visualize (v7.0's feature_visualization hook): called with each layer's output for the first image,
   * (channels, height, width) float32; only a backend with `supportsVisualize` calls it (not with `augment`).
   */
  visualize?: (stage: number, moduleType: string, map: { data: Float32Array; shape: number[] }) => void;
}

/**
 * Refuses `--augment` on a backend that cannot run it (an ONNX export: one fixed forward pass; v7.0 runs augmented
 * inference only for PyTorch weights; a segmentation model: its masks need the one pass's prototypes). `file` names the model in the message when the backend does not.
 */
export function checkAugment(backend: Backend, file?: string): void {
  if (backend.supportsAugment) return;
  if (backend.nm) throw new Error('--augment (test-time augmentation) is for detection models: a segmentation model runs one forward pass (its masks come from that pass\'s prototypes); run without --augment');
  const name = file ?? (backend as { file?: unknown }).file;
  const what = typeof name === 'string' ? `${name} is an exported model` : 'this model is an exported one';
  throw new Error(`--augment (test-time augmentation) runs on PyTorch weights only (.pt, .safetensors), as in YOLOv5 v7.0: ${what} (ONNX) with one fixed forward pass; run without --augment or give the checkpoint`);
}

/** Letterbox target for a backend: a fixed-shape export's own size, else `requested` padded to a stride multiple. */
export function inputGeometry(backend: Pick<Backend, 'fixedInputHW'>, requested?: number): { imgsz: number | [number, number]; auto: boolean } {
  const fixed = backend.fixedInputHW;
  if (fixed) return { imgsz: [fixed[0], fixed[1]], auto: false };
  return { imgsz: requested ?? 640, auto: true };
}

/** uint8 pixels → float32 in 0–1 (x / 255, rounded once to float32 as PyTorch's division); float input as is. */
export function toUnitFloat(input: Uint8Array | Float32Array): Float32Array {
  if (input instanceof Float32Array) return input;
  const out = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = input[i]! / 255;
  return out;
}
