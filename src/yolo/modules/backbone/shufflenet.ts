// The ShuffleNetV2 stem and block — classes, YAML specs, fuse hooks and ONNX form — shared by the seed's modules
// (Conv_maxpool, ShuffleNetV2_InvertedResidual) and YOLOv5-Lite's (conv_bn_relu_maxpool, Shuffle_Block): the same
// structure, told apart by a flavour recording where the two sources differ (depthwise-conv bias, an empty branch1
// at stride 1, the stride range, whether fuse() folds the stem).
import { ReLU } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { fuseSequential } from '../../../nn/fuse.ts';
import { Module } from '../../../nn/module.ts';
import { attr, concatChannels, type EmitContext, single, splitNode } from '../../../nn/onnx-emit.ts';
import { MaxPool2d } from '../../../nn/pooling.ts';
import { stack } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/** How a ConvMaxpool stem differs between the seed and YOLOv5-Lite. */
export interface StemFlavour {
  /** The YAML / PyTorch class name. */
  name: string;
  /** Whether fuse() folds the stem's BatchNorm (tsyolo does for the seed's; YOLOv5-Lite's fuse() leaves it). */
  foldsOnFuse: boolean;
}
export const SEED_STEM: StemFlavour = { name: 'Conv_maxpool', foldsOnFuse: true };
export const LITE_STEM: StemFlavour = { name: 'conv_bn_relu_maxpool', foldsOnFuse: false };

/** How a ShuffleNetV2 block differs between the seed and YOLOv5-Lite. */
export interface ShuffleFlavour {
  /** The YAML / PyTorch class name. */
  name: string;
  /** The seed's depthwise convs keep nn.Conv2d's default bias; YOLOv5-Lite's (like torchvision's) have none. */
  depthwiseBias: boolean;
  /** The seed always has a `branch1` (an empty nn.Sequential at stride 1); YOLOv5-Lite has none at stride 1. */
  emptyBranch1: boolean;
  /** Largest accepted stride (the seed: 2; YOLOv5-Lite: 3). */
  maxStride: number;
}
export const SEED_SHUFFLE: ShuffleFlavour = { name: 'ShuffleNetV2_InvertedResidual', depthwiseBias: true, emptyBranch1: true, maxStride: 2 };
export const LITE_SHUFFLE: ShuffleFlavour = { name: 'Shuffle_Block', depthwiseBias: false, emptyBranch1: false, maxStride: 3 };

/** Stem: 3×3 stride-2 conv, BN, ReLU, then 3×3 stride-2 max-pool (overall stride 4). */
export class ConvMaxpool extends Module {
  /** Conv 3×3 stride 2, BatchNorm, ReLU. */
  conv: Sequential;
  /** Max-pool 3×3 stride 2. */
  readonly maxpool: MaxPool2d;
  constructor(
    c1: number,
    c2: number,
    /** Which stem: the seed's or YOLOv5-Lite's. */
    readonly flavour: StemFlavour = SEED_STEM,
  ) {
    super();
    this.conv = this.registerModule('conv', new Sequential(new Conv2d(c1, c2, 3, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(c2), new ReLU()));
    this.maxpool = this.registerModule('maxpool', new MaxPool2d(3, 2, 1));
  }
  override get typeName(): string {
    return this.flavour.name;
  }
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    const out = this.maxpool.forward(y);
    y.dispose();
    return out;
  }
  override fuse(): void {
    if (this.flavour.foldsOnFuse) this.conv = this.registerModule('conv', fuseSequential(this.conv));
  }
}

/**
 * channel_shuffle(cat([a, b], 1), 2) in one copy: the shuffle interleaves the two halves (output channel 2j is
 * a's j, 2j + 1 is b's j), which is a stack on a new innermost axis. In channels_last memory that axis sits after
 * the channels of the (n, h, w, c) views, and the result stays channels_last; cat then shuffle would copy three
 * times (cat, the 5-d transpose, back to channels_last), which cost a ShuffleNetV2 training step ~2× in these
 * blocks (bench:train).
 */
