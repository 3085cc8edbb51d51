import { zeros, empty } from '../tensor/create.ts';
import { conv2d } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { biasUniform_, kaimingUniformDefault_ } from './init.ts';
import { Module } from './module.ts';

export interface Conv2dOptions {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
  bias?: boolean;
}

/** nn.Conv2d with square kernels, PyTorch's default init; parameters `weight` (and `bias`). */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly groups: number;
  /** True for a conv made by fuseConvAndBn (its bias came from a BatchNorm). */
  foldedFromBatchNorm = false;

  constructor(inChannels: number, outChannels: number, kernelSize: number, o: Conv2dOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = kernelSize;
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.groups = o.groups ?? 1;
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new Error(`Conv2d(${inChannels}, ${outChannels}, groups=${this.groups}): channels must be divisible by groups`);
    }
    const weight = empty([outChannels, inChannels / this.groups, kernelSize, kernelSize]);
    kaimingUniformDefault_(weight);
    this.registerParameter('weight', weight);
    if (o.bias ?? true) {
      const bias = zeros([outChannels]);
      biasUniform_(bias, weight);
      this.registerParameter('bias', bias);
    }
  }

  get weight(): Tensor {
    return this.getParameter('weight')!;
  }
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}
