// YOLOv5-Lite's DWConvblock (the v5Lite-e and PicoDet heads): depthwise k×k conv + BN + ReLU, then pointwise 1×1
// conv + BN + ReLU. The ReLUs are functional (F.relu), so they are no modules; YOLOv5-Lite's fuse() leaves the block.
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';

export class DWConvblock extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  constructor(inChannels: number, outChannels: number, k: number, s: number) {
    super();
    this.conv1 = this.registerModule('conv1', new Conv2d(inChannels, inChannels, k, { stride: s, padding: Math.floor(k / 2), groups: inChannels, bias: false }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(inChannels));
    this.conv2 = this.registerModule('conv2', new Conv2d(inChannels, outChannels, 1, { bias: false }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(outChannels));
  }
  override get typeName(): string {
    return 'DWConvblock';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.bn2.forward(this.conv2.forward(this.bn1.forward(this.conv1.forward(x)).relu())).relu());
  }
}
