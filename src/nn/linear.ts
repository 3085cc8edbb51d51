// nn.Linear: y = x·Wᵀ + b on (batch, in_features), PyTorch's default init and state_dict names.
import { empty, zeros } from '../tensor/create.ts';
import { linear } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { biasUniform_, kaimingUniformDefault_ } from './init.ts';
import { Module } from './module.ts';

export class Linear extends Module {
  constructor(
    /** Size of the input's last dimension. */
    readonly inFeatures: number,
    /** Size of the output's last dimension. */
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    const weight = empty([outFeatures, inFeatures]);
    kaimingUniformDefault_(weight);
    this.registerParameter('weight', weight);
    if (bias) {
      const b = zeros([outFeatures]);
      biasUniform_(b, weight);
      this.registerParameter('bias', b);
    }
  }
  /** The (out, in) matrix. */
  get weight(): Tensor {
    return this.getParameter('weight')!;
  }
  /** The bias, or null. */
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }
  /** (…, in) → (…, out) over the last axis, any rank (F.linear). */
  forward(x: Tensor): Tensor {
    if (x.ndim < 1 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures}, ${this.outFeatures}) needs input (…, ${this.inFeatures}), got [${x.shape.join(', ')}]`);
    }
    return linear(x, this.weight, this.bias);
  }
}
