// YOLOv5-Lite's PP-LCNet blocks (v5Lite-c): CBH (conv + BN + Hardswish), LC_Block (depthwise CBH, optional
// LC_SEModule, pointwise CBH) and Dense (1×1 conv + Hardswish + Dropout). fuse() folds CBH's BN, as YOLOv5-Lite's does.
import { Hardswish } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Dropout } from '../../../nn/dropout.ts';
import { fuseConvAndBn } from '../../../nn/fuse.ts';
import { Module } from '../../../nn/module.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { LCSEModule } from './squeeze-excite.ts';

export class CBH extends Module {
  conv: Conv2d;
  bn: BatchNorm2d | null;
  readonly hardswish: Hardswish;
  constructor(numChannels: number, numFilters: number, filterSize: number, stride: number, numGroups = 1) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(numChannels, numFilters, filterSize, { stride, padding: Math.floor((filterSize - 1) / 2), groups: numGroups, bias: false }));
    this.bn = this.registerModule('bn', new BatchNorm2d(numFilters));
    this.hardswish = this.registerModule('hardswish', new Hardswish());
  }
  override get typeName(): string {
    return 'CBH';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.hardswish.forward(this.bn ? this.bn.forward(this.conv.forward(x)) : this.conv.forward(x)));
  }
  override fuse(): void {
    if (!this.bn) return;
    const [oldConv, oldBn] = [this.conv, this.bn];
    this.conv = this.registerModule('conv', fuseConvAndBn(oldConv, oldBn));
    this.deleteChild('bn');
    this.bn = null;
    oldConv.dispose();
    oldBn.dispose();
  }
}

export class LCBlock extends Module {
  readonly dwConv: CBH;
  readonly se: LCSEModule | null;
  readonly pwConv: CBH;
  constructor(numChannels: number, numFilters: number, stride: number, dwSize: number, useSe = false) {
    super();
    this.dwConv = this.registerModule('dw_conv', new CBH(numChannels, numChannels, dwSize, stride, numChannels));
    this.se = useSe ? this.registerModule('se', new LCSEModule(numChannels)) : null;
    this.pwConv = this.registerModule('pw_conv', new CBH(numChannels, numFilters, 1, 1));
  }
  override get typeName(): string {
    return 'LC_Block';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const y = this.dwConv.forward(x);
      return this.pwConv.forward(this.se ? this.se.forward(y) : y);
    });
  }
}

export class Dense extends Module {
  readonly denseConv: Conv2d;
  readonly hardswish: Hardswish;
  readonly dropout: Dropout;
  constructor(numChannels: number, numFilters: number, filterSize: number, dropoutProb: number) {
    super();
    this.denseConv = this.registerModule('dense_conv', new Conv2d(numChannels, numFilters, filterSize, { bias: false }));
    this.hardswish = this.registerModule('hardswish', new Hardswish());
    this.dropout = this.registerModule('dropout', new Dropout(dropoutProb));
  }
  override get typeName(): string {
    return 'Dense';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.dropout.forward(this.hardswish.forward(this.denseConv.forward(x))));
  }
}
