// Neural-network functions (torch.nn.functional). Stateless; modules in src/nn hold the parameters.
import { native } from '../native/binding.ts';
import { Tensor } from './tensor.ts';

/** A size or stride given once for both sides, or as [height, width]. */
export type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (typeof v === 'number' ? [v, v] : v);

/** F.conv2d's options, as PyTorch's keyword arguments. */
export interface Conv2dOptions {
  /** Step of the kernel (default 1). */
  stride?: Pair;
  /** Zero padding on each side (default 0). */
  padding?: Pair;
  /** Spacing of the kernel taps (default 1). */
  dilation?: Pair;
  /** Channel groups (default 1; in_channels for depthwise). */
  groups?: number;
}

/** F.conv2d on (N, C, H, W) with weight (out, in / groups, kh, kw). */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  return new Tensor(
    native.conv2d(x.handle, weight.handle, bias?.handle ?? null, pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.groups ?? 1),
  );
}

/** F.conv_transpose2d's options, as PyTorch's keyword arguments. */
export interface ConvTranspose2dOptions {
  /** Upsampling step (default 1). */
  stride?: Pair;
  /** Implicit padding removed from each side (default 0). */
  padding?: Pair;
  /** Extra size added to one side of the output (default 0). */
  outputPadding?: Pair;
  /** Channel groups (default 1). */
  groups?: number;
  /** Spacing of the kernel taps (default 1). */
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

/** F.batch_norm's options. */
export interface BatchNormOptions {
  /** Per-channel scale (γ), or none. */
  weight?: Tensor | null;
  /** Per-channel shift (β), or none. */
  bias?: Tensor | null;
  /** Batch statistics (and running-statistics updates) instead of the running ones. */
  training?: boolean;
  /** Running-statistics update factor (default 0.1). */
  momentum?: number;
  /** Added to the variance (default 1e-5). */
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

/** An activation batchNormActivation can apply. */
export type FusedActivation = 'identity' | 'relu' | 'silu';
/** Each activation's code in the native op (native/src/fused_ops.cc). */
const FUSED_ACTIVATION_CODES: Record<FusedActivation, number> = { identity: 0, relu: 1, silu: 2 };

/**
 * Training-mode batch norm (batch statistics; running statistics updated in place with the unbiased variance) and
 * then `activation`, as one autograd node: the values of `batchNorm(…, { training: true })` followed by relu()/silu(),
 * in fewer passes over memory. Input: a channels_last float32 or bfloat16 CPU tensor (output and gradients in its dtype,
 * statistics and arithmetic in float32); weight, bias and the running statistics: float32 vectors of its channel count
 * (a clear error otherwise).
 */
export function batchNormActivation(
  x: Tensor,
  weight: Tensor,
  bias: Tensor,
  runningMean: Tensor,
  runningVar: Tensor,
  o: { momentum?: number; eps?: number; activation?: FusedActivation } = {},
): Tensor {
  return new Tensor(
    native.batchNormActivation(
      x.handle,
      weight.handle,
      bias.handle,
      runningMean.handle,
      runningVar.handle,
      o.momentum ?? 0.1,
      o.eps ?? 1e-5,
      FUSED_ACTIVATION_CODES[o.activation ?? 'identity'],
    ),
  );
}

/** Which kernels batchNormActivation runs: 'avx512' where the CPU has AVX-512, else 'portable' (plain C++). */
export function fusedKernelIsa(request?: 'auto' | 'portable' | 'avx512'): 'avx512' | 'portable' {
  return native.fusedKernelIsa(request ?? '') as 'avx512' | 'portable';
}

/**
 * F.max_pool2d (stride defaults to the kernel size). bfloat16 on the CPU goes through float32 and back: ATen 1.13's
 * bfloat16 max-pool is scalar (32×8×160×160 channels_last, 3×3 stride 2: 38 ms forward and backward, 20 ms with the
 * round trip), and the maximum of bfloat16 values is the same bfloat16 value either way.
 */
export function maxPool2d(x: Tensor, kernelSize: Pair, stride?: Pair, padding: Pair = 0, dilation: Pair = 1, ceilMode = false): Tensor {
  const pool = (t: Tensor) => new Tensor(native.maxPool2d(t.handle, pair(kernelSize), pair(stride ?? kernelSize), pair(padding), pair(dilation), ceilMode));
  if (x.dtype !== 'bfloat16' || x.device !== 'cpu') return pool(x);
  const wide = x.float();
  const pooled = pool(wide);
  wide.dispose();
  const out = pooled.to('bfloat16');
  pooled.dispose();
  return out;
}

/** Nearest-neighbour upsampling to an explicit size or by an integer scale factor. */
export function interpolateNearest(x: Tensor, opts: { size?: [number, number]; scaleFactor?: number }): Tensor {
  const [, , h, w] = x.shape as [number, number, number, number];
  const size = opts.size ?? [Math.floor(h * opts.scaleFactor!), Math.floor(w * opts.scaleFactor!)];
  return new Tensor(native.upsampleNearest2d(x.handle, size));
}

/** F.interpolate(mode='bilinear') to an explicit [height, width]. */
export function interpolateBilinear(x: Tensor, size: [number, number], alignCorners = false): Tensor {
  return new Tensor(native.upsampleBilinear2d(x.handle, size, alignCorners));
}

/** F.linear: x·Wᵀ + b over the last dimension. */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  return new Tensor(native.linear(x.handle, weight.handle, bias?.handle ?? null));
}

/** F.conv1d on (N, C, L); weight (out, in / groups, k). */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: { stride?: number; padding?: number; dilation?: number; groups?: number } = {}): Tensor {
  return new Tensor(native.conv1d(x.handle, weight.handle, bias?.handle ?? null, [o.stride ?? 1], [o.padding ?? 0], [o.dilation ?? 1], o.groups ?? 1));
}

