// classify/val.py's run() loop: logits per batch, each image's top-5 (argsort descending), the criterion's mean
// loss over batches; top-1 = the first index is the label, top-5 = any of the five is.
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { ClassifyLoader } from './classify-loader.ts';

/** What one evaluation gives. */
export interface ClassifyEvaluation {
  /** Top-1 accuracy (0–1). */
  top1: number;
  /** Top-5 accuracy (0–1; every image counts as right when there are ≤ 5 classes and the label is among them). */
  top5: number;
  /** Mean criterion loss over batches (0 without a criterion). */
  loss: number;
  /** Each image's label. */
  targets: number[];
  /** Each image's top-5 class indices (fewer with fewer classes). */
  preds: number[][];
  /** Images seen. */
  seen: number;
  /** Milliseconds spent in pre-processing, inference and post-processing. */
  ms: [number, number, number];
}

/** Runs `forward` (eval-mode logits) over the loader; `criterion` adds the val loss as train.py logs it. */
export async function evaluateClassifier(
  forward: (x: Tensor) => Tensor,
  loader: ClassifyLoader,
  o: { criterion?: (logits: Tensor, labels: Tensor) => Tensor; onBatch?: (done: number, total: number) => void } = {},
): Promise<ClassifyEvaluation> {
  const targets: number[] = [];
  const preds: number[][] = [];
  let loss = 0;
  let batches = 0;
  const ms: [number, number, number] = [0, 0, 0];
  let t = performance.now();
  for await (const { images, labels } of loader.batches()) {
    ms[0] += performance.now() - t;
    t = performance.now();
    noGrad(() =>
      tidy(() => {
        const y = forward(images);
        ms[1] += performance.now() - t;
        t = performance.now();
        const k = Math.min(5, y.shape[1]!);
        const top = y.sort(1, true).indices.narrow(1, 0, k).contiguous().cpu().toTypedArray() as BigInt64Array;
        const lab = labels.cpu().toTypedArray() as BigInt64Array;
        for (let i = 0; i < lab.length; i++) {
          targets.push(Number(lab[i]));
          preds.push(Array.from(top.subarray(i * k, (i + 1) * k), Number));
        }
        if (o.criterion) loss += o.criterion(y, labels).item();
      }),
    );
    images.dispose();
    labels.dispose();
    batches++;
    o.onBatch?.(batches, loader.length);
    ms[2] += performance.now() - t;
    t = performance.now();
  }
  let c1 = 0;
  let c5 = 0;
  targets.forEach((y, i) => {
    if (preds[i]![0] === y) c1++;
    if (preds[i]!.includes(y)) c5++;
  });
  const n = targets.length;
  // torch: float32 means of the 0/1 columns
  return { top1: Math.fround(c1 / n), top5: Math.fround(c5 / n), loss: batches ? Math.fround(loss / batches) : 0, targets, preds, seen: n, ms };
}

/** Per-class top-1/top-5 (val.py's verbose table rows). */
export function perClassAccuracy(e: ClassifyEvaluation, nc: number): Array<{ images: number; top1: number; top5: number }> {
  return Array.from({ length: nc }, (_, c) => {
    let n = 0;
    let a1 = 0;
    let a5 = 0;
    e.targets.forEach((y, i) => {
      if (y !== c) return;
      n++;
      if (e.preds[i]![0] === y) a1++;
      if (e.preds[i]!.includes(y)) a5++;
    });
    return { images: n, top1: n ? a1 / n : Number.NaN, top5: n ? a5 / n : Number.NaN };
  });
}
