// ModelEMA for a classifier (utils/torch_utils.py ModelEMA): an eval-mode copy averaged after every optimizer step
// with decay 0.9999·(1 − e^(−updates/2000)).
import { BatchNorm2d } from '../nn/batchnorm2d.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import { ClassificationModel } from '../yolo/classification-model.ts';

/** A deep copy of a classifier: architecture, weights, BatchNorm settings, names, stride, device. */
export function cloneClassifier(model: ClassificationModel): ClassificationModel {
  const copy = new ClassificationModel(model.yaml, { yamlFile: model.yamlFile, source: model.configSource, stride: [...model.stride] });
  const first = model.parameters().next();
  if (!first.done && first.value.device !== 'cpu') copy.moveTo(first.value.device);
  const dropout = model.head.drop.p;
  if (dropout !== copy.head.drop.p) copy.head.setDropout(dropout);
  noGrad(() => tidy(() => void copy.loadStateDict(model.stateDict())));
  const src = [...model.modules()];
  [...copy.modules()].forEach((c, i) => {
    const m = src[i];
    if (m instanceof BatchNorm2d && c instanceof BatchNorm2d) {
      c.eps = m.eps;
      c.momentum = m.momentum;
    }
  });
  copy.names = [...model.names];
  return copy;
}

/** The exponential moving average of a classifier's state. */
export class ClassifierEMA {
  /** The averaged copy (eval mode, no gradients). */
  readonly ema: ClassificationModel;
  /** Updates made. */
  updates = 0;
  constructor(model: ClassificationModel, readonly maxDecay = 0.9999, readonly tau = 2000) {
    this.ema = cloneClassifier(model).eval();
    for (const p of this.ema.parameters()) p.requiresGrad_(false);
  }
  /** ema = d·ema + (1 − d)·model over floating-point state. */
  update(model: ClassificationModel): void {
    this.updates++;
    const d = this.maxDecay * (1 - Math.exp(-this.updates / this.tau));
    const source = model.stateDict();
    noGrad(() =>
      tidy(() => {
        for (const [k, v] of this.ema.stateDict()) {
          if (v.dtype !== 'float32' && v.dtype !== 'float64' && v.dtype !== 'float16') continue;
          v.mul_(d);
          v.add_(source.get(k)!.detach().mul(1 - d));
        }
      }),
    );
  }
}
