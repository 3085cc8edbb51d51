// Slim-neck by GSConv (YOLOAir models/Models/slimneck.py): GSConv, GSBottleneck, VoVGSCSP — classes, YAML specs,
// ONNX form. slimneck.py defines its own Conv (nn.Mish per instance, not models.common.Conv), so YOLOv5's fuse()
// never folds their BatchNorms: SlimneckConv keeps them too, and the fused summaries stay the reference's.
import { Identity, Mish } from '../../../nn/activation.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Module } from '../../../nn/module.ts';
import { attr, concatChannels, type EmitContext, single } from '../../../nn/onnx-emit.ts';
import { cat } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry, type ModuleSpec } from '../../block.ts';
import { boolArg, intArg, numArg } from '../../module-args.ts';
import { Conv, emitConv } from '../common/conv.ts';

const SLIMNECK = { repo: 'iscyy/yoloair', path: 'models/Models/slimneck.py', paper: 'Slim-neck by GSConv, arXiv 2206.02424' };

/**
 * slimneck.py's own Conv: Conv2d → BatchNorm2d → nn.Mish() (its own instance, whatever the YAML `activation:`), or
 * nn.Identity() when `act` is false. Not models.common.Conv, so model.fuse() leaves it unfused.
 */
export class SlimneckConv extends Conv {
  constructor(c1: number, c2: number, k = 1, s = 1, p: number | null = null, g = 1, act = true) {
    super(c1, c2, k, s, p, g, 1, act ? new Mish() : new Identity());
  }
  /** YOLOv5's fuse() only folds models.common.Conv/DWConv: this Conv keeps its BatchNorm. */
  override fuse(): void {}
}

/**
 * GSConv: a Conv to c2/2 channels, a 5×5 depth-wise Conv of that, both concatenated, then the channels reordered so
 * that the even ones come first (the reference's reshape (b·n/2, 2, h·w) → permute → reshape (2, b, n/2, h, w)).
 */
export class GSConv extends Module {
  readonly cv1: SlimneckConv;
  readonly cv2: SlimneckConv;
  constructor(c1: number, c2: number, k = 1, s = 1, g = 1, act = true) {
    super();
    const c = Math.floor(c2 / 2);
    this.cv1 = this.registerModule('cv1', new SlimneckConv(c1, c, k, s, null, g, act));
    this.cv2 = this.registerModule('cv2', new SlimneckConv(c, c, 5, 1, null, c, act));
  }
  override get typeName(): string {
    return 'GSConv';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const x1 = this.cv1.forward(x);
      const x2 = cat([x1, this.cv2.forward(x1)], 1);
      const [b, n, h, w] = x2.shape as [number, number, number, number];
      // channel 2j → j, channel 2j + 1 → n/2 + j
      return x2.reshape(b, n / 2, 2, h, w).transpose(1, 2).reshape(b, n, h, w);
    });
  }
}

/** GSConv's channel order as one Gather: output j reads input 2j (j < n/2) or 2(j − n/2) + 1. */
function emitGsShuffle(x: string, n: number, ctx: EmitContext, scope: string): string {
  const half = n / 2;
  const order = Array.from({ length: n }, (_, j) => (j < half ? 2 * j : 2 * (j - half) + 1));
  return ctx.graph.node('Gather', [x, ctx.graph.int64Constant(`${scope}.gs_order`, order)], scope, { axis: attr.int(1) });
}

/**
 * GSBottleneck: conv_lighting(x) + shortcut(x). It also builds `conv` (two 3×3 GSConvs "for receptive field") that its
 * forward never uses; `k` and `s` are accepted and ignored, as in the reference.
 */
export class GSBottleneck extends Module {
  readonly conv_lighting: Sequential;
  readonly conv: Sequential;
  readonly shortcut: SlimneckConv;
  constructor(c1: number, c2: number, _k = 3, _s = 1) {
    super();
    const c = Math.floor(c2 / 2);
    this.conv_lighting = this.registerModule('conv_lighting', new Sequential(new GSConv(c1, c, 1, 1), new GSConv(c, c2, 1, 1, 1, false)));
    this.conv = this.registerModule('conv', new Sequential(new GSConv(c1, c, 3, 1), new GSConv(c, c2, 3, 1, 1, false)));
    this.shortcut = this.registerModule('shortcut', new SlimneckConv(c1, c2, 3, 1, null, 1, false));
  }
  override get typeName(): string {
    return 'GSBottleneck';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.conv_lighting.forward(x).add(this.shortcut.forward(x)));
  }
}

