// ModelEMA (YOLOv5 v7.0 utils/torch_utils.py): an exponential moving average of every floating-point state_dict
// entry (weights and BatchNorm running statistics). The decay ramps up as 0.9999·(1 − exp(−updates/2000)), so
// the average follows the model closely early in training and smooths it later. Validation and checkpoints use it.
import { BatchNorm2d } from '../nn/batchnorm2d.ts';
import type { Module } from '../nn/module.ts';
import { isFloatingPoint } from '../tensor/dtype.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import { DetectionModel } from '../yolo/detection-model.ts';

export interface ModelEMAOptions {
  /** The decay the ramp approaches (YOLOv5: 0.9999). */
  decay?: number;
  /** Ramp time constant in updates (YOLOv5: 2000). */
  tau?: number;
  /** Updates already made (when resuming). */
  updates?: number;
}

export class ModelEMA {
  /** The averaged copy, in eval mode and without gradients. */
  readonly ema: DetectionModel;
  /** Number of EMA updates (optimizer steps) so far. */
  updates: number;
  readonly maxDecay: number;
  readonly tau: number;

  constructor(model: DetectionModel, o: ModelEMAOptions = {}) {
    this.ema = cloneDetectionModel(model);
    this.ema.eval();
    for (const p of this.ema.parameters()) p.requiresGrad_(false);
    this.updates = o.updates ?? 0;
    this.maxDecay = o.decay ?? 0.9999;
    this.tau = o.tau ?? 2000;
  }

  /** The decay used for update number `updates`. */
  decay(updates: number): number {
    return this.maxDecay * (1 - Math.exp(-updates / this.tau));
  }

  /** ema = d·ema + (1 − d)·model for every floating-point state_dict entry, d = decay(++updates). */
  update(model: Module): void {
    this.updates++;
    const d = this.decay(this.updates);
    const source = model.stateDict();
    noGrad(() =>
      tidy(() => {
        for (const [k, v] of this.ema.stateDict()) {
          if (!isFloatingPoint(v.dtype)) continue;
          const m = source.get(k);
          if (!m) throw new Error(`ModelEMA: the model has no state_dict entry '${k}' (is it the model the EMA was made from?)`);
          v.mul_(d);
          v.add_(m.detach().mul(1 - d));
        }
      }),
    );
  }

  /** Copies the non-tensor attributes YOLOv5's update_attr copies (names, stride). */
  updateAttr(model: DetectionModel): void {
    this.ema.names = [...model.names];
    this.ema.stride = [...model.stride];
    this.ema.detect.stride = [...model.stride];
  }
}

/** A deep copy (deepcopy(model)): same architecture and state, on the same device, BatchNorm settings included. */
export function cloneDetectionModel(model: DetectionModel): DetectionModel {
  const copy = new DetectionModel(model.yaml, { ch: model.inputChannels, yamlFile: model.yamlFile });
  const first = model.parameters().next();
  const device = first.done ? 'cpu' : first.value.device;
  if (device !== 'cpu') copy.moveTo(device);
  noGrad(() => tidy(() => copy.loadStateDict(model.stateDict())));
  copy.names = [...model.names];
  copy.stride = [...model.stride];
  copy.detect.stride = [...model.stride];
  copy.detect.resetGrids();
  const src = [...model.modules()];
  const dst = [...copy.modules()];
  src.forEach((m, i) => {
    const c = dst[i];
    if (m instanceof BatchNorm2d && c instanceof BatchNorm2d) {
      c.eps = m.eps;
      c.momentum = m.momentum;
    }
  });
  copy.training = model.training;
  return copy;
}
