import { ones, zeros } from '../tensor/create.ts';
import { batchNorm } from '../tensor/functional.ts';
import { noGrad } from '../tensor/runtime.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

/** nn.BatchNorm2d: affine weight/bias, running_mean/running_var/num_batches_tracked buffers. */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  eps: number;
  momentum: number;

  constructor(numFeatures: number, o: { eps?: number; momentum?: number } = {}) {
    super();
    this.numFeatures = numFeatures;
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum ?? 0.1;
    this.registerParameter('weight', ones([numFeatures]));
    this.registerParameter('bias', zeros([numFeatures]));
    this.registerBuffer('running_mean', zeros([numFeatures]));
    this.registerBuffer('running_var', ones([numFeatures]));
    this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
  }

  get weight(): Tensor {
    return this.getParameter('weight')!;
  }
  get bias(): Tensor {
    return this.getParameter('bias')!;
  }
  get runningMean(): Tensor {
    return this.getBuffer('running_mean')!;
  }
  get runningVar(): Tensor {
    return this.getBuffer('running_var')!;
  }

  forward(x: Tensor): Tensor {
    if (this.training) noGrad(() => this.getBuffer('num_batches_tracked')!.add_(1));
    return batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}
