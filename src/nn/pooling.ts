import { interpolateNearest, maxPool2d } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly stride: number = kernelSize,
    readonly padding = 0,
    readonly dilation = 1,
    readonly ceilMode = false,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode);
  }
}

/** nn.Upsample(size=None, scale_factor, mode='nearest') — the only mode YOLOv5 configs use. */
export class Upsample extends Module {
  constructor(
    readonly scaleFactor: number,
    readonly mode: 'nearest' = 'nearest',
  ) {
    super();
    if (!(scaleFactor > 0) || !Number.isFinite(scaleFactor)) throw new Error(`Upsample scale_factor must be a positive number, got ${scaleFactor}`);
    if (mode !== 'nearest') throw new Error(`Upsample mode '${mode}' is not supported (only 'nearest')`);
  }
  forward(x: Tensor): Tensor {
    return interpolateNearest(x, { scaleFactor: this.scaleFactor });
  }
}

/** nn.AdaptiveAvgPool2d(1): the mean over each channel's plane (the only output size the blocks use). */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize = 1) {
    super();
    if (outputSize !== 1) throw new Error(`AdaptiveAvgPool2d output size ${outputSize} is not supported (only 1)`);
  }
  forward(x: Tensor): Tensor {
    return x.mean([2, 3], true);
  }
}
