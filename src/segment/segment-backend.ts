// A segmentation model as segment val/predict run it: boxes + mask coefficients (N, rows, 5 + nc + nm) and the
// mask prototypes (N, nm, H/4, W/4), from a libtorch SegmentationModel (.pt, .safetensors) or an ONNX export
// ('output0' + 'output1', as v7.0 and tsyolo export them).
import { tensor } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { Segment } from '../yolo/modules/heads/segment.ts';
import type { MaskProbabilities } from './process-mask.ts';

/** A float32 array with its shape. */
export interface SegmentArray {
  /** Row-major values. */
  data: Float32Array;
  /** Dimensions. */
  shape: number[];
}

/** One batch's raw segmentation output. */
export interface SegmentOutput {
  /** (N, rows, 5 + nc + nm) float32, boxes cx, cy, w, h in input pixels. */
  pred: SegmentArray;
  /** (N, nm, mh, mw) float32 mask prototypes. */
  proto: SegmentArray;
}

/** A segmentation model behind segment val and segment predict. */
export interface SegmentBackend {
  /** Class names. */
  readonly names: string[];
  /** Number of classes. */
  readonly nc: number;
  /** Mask coefficients per row (32 in v7.0). */
  readonly nm: number;
  /** Largest stride. */
  readonly stride: number;
  /** [h, w] of a fixed-shape export, null when any size works. */
  readonly fixedInputHW: readonly [number, number] | null;
  /** Runs an (N, 3, H, W) batch: uint8 pixels (divided by 255 here) or float32 in 0–1. */
  forward(input: Uint8Array | Float32Array, shape: readonly number[]): Promise<SegmentOutput>;
  /** The mask probabilities computed by this runtime (libtorch: PyTorch's own matmul), when it has them. */
  readonly maskProbabilities?: MaskProbabilities;
  /** Frees the model. */
  dispose(): void | Promise<void>;
}

/** The error for a detection model given to segment val/predict. */
export function notSegmentationError(file: string): Error {
  return new Error(`${file} is a detection model (Detect head, no mask prototypes): segment val/predict need a segmentation model (a Segment head, e.g. yolov5s-seg.pt); use tsyolo val/detect for detection weights`);
}

/** A libtorch SegmentationModel (eval mode) as a SegmentBackend. */
export function libtorchSegmentBackend(model: DetectionModel, file = 'the model', device = 'cpu'): SegmentBackend {
  if (!(model.detect instanceof Segment)) throw notSegmentationError(file);
  const nm = model.detect.nm;
  return {
    names: model.names,
    nc: model.nc,
    nm,
    stride: Math.max(...model.stride, 32),
    fixedInputHW: null,
    async forward(input, shape) {
      return noGrad(() =>
        tidy(() => {
          let x = input instanceof Uint8Array ? tensor(input, { shape: [...shape], dtype: 'uint8' }) : tensor(input, { shape: [...shape] });
          if (device !== 'cpu') x = x.to(device);
          if (input instanceof Uint8Array) x = x.float().div(255);
          model.eval();
          const { pred, proto } = model.forwardSegment(x);
          const p = pred.float().cpu().toHost();
          const q = proto.float().cpu().toHost();
          return { pred: { data: p.data as Float32Array, shape: p.shape }, proto: { data: q.data as Float32Array, shape: q.shape } };
        }),
      );
    },
    maskProbabilities: (protos, coeffs, n) =>
      noGrad(() =>
        tidy(() => {
          const [nm, mh, mw] = protos.shape;
          const p = tensor(protos.data, { shape: [nm, mh * mw] });
          return tensor(coeffs, { shape: [n, nm] }).matmul(p).sigmoid().toHost().data as Float32Array;
        }),
      ),
    dispose: () => model.dispose(),
  };
}

/** An ONNX segmentation export on onnxruntime-node (the library's OnnxBackend): 'output0' (boxes + coefficients) and 'output1' (prototypes). */
async function onnxSegmentBackend(file: string): Promise<SegmentBackend> {
  const { OnnxModel } = await import('../deploy/onnx-model.ts');
  const backend = await OnnxModel.load(file);
  if (!backend.info.protos) {
    await backend.dispose();
    throw notSegmentationError(file);
  }
  return {
    names: backend.names,
    nc: backend.nc,
    nm: backend.nm,
    stride: backend.stride,
    fixedInputHW: backend.fixedInputHW,
    async forward(input, shape) {
      const out = await backend.forward(input, shape);
      return { pred: { data: out.data, shape: out.shape }, proto: out.protos! };
    },
    dispose: () => backend.dispose(),
  };
}

/** The SegmentBackend for a weights file: `.onnx` on onnxruntime-node, `.pt`/`.safetensors` on libtorch (fused, eval). */
export async function loadSegmentBackend(weights: string, o: { device?: string } = {}): Promise<SegmentBackend> {
  const device = o.device || 'cpu';
  if (weights.toLowerCase().endsWith('.onnx')) {
    if (device !== 'cpu') throw new Error(`--device ${device}: ONNX models run on the CPU (onnxruntime-node), got ${weights}`);
    return onnxSegmentBackend(weights);
  }
  const { loadModel } = await import('../yolo/load-model.ts');
  const { model } = loadModel(weights);
  if (!(model.detect instanceof Segment)) {
    model.dispose();
    throw notSegmentationError(weights);
  }
  if (device !== 'cpu') model.moveTo(device);
  return libtorchSegmentBackend(model.fuse().eval(), weights, device);
}
