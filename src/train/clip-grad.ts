// clip_grad_norm_ (torch.nn.utils, as train.py calls it with max_norm=10): rescale all gradients together when
// their joint 2-norm exceeds the limit, which keeps early-training spikes from wrecking the weights.
import { stack } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';

/** Returns the total norm before clipping. Parameters without a gradient are ignored. */
export function clipGradNorm(parameters: Iterable<Tensor>, maxNorm = 10.0, normType = 2): number {
  return noGrad(() =>
    tidy(() => {
      const grads: Tensor[] = [];
      for (const p of parameters) {
        const g = p.grad;
        if (g) grads.push(g);
      }
      if (grads.length === 0) return 0;
      const byDevice = new Map<string, Tensor[]>();
      for (const g of grads) byDevice.set(g.device, [...(byDevice.get(g.device) ?? []), g.norm(normType)]);
      const perDevice = [...byDevice.values()].map((norms) => stack(norms).norm(normType).to('cpu'));
      const total = (perDevice.length === 1 ? perDevice[0]! : stack(perDevice).norm(normType)).item();
      // torch computes max_norm / (total + 1e-6) in float32 as reciprocal·max_norm, then clamps it at 1.
      const f = Math.fround;
      const coef = f(f(1 / f(total + f(1e-6))) * maxNorm);
      if (coef < 1) for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}
