// YOLOv5-Lite's ESNet blocks (PicoDet-s): its GhostConv and ES_Bottleneck (with ES_SEModule gates) — at stride 1 a
// ShuffleNet unit whose right half goes through GhostConv + SE + 1×1 conv; at stride 2 two downsampling branches
// concatenated and mixed by a depthwise + pointwise branch4. Like YOLOv5-Lite, every branch is built at every stride
// (unused ones still hold parameters), and fuse() leaves the block.
import { Hardswish } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { cat } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { Conv } from '../common/conv.ts';
import { catChannelShuffle } from './shufflenet.ts';
import { ESSEModule } from './squeeze-excite.ts';

/** YOLOv5-Lite's GhostConv: cv1 = Conv(c1, c2/2, 1, s), cv2 = depthwise Conv(c2/2, c2/2, k, s); out = cat(y, cv2(y)). */
export class LiteGhostConv extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv;
  constructor(c1: number, c2: number, k = 3, s = 1, g = 1) {
    super();
    const c = Math.floor(c2 / 2);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 1, s, null, g));
    this.cv2 = this.registerModule('cv2', new Conv(c, c, k, s, null, c));
  }
  override get typeName(): string {
    return 'GhostConv';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const y = this.cv1.forward(x);
      return cat([y, this.cv2.forward(y)], 1);
    });
  }
}

const depthwise = (c: number, stride: number) => new Conv2d(c, c, 3, { stride, padding: 1, groups: c, bias: false });
const pointwise = (c1: number, c2: number) => new Conv2d(c1, c2, 1, { bias: false });

export class ESBottleneck extends Module {
  readonly stride: number;
  /** Channels of each half (oup // 2). */
  readonly branchFeatures: number;
  readonly branch1: Sequential | null;
  readonly branch2: Sequential;
  readonly branch3: Sequential;
  readonly branch4: Sequential;
  constructor(inp: number, oup: number, stride: number) {
    super();
    if (stride !== 1 && stride !== 2) throw new Error(`ES_Bottleneck stride must be 1 or 2, got ${stride}`);
    this.stride = stride;
    const bf = Math.floor(oup / 2);
    this.branchFeatures = bf;
    if (stride === 1 && inp !== bf << 1) throw new Error(`ES_Bottleneck(${inp}, ${oup}, stride 1) needs inp == 2·(oup//2) = ${bf << 1}, got inp ${inp}`);
    this.branch1 =
      stride > 1
        ? this.registerModule('branch1', new Sequential(depthwise(inp, stride), new BatchNorm2d(inp), pointwise(inp, bf), new BatchNorm2d(bf), new Hardswish()))
        : null;
    this.branch2 = this.registerModule(
      'branch2',
      new Sequential(
        pointwise(stride > 1 ? inp : bf, bf),
        new BatchNorm2d(bf),
        new Hardswish(),
        depthwise(bf, stride),
        new BatchNorm2d(bf),
        new ESSEModule(bf),
        pointwise(bf, bf),
        new BatchNorm2d(bf),
        new Hardswish(),
      ),
    );
    this.branch3 = this.registerModule(
      'branch3',
      new Sequential(new LiteGhostConv(bf, bf, 3, 1), new ESSEModule(bf), pointwise(bf, bf), new BatchNorm2d(bf), new Hardswish()),
    );
    this.branch4 = this.registerModule(
      'branch4',
      new Sequential(depthwise(oup, 1), new BatchNorm2d(oup), pointwise(oup, oup), new BatchNorm2d(oup), new Hardswish()),
    );
  }
  override get typeName(): string {
    return 'ES_Bottleneck';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      if (this.stride === 1) {
        const [x1, x2] = x.chunk(2, 1) as [Tensor, Tensor];
        return catChannelShuffle(x1, this.branch3.forward(x2));
      }
      return this.branch4.forward(cat([this.branch1!.forward(x), this.branch2.forward(x)], 1));
    });
  }
}