/**
 * VoVGSCSP: cv3(cat(cv2(x), gsb(cv1(x)))) with one GSBottleneck. `n`, `shortcut` and `g` are accepted and ignored, and
 * `res` (a 3×3 Conv) is built but never used — as in the reference.
 */
export class VoVGSCSP extends Module {
  readonly cv1: SlimneckConv;
  readonly cv2: SlimneckConv;
  readonly gsb: GSBottleneck;
  readonly res: SlimneckConv;
  readonly cv3: SlimneckConv;
  constructor(c1: number, c2: number, _n = 1, _shortcut = true, _g = 1, e = 0.5) {
    super();
    const c = Math.trunc(c2 * e);
    this.cv1 = this.registerModule('cv1', new SlimneckConv(c1, c, 1, 1));
    this.cv2 = this.registerModule('cv2', new SlimneckConv(c1, c, 1, 1));
    this.gsb = this.registerModule('gsb', new GSBottleneck(c, c, 1, 1));
    this.res = this.registerModule('res', new SlimneckConv(c, c, 3, 1, null, 1, false));
    this.cv3 = this.registerModule('cv3', new SlimneckConv(2 * c, c2, 1));
  }
  override get typeName(): string {
    return 'VoVGSCSP';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const x1 = this.gsb.forward(this.cv1.forward(x));
      const y = this.cv2.forward(x);
      return this.cv3.forward(cat([y, x1], 1));
    });
  }
}

const gsConvSpec: ModuleSpec = {
  name: 'GSConv',
  doc: {
    args: '[c2, k=1, s=1, g=1, act=True]',
    purpose: 'GSConv: half the channels from a Conv, half from a 5×5 depth-wise Conv of those, shuffled together',
    quirk: "its Convs are slimneck.py's own (Mish, whatever the YAML `activation:`), which YOLOv5's fuse() does not fold",
  },
  pythonType: 'models.Models.slimneck.GSConv',
  argCount: [1, 5],
  channels: 'width',
  origin: 'YOLOAir',
  source: SLIMNECK,
  build: (a) => new GSConv(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 1), intArg(a, 3, 's', 1), intArg(a, 4, 'g', 1), boolArg(a, 5, 'act', true)),
};

const voVGSCSPSpec: ModuleSpec = {
  name: 'VoVGSCSP',
  doc: {
    args: '[c2, shortcut=True, g=1, e=0.5]',
    purpose: 'slim-neck CSP block: one GSBottleneck on half the channels, concatenated with a 1×1 Conv branch',
    quirk:
      "YOLOAir's parse_model moves the repeats inside (args.insert(2, n)) but the block ignores n (one GSBottleneck at any depth), " +
      'and it builds modules its forward never uses (VoVGSCSP.res, GSBottleneck.conv): they count in the parameters and get no gradient; ' +
      "its Convs are slimneck.py's own (Mish), which YOLOv5's fuse() does not fold",
  },
  pythonType: 'models.Models.slimneck.VoVGSCSP',
  argCount: [1, 4],
  channels: 'width-repeats-inside',
  origin: 'YOLOAir',
  source: SLIMNECK,
  build: (a) => new VoVGSCSP(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'n', 1), boolArg(a, 3, 'shortcut', true), intArg(a, 4, 'g', 1), numArg(a, 5, 'e', 0.5)),
};

export const slimneckBlocks: BlockFamily = {
  name: 'slimneck',
  modules: [gsConvSpec, voVGSCSPSpec],
  onnx: [
    emitterEntry(SlimneckConv, emitConv),
    emitterEntry(GSConv, (m, input, ctx, scope) => {
      const y = ctx.emit(m.cv1, single(input, 'GSConv'), `${scope}.cv1`);
      const joined = concatChannels(ctx, [y, ctx.emit(m.cv2, y, `${scope}.cv2`)], scope);
      return emitGsShuffle(joined, 2 * m.cv1.conv.outChannels, ctx, scope);
    }),
    emitterEntry(GSBottleneck, (m, input, ctx, scope) => {
      const x = single(input, 'GSBottleneck');
      const a = ctx.emit(m.conv_lighting, x, `${scope}.conv_lighting`);
      return ctx.graph.node('Add', [a, ctx.emit(m.shortcut, x, `${scope}.shortcut`)], scope);
    }),
    emitterEntry(VoVGSCSP, (m, input, ctx, scope) => {
      const x = single(input, 'VoVGSCSP');
      const x1 = ctx.emit(m.gsb, ctx.emit(m.cv1, x, `${scope}.cv1`), `${scope}.gsb`);
      const y = ctx.emit(m.cv2, x, `${scope}.cv2`);
      return ctx.emit(m.cv3, concatChannels(ctx, [y, x1], scope), `${scope}.cv3`);
    }),
  ],
};
