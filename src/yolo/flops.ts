// GFLOPs by YOLOv5 v7.0's (and YOLOv5-Lite's) rule: thop 0.1.1's counts at a stride-sized input, ×2 (MACs →
// FLOPs), scaled to imgsz. thop counts Conv2d and ConvTranspose2d as out_elements × (C_in/groups) × k×k (biases
// are not counted), BatchNorm as 4 per element (affine), nn.Upsample as 1 per output element, nn.Linear as
// in_features per output, AdaptiveAvgPool2d as (pooled elements + 1) per output; max-pooling, activations,
// dropout, concatenation and functional ops cost nothing. This reproduces the printed GFLOPs of every shipped config, fused and unfused
// (test/yolo/summary.test.ts). The counts come from layer shapes — the input is an empty stride-sized image, so no
// timing or profiling is involved.
import { BatchNorm2d } from '../nn/batchnorm2d.ts';
import { Conv2d } from '../nn/conv2d.ts';
import { ConvTranspose2d } from '../nn/conv-transpose2d.ts';
import { Linear } from '../nn/linear.ts';
import type { Module } from '../nn/module.ts';
import { Conv1d } from '../nn/conv1d.ts';
import { GELU, Hardsigmoid, Hardswish, Identity, LeakyReLU, Mish, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Tanh } from '../nn/activation.ts';
import { Dropout } from '../nn/dropout.ts';
import { LayerNorm } from '../nn/normalization.ts';
import { ZeroPad2d } from '../nn/padding.ts';
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool2d, MaxPool2d, Upsample } from '../nn/pooling.ts';
import { zeros } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ClassificationModel } from './classification-model.ts';
import type { DetectionModel } from './detection-model.ts';

/** Multiply-accumulates of one forward pass at size×size, per thop's rules. */
export function countMacs(model: DetectionModel | ClassificationModel, size: number): number {
  let macs = 0;
  const restore: Array<() => void> = [];
  const count = (m: Module, ops: (x: Tensor, y: Tensor) => number) => {
    const original = m.forward;
    m.forward = (x: Tensor) => {
      const y = original.call(m, x);
      macs += ops(x, y);
      return y;
    };
    restore.push(() => delete (m as Partial<Module>).forward);
  };
  for (const m of model.modules()) {
    if (m instanceof Conv2d || m instanceof ConvTranspose2d) count(m, (_x, y) => y.numel * (m.inChannels / m.groups) * m.kernelSize[0] * m.kernelSize[1]);
    else if (m instanceof Conv1d) count(m, (_x, y) => y.numel * Math.floor(m.inChannels / m.groups) * m.kernelSize);
    else if (m instanceof BatchNorm2d) count(m, (x) => 4 * x.numel);
    else if (m instanceof LayerNorm) count(m, (x) => (m.getParameter('weight') ? 4 : 2) * x.numel);
    else if (m instanceof Upsample) count(m, (_x, y) => y.numel);
    else if (m instanceof Linear) count(m, (_x, y) => y.numel * m.inFeatures);
    else if (m instanceof AdaptiveAvgPool2d) count(m, (x, y) => Math.trunc(((x.shape[2]! * x.shape[3]!) / (y.shape[2]! * y.shape[3]!) + 1) * y.numel));
    else if (m instanceof AvgPool2d) count(m, (_x, y) => y.numel);
    else if (m instanceof Softmax) count(m, (x) => {
      const n = x.shape.at(m.dim)!;
      return (x.numel / n) * (3 * n - 1);
    });
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

/** Leaf layers thop 0.1.1 has a rule for that costs nothing (activations, max-pooling, padding, dropout). */
const THOP_ZERO_COST: ReadonlyArray<abstract new (...args: never[]) => Module> = [
  ReLU, ReLU6, LeakyReLU, MaxPool2d, AdaptiveMaxPool2d, ZeroPad2d, Dropout, Identity,
];
const COUNTED: ReadonlyArray<abstract new (...args: never[]) => Module> = [
  Conv2d, ConvTranspose2d, Conv1d, BatchNorm2d, LayerNorm, Upsample, Linear, AdaptiveAvgPool2d, AvgPool2d, Softmax,
];
/** Parameter-free activations: thop has no rule for most of them either, and YOLOv5's GFLOPs leave them out. */
const ACTIVATIONS: ReadonlyArray<abstract new (...args: never[]) => Module> = [SiLU, Hardswish, Hardsigmoid, Sigmoid, Tanh, GELU, Mish];

/**
 * The class names of leaf layers with parameters that thop has no counting rule for (e.g. nn.GroupNorm): their cost
 * is missing from YOLOv5's GFLOPs as it is from ours, and `modules --check` lists them.
 */
export function uncountedLayers(model: Module): string[] {
  const names = new Set<string>();
  for (const m of model.modules()) {
    if ([...m.children()].length > 0) continue;
    const known = [...COUNTED, ...THOP_ZERO_COST, ...ACTIVATIONS].some((c) => m instanceof c);
    if (!known && m.numParameters() > 0) names.add(m.typeName);
  }
  return [...names].sort();
}

/** YOLOv5's model_info GFLOPs at `imgsz` (square). */
export function modelGflops(model: DetectionModel | ClassificationModel, imgsz = 640): number {
  const stride = Math.max(Math.trunc(Math.max(...model.stride)), 32);
  return ((countMacs(model, stride) / 1e9) * 2 * imgsz * imgsz) / (stride * stride);
}
