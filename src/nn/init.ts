// PyTorch's default initialisations (so freshly built models are statistically like PyTorch's).
import { noGrad } from '../tensor/runtime.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** fan_in of a conv/linear weight: in_channels/groups × kernel elements. */
export function fanIn(weight: Tensor): number {
  const [, inPerGroup, ...kernel] = weight.shape;
  return (inPerGroup ?? 1) * kernel.reduce((a, b) => a * b, 1);
}

/** kaiming_uniform_(a=√5), PyTorch's Conv2d/Linear default: U(−1/√fan_in, 1/√fan_in). */
export function kaimingUniformDefault_(weight: Tensor): void {
  const bound = 1 / Math.sqrt(fanIn(weight));
  noGrad(() => weight.uniform_(-bound, bound));
}

/** The matching bias init: U(−1/√fan_in, 1/√fan_in). */
export function biasUniform_(bias: Tensor, weight: Tensor): void {
  const bound = 1 / Math.sqrt(fanIn(weight));
  noGrad(() => bias.uniform_(-bound, bound));
}
