// nn.CrossEntropyLoss(label_smoothing=ε) with mean reduction (smartCrossEntropyLoss): per sample
// (1 − ε)·(−log p_y) + ε·mean_c(−log p_c), log p = log_softmax(logits) computed as x − max − log Σ exp(x − max).
import type { Tensor } from '../tensor/tensor.ts';

/** Mean cross-entropy of logits (n, C) against int64 labels (n), with label smoothing ε (v7.0's default 0.1). */
export function crossEntropyLoss(logits: Tensor, labels: Tensor, labelSmoothing = 0): Tensor {
  if (logits.ndim !== 2) throw new Error(`crossEntropyLoss: logits must be (n, classes), got [${logits.shape.join(', ')}]`);
  const max = logits.detach().amax([1], true);
  const shifted = logits.sub(max);
  const lse = shifted.exp().sum([1], true).log();
  const logp = shifted.sub(lse);
  const picked = logp.gather(1, labels.reshape(-1, 1));
  const nll = picked.neg().mean();
  if (labelSmoothing === 0) return nll;
  const smooth = logp.mean([1]).neg().mean();
  return nll.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing));
}
