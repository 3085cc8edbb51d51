// A libtorch DetectionModel as a Backend (eval mode, no grad), on the CPU or a CUDA device. With a loss function it
// also returns YOLOv5's val losses, as val.py does during training. Imports the engine: not part of `tsyolo/onnx`.
import { tensor } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { Segment } from '../yolo/modules/heads/segment.ts';
import type { Backend, ModelOutput } from './backend.ts';

/** Computes YOLOv5's three loss parts from a model's raw training-form maps (the trainer's ComputeLoss). */
export interface ValLossFn {
  /** Loss parts for the raw maps and (image, cls, cx, cy, w, h) targets. */
  compute(raw: Tensor[], targets: Tensor): {
    /** Box (IoU) loss. */
    lbox: number;
    /** Objectness loss. */
    lobj: number;
    /** Classification loss. */
    lcls: number;
  };
}

/** Options of libtorchBackend(). */
export interface LibtorchBackendOptions {
  /** Device the model lives on; inputs are moved there (default cpu). */
  device?: string;
  /** Val losses from the raw maps when forward() gets targets. */
  loss?: ValLossFn;
  /**
   * val.py/detect.py's --half: the weights and inputs in half precision (float16 on CUDA, bfloat16 on the CPU) and
   * predictions back in float32 for NMS. Casts the model's tensors in place.
   */
  half?: boolean;
}

/** --half's dtype on a device: float16 on CUDA (as YOLOv5), bfloat16 on the CPU (float16 CPU kernels are slow). */
export function halfDtype(device: string): 'float16' | 'bfloat16' {
  return device.startsWith('cuda') ? 'float16' : 'bfloat16';
}

/** model.half() for the device: every floating-point parameter and buffer in halfDtype(device). */
export function toHalf(model: DetectionModel, device: string): DetectionModel {
  const dtype = halfDtype(device);
  model.mapTensors((t) => (t.dtype === 'float32' ? t.to(dtype) : t));
  model.detect.resetGrids();
  return model;
}

/** A backend's input batch on the device: uint8 pixels → float 0–1 (as val.py), or floats as given; in `dtype` if set. */
export function inputTensor(input: Uint8Array | Float32Array, shape: readonly number[], device: string, dtype: 'float16' | 'bfloat16' | null = null): Tensor {
  let x = input instanceof Uint8Array ? tensor(input, { shape: [...shape], dtype: 'uint8' }) : tensor(input, { shape: [...shape] });
  if (device !== 'cpu') x = x.to(device);
  if (input instanceof Uint8Array) x = x.float().div(255);
  return dtype ? x.to(dtype) : x;
}

/** A DetectionModel (already in eval mode) as a Backend for detect, val and Detector. */
export function libtorchBackend(model: DetectionModel, opts: LibtorchBackendOptions = {}): Backend {
  const device = opts.device ?? 'cpu';
  const half = opts.half ? halfDtype(device) : null;
  if (half) toHalf(model, device);
  // A segmentation model (Segment head) also returns its mask prototypes; v7.0's TTA is detection's only.
  const nm = model.detect instanceof Segment ? model.detect.nm : 0;
  return {
    names: model.names,
    nc: model.nc,
    nm,
    stride: Math.max(...model.stride, 32),
    fixedInputHW: null,
    supportsAugment: nm === 0,
    supportsVisualize: true,
    async forward(input, shape, targets, options): Promise<ModelOutput> {
      return noGrad(() =>
        tidy(() => {
          const t0 = performance.now();
          const x = inputTensor(input, shape, device, half);
          const preprocessMs = performance.now() - t0;
          // Training switches the model between modes; predictions are always eval's.
          model.eval();
          // --augment: v7.0's test-time augmentation (val.py computes no val losses then).
          const visualize = options?.visualize;
          const { pred, raw, proto } = options?.augment
            ? { pred: model.forwardAugment(x), raw: null, proto: undefined }
            : visualize
              ? (model.forwardOnce(x, (i, t) => {
                  const map = t as Tensor;
                  if (i < model.model.layers.length - 1 && map.ndim === 4) visualize(i, model.layerInfo[i]!.type, { data: map.select(0, 0).float().cpu().contiguous().toFloat32Array(), shape: map.shape.slice(1) });
                }) as { pred: Tensor; raw: Tensor[]; proto?: Tensor })
              : (model.forwardWithRaw(x) as { pred: Tensor; raw: Tensor[]; proto?: Tensor });
          let losses: [number, number, number] | undefined;
          if (opts.loss && targets && raw) {
            const l = opts.loss.compute(raw, tensor(targets, { shape: [targets.length / 6, 6] }));
            losses = [l.lbox, l.lobj, l.lcls];
          }
          const out = (half ? pred.float() : pred).toHost();
          const p = nm && proto ? proto.float().cpu().toHost() : undefined;
          const protos = p ? { data: p.data as Float32Array, shape: p.shape } : undefined;
          return { data: out.data as Float32Array, shape: out.shape, losses, preprocessMs, protos };
        }),
      );
    },
    dispose: () => model.dispose(),
  };
}
