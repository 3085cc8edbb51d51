// A libtorch DetectionModel as a Backend (eval mode, no grad), on the CPU or a CUDA device. With a loss function it
// also returns YOLOv5's val losses, as val.py does during training. Imports the engine: not part of `tsyolo/onnx`.
import { tensor } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
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
}

/** A DetectionModel (already in eval mode) as a Backend for detect, val and Detector. */
export function libtorchBackend(model: DetectionModel, opts: LibtorchBackendOptions = {}): Backend {
  const device = opts.device ?? 'cpu';
  return {
    names: model.names,
    nc: model.nc,
    stride: Math.max(...model.stride, 32),
    fixedInputHW: null,
    async forward(input, shape, targets): Promise<ModelOutput> {
      return noGrad(() =>
        tidy(() => {
          const t0 = performance.now();
          let x = input instanceof Uint8Array ? tensor(input, { shape: [...shape], dtype: 'uint8' }) : tensor(input, { shape: [...shape] });
          if (device !== 'cpu') x = x.to(device);
          if (input instanceof Uint8Array) x = x.float().div(255);
          const preprocessMs = performance.now() - t0;
          // Training switches the model between modes; predictions are always eval's.
          model.eval();
          const { pred, raw } = model.forwardWithRaw(x);
          let losses: [number, number, number] | undefined;
          if (opts.loss && targets) {
            const l = opts.loss.compute(raw, tensor(targets, { shape: [targets.length / 6, 6] }));
            losses = [l.lbox, l.lobj, l.lcls];
          }
          const out = pred.toHost();
          return { data: out.data as Float32Array, shape: out.shape, losses, preprocessMs };
        }),
      );
    },
    dispose: () => model.dispose(),
  };
}
