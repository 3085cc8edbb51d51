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
/** nn.ReLU6: min(max(x, 0), 6). */
export class ReLU6 extends Module {
  forward(x: Tensor): Tensor {
    return x.clamp(0, 6);
  }
}
/** nn.Hardsigmoid: relu6(x + 3) / 6. */
export class Hardsigmoid extends Module {
  forward(x: Tensor): Tensor {
    const shifted = x.add(3);
    const clipped = shifted.clamp(0, 6);
    shifted.dispose();
    const out = clipped.div(6);
    clipped.dispose();
    return out;
  }
}
