// GFLOPs by YOLOv5 v7.0's rule: thop 0.1.1's counts at a stride-sized input, ×2 (MACs → FLOPs), scaled to imgsz.
// thop counts Conv2d as out_elements × (C_in/groups) × k×k (+1 per output for a conv's own bias; biases folded in
// from a BatchNorm by fuse() are not counted) and BatchNorm as 4 per element (affine); pooling, upsampling,
// activations and concatenation cost nothing. This reproduces YOLOv5 v7.0's printed GFLOPs for all ten shipped
// configs, fused and unfused (test/yolo/summary.test.ts). The counts come from layer shapes — the input is an
// empty 32×32 image, so no timing or profiling is involved.
import { BatchNorm2d } from '../nn/batchnorm2d.ts';
import { Conv2d } from '../nn/conv2d.ts';
import type { Module } from '../nn/module.ts';
import { zeros } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DetectionModel } from './detection-model.ts';

/** Multiply-accumulates of one forward pass at size×size, per thop's rules. */
export function countMacs(model: DetectionModel, size: number): number {
  let macs = 0;
  const restore: Array<() => void> = [];
  for (const m of model.modules()) {
    if (m instanceof Conv2d) {
      const original = m.forward;
      m.forward = (x: Tensor) => {
        const y = original.call(m, x);
        macs += y.numel * (m.inChannels / m.groups) * m.kernelSize * m.kernelSize;
        if (m.bias && !m.foldedFromBatchNorm) macs += y.numel; // a conv's own bias: one op per output
        return y;
      };
      restore.push(() => delete (m as Partial<Module>).forward);
    } else if (m instanceof BatchNorm2d) {
      const original = m.forward;
      m.forward = (x: Tensor) => {
        macs += 4 * x.numel;
        return original.call(m, x);
      };
      restore.push(() => delete (m as Partial<Module>).forward);
    }
  }
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => tidy(() => void model.forward(zeros([1, model.inputChannels, size, size]))));
  } finally {
    for (const r of restore) r();
    model.train(wasTraining);
  }
  return macs;
}

/** YOLOv5's model_info GFLOPs at `imgsz` (square). */
export function modelGflops(model: DetectionModel, imgsz = 640): number {
  const stride = Math.max(Math.trunc(Math.max(...model.stride)), 32);
  return ((countMacs(model, stride) / 1e9) * 2 * imgsz * imgsz) / (stride * stride);
}
