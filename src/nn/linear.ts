// nn.Linear: y = x·Wᵀ + b on (batch, in_features), PyTorch's default init and state_dict names.
import { empty, zeros } from '../tensor/create.ts';
import { conv2d } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { biasUniform_, kaimingUniformDefault_ } from './init.ts';
import { Module } from './module.ts';

export class Linear extends Module {
  constructor(
    readonly inFeatures: number,
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
  get weight(): Tensor {
    return this.getParameter('weight')!;
  }
  get bias(): Tensor | null {
    return this.getParameter('bias');
  }
  /** (batch, in) → (batch, out), computed as a 1×1 convolution (the engine's matrix product). */
  forward(x: Tensor): Tensor {
    if (x.ndim !== 2 || x.shape[1] !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures}, ${this.outFeatures}) needs input (batch, ${this.inFeatures}), got [${x.shape.join(', ')}]`);
    }
    const b = x.shape[0]!;
    const x4 = x.view(b, this.inFeatures, 1, 1);
    const w4 = this.weight.view(this.outFeatures, this.inFeatures, 1, 1);
    const y4 = conv2d(x4, w4, this.bias);
    const y = y4.view(b, this.outFeatures);
    for (const t of [x4, w4, y4]) t.dispose();
    return y;
  }
}
