// The SPP variants improvement guides put in place of SPPF (layer 9 of yolov5s), as iscyy/yoloair writes them:
// SimSPPF (YOLOv6's ReLU SPPF, models/Models/yolov4.py, with its SimConv), SPPFCSPC (YOLOv7's SPPCSPC with SPPF's
// chained pools), ASPP (DeepLab's atrous pyramid, no BatchNorm) and BasicRFB (RFBNet's receptive-field block, with
// its BasicConv) from models/common.py — classes, YAML specs (channels as YOLOAir's parse_model treats each) and ONNX
// forms. The YOLOv5 fuse() YOLOAir runs folds only Conv/DWConv: SimConv and BasicConv keep their BatchNorms, so the
// fused layer and parameter counts equal YOLOAir's; SPPFCSPC's Conv layers fold as usual.
import { ReLU } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { concatChannels, type EmitContext, single } from '../../../nn/onnx-emit.ts';
import { AdaptiveAvgPool2d, MaxPool2d } from '../../../nn/pooling.ts';
import { cat } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, type ChannelContext, chAt, emitterEntry, makeDivisible, type ModuleSpec } from '../../block.ts';
import { boolArg, intArg, numArg } from '../../module-args.ts';
import { BasicConv } from '../common/basic-conv.ts';
import { Conv, defaultActivation } from '../common/conv.ts';

/** YOLOv6's SimConv: conv (k, s, padding k//2, no bias) → BatchNorm2d → ReLU. */
export class SimConv extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly act: ReLU;
  constructor(inChannels: number, outChannels: number, kernelSize: number, stride: number, groups = 1, bias = false) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(inChannels, outChannels, kernelSize, { stride, padding: Math.floor(kernelSize / 2), groups, bias }));
    this.bn = this.registerModule('bn', new BatchNorm2d(outChannels));
    this.act = this.registerModule('act', new ReLU());
  }
  override get typeName(): string {
    return 'SimConv';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.act.forward(this.bn.forward(this.conv.forward(x))));
  }
}

/** SPPF with SimConv (ReLU) convolutions; its output has its input's channel count. */
export class SimSPPF extends Module {
  readonly cv1: SimConv;
  readonly cv2: SimConv;
  readonly m: MaxPool2d;
  constructor(inChannels: number, kernelSize = 5) {
    super();
    const c = Math.floor(inChannels / 2);
    this.cv1 = this.registerModule('cv1', new SimConv(inChannels, c, 1, 1));
    this.cv2 = this.registerModule('cv2', new SimConv(c * 4, inChannels, 1, 1));
    this.m = this.registerModule('m', new MaxPool2d(kernelSize, 1, Math.floor(kernelSize / 2)));
  }
  override get typeName(): string {
    return 'SimSPPF';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const a = this.cv1.forward(x);
      const y1 = this.m.forward(a);
      const y2 = this.m.forward(y1);
      return this.cv2.forward(cat([a, y1, y2, this.m.forward(y2)], 1));
    });
  }
}

/**
 * YOLOv7's SPPCSPC with SPPF's chained k×k pools: cv1→cv3→cv4, three pools, cv5→cv6 on their concatenation, beside
 * cv2's shortcut, joined by cv7. n, shortcut and g are accepted and unused, as in the reference.
 */
