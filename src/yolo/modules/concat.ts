import { Module } from '../../nn/module.ts';
import { cat } from '../../tensor/create.ts';
import type { Tensor } from '../../tensor/tensor.ts';

/** Concatenates the layers named in `from`, in that order. */
export class Concat extends Module {
  constructor(readonly d = 1) {
    super();
  }
  override get typeName(): string {
    return 'Concat';
  }
  forward(xs: Tensor[]): Tensor {
    return cat(xs, this.d);
  }
}
