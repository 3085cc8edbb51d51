import { zeros, empty } from '../tensor/create.ts';
import { conv2d } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { biasUniform_, kaimingUniformDefault_ } from './init.ts';
import { Module } from './module.ts';

/** One size for both spatial axes, or [height, width] (PyTorch's int or tuple). */
export type Size2 = number | [number, number];

export interface Conv2dOptions {
  stride?: Size2;
  padding?: Size2;
  dilation?: Size2;
  groups?: number;
  bias?: boolean;
}

const pairOf = (v: Size2): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/** nn.Conv2d, PyTorch's default init; parameters `weight` (and `bias`). Sizes are kept as [height, width]. */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;
  /** True for a conv made by fuseConvAndBn (its bias came from a BatchNorm). */
  foldedFromBatchNorm = false;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, o: Conv2dOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = pairOf(kernelSize);
    this.stride = pairOf(o.stride ?? 1);
    this.padding = pairOf(o.padding ?? 0);
    this.dilation = pairOf(o.dilation ?? 1);
    this.groups = o.groups ?? 1;
    const positive = (v: number) => Number.isInteger(v) && v > 0;
    const what = `Conv2d(${inChannels}, ${outChannels})`;
    if (!positive(inChannels) || !positive(outChannels)) throw new Error(`${what}: channels must be positive integers`);
    if (!this.kernelSize.every(positive)) throw new Error(`${what}: kernel_size must be positive, got ${JSON.stringify(kernelSize)}`);
    if (!this.stride.every(positive)) throw new Error(`${what}: stride must be positive, got ${JSON.stringify(o.stride)}`);
    if (!this.dilation.every(positive)) throw new Error(`${what}: dilation must be positive, got ${JSON.stringify(o.dilation)}`);
    if (!this.padding.every((p) => Number.isInteger(p) && p >= 0)) throw new Error(`${what}: padding must be non-negative, got ${JSON.stringify(o.padding)}`);
    if (!positive(this.groups)) throw new Error(`${what}: groups must be positive, got ${this.groups}`);
    if (inChannels % this.groups || outChannels % this.groups) {
      throw new Error(`Conv2d(${inChannels}, ${outChannels}, groups=${this.groups}): channels must be divisible by groups`);
    }
    const weight = empty([outChannels, inChannels / this.groups, ...this.kernelSize]);
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