export class SPPFCSPC extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv;
  readonly cv3: Conv;
  readonly cv4: Conv;
  readonly m: MaxPool2d;
  readonly cv5: Conv;
  readonly cv6: Conv;
  readonly cv7: Conv;
  constructor(c1: number, c2: number, _n = 1, _shortcut = false, _g = 1, e = 0.5, k = 5, act: Module = defaultActivation) {
    super();
    const c = Math.trunc(2 * c2 * e);
    const conv = (a: number, b: number, kk: number) => new Conv(a, b, kk, 1, null, 1, 1, act);
    this.cv1 = this.registerModule('cv1', conv(c1, c, 1));
    this.cv2 = this.registerModule('cv2', conv(c1, c, 1));
    this.cv3 = this.registerModule('cv3', conv(c, c, 3));
    this.cv4 = this.registerModule('cv4', conv(c, c, 1));
    this.m = this.registerModule('m', new MaxPool2d(k, 1, Math.floor(k / 2)));
    this.cv5 = this.registerModule('cv5', conv(4 * c, c, 1));
    this.cv6 = this.registerModule('cv6', conv(c, c, 3));
    this.cv7 = this.registerModule('cv7', conv(2 * c, c2, 1));
  }
  override get typeName(): string {
    return 'SPPFCSPC';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const x1 = this.cv4.forward(this.cv3.forward(this.cv1.forward(x)));
      const x2 = this.m.forward(x1);
      const x3 = this.m.forward(x2);
      const y1 = this.cv6.forward(this.cv5.forward(cat([x1, x2, x3, this.m.forward(x3)], 1)));
      return this.cv7.forward(cat([y1, this.cv2.forward(x)], 1));
    });
  }
}

/**
 * DeepLab's atrous spatial pyramid pooling as YOLOAir writes it (no BatchNorm, biased convs): the image mean through
 * a 1×1 conv, spread back over the map, beside 1×1 and 3×3 convs of dilation 6, 12 and 18, joined by a 1×1 conv.
 */
export class ASPP extends Module {
  readonly mean: AdaptiveAvgPool2d;
  readonly conv: Conv2d;
  readonly atrousBlock1: Conv2d;
  readonly atrousBlock6: Conv2d;
  readonly atrousBlock12: Conv2d;
  readonly atrousBlock18: Conv2d;
  readonly conv1x1Output: Conv2d;
  constructor(inChannel = 512, outChannel = 256) {
    super();
    // nn.AdaptiveAvgPool2d((1, 1)): a mean over the map (its backward is deterministic on every device).
    this.mean = this.registerModule('mean', new AdaptiveAvgPool2d(1));
    this.conv = this.registerModule('conv', new Conv2d(inChannel, outChannel, 1));
    const atrous = (d: number) => new Conv2d(inChannel, outChannel, 3, { padding: d, dilation: d });
    this.atrousBlock1 = this.registerModule('atrous_block1', new Conv2d(inChannel, outChannel, 1));
    this.atrousBlock6 = this.registerModule('atrous_block6', atrous(6));
    this.atrousBlock12 = this.registerModule('atrous_block12', atrous(12));
    this.atrousBlock18 = this.registerModule('atrous_block18', atrous(18));
    this.conv1x1Output = this.registerModule('conv_1x1_output', new Conv2d(outChannel * 5, outChannel, 1));
  }
  override get typeName(): string {
    return 'ASPP';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [n, , h, w] = x.shape as [number, number, number, number];
      const pooled = this.conv.forward(this.mean.forward(x));
      // The reference's F.upsample(…, mode='bilinear') of a 1×1 map gives that value everywhere: a broadcast (equal
      // to rounding; unlike upsample_bilinear2d's, its backward is deterministic on CUDA too).
      const imageFeatures = pooled.expand(n, pooled.shape[1]!, h, w);
      const branches = [this.atrousBlock1, this.atrousBlock6, this.atrousBlock12, this.atrousBlock18].map((c) => c.forward(x));
      return this.conv1x1Output.forward(cat([imageFeatures, ...branches], 1));
    });
  }
}

/**
 * RFBNet's receptive-field block (YOLOAir's BasicRFB): three branches (1×1 → 3×3 → dilated 3×3 of dilation
 * vision+1, vision+2, vision+4) concatenated, a linear 1×1 conv scaled by `scale` plus a 1×1 shortcut, then ReLU.
 */