/** F.group_norm: statistics per sample over each group of channels (and all spatial positions). */
export function groupNorm(x: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  return new Tensor(native.groupNorm(x.handle, numGroups, weight?.handle ?? null, bias?.handle ?? null, eps));
}

/** F.layer_norm over the trailing `normalizedShape` dimensions. */
export function layerNorm(x: Tensor, normalizedShape: number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  return new Tensor(native.layerNorm(x.handle, normalizedShape, weight?.handle ?? null, bias?.handle ?? null, eps));
}

/** An output size for adaptive pooling: a number, or [h, w] where null (Python's None) keeps that input size. */
export type AdaptiveSize = number | [number | null, number | null];

function adaptiveSize(x: Tensor, size: AdaptiveSize): [number, number] {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  return [h ?? x.shape[x.shape.length - 2]!, w ?? x.shape[x.shape.length - 1]!];
}

/** F.adaptive_avg_pool2d (None keeps an axis). */
export function adaptiveAvgPool2d(x: Tensor, size: AdaptiveSize): Tensor {
  return new Tensor(native.adaptiveAvgPool2d(x.handle, adaptiveSize(x, size)));
}

/** F.adaptive_max_pool2d's values (None keeps an axis). */
export function adaptiveMaxPool2d(x: Tensor, size: AdaptiveSize): Tensor {
  return new Tensor(native.adaptiveMaxPool2d(x.handle, adaptiveSize(x, size)));
}

/** F.avg_pool2d (stride defaults to the kernel size). */
export function avgPool2d(x: Tensor, kernelSize: Pair, stride?: Pair, padding: Pair = 0, ceilMode = false, countIncludePad = true): Tensor {
  return new Tensor(native.avgPool2d(x.handle, pair(kernelSize), pair(stride ?? kernelSize), pair(padding), ceilMode, countIncludePad));
}

/** F.unfold: (N, C, H, W) → (N, C·kh·kw, L), the sliding k×k blocks as columns. */
export function unfold(x: Tensor, kernelSize: Pair, o: { dilation?: Pair; padding?: Pair; stride?: Pair } = {}): Tensor {
  return new Tensor(native.im2col(x.handle, pair(kernelSize), pair(o.dilation ?? 1), pair(o.padding ?? 0), pair(o.stride ?? 1)));
}

/** F.pixel_shuffle: (N, C·r², H, W) → (N, C, H·r, W·r). */
export function pixelShuffle(x: Tensor, upscaleFactor: number): Tensor {
  return new Tensor(native.pixelShuffle(x.handle, upscaleFactor));
}

/** F.pixel_unshuffle: (N, C, H·r, W·r) → (N, C·r², H, W). */
export function pixelUnshuffle(x: Tensor, downscaleFactor: number): Tensor {
  return new Tensor(native.pixelUnshuffle(x.handle, downscaleFactor));
}

const REDUCTIONS = { none: 0, mean: 1, sum: 2 } as const;

/** F.binary_cross_entropy_with_logits (pos_weight, weight and reduction as in PyTorch). */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  o: { weight?: Tensor | null; posWeight?: Tensor | null; reduction?: keyof typeof REDUCTIONS } = {},
): Tensor {
  return new Tensor(
    native.binaryCrossEntropyWithLogits(input.handle, target.handle, o.weight?.handle ?? null, o.posWeight?.handle ?? null, REDUCTIONS[o.reduction ?? 'mean']),
  );
}
