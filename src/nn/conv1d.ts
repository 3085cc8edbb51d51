// nn.Conv1d with PyTorch's default init; parameters `weight` (out, in / groups, k) and `bias`.
import { conv1d } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { registerConvParameters } from './conv2d.ts';
import { Module } from './module.ts';

export class Conv1d extends Module {
  /** Step of the kernel. */
  readonly stride: number;
  /** Zero padding on each side. */
  readonly padding: number;
  /** Spacing of the kernel taps. */
  readonly dilation: number;
  /** Channel groups. */
  readonly groups: number;
  constructor(
    /** Input channels. */
    readonly inChannels: number,
    /** Output channels. */
    readonly outChannels: number,
    /** Kernel length. */
    readonly kernelSize: number,
    o: { stride?: number; padding?: number; dilation?: number; groups?: number; bias?: boolean } = {},
  ) {
    super();
    this.stride = o.stride ?? 1;
    this.padding = o.padding ?? 0;
    this.dilation = o.dilation ?? 1;
    this.groups = o.groups ?? 1;
    if (inChannels % this.groups || outChannels % this.groups) throw new Error(`Conv1d(${inChannels}, ${outChannels}, groups=${this.groups}): channels must be divisible by groups`);
    registerConvParameters(this, [outChannels, inChannels / this.groups, kernelSize], o.bias === false ? null : outChannels);
  }
  /** The (out, in / groups, k) kernel. */
  get weight(): Tensor {
    return this.getParameter('weight')!;
  }
  /** The per-channel bias, or null. */
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }
  forward(x: Tensor): Tensor {
    return conv1d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}
