// nn.GroupNorm and nn.LayerNorm with PyTorch's parameter names and default init (weight 1, bias 0).
import { ones, zeros } from '../tensor/create.ts';
import { groupNorm, layerNorm } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

/** nn.GroupNorm(num_groups, num_channels, eps=1e-5, affine=True). */
export class GroupNorm extends Module {
  constructor(
    /** Groups the channels are split into. */
    readonly numGroups: number,
    /** Channels of the input. */
    readonly numChannels: number,
    /** Added to the variance. */
    readonly eps = 1e-5,
    affine = true,
  ) {
    super();
    if (!Number.isInteger(numGroups) || numGroups <= 0 || numChannels % numGroups !== 0) {
      throw new Error(`GroupNorm(${numGroups}, ${numChannels}): num_channels must be divisible by num_groups`);
    }
    if (affine) {
      this.registerParameter('weight', ones([numChannels]));
      this.registerParameter('bias', zeros([numChannels]));
    }
  }
  forward(x: Tensor): Tensor {
    return groupNorm(x, this.numGroups, this.getParameter('weight'), this.getParameter('bias'), this.eps);
  }
}

/** nn.LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True). */
export class LayerNorm extends Module {
  /** The trailing dimensions normalised over. */
  readonly normalizedShape: number[];
  constructor(
    normalizedShape: number | number[],
    /** Added to the variance. */
    readonly eps = 1e-5,
    affine = true,
  ) {
    super();
    this.normalizedShape = [normalizedShape].flat();
    if (affine) {
      this.registerParameter('weight', ones(this.normalizedShape));
      this.registerParameter('bias', zeros(this.normalizedShape));
    }
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.getParameter('weight'), this.getParameter('bias'), this.eps);
  }
}
