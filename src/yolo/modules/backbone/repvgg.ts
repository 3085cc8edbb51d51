// YOLOv5-Lite's RepVGGBlock (v5Lite-g, yolov5-repvgg_A1): in training, act(se(conv_bn k×k + conv_bn 1×1 + BN
// identity)); fuse() re-parameterises the three branches into one k×k conv with bias, as RepVGG's deploy form.
import { Identity, SiLU } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { tensor } from '../../../tensor/create.ts';
import { noGrad } from '../../../tensor/runtime.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';

/** RepVGG's conv_bn(): an nn.Sequential whose children are named `conv` and `bn`. */
export class ConvBn extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  constructor(c1: number, c2: number, k: number, stride: number, padding: number, groups: number) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(c1, c2, k, { stride, padding, groups, bias: false }));
    this.bn = this.registerModule('bn', new BatchNorm2d(c2));
  }
  override get typeName(): string {
    return 'Sequential';
  }
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    const out = this.bn.forward(y);
    y.dispose();
    return out;
  }
}

/** Squeeze-and-excitation with 1×1 convs (`down`, `up`): x · sigmoid(up(relu(down(mean(x))))). */
export class SEBlock extends Module {
  readonly down: Conv2d;
  readonly up: Conv2d;
  constructor(inputChannels: number, internalNeurons: number) {
    super();
    this.down = this.registerModule('down', new Conv2d(inputChannels, internalNeurons, 1));
    this.up = this.registerModule('up', new Conv2d(internalNeurons, inputChannels, 1));
  }
  override get typeName(): string {
    return 'SEBlock';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => x.mul(this.up.forward(this.down.forward(x.mean([2, 3], true)).relu()).sigmoid()));
  }
}

/** BN folded into a kernel on the host: (kernel·γ/σ, β − mean·γ/σ), σ = √(var + eps). */
function foldedBranch(kernel: Float32Array, bn: BatchNorm2d, perOut: number): { w: Float64Array; b: Float64Array } {
  const gamma = bn.weight.toFloat32Array();
  const beta = bn.bias.toFloat32Array();
  const mean = bn.runningMean.toFloat32Array();
  const variance = bn.runningVar.toFloat32Array();
  const w = new Float64Array(kernel.length);
  const b = new Float64Array(gamma.length);
  for (let o = 0; o < gamma.length; o++) {
    const std = Math.sqrt(variance[o]! + bn.eps);
    const t = gamma[o]! / std;
    for (let k = 0; k < perOut; k++) w[o * perOut + k] = kernel[o * perOut + k]! * t;
    b[o] = beta[o]! - (mean[o]! * gamma[o]!) / std;
  }
  return { w, b };
}

export class RepVGGBlock extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
  readonly nonlinearity: SiLU;
  se: Module | null;
  rbrIdentity: BatchNorm2d | null;
  rbrDense: ConvBn | Conv2d;
  rbr1x1: ConvBn | null;

  constructor(c1: number, c2: number, k = 3, stride = 1, padding = 1, dilation = 1, groups = 1, paddingMode = 'zeros', deploy = false, useSe = false) {
    super();
    if (k !== 3) throw new Error(`RepVGGBlock kernel_size must be 3 (its 1×1 branch is padded to 3×3 on fuse), got ${k}`);
    if (dilation !== 1) throw new Error(`RepVGGBlock dilation ${dilation} is not supported (only 1)`);
    if (paddingMode !== 'zeros') throw new Error(`RepVGGBlock padding_mode '${paddingMode}' is not supported (only 'zeros')`);
    if (deploy) throw new Error('RepVGGBlock deploy=True is not supported in a YAML: build the training form and fuse()');
    this.inChannels = c1;
    this.outChannels = c2;
    this.kernelSize = k;
    this.stride = stride;
    this.padding = padding;
    this.groups = groups;
    this.nonlinearity = this.registerModule('nonlinearity', new SiLU());
    this.se = this.registerModule('se', useSe ? new SEBlock(c2, Math.floor(c2 / 16)) : new Identity());
    this.rbrIdentity = this.registerModule('rbr_identity', c2 === c1 && stride === 1 ? new BatchNorm2d(c1) : null);
    this.rbrDense = this.registerModule('rbr_dense', new ConvBn(c1, c2, k, stride, padding, groups));
    this.rbr1x1 = this.registerModule('rbr_1x1', new ConvBn(c1, c2, 1, stride, padding - Math.floor(k / 2), groups));
  }

  override get typeName(): string {
    return 'RepVGGBlock';
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      let y = this.rbrDense.forward(x);
      if (this.rbr1x1) y = y.add(this.rbr1x1.forward(x));
      if (this.rbrIdentity) y = y.add(this.rbrIdentity.forward(x));
      if (this.se) y = this.se.forward(y);
      return this.nonlinearity.forward(y);
    });
  }

  /**
   * Re-parameterisation (YOLOv5-Lite's Model.fuse()): one k×k conv with bias = dense + padded 1×1 + identity, each
   * with its BN folded. Like YOLOv5-Lite, the block then keeps only `nonlinearity` and `rbr_dense`; an SE block (no
   * shipped config uses one) is kept so outputs stay the same.
   */
  override fuse(): void {
    if (!(this.rbrDense instanceof ConvBn) || !this.rbr1x1) return;
    const k = this.kernelSize;
    const inPerGroup = this.inChannels / this.groups;
    const perOut = inPerGroup * k * k;
    const dense = foldedBranch(this.rbrDense.conv.weight.toFloat32Array(), this.rbrDense.bn, perOut);
    const one = foldedBranch(this.rbr1x1.conv.weight.toFloat32Array(), this.rbr1x1.bn, inPerGroup);
    const w = dense.w;
    const b = dense.b;
    const centre = Math.floor(k / 2) * k + Math.floor(k / 2);
    for (let o = 0; o < this.outChannels; o++) {
      for (let i = 0; i < inPerGroup; i++) w[o * perOut + i * k * k + centre]! += one.w[o * inPerGroup + i]!;
      b[o]! += one.b[o]!;
    }
    if (this.rbrIdentity) {
      const ones = new Float32Array(this.inChannels * inPerGroup);
      for (let c = 0; c < this.inChannels; c++) ones[c * inPerGroup + (c % inPerGroup)] = 1;
      const id = foldedBranch(ones, this.rbrIdentity, inPerGroup);
      for (let o = 0; o < this.outChannels; o++) {
        w[o * perOut + (o % inPerGroup) * k * k + centre]! += id.w[o * inPerGroup + (o % inPerGroup)]!;
        b[o]! += id.b[o]!;
      }
    }
    const conv = new Conv2d(this.inChannels, this.outChannels, k, { stride: this.stride, padding: this.padding, groups: this.groups, bias: true });
    noGrad(() =>
      tidy(() => {
        conv.weight.copy_(tensor(Float32Array.from(w), { shape: conv.weight.shape }).to(conv.weight.device));
        conv.bias!.copy_(tensor(Float32Array.from(b), { shape: [this.outChannels] }).to(conv.weight.device));
      }),
    );
    conv.foldedFromBatchNorm = true;
    const old = [this.rbrDense, this.rbr1x1, this.rbrIdentity];
    this.rbrDense = this.registerModule('rbr_dense', conv);
    this.deleteChild('rbr_1x1');
    this.deleteChild('rbr_identity');
    this.rbr1x1 = null;
    this.rbrIdentity = null;
    if (this.se instanceof Identity) {
      this.deleteChild('se');
      this.se = null;
    }
    for (const m of old) m?.dispose();
  }
}
