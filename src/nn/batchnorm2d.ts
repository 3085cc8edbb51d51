import { cat, ones, tensor, zeros } from '../tensor/create.ts';
import { batchNorm, batchNormActivation, type FusedActivation, fusedKernelIsa } from '../tensor/functional.ts';
import { noGrad } from '../tensor/runtime.ts';
import { release } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Identity, ReLU, SiLU } from './activation.ts';
import { Module } from './module.ts';

/** A differentiable sum over data-parallel ranks (torch.distributed.nn's all_reduce): what SyncBatchNorm needs. */
export type ReplicaSum = (t: Tensor) => Tensor;

/** nn.BatchNorm2d: affine weight/bias, running_mean/running_var/num_batches_tracked buffers. */
export class BatchNorm2d extends Module {
  /** Channels normalised. */
  readonly numFeatures: number;
  /** Added to the variance (default 1e-5; a DetectionModel sets 1e-3, as YOLOv5's initialize_weights). */
  eps: number;
  /** Running-statistics update factor (default 0.1; a DetectionModel sets 0.03, as YOLOv5's initialize_weights). */
  momentum: number;
  /**
   * Set (by convertSyncBatchNorm) under data-parallel training: training batches are normalised with the statistics
   * of every rank's batch together, as nn.SyncBatchNorm does. Kept on the layer instead of swapping its class, because
   * blocks hold their layers in fields.
   */
  replicaSum: ReplicaSum | null = null;

  constructor(numFeatures: number, o: { eps?: number; momentum?: number } = {}) {
    super();
    this.numFeatures = numFeatures;
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum ?? 0.1;
    this.registerParameter('weight', ones([numFeatures]));
    this.registerParameter('bias', zeros([numFeatures]));
    this.registerBuffer('running_mean', zeros([numFeatures]));
    this.registerBuffer('running_var', ones([numFeatures]));
    this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int64' }));
  }

  /** Per-channel scale γ (`weight` in the state_dict). */
  get weight(): Tensor {
    return this.getParameter('weight')!;
  }
  /** Per-channel shift β (`bias`). */
  get bias(): Tensor {
    return this.getParameter('bias')!;
  }
  /** Running mean used in eval mode (`running_mean`). */
  get runningMean(): Tensor {
    return this.getBuffer('running_mean')!;
  }
  /** Running variance used in eval mode (`running_var`). */
  get runningVar(): Tensor {
    return this.getBuffer('running_var')!;
  }

  forward(x: Tensor): Tensor {
    if (this.#fuses(x)) return this.#fusedForward(x, 'identity');
    if (this.training && this.replicaSum) return this.#syncForward(x, this.replicaSum);
    if (this.training) noGrad(() => this.getBuffer('num_batches_tracked')!.add_(1));
    return batchNorm(x, this.runningMean, this.runningVar, {
      weight: this.weight,
      bias: this.bias,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }

  /**
   * `act.forward(this.forward(x))`, as one fused kernel in training when `act` is ReLU, SiLU or Identity and `x` is a
   * channels_last float32 or bfloat16 (autocast) CPU tensor (see fusedBatchNorm); the same values either way (for
   * bfloat16 input the fused kernel computes in float32 and rounds once, where ATen rounds after each op).
   */
  forwardActivated(x: Tensor, act: Module): Tensor {
    const kind = fusedActivationOf(act);
    if (kind && this.#fuses(x)) return this.#fusedForward(x, kind);
    const z = this.forward(x);
    const a = act.forward(z);
    release(z, a);
    return a;
  }

  #fuses(x: Tensor): boolean {
    if (!this.training || this.replicaSum || !fusedBatchNormOn()) return false;
    const shape = x.shape;
    return (x.dtype === 'float32' || x.dtype === 'bfloat16') && x.device === 'cpu' && shape.length === 4 && x.numel > shape[1]! && x.isChannelsLast();
  }

  #fusedForward(x: Tensor, activation: FusedActivation): Tensor {
    noGrad(() => this.getBuffer('num_batches_tracked')!.add_(1));
    return batchNormActivation(x, this.weight, this.bias, this.runningMean, this.runningVar, {
      momentum: this.momentum,
      eps: this.eps,
      activation,
    });
  }

  /** Training forward over all ranks' batches: one differentiable sum of (Σx, Σx², n), statistics in float64. */
  #syncForward(x: Tensor, replicaSum: ReplicaSum): Tensor {
    const c = this.numFeatures;
    const x64 = x.to('float64');
    const local = cat([x64.sum([0, 2, 3]), x64.mul(x64).sum([0, 2, 3]), tensor([x.numel / c], { dtype: 'float64' })]);
    const total = replicaSum(local);
    const count = total.narrow(0, 2 * c, 1);
    const mean = total.narrow(0, 0, c).div(count);
    const variance = total.narrow(0, c, c).div(count).sub(mean.mul(mean));
    const scale = variance.add(this.eps).sqrt().reciprocal().to('float32').mul(this.weight).view(1, c, 1, 1);
    const shift = mean.to('float32').view(1, c, 1, 1);
    noGrad(() => {
      const n = count.item();
      const m = this.momentum;
      this.runningMean.mul_(1 - m).add_(mean.to('float32'), m);
      this.runningVar.mul_(1 - m).add_(variance.mul(n / Math.max(n - 1, 1)).to('float32'), m);
      this.getBuffer('num_batches_tracked')!.add_(1);
    });
    return x.sub(shift).mul(scale).add(this.bias.view(1, c, 1, 1));
  }
}

/** The fused kernel's name for `act`: ReLU, SiLU and Identity themselves (not subclasses), else null. */
export function fusedActivationOf(act: Module): FusedActivation | null {
  const kind = act.constructor;
  return kind === ReLU ? 'relu' : kind === SiLU ? 'silu' : kind === Identity ? 'identity' : null;
}

let fusedMode: 'auto' | 'on' | 'off' | null = null;

/**
 * Whether BatchNorm2d trains through the fused batch-norm + activation kernel (functional batchNormActivation).
 * 'auto' (the default): where it runs AVX-512 code, the only kernels measured faster than ATen's (bench/report.md);
 * 'on': always (the portable loops elsewhere); 'off': ATen's batch_norm and activation, as before. The environment
 * variable TSYOLO_FUSED_BN=auto|on|off sets the starting mode. Returns the mode now in force.
 */
export function fusedBatchNorm(mode?: 'auto' | 'on' | 'off'): 'auto' | 'on' | 'off' {
  if (mode) fusedMode = mode;
  if (!fusedMode) {
    const fromEnv = process.env.TSYOLO_FUSED_BN ?? 'auto';
    if (fromEnv !== 'auto' && fromEnv !== 'on' && fromEnv !== 'off') {
      throw new Error(`TSYOLO_FUSED_BN must be auto, on or off, got '${fromEnv}'`);
    }
    fusedMode = fromEnv;
  }
  return fusedMode;
}

function fusedBatchNormOn(): boolean {
  const mode = fusedBatchNorm();
  return mode === 'on' || (mode === 'auto' && fusedKernelIsa() === 'avx512');
}

/** torch's SyncBatchNorm.convert_sync_batchnorm: every BatchNorm2d in `model` normalises over all ranks; returns how many. */
export function convertSyncBatchNorm(model: Module, replicaSum: ReplicaSum): number {
  let n = 0;
  for (const m of model.modules()) {
    if (m instanceof BatchNorm2d) {
      m.replicaSum = replicaSum;
      n++;
    }
  }
  return n;
}
