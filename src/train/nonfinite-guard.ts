// The trainer's NaN guard beyond the training loss (YOLOv5 v7.0 has none): weights are checked before every
// checkpoint write, and each validation's losses and model outputs after it, so last/best never hold non-finite
// weights and a diverged run stops at the epoch it diverged, naming it.
import { existsSync } from 'node:fs';
import type { Module } from '../nn/module.ts';
import { full } from '../tensor/create.ts';
import { isFloatingPoint } from '../tensor/dtype.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';

/** state_dict entries of `model` holding a NaN or ±inf (floating-point entries only), in state_dict order. */
export function nonFiniteEntries(model: Module): string[] {
  const bad: string[] = [];
  noGrad(() =>
    tidy(() => {
      for (const [k, t] of model.stateDict()) {
        if (isFloatingPoint(t.dtype) && !t.isfinite().all().item()) bad.push(k);
      }
    }),
  );
  return bad;
}

/** The tail of every stop message: which checkpoint is still the last good one. */
export function keptCheckpoint(last: string): string {
  return existsSync(last) ? `the last good checkpoint is ${last}` : 'no checkpoint was saved yet';
}

/** "model.0.conv.weight, model.1.bn.bias and 12 more". */
function listEntries(names: string[], shown = 3): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

/**
 * Throws before a checkpoint write when the EMA (the weights inference loads) or the raw model (what --resume
 * continues from) holds a non-finite value; the files already on disk stay as they are.
 */
export function assertFiniteWeights(parts: Array<{ what: string; model: Module }>, epoch: number, last: string): void {
  for (const { what, model } of parts) {
    const bad = nonFiniteEntries(model);
    if (bad.length > 0) {
      throw new Error(`${what} weights are non-finite (NaN/inf) at epoch ${epoch} (${listEntries(bad)}): stopping without saving them; ${keptCheckpoint(last)}`);
    }
  }
}

/** Throws when an epoch's validation gave non-finite losses or model outputs. */
export function assertFiniteValidation(r: { losses: readonly number[]; nonFiniteImages: number; seen: number }, epoch: number, last: string): void {
  const lossBad = !r.losses.every(Number.isFinite);
  if (!lossBad && r.nonFiniteImages === 0) return;
  const what = [
    lossBad ? `validation loss is non-finite (box ${r.losses[0]}, obj ${r.losses[1]}, cls ${r.losses[2]})` : '',
    r.nonFiniteImages > 0 ? `the model gave non-finite outputs for ${r.nonFiniteImages} of ${r.seen} validation images` : '',
  ].filter(Boolean);
  throw new Error(`${what.join(' and ')} at epoch ${epoch}: stopping; ${keptCheckpoint(last)}`);
}

/**
 * An epoch --noval does not validate: one forward of the EMA on a letterbox-grey image (114, the padding colour) at
 * the training size. Weights gone huge but still finite give NaN/inf outputs here, which would otherwise only show
 * in the next epoch's loss, after they were saved.
 */
export function assertFiniteOutputs(ema: DetectionModel, imgsz: number, device: string, epoch: number, last: string): void {
  const bad = noGrad(() =>
    tidy(() => {
      let x = full([1, 3, imgsz, imgsz], 114 / 255);
      if (device !== 'cpu') x = x.to(device);
      const pred = ema.eval().forward(x.contiguous('channels_last'));
      return pred.numel - pred.isfinite().sum().item();
    }),
  );
  if (bad > 0) {
    throw new Error(`the EMA model gives non-finite outputs (NaN/inf) at epoch ${epoch} (${bad} values on a grey ${imgsz}x${imgsz} image): stopping without saving it; ${keptCheckpoint(last)}`);
  }
}