export class BasicRFB extends Module {
  readonly scale: number;
  readonly outChannels: number;
  readonly branch0: Sequential;
  readonly branch1: Sequential;
  readonly branch2: Sequential;
  readonly convLinear: BasicConv;
  readonly shortcut: BasicConv;
  readonly relu: ReLU;
  constructor(inPlanes: number, outPlanes: number, stride = 1, scale = 0.1, mapReduce = 8, vision = 1, groups = 1) {
    super();
    this.scale = scale;
    this.outChannels = outPlanes;
    const inter = Math.floor(inPlanes / mapReduce);
    // BasicConv(in, out, k, stride, padding, dilation, groups, relu)
    const dilated = (d: number) => new BasicConv(2 * inter, 2 * inter, 3, 1, d, d, groups, false);
    this.branch0 = this.registerModule(
      'branch0',
      new Sequential(new BasicConv(inPlanes, inter, 1, 1, 0, 1, groups, false), new BasicConv(inter, 2 * inter, 3, stride, 1, 1, groups), dilated(vision + 1)),
    );
    this.branch1 = this.registerModule(
      'branch1',
      new Sequential(new BasicConv(inPlanes, inter, 1, 1, 0, 1, groups, false), new BasicConv(inter, 2 * inter, 3, stride, 1, 1, groups), dilated(vision + 2)),
    );
    const mid = Math.floor(inter / 2) * 3;
    this.branch2 = this.registerModule(
      'branch2',
      new Sequential(
        new BasicConv(inPlanes, inter, 1, 1, 0, 1, groups, false),
        new BasicConv(inter, mid, 3, 1, 1, 1, groups),
        new BasicConv(mid, 2 * inter, 3, stride, 1, 1, groups),
        dilated(vision + 4),
      ),
    );
    this.convLinear = this.registerModule('ConvLinear', new BasicConv(6 * inter, outPlanes, 1, 1, 0, 1, 1, false));
    this.shortcut = this.registerModule('shortcut', new BasicConv(inPlanes, outPlanes, 1, stride, 0, 1, 1, false));
    this.relu = this.registerModule('relu', new ReLU());
  }
  override get typeName(): string {
    return 'BasicRFB';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const joined = cat([this.branch0.forward(x), this.branch1.forward(x), this.branch2.forward(x)], 1);
      const out = this.convLinear.forward(joined).mul(this.scale).add(this.shortcut.forward(x));
      return this.relu.forward(out);
    });
  }
}

/** c1 = ch[from], c2 = make_divisible(args[0]·gw, 8) unless it is the Detect output count (YOLOAir's first steps). */
function scaledChannels(args: unknown[], ctx: ChannelContext): { c1: number; c2: number } {
  const c1 = chAt(ctx.ch, ctx.from as number);
  const c2 = args[0];
  if (typeof c2 !== 'number') throw new Error(`first argument (output channels) must be a number, got ${JSON.stringify(c2)}`);
  return { c1, c2: c2 === ctx.no ? c2 : makeDivisible(c2 * ctx.gw, 8) };
}

const air = {
  origin: 'YOLOAir' as const,
  channels: 'width' as const,
};
const airRepo = 'iscyy/yoloair';

const rfbSpec = (name: string): ModuleSpec => ({
  ...air,
  name,
  source: { repo: airRepo, path: 'models/common.py (BasicRFB, BasicConv)', paper: 'Liu et al., Receptive Field Block Net for Accurate and Fast Object Detection, ECCV 2018 (arXiv:1711.07767)' },
  doc: {
    args: '[c2, stride=1, scale=0.1, map_reduce=8, vision=1, groups=1]',
    purpose: `receptive-field block: three dilated-conv branches (dilation vision+1/+2/+4) joined by a 1×1 conv, scaled and added to a 1×1 shortcut, ReLU${name === 'RFB' ? ' (alias of BasicRFB)' : ''}`,
    quirk: "YOLOv5's fuse() folds only Conv/DWConv, so BasicConv keeps its BatchNorms in a fused model (as in YOLOAir's layer and parameter counts)",
  },
  pythonType: 'models.common.BasicRFB',
  argCount: [1, 6],
  build: (a) =>
    new BasicRFB(intArg(a, 0, 'in_planes'), intArg(a, 1, 'out_planes'), intArg(a, 2, 'stride', 1), numArg(a, 3, 'scale', 0.1), intArg(a, 4, 'map_reduce', 8), intArg(a, 5, 'vision', 1), intArg(a, 6, 'groups', 1)),
});

