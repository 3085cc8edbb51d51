// Learning-rate schedules of YOLOv5's train.py: the per-epoch lambdas LambdaLR multiplies initial_lr by, and
// numpy's interp used for the warmup ramps.
import { roundHalfEven } from '../compat/python.ts';

/** Linear decay from 1 at epoch 0 to lrf at `epochs`: (1 − x/epochs)·(1 − lrf) + lrf. */
export function linearLr(lrf: number, epochs: number): (epoch: number) => number {
  return (x) => (1 - x / epochs) * (1.0 - lrf) + lrf;
}

/** one_cycle: a half-cosine ramp from y1 to y2 over `steps` (train.py --cos-lr uses oneCycleLr(1, lrf, epochs)). */
export function oneCycleLr(y1 = 0.0, y2 = 1.0, steps = 100): (epoch: number) => number {
  return (x) => ((1 - Math.cos((x * Math.PI) / steps)) / 2) * (y2 - y1) + y1;
}

/** numpy.interp for increasing xp: linear between the points, the end values outside them. */
export function warmupInterp(x: number, xp: readonly number[], fp: readonly number[]): number {
  if (xp.length !== fp.length || xp.length === 0) throw new Error(`interp: xp (${xp.length}) and fp (${fp.length}) must be non-empty and equally long`);
  const last = xp.length - 1;
  if (Number.isNaN(x)) return x;
  if (x < xp[0]!) return fp[0]!;
  if (x >= xp[last]!) return fp[last]!;
  let j = 0;
  while (x >= xp[j + 1]!) j++;
  if (x === xp[j]) return fp[j]!;
  const slope = (fp[j + 1]! - fp[j]!) / (xp[j + 1]! - xp[j]!);
  return slope * (x - xp[j]!) + fp[j]!;
}

/** Warmup length in iterations: max(round(warmup_epochs·nb), 100), with Python's rounding. */
export function warmupIterations(warmupEpochs: number, batchesPerEpoch: number): number {
  return Math.max(roundHalfEven(warmupEpochs * batchesPerEpoch), 100);
}

/** The group settings warmup gives iteration `ni` (train.py): lr ramps, SGD momentum ramp, gradient accumulation. */
export interface WarmupGroup {
  lr: number;
  initialLr: number;
  momentum?: number;
}

export function applyWarmup(
  groups: WarmupGroup[],
  o: { ni: number; nw: number; epoch: number; lf: (epoch: number) => number; warmupBiasLr: number; warmupMomentum: number; momentum: number; nbs: number; batchSize: number },
): { accumulate: number } {
  const xi = [0, o.nw];
  groups.forEach((g, j) => {
    // Group 0 holds the biases: their lr falls from warmup_bias_lr; the others rise from 0.
    g.lr = warmupInterp(o.ni, xi, [j === 0 ? o.warmupBiasLr : 0.0, g.initialLr * o.lf(o.epoch)]);
    if (g.momentum !== undefined) g.momentum = warmupInterp(o.ni, xi, [o.warmupMomentum, o.momentum]);
  });
  // numpy's round() takes halves to even, like Python's.
  return { accumulate: Math.max(1, roundHalfEven(warmupInterp(o.ni, xi, [1, o.nbs / o.batchSize]))) };
}
