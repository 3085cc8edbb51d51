import { adaptiveAvgPool2d, adaptiveMaxPool2d, avgPool2d, interpolateNearest, maxPool2d } from '../tensor/functional.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

export class MaxPool2d extends Module {
  constructor(
    /** Window size. */
    readonly kernelSize: number,
    /** Step (default: the window size). */
    readonly stride: number = kernelSize,
    /** Implicit −∞ padding on each side. */
    readonly padding = 0,
    /** Spacing of the window taps. */
    readonly dilation = 1,
    /** Round the output size up instead of down. */
    readonly ceilMode = false,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.stride, this.padding, this.dilation, this.ceilMode);
  }
}

/** nn.Upsample(size=None, scale_factor, mode='nearest') — the only mode YOLOv5 configs use. */
export class Upsample extends Module {
  constructor(
    /** Integer upscaling factor. */
    readonly scaleFactor: number,
    /** Interpolation (nearest only, as YOLOv5 uses). */
    readonly mode: 'nearest' = 'nearest',
  ) {
    super();
    if (!(scaleFactor > 0) || !Number.isFinite(scaleFactor)) throw new Error(`Upsample scale_factor must be a positive number, got ${scaleFactor}`);
    if (mode !== 'nearest') throw new Error(`Upsample mode '${mode}' is not supported (only 'nearest')`);
  }
  forward(x: Tensor): Tensor {
    return interpolateNearest(x, { scaleFactor: this.scaleFactor });
  }
}

/** An adaptive pooling output size: a number, or [h, w] with null (Python's None) keeping that input size. */
export type AdaptiveOutputSize = number | [number | null, number | null];

function checkAdaptiveSize(what: string, size: AdaptiveOutputSize): void {
  const parts = typeof size === 'number' ? [size] : size;
  if (!Array.isArray(parts) || parts.length < 1 || parts.length > 2 || !parts.every((v) => v === null || (Number.isInteger(v) && v > 0))) {
    throw new Error(`${what} output_size must be a positive integer or [h, w] with None for 'keep', got ${JSON.stringify(size)}`);
  }
}

/** nn.AdaptiveAvgPool2d(output_size); (1) is the channel mean, (None, 1) / (1, None) pool one axis (coordinate attention). */
export class AdaptiveAvgPool2d extends Module {
  constructor(
    /** Output size: a number, or [h, w] with null keeping that input size. */
    readonly outputSize: AdaptiveOutputSize = 1,
  ) {
    super();
    checkAdaptiveSize('AdaptiveAvgPool2d', outputSize);
  }
  forward(x: Tensor): Tensor {
    const axes = reducedAxes(this.outputSize);
    return axes ? x.mean(axes, true) : adaptiveAvgPool2d(x, this.outputSize);
  }
}

/**
 * The axes an adaptive pooling to 1 (or to (None, 1) / (1, None)) reduces. Those sizes are computed as plain
 * reductions: same values, and a backward that is deterministic on every device (CUDA's adaptive-pooling backward
 * is not, which is what stops YOLOv5's attention blocks under `deterministic=True`).
 */
function reducedAxes(size: AdaptiveOutputSize): number[] | null {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  if (h === 1 && w === 1) return [2, 3];
  if (h === null && w === 1) return [3];
  if (h === 1 && w === null) return [2];
  return null;
}

/** nn.AdaptiveMaxPool2d(output_size) (values only, as return_indices=False). */
export class AdaptiveMaxPool2d extends Module {
  constructor(
    /** Output size: a number, or [h, w] with null keeping that input size. */
    readonly outputSize: AdaptiveOutputSize = 1,
  ) {
    super();
    checkAdaptiveSize('AdaptiveMaxPool2d', outputSize);
  }
  forward(x: Tensor): Tensor {
    const axes = reducedAxes(this.outputSize);
    return axes ? x.amax(axes, true) : adaptiveMaxPool2d(x, this.outputSize);
  }
}

/** nn.AvgPool2d. */
export class AvgPool2d extends Module {
  constructor(
    /** Window size. */
    readonly kernelSize: number,
    /** Step (default: the window size). */
    readonly stride: number = kernelSize,
    /** Zero padding on each side. */
    readonly padding = 0,
    /** Round the output size up instead of down. */
    readonly ceilMode = false,
    /** Count the padding zeros in each average. */
    readonly countIncludePad = true,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.stride, this.padding, this.ceilMode, this.countIncludePad);
  }
}
