// YOLOv5 v7.0's other CSP blocks (models/common.py): BottleneckCSP, CrossConv, C3x, C3SPP — classes, YAML specs,
// ONNX form. Only their Convs fuse (YOLOv5's fuse() leaves BottleneckCSP's own BatchNorm alone).
import { LeakyReLU, SiLU } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { concatChannels, single } from '../../../nn/onnx-emit.ts';
import { cat } from '../../../tensor/create.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { boolArg, intArg, intListArg, numArg } from '../../module-args.ts';
import { Bottleneck, C3, c3Spec, emitC3, emitResidualConvPair, ResidualConvPair } from './bottleneck.ts';
import { Conv, defaultActivation } from './conv.ts';
import { SPP } from './spp.ts';

/**
 * CSP bottleneck (YOLOv4/v5 ≤ 3.1): cv4(act(bn(cat(cv3(m(cv1(x))), cv2(x))))), with its own nn.SiLU() (v5.0 and
 * so YOLOv5-Lite: nn.LeakyReLU(0.1), see useV50Activation).
 */
export class BottleneckCSP extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv2d;
  readonly cv3: Conv2d;
  readonly cv4: Conv;
  readonly bn: BatchNorm2d;
  act: SiLU | LeakyReLU;
  readonly m: Sequential;
  constructor(c1: number, c2: number, n = 1, shortcut = true, g = 1, e = 0.5, act: Module = defaultActivation) {
    super();
    const c = Math.trunc(c2 * e);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 1, 1, null, 1, 1, act));
    this.cv2 = this.registerModule('cv2', new Conv2d(c1, c, 1, { bias: false }));
    this.cv3 = this.registerModule('cv3', new Conv2d(c, c, 1, { bias: false }));
    this.cv4 = this.registerModule('cv4', new Conv(2 * c, c2, 1, 1, null, 1, 1, act));
    this.bn = this.registerModule('bn', new BatchNorm2d(2 * c));
    // YOLOv5 writes nn.SiLU() here, not the default activation: a YAML `activation:` does not reach it.
    this.act = this.registerModule('act', new SiLU());
    this.m = this.registerModule('m', new Sequential(...Array.from({ length: n }, () => new Bottleneck(c, c, shortcut, g, 1.0, act))));
  }
  override get typeName(): string {
    return 'BottleneckCSP';
  }
  /** YOLOv5 v5.0's csp activation (YOLOv5-Lite's parse_model builds its BottleneckCSP so). */
  useV50Activation(): void {
    this.act = this.registerModule('act', new LeakyReLU(0.1));
  }
  forward(x: Tensor): Tensor {
    const a = this.cv1.forward(x);
    const b = this.m.forward(a);
    const y1 = this.cv3.forward(b);
    const y2 = this.cv2.forward(x);
    const joined = cat([y1, y2], 1);
    for (const t of new Set([a, b, y1, y2])) t.dispose();
    const normed = this.bn.forward(joined);
    joined.dispose();
    const activated = this.act.forward(normed);
    normed.dispose();
    const out = this.cv4.forward(activated);
    activated.dispose();
    return out;
  }
}

/** Cross convolution: a 1×k then a k×1 conv (strides (1, s) and (s, 1)), plus x when shortcut and c1 == c2. */
export class CrossConv extends ResidualConvPair {
  constructor(c1: number, c2: number, k = 3, s = 1, g = 1, e = 1.0, shortcut = false, act: Module = defaultActivation) {
    const c = Math.trunc(c2 * e);
    super(new Conv(c1, c, [1, k], [1, s], null, 1, 1, act), new Conv(c, c2, [k, 1], [s, 1], null, g, 1, act), shortcut && c1 === c2);
  }
  override get typeName(): string {
    return 'CrossConv';
  }
}

/** C3 with CrossConvs inside. */
export class C3x extends C3 {
  constructor(c1: number, c2: number, n = 1, shortcut = true, g = 1, e = 0.5, act: Module = defaultActivation) {
    super(c1, c2, n, shortcut, g, e, act, (c) => new Sequential(...Array.from({ length: n }, () => new CrossConv(c, c, 3, 1, g, 1.0, shortcut, act))));
  }
  override get typeName(): string {
    return 'C3x';
  }
}

/** C3 with an SPP inside (its repeats are not moved inside: v7.0's parse_model leaves C3SPP out of that list). */
export class C3SPP extends C3 {
  constructor(c1: number, c2: number, k: number[] = [5, 9, 13], n = 1, shortcut = true, g = 1, e = 0.5, act: Module = defaultActivation) {
    super(c1, c2, n, shortcut, g, e, act, (c) => new SPP(c, c, k, act));
  }
  override get typeName(): string {
    return 'C3SPP';
  }
}

export const cspBlocks: BlockFamily = {
  name: 'csp',
  modules: [
    c3Spec('BottleneckCSP', BottleneckCSP, 'CSP bottleneck (YOLOv4, YOLOv5 ≤ v3.1): Bottlenecks, two plain convs, BatchNorm + SiLU on their concat'),
    c3Spec('C3x', C3x, 'C3 with cross convolutions (1×k then k×1) instead of Bottlenecks'),
    {
      name: 'CrossConv',
      doc: { args: '[c2, k=3, s=1, g=1, e=1.0, shortcut=False]', purpose: 'cross convolution: a 1×k then a k×1 Conv, optional shortcut' },
      pythonType: 'models.common.CrossConv',
      argCount: [1, 6],
      channels: 'width',
      build: (a, ctx) =>
        new CrossConv(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 3), intArg(a, 3, 's', 1), intArg(a, 4, 'g', 1), numArg(a, 5, 'e', 1.0), boolArg(a, 6, 'shortcut', false), ctx.act),
    },
    {
      name: 'C3SPP',
      doc: { args: '[c2, k=(5, 9, 13), n=1, shortcut=True, g=1, e=0.5]', purpose: 'C3 with an SPP inside' },
      pythonType: 'models.common.C3SPP',
      argCount: [1, 6],
      channels: 'width',
      build: (a, ctx) =>
        new C3SPP(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intListArg(a, 2, 'k', [5, 9, 13]), intArg(a, 3, 'n', 1), boolArg(a, 4, 'shortcut', true), intArg(a, 5, 'g', 1), numArg(a, 6, 'e', 0.5), ctx.act),
    },
  ],
  onnx: [
    emitterEntry(BottleneckCSP, (m, input, ctx, scope) => {
      const x = single(input, 'BottleneckCSP');
      const y1 = ctx.emit(m.cv3, ctx.emit(m.m, ctx.emit(m.cv1, x, `${scope}.cv1`), `${scope}.m`), `${scope}.cv3`);
      const y2 = ctx.emit(m.cv2, x, `${scope}.cv2`);
      const normed = ctx.emit(m.bn, concatChannels(ctx, [y1, y2], scope), `${scope}.bn`);
      return ctx.emit(m.cv4, ctx.emit(m.act, normed, `${scope}.act`), `${scope}.cv4`);
    }),
    emitterEntry(CrossConv, emitResidualConvPair),
    emitterEntry(C3x, emitC3),
    emitterEntry(C3SPP, emitC3),
  ],
};
