import { convTranspose2d } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { checkConvGeometry, pairOf, registerConvParameters, type Size2 } from './conv2d.ts';
import { Module } from './module.ts';

export interface ConvTranspose2dOptions {
  stride?: Size2;
  padding?: Size2;
  outputPadding?: Size2;
  groups?: number;
  bias?: boolean;
  dilation?: Size2;
}

/**
 * nn.ConvTranspose2d, PyTorch's default init; parameters `weight` (in_channels, out_channels / groups, kh, kw) and
 * `bias`. Sizes are kept as [height, width].
 */
export class ConvTranspose2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  readonly outputPadding: [number, number];
  readonly dilation: [number, number];
  readonly groups: number;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, o: ConvTranspose2dOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    const what = `ConvTranspose2d(${inChannels}, ${outChannels})`;
    const g = checkConvGeometry(what, inChannels, outChannels, kernelSize, o);
    [this.kernelSize, this.stride, this.padding, this.dilation, this.groups] = [g.kernelSize, g.stride, g.padding, g.dilation, g.groups];
    this.outputPadding = pairOf(o.outputPadding ?? 0);
    // PyTorch's rule: each output padding must be smaller than the stride or the dilation.
    if (!this.outputPadding.every((p, i) => Number.isInteger(p) && p >= 0 && (p < this.stride[i]! || p < this.dilation[i]!))) {
      throw new Error(`${what}: output_padding must be non-negative and smaller than stride or dilation, got ${JSON.stringify(o.outputPadding)}`);
    }
    registerConvParameters(this, [inChannels, outChannels / this.groups, ...this.kernelSize], o.bias ?? true ? outChannels : null);
  }

  get weight(): Tensor {
    return this.getParameter('weight')!;
  }
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }

  forward(x: Tensor): Tensor {
    return convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: this.padding,
      outputPadding: this.outputPadding,
      groups: this.groups,
      dilation: this.dilation,
    });
  }
}
