// GAM as YOLOAir writes it (models/Models/Attention/GAMAttention.py): channel attention by a Linear → ReLU → Linear
// MLP applied at every position (channels last), multiplied in; then spatial attention by two 7×7 convolutions
// (grouped by `rate` when `group` is set) with BN, a sigmoid and a channel shuffle into 4 groups, multiplied in.
import { ReLU } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Linear } from '../../../nn/linear.ts';
import { Module } from '../../../nn/module.ts';
import { attr, single } from '../../../nn/onnx-emit.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/** The shuffle GAMAttention applies to its spatial gate: (B, g, C/g, H, W) → transpose groups → (B, C, H, W). */
const SHUFFLE_GROUPS = 4;

/** Python truthiness of a YAML value (GAMAttention tests `if group`). */
function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  return true;
}

/** GAMAttention(c1, c2, group=True, rate=4). */
export class GAMAttention extends Module {
  readonly channelAttention: Sequential;
  readonly spatialAttention: Sequential;
  constructor(
    readonly c1: number,
    readonly c2: number,
    group: unknown = true,
    readonly rate = 4,
  ) {
    super();
    const mid = Math.floor(c1 / rate);
    const grouped = truthy(group);
    if (c2 % SHUFFLE_GROUPS !== 0) throw new Error(`GAMAttention: c2 = ${c2} must be divisible by its channel-shuffle groups (${SHUFFLE_GROUPS})`);
    this.channelAttention = this.registerModule('channel_attention', new Sequential(new Linear(c1, mid), new ReLU(), new Linear(mid, c1)));
    const spatialConv = (cin: number, cout: number) => new Conv2d(cin, cout, 7, { padding: 3, groups: grouped ? rate : 1 });
    this.spatialAttention = this.registerModule(
      'spatial_attention',
      new Sequential(spatialConv(c1, mid), new BatchNorm2d(mid), new ReLU(), spatialConv(mid, c2), new BatchNorm2d(c2)),
    );
  }
  override get typeName(): string {
    return 'GAMAttention';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [b, c, h, w] = x.shape as [number, number, number, number];
      // The MLP over the channels of each position: (b, h, w, c) rows through the Linear layers.
      const rows = x.permute(0, 2, 3, 1).reshape(b * h * w, c);
      const channelAtt = this.channelAttention.forward(rows).view(b, h, w, c).permute(0, 3, 1, 2);
      const x1 = x.mul(channelAtt);
      const spatial = this.spatialAttention.forward(x1).sigmoid();
      const s = spatial.shape[1]!;
      const shuffled = spatial
        .view(b, SHUFFLE_GROUPS, s / SHUFFLE_GROUPS, h, w)
        .permute(0, 2, 1, 3, 4)
        .contiguous()
        .view(b, s, h, w);
      return x1.mul(shuffled);
    });
  }
}

export const gamBlocks: BlockFamily = {
  name: 'gam',
  modules: [
    {
      name: 'GAMAttention',
      origin: 'YOLOAir',
      doc: {
        args: '[c2, group=True, rate=4]',
        purpose: 'global attention: a channel MLP at every position, then two 7×7 convs (grouped) + BN → sigmoid → channel shuffle as a spatial gate',
        quirk:
          "YOLOAir's example writes [1024, 1024]: under its [c1, c2, …rest] rule the second value is the `group` flag (any non-zero value: grouped 7×7 convolutions with `rate` groups). Its BatchNorms stay unfused, as YOLOv5's fuse() leaves them",
      },
      source: { repo: 'iscyy/yoloair', path: 'models/Models/Attention/GAMAttention.py', paper: 'Liu et al., Global Attention Mechanism: Retain Information to Enhance Channel-Spatial Interactions (arXiv:2112.05561)' },
      pythonType: 'models.Models.Attention.GAMAttention.GAMAttention',
      argCount: [1, 3],
      channels: 'width',
      build: (a) => new GAMAttention(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), a.length > 2 ? a[2] : true, intArg(a, 3, 'rate', 4)),
    },
  ],
  onnx: [
    emitterEntry(GAMAttention, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'GAMAttention');
      // The Linear layers act on the last axis of any rank: (b, h, w, c) in, (b, c, h, w) back.
      const channelsLast = g.node('Transpose', [x], scope, { perm: attr.ints([0, 2, 3, 1]) });
      const att = ctx.emit(m.channelAttention, channelsLast, `${scope}.channel_attention`);
      const x1 = g.node('Mul', [x, g.node('Transpose', [att], scope, { perm: attr.ints([0, 3, 1, 2]) })], scope);
      const spatial = g.node('Sigmoid', [ctx.emit(m.spatialAttention, x1, `${scope}.spatial_attention`)], scope);
      // channel_shuffle(·, 4) with h·w flattened (the same permutation), then back to the gate's shape.
      const split = g.node('Reshape', [spatial, g.int64Constant(`${scope}.groups`, [0, SHUFFLE_GROUPS, m.c2 / SHUFFLE_GROUPS, -1])], scope);
      const swapped = g.node('Transpose', [split], scope, { perm: attr.ints([0, 2, 1, 3]) });
      const shuffled = g.node('Reshape', [swapped, g.node('Shape', [spatial], scope)], scope);
      return g.node('Mul', [x1, shuffled], scope);
    }),
  ],
};
