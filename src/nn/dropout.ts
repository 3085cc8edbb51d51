// nn.Dropout: in training, zero each element with probability p and scale the rest by 1/(1−p); identity in eval.
import { rand } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

export class Dropout extends Module {
  constructor(
    /** Probability of zeroing an element in training mode. */
    readonly p = 0.5,
  ) {
    super();
    if (!(p >= 0 && p < 1)) throw new Error(`Dropout probability must be in [0, 1), got ${p}`);
  }
  forward(x: Tensor): Tensor {
    if (!this.training || this.p === 0) return x;
    const u = rand(x.shape, { device: x.device });
    const keepMask = u.ge(this.p);
    const scaled = keepMask.float().div(1 - this.p);
    const out = x.mul(scaled);
    for (const t of [u, keepMask, scaled]) t.dispose();
    return out;
  }
}
