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
  constructor(
    /** Slope below zero (default 0.01). */
    readonly negativeSlope = 0.01,
  ) {
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

/** nn.Sigmoid. */
export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return x.sigmoid();
  }
}
/** nn.Tanh. */
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}
/** nn.GELU (exact, erf form). */
export class GELU extends Module {
  forward(x: Tensor): Tensor {
    return x.gelu();
  }
}
/** nn.Mish: x · tanh(softplus(x)). */
export class Mish extends Module {
  forward(x: Tensor): Tensor {
    return x.mish();
  }
}
/** nn.Softmax(dim). */
export class Softmax extends Module {
  constructor(
    /** The dimension the probabilities sum to 1 along. */
    readonly dim: number,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.softmax(this.dim);
  }
}