export function catChannelShuffle(a: Tensor, b: Tensor): Tensor {
  const [n, c, h, w] = a.shape as [number, number, number, number];
  return tidy(() => {
    if (b.isChannelsLast()) return stack([a.permute(0, 2, 3, 1), b.permute(0, 2, 3, 1)], 4).view(n, h, w, 2 * c).permute(0, 3, 1, 2);
    return stack([a, b], 2).view(n, 2 * c, h, w);
  });
}

/** channel_shuffle: (b, g·c, h, w) → view (b, g, c, h, w) → swap g and c → (b, g·c, h, w). */
export function channelShuffle(x: Tensor, groups: number): Tensor {
  const [b, c, h, w] = x.shape as [number, number, number, number];
  const grouped = x.view(b, groups, c / groups, h, w);
  const swapped = grouped.transpose(1, 2);
  const dense = swapped.contiguous();
  const flat = dense.view(b, c, h, w);
  // Keep a channels_last graph channels_last (the 5-d shuffle copy comes out row-major).
  const out = x.isChannelsLast() && c > 1 ? flat.contiguous('channels_last') : flat;
  if (out !== flat) flat.dispose();
  grouped.dispose();
  swapped.dispose();
  dense.dispose();
  return out;
}

export class ShuffleNetV2InvertedResidual extends Module {
  /** 1 (channel split) or 2/3 (both branches downsample). */
  readonly stride: number;
  /** The downsampling branch (empty or absent at stride 1). */
  branch1: Sequential | null;
  /** The main branch: 1×1 conv, depthwise 3×3, 1×1 conv. */
  branch2: Sequential;

  constructor(
    inp: number,
    oup: number,
    stride: number,
    /** Which block: the seed's or YOLOv5-Lite's. */
    readonly flavour: ShuffleFlavour = SEED_SHUFFLE,
  ) {
    super();
    const name = flavour.name;
    if (!Number.isInteger(stride) || stride < 1 || stride > flavour.maxStride) {
      throw new Error(`${name} stride must be ${flavour.maxStride === 2 ? '1 or 2' : `1 to ${flavour.maxStride}`}, got ${stride}`);
    }
    this.stride = stride;
    const bf = Math.floor(oup / 2);
    if (stride === 1 && inp !== bf << 1) {
      throw new Error(`${name}(${inp}, ${oup}, stride 1) needs inp == 2·(oup//2) = ${bf << 1}, got inp ${inp}`);
    }
    const bias = flavour.depthwiseBias;
    this.branch1 = this.registerModule(
      'branch1',
      stride > 1
        ? new Sequential(
            new Conv2d(inp, inp, 3, { stride, padding: 1, groups: inp, bias }),
            new BatchNorm2d(inp),
            new Conv2d(inp, bf, 1, { bias: false }),
            new BatchNorm2d(bf),
            new ReLU(),
          )
        : flavour.emptyBranch1
          ? new Sequential()
          : null,
    );
    this.branch2 = this.registerModule(
      'branch2',
      new Sequential(
        new Conv2d(stride > 1 ? inp : bf, bf, 1, { bias: false }),
        new BatchNorm2d(bf),
        new ReLU(),
        new Conv2d(bf, bf, 3, { stride, padding: 1, groups: bf, bias }),
        new BatchNorm2d(bf),
        new Conv2d(bf, bf, 1, { bias: false }),
        new BatchNorm2d(bf),
        new ReLU(),
      ),
    );
  }

  override get typeName(): string {
    return this.flavour.name;
  }

  forward(x: Tensor): Tensor {
    return tidy(() => {
      if (this.stride === 1) {
        const [x1, x2] = x.chunk(2, 1) as [Tensor, Tensor];
        return catChannelShuffle(x1, this.branch2.forward(x2));
      }
      return catChannelShuffle(this.branch1!.forward(x), this.branch2.forward(x));
    });
  }

  /** Folds every Conv2d→BatchNorm2d pair in both branches (as YOLOv5-Lite's fuse() does; YOLOv5's leaves the seed's alone). */
  override fuse(): void {
    if (this.branch1) this.branch1 = this.registerModule('branch1', fuseSequential(this.branch1));
    this.branch2 = this.registerModule('branch2', fuseSequential(this.branch2));
  }
}

/**
 * channel_shuffle(x, 2) as one Gather on the channel axis: viewing c channels as (2, c/2) and transposing puts
 * input channel g·(c/2) + k at output position 2k + g. A Gather keeps the graph free of shape-dependent reshapes,
 * so it works unchanged with dynamic batch and image size.
 */
