import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return x.silu();
  }
}
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}
export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.leakyRelu(this.negativeSlope);
  }
}
export class Hardswish extends Module {
  forward(x: Tensor): Tensor {
    return x.hardswish();
  }
}
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
