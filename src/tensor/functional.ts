// Neural-network functions (torch.nn.functional). Stateless; modules in src/nn hold the parameters.
import { native } from '../native/binding.ts';
import { Tensor } from './tensor.ts';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

export interface Conv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}

export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  return new Tensor(
    native.conv2d(x.handle, weight.handle, bias?.handle ?? null, pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.groups ?? 1),
  );
}

export interface ConvTranspose2dOptions {
  stride?: Pair;
  padding?: Pair;
  outputPadding?: Pair;
  groups?: number;
  dilation?: Pair;
}

/** F.conv_transpose2d; weight is (in_channels, out_channels / groups, kh, kw). */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: ConvTranspose2dOptions = {}): Tensor {
  return new Tensor(
    native.convTranspose2d(
      x.handle,
      weight.handle,
      bias?.handle ?? null,
      pair(o.stride ?? 1),
      pair(o.padding ?? 0),
      pair(o.outputPadding ?? 0),
      o.groups ?? 1,
      pair(o.dilation ?? 1),
    ),
  );
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/** In training mode the running statistics are updated in place (unbiased variance), as PyTorch does. */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, o: BatchNormOptions = {}): Tensor {
  return new Tensor(
    native.batchNorm(
      x.handle,
      o.weight?.handle ?? null,
      o.bias?.handle ?? null,
      runningMean?.handle ?? null,
      runningVar?.handle ?? null,
      o.training ?? false,
      o.momentum ?? 0.1,
      o.eps ?? 1e-5,
    ),
  );
}

export function maxPool2d(x: Tensor, kernelSize: Pair, stride?: Pair, padding: Pair = 0, dilation: Pair = 1, ceilMode = false): Tensor {
  return new Tensor(native.maxPool2d(x.handle, pair(kernelSize), pair(stride ?? kernelSize), pair(padding), pair(dilation), ceilMode));
}

/** Nearest-neighbour upsampling to an explicit size or by an integer scale factor. */
export function interpolateNearest(x: Tensor, opts: { size?: [number, number]; scaleFactor?: number }): Tensor {
  const [, , h, w] = x.shape as [number, number, number, number];
  const size = opts.size ?? [Math.floor(h * opts.scaleFactor!), Math.floor(w * opts.scaleFactor!)];
  return new Tensor(native.upsampleNearest2d(x.handle, size));
}

export function interpolateBilinear(x: Tensor, size: [number, number], alignCorners = false): Tensor {
  return new Tensor(native.upsampleBilinear2d(x.handle, size, alignCorners));
}

const REDUCTIONS = { none: 0, mean: 1, sum: 2 } as const;

export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: keyof typeof REDUCTIONS } = {},
): Tensor {
  return new Tensor(
    native.binaryCrossEntropyWithLogits(input.handle, target.handle, o.weight?.handle ?? null, o.posWeight?.handle ?? null, REDUCTIONS[o.reduction ?? 'mean']),
  );
}
