import { zeros, empty } from '../tensor/create.ts';
import { conv2d } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { biasUniform_, kaimingUniformDefault_ } from './init.ts';
import { Module } from './module.ts';

/** One size for both spatial axes, or [height, width] (PyTorch's int or tuple). */
export type Size2 = number | [number, number];

/** nn.Conv2d's keyword arguments. */
export interface Conv2dOptions {
  /** Step of the kernel (default 1). */
  stride?: Size2;
  /** Zero padding on each side (default 0). */
  padding?: Size2;
  /** Spacing of the kernel taps (default 1). */
  dilation?: Size2;
  /** Channel groups (default 1). */
  groups?: number;
  /** Add a learned per-channel bias (default true). */
  bias?: boolean;
}

export const pairOf = (v: Size2): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

export interface ConvGeometry {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** Sizes as [height, width], checked as PyTorch's conv layers check them (`what` names the layer in errors). */
export function checkConvGeometry(what: string, inChannels: number, outChannels: number, kernelSize: Size2, o: Conv2dOptions): ConvGeometry {
  const g: ConvGeometry = { kernelSize: pairOf(kernelSize), stride: pairOf(o.stride ?? 1), padding: pairOf(o.padding ?? 0), dilation: pairOf(o.dilation ?? 1), groups: o.groups ?? 1 };
  const positive = (v: number) => Number.isInteger(v) && v > 0;
  if (!positive(inChannels) || !positive(outChannels)) throw new Error(`${what}: channels must be positive integers`);
  if (!g.kernelSize.every(positive)) throw new Error(`${what}: kernel_size must be positive, got ${JSON.stringify(kernelSize)}`);
  if (!g.stride.every(positive)) throw new Error(`${what}: stride must be positive, got ${JSON.stringify(o.stride)}`);
  if (!g.dilation.every(positive)) throw new Error(`${what}: dilation must be positive, got ${JSON.stringify(o.dilation)}`);
  if (!g.padding.every((p) => Number.isInteger(p) && p >= 0)) throw new Error(`${what}: padding must be non-negative, got ${JSON.stringify(o.padding)}`);
  if (!positive(g.groups)) throw new Error(`${what}: groups must be positive, got ${g.groups}`);
  if (inChannels % g.groups || outChannels % g.groups) throw new Error(`${what.slice(0, -1)}, groups=${g.groups}): channels must be divisible by groups`);
  return g;
}

/** `weight` with PyTorch's default (Kaiming-uniform) init and, given its size, `bias` drawn from the weight's fan-in. */
export function registerConvParameters(m: Module, weightShape: number[], biasSize: number | null): void {
  const weight = empty(weightShape);
  kaimingUniformDefault_(weight);
  m.registerParameter('weight', weight);
  if (biasSize !== null) {
    const b = zeros([biasSize]);
    biasUniform_(b, weight);
    m.registerParameter('bias', b);
  }
}

/** nn.Conv2d, PyTorch's default init; parameters `weight` (and `bias`). Sizes are kept as [height, width]. */
export class Conv2d extends Module {
  /** Input channels. */
  readonly inChannels: number;
  /** Output channels. */
  readonly outChannels: number;
  /** Kernel [height, width]. */
  readonly kernelSize: [number, number];
  /** Step [height, width]. */
  readonly stride: [number, number];
  /** Zero padding [height, width]. */
  readonly padding: [number, number];
  /** Tap spacing [height, width]. */
  readonly dilation: [number, number];
  /** Channel groups. */
  readonly groups: number;
  /** True for a conv made by fuseConvAndBn (its bias came from a BatchNorm). */
  foldedFromBatchNorm = false;

  constructor(inChannels: number, outChannels: number, kernelSize: Size2, o: Conv2dOptions = {}) {
    super();
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    const g = checkConvGeometry(`Conv2d(${inChannels}, ${outChannels})`, inChannels, outChannels, kernelSize, o);
    [this.kernelSize, this.stride, this.padding, this.dilation, this.groups] = [g.kernelSize, g.stride, g.padding, g.dilation, g.groups];
    registerConvParameters(this, [outChannels, inChannels / this.groups, ...this.kernelSize], o.bias ?? true ? outChannels : null);
  }

  /** The (out, in / groups, kh, kw) kernel. */
  get weight(): Tensor {
    return this.getParameter('weight')!;
  }
  /** The per-channel bias, or null. */
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding, dilation: this.dilation, groups: this.groups });
  }
}
