// One classify/train.py optimizer step: forward, the label-smoothed loss, backward, clip_grad_norm_(10), the
// optimizer step, zero_grad, the EMA update. Returns the loss.
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { clipGradNorm } from '../train/clip-grad.ts';
import type { Optimizer } from '../train/optimizer.ts';
import type { ClassificationModel } from '../yolo/classification-model.ts';
import type { ClassifierEMA } from './classifier-ema.ts';
import { crossEntropyLoss } from './cross-entropy.ts';

/** Runs one training step of `model` (in training mode) on a batch; returns the batch's loss. */
export function classifierTrainStep(model: ClassificationModel, images: Tensor, labels: Tensor, o: { optimizer: Optimizer; ema?: ClassifierEMA; labelSmoothing: number }): number {
  const loss = tidy(() => {
    const l = crossEntropyLoss(model.forward(images), labels, o.labelSmoothing);
    l.backward();
    return l.item();
  });
  clipGradNorm(model.parameters(), 10.0);
  o.optimizer.step();
  o.optimizer.zeroGrad();
  o.ema?.update(model);
  return loss;
}