export function emitChannelShuffle2(x: string, channels: number, ctx: EmitContext, scope: string): string {
  const half = channels / 2;
  const order = Array.from({ length: channels }, (_, j) => (j % 2) * half + Math.floor(j / 2));
  return ctx.graph.node('Gather', [x, ctx.graph.int64Constant(`${scope}.shuffle_order`, order)], scope, { axis: attr.int(1) });
}

/** Output channels of a branch: those of its last convolution. */
function branchChannels(m: ShuffleNetV2InvertedResidual): number {
  const convs = m.branch2.layers.filter((l): l is Conv2d => l instanceof Conv2d);
  return convs[convs.length - 1]!.outChannels;
}

function emitInvertedResidual(m: ShuffleNetV2InvertedResidual, input: string | string[], ctx: EmitContext, scope: string): string {
  const x = single(input, m.typeName);
  const bf = branchChannels(m);
  let out: string;
  if (m.stride === 1) {
    // x.chunk(2, 1): two equal halves of the 2·bf input channels.
    const [x1, x2] = splitNode(ctx, x, [bf, bf], 1, scope);
    out = concatChannels(ctx, [x1!, ctx.emit(m.branch2, x2!, `${scope}.branch2`)], scope);
  } else {
    const b1 = ctx.emit(m.branch1!, x, `${scope}.branch1`);
    const b2 = ctx.emit(m.branch2, x, `${scope}.branch2`);
    out = concatChannels(ctx, [b1, b2], scope);
  }
  return emitChannelShuffle2(out, 2 * bf, ctx, scope);
}

export const shufflenetBlocks: BlockFamily = {
  name: 'shufflenet',
  modules: [
    {
      name: 'Conv_maxpool',
      origin: 'seed',
      doc: { args: '[c2]', purpose: "the seed's ShuffleNetV2 stem: 3×3/2 conv + BN + ReLU, then 3×3/2 max-pool" },
      pythonType: 'models.common.Conv_maxpool',
      argCount: [1, 1],
      channels: 'width',
      build: (a) => new ConvMaxpool(intArg(a, 0, 'c1'), intArg(a, 1, 'c2')),
    },
    {
      name: 'ShuffleNetV2_InvertedResidual',
      origin: 'seed',
      doc: { args: '[oup, stride]', purpose: "the seed's ShuffleNetV2 unit: split (stride 1) or two branches (stride 2), concat, channel shuffle" },
      pythonType: 'models.common.ShuffleNetV2_InvertedResidual',
      argCount: [2, 2],
      channels: 'width',
      build: (a) => new ShuffleNetV2InvertedResidual(intArg(a, 0, 'inp'), intArg(a, 1, 'oup'), intArg(a, 2, 'stride')),
    },
    {
      name: 'conv_bn_relu_maxpool',
      doc: { args: '[c2]', purpose: "YOLOv5-Lite's ShuffleNetV2 stem (the seed's Conv_maxpool; its BN is not folded by fuse)" },
      pythonType: 'models.common.conv_bn_relu_maxpool',
      origin: 'YOLOv5-Lite',
      argCount: [1, 1],
      channels: 'width',
      build: (a) => new ConvMaxpool(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), LITE_STEM),
    },
    {
      name: 'Shuffle_Block',
      doc: { args: '[oup, stride]', purpose: "YOLOv5-Lite's ShuffleNetV2 unit (the seed's block without depth-wise biases)" },
      pythonType: 'models.common.Shuffle_Block',
      origin: 'YOLOv5-Lite',
      argCount: [2, 2],
      channels: 'width',
      build: (a) => new ShuffleNetV2InvertedResidual(intArg(a, 0, 'inp'), intArg(a, 1, 'oup'), intArg(a, 2, 'stride'), LITE_SHUFFLE),
    },
  ],
  onnx: [
    emitterEntry(ConvMaxpool, (m, input, ctx, scope) =>
      ctx.emit(m.maxpool, ctx.emit(m.conv, single(input, m.typeName), `${scope}.conv`), `${scope}.maxpool`),
    ),
    emitterEntry(ShuffleNetV2InvertedResidual, emitInvertedResidual),
  ],
};
