// RFBNet's BasicConv (Liu et al., ECCV 2018), which two zoo references copy: YOLOAir's models/common.py (BasicRFB's
// layers, necks/spp-variants.ts) and the TripletAttention authors' triplet_attention.py (AttentionGate's 7×7 conv,
// attention/triplet-attention.ts). One class here, its ONNX form registered once (the family below, in blocks.ts).
import { ReLU } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Conv2d, type Size2 } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { single } from '../../../nn/onnx-emit.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';

/**
 * BasicConv(in_planes, out_planes, kernel_size, stride=1, padding=0, dilation=1, groups=1, relu=True, bn=True):
 * Conv2d → BatchNorm2d(eps 1e-5, momentum 0.01) → ReLU, the BatchNorm and the ReLU optional. The conv has a bias only
 * without the BatchNorm (YOLOAir's; the authors' TripletAttention takes `bias`, default False, and always builds it
 * with bn=True: the same). YOLOv5's fuse() folds only Conv/DWConv, so the BatchNorm stays in a fused model.
 */
export class BasicConv extends Module {
  readonly outChannels: number;
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d | null;
  readonly relu: ReLU | null;
  constructor(inPlanes: number, outPlanes: number, kernelSize: Size2, stride = 1, padding: Size2 = 0, dilation = 1, groups = 1, relu = true, bn = true) {
    super();
    this.outChannels = outPlanes;
    this.conv = this.registerModule('conv', new Conv2d(inPlanes, outPlanes, kernelSize, { stride, padding, dilation, groups, bias: !bn }));
    this.bn = bn ? this.registerModule('bn', new BatchNorm2d(outPlanes, { eps: 1e-5, momentum: 0.01 })) : null;
    this.relu = relu ? this.registerModule('relu', new ReLU()) : null;
  }
  override get typeName(): string {
    return 'BasicConv';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      let y = this.conv.forward(x);
      if (this.bn) y = this.bn.forward(y);
      if (this.relu) y = this.relu.forward(y);
      return y;
    });
  }
}

/** No YAML name (BasicConv is built inside blocks only): just its ONNX form. */
export const basicConvBlocks: BlockFamily = {
  name: 'basic-conv',
  modules: [],
  onnx: [
    emitterEntry(BasicConv, (m, input, ctx, scope) => {
      let y = ctx.emit(m.conv, single(input, 'BasicConv'), `${scope}.conv`);
      if (m.bn) y = ctx.emit(m.bn, y, `${scope}.bn`);
      if (m.relu) y = ctx.emit(m.relu, y, `${scope}.relu`);
      return y;
    }),
  ],
};