const specs: ModuleSpec[] = [
  {
    ...air,
    name: 'SimSPPF',
    source: { repo: airRepo, path: 'models/Models/yolov4.py (SimSPPF, SimConv)', paper: 'Li et al., YOLOv6: A Single-Stage Object Detection Framework for Industrial Applications, 2022 (arXiv:2209.02976)' },
    doc: {
      args: '[c2, kernel_size=5]',
      purpose: "YOLOv6's simplified SPPF: SPPF's chained max-pools with conv + BN + ReLU (SimConv) convolutions",
      quirk: "YOLOAir's parse_model passes [c1, kernel_size] (args[0] only sets the channels it records) and the block outputs c1 channels: a row whose scaled c2 differs from its input's channels is refused, as YOLOAir's model fails at its first forward; YOLOv5's fuse() leaves SimConv unfused",
    },
    pythonType: 'models.Models.yolov4.SimSPPF',
    argCount: [1, 2],
    channels: (args, ctx) => {
      const { c1, c2 } = scaledChannels(args, ctx);
      if (c1 !== c2) throw new Error(`SimSPPF outputs its input's ${c1} channels, but its row asks for ${c2} (args[0] · width_multiple): make it ${c1} / width_multiple`);
      return { args: [c1, ...args.slice(1)], c2 };
    },
    build: (a) => new SimSPPF(intArg(a, 0, 'in_channels'), intArg(a, 1, 'kernel_size', 5)),
  },
  {
    ...air,
    name: 'SPPFCSPC',
    source: { repo: airRepo, path: 'models/common.py (SPPFCSPC)', paper: 'Wang et al., YOLOv7: Trainable bag-of-freebies sets new state-of-the-art for real-time object detectors, 2022 (arXiv:2207.02696)' },
    doc: {
      args: '[c2, n=1, shortcut=False, g=1, e=0.5, k=5]',
      purpose: "YOLOv7's SPPCSPC with SPPF's three chained k×k max-pools: a pooled CSP branch and a 1×1 shortcut joined by a 1×1 conv",
      quirk: 'the pool size is the sixth YAML argument: n, shortcut and g come first and are unused (a row [c2, 5] sets n, not k)',
    },
    pythonType: 'models.common.SPPFCSPC',
    argCount: [1, 6],
    build: (a, ctx) =>
      new SPPFCSPC(
        intArg(a, 0, 'c1'),
        intArg(a, 1, 'c2'),
        intArg(a, 2, 'n', 1),
        boolArg(a, 3, 'shortcut', false),
        intArg(a, 4, 'g', 1),
        numArg(a, 5, 'e', 0.5),
        intArg(a, 6, 'k', 5),
        ctx.act,
      ),
  },
  {
    ...air,
    name: 'ASPP',
    source: { repo: airRepo, path: 'models/common.py (ASPP)', paper: 'Chen et al., Rethinking Atrous Convolution for Semantic Image Segmentation (DeepLabv3), 2017 (arXiv:1706.05587)' },
    doc: {
      args: '[c2]',
      purpose: 'atrous spatial pyramid pooling without BatchNorm: image mean (1×1 conv, spread back) beside a 1×1 and three 3×3 convs of dilation 6/12/18, joined by a 1×1 conv',
      quirk: "the image-mean branch is the reference's bilinear upsampling of a 1×1 map, i.e. a broadcast: tsyolo broadcasts (equal to rounding, deterministic backward)",
    },
    pythonType: 'models.common.ASPP',
    argCount: [1, 1],
    build: (a) => new ASPP(intArg(a, 0, 'in_channel'), intArg(a, 1, 'out_channel')),
  },
  rfbSpec('BasicRFB'),
  rfbSpec('RFB'),
];

/** The ONNX form of `children` applied in order, each under its own scope name. */
function chain(x: string, steps: Array<[Module, string]>, ctx: EmitContext, scope: string): string {
  for (const [m, name] of steps) x = ctx.emit(m, x, `${scope}.${name}`);
  return x;
}

export const sppVariantBlocks: BlockFamily = {
  name: 'spp-variants',
  modules: specs,
  onnx: [
    emitterEntry(SimConv, (m, input, ctx, scope) =>
      chain(single(input, 'SimConv'), [[m.conv, 'conv'], [m.bn, 'bn'], [m.act, 'act']], ctx, scope),
    ),
    emitterEntry(SimSPPF, (m, input, ctx, scope) => {
      const a = ctx.emit(m.cv1, single(input, 'SimSPPF'), `${scope}.cv1`);
      const y1 = ctx.emit(m.m, a, `${scope}.m`);
      const y2 = ctx.emit(m.m, y1, `${scope}.m`);
      const y3 = ctx.emit(m.m, y2, `${scope}.m`);
      return ctx.emit(m.cv2, concatChannels(ctx, [a, y1, y2, y3], scope), `${scope}.cv2`);
    }),
    emitterEntry(SPPFCSPC, (m, input, ctx, scope) => {
      const x = single(input, 'SPPFCSPC');
      const x1 = chain(x, [[m.cv1, 'cv1'], [m.cv3, 'cv3'], [m.cv4, 'cv4']], ctx, scope);
      const x2 = ctx.emit(m.m, x1, `${scope}.m`);
      const x3 = ctx.emit(m.m, x2, `${scope}.m`);
      const x4 = ctx.emit(m.m, x3, `${scope}.m`);
      const y1 = chain(concatChannels(ctx, [x1, x2, x3, x4], scope), [[m.cv5, 'cv5'], [m.cv6, 'cv6']], ctx, scope);
      const y2 = ctx.emit(m.cv2, x, `${scope}.cv2`);
      return ctx.emit(m.cv7, concatChannels(ctx, [y1, y2], scope), `${scope}.cv7`);
    }),
    emitterEntry(ASPP, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'ASPP');
      const pooled = chain(x, [[m.mean, 'mean'], [m.conv, 'conv']], ctx, scope);
      const b1 = ctx.emit(m.atrousBlock1, x, `${scope}.atrous_block1`);
      // The 1×1 image feature broadcast to the branches' (n, c2, h, w).
      const imageFeatures = g.node('Expand', [pooled, g.node('Shape', [b1], scope)], scope);
      const b6 = ctx.emit(m.atrousBlock6, x, `${scope}.atrous_block6`);
      const b12 = ctx.emit(m.atrousBlock12, x, `${scope}.atrous_block12`);
      const b18 = ctx.emit(m.atrousBlock18, x, `${scope}.atrous_block18`);
      return ctx.emit(m.conv1x1Output, concatChannels(ctx, [imageFeatures, b1, b6, b12, b18], scope), `${scope}.conv_1x1_output`);
    }),
    emitterEntry(BasicRFB, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'BasicRFB');
      const branches = (['branch0', 'branch1', 'branch2'] as const).map((b) => ctx.emit(m[b], x, `${scope}.${b}`));
      const linear = ctx.emit(m.convLinear, concatChannels(ctx, branches, scope), `${scope}.ConvLinear`);
      const scaled = g.node('Mul', [linear, g.floatConstant(`${scope}.scale`, [], [m.scale])], scope);
      const summed = g.node('Add', [scaled, ctx.emit(m.shortcut, x, `${scope}.shortcut`)], scope);
      return ctx.emit(m.relu, summed, `${scope}.relu`);
    }),
  ],
};
