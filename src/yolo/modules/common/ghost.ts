// GhostNet blocks of YOLOv5 v7.0 (models/common.py): GhostConv, GhostBottleneck, C3Ghost — classes, YAML specs,
// ONNX form. Their Convs fuse through Conv's own hook.
import { Identity } from '../../../nn/activation.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Module } from '../../../nn/module.ts';
import { concatChannels, single } from '../../../nn/onnx-emit.ts';
import { cat } from '../../../tensor/create.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';
import { C3, c3Spec, emitC3 } from './bottleneck.ts';
import { type ActArg, Conv, DWConv, defaultActivation, yamlAct } from './conv.ts';

/** Half the outputs from a conv, the other half from a cheap 5×5 depth-wise conv of those: cat(y, cv2(y)). */
export class GhostConv extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv;
  constructor(c1: number, c2: number, k = 1, s = 1, g = 1, act: ActArg = true) {
    super();
    const c = Math.floor(c2 / 2);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, k, s, null, g, 1, act));
    this.cv2 = this.registerModule('cv2', new Conv(c, c, 5, 1, null, c, 1, act));
  }
  override get typeName(): string {
    return 'GhostConv';
  }
  forward(x: Tensor): Tensor {
    const y = this.cv1.forward(x);
    const z = this.cv2.forward(y);
    const out = cat([y, z], 1);
    y.dispose();
    z.dispose();
    return out;
  }
}

/** conv(x) + shortcut(x), with a depth-wise stride-2 conv on both paths when s == 2. */
export class GhostBottleneck extends Module {
  readonly conv: Sequential;
  readonly shortcut: Module;
  constructor(c1: number, c2: number, k = 3, s = 1, act: Module = defaultActivation) {
    super();
    const c = Math.floor(c2 / 2);
    this.conv = this.registerModule(
      'conv',
      new Sequential(new GhostConv(c1, c, 1, 1, 1, act), s === 2 ? new DWConv(c, c, k, s, 1, false) : new Identity(), new GhostConv(c, c2, 1, 1, 1, false)),
    );
    this.shortcut = this.registerModule(
      'shortcut',
      s === 2 ? new Sequential(new DWConv(c1, c1, k, s, 1, false), new Conv(c1, c2, 1, 1, null, 1, 1, false)) : new Identity(),
    );
  }
  override get typeName(): string {
    return 'GhostBottleneck';
  }
  forward(x: Tensor): Tensor {
    const a = this.conv.forward(x);
    const b = this.shortcut.forward(x);
    const out = a.add(b);
    a.dispose();
    if (b !== x) b.dispose();
    return out;
  }
}

/** C3 with GhostBottlenecks inside. */
export class C3Ghost extends C3 {
  constructor(c1: number, c2: number, n = 1, shortcut = true, g = 1, e = 0.5, act: Module = defaultActivation) {
    super(c1, c2, n, shortcut, g, e, act, (c) => new Sequential(...Array.from({ length: n }, () => new GhostBottleneck(c, c, 3, 1, act))));
  }
  override get typeName(): string {
    return 'C3Ghost';
  }
}

export const ghostBlocks: BlockFamily = {
  name: 'ghost',
  modules: [
    {
      name: 'GhostConv',
      doc: { args: '[c2, k=1, s=1, g=1, act=True]', purpose: 'Ghost convolution: half the channels from a Conv, half from a cheap depth-wise Conv' },
      pythonType: 'models.common.GhostConv',
      argCount: [1, 5],
      channels: 'width',
      build: (a, ctx) => new GhostConv(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 1), intArg(a, 3, 's', 1), intArg(a, 4, 'g', 1), yamlAct(a, 5, ctx)),
    },
    {
      name: 'GhostBottleneck',
      doc: { args: '[c2, k=3, s=1]', purpose: 'GhostNet bottleneck: GhostConv, optional depth-wise downsampling, GhostConv, shortcut' },
      pythonType: 'models.common.GhostBottleneck',
      argCount: [1, 3],
      channels: 'width',
      build: (a, ctx) => new GhostBottleneck(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 3), intArg(a, 3, 's', 1), ctx.act),
    },
    c3Spec('C3Ghost', C3Ghost, "C3 with GhostBottlenecks"),
  ],
  onnx: [
    emitterEntry(GhostConv, (m, input, ctx, scope) => {
      const y = ctx.emit(m.cv1, single(input, 'GhostConv'), `${scope}.cv1`);
      return concatChannels(ctx, [y, ctx.emit(m.cv2, y, `${scope}.cv2`)], scope);
    }),
    emitterEntry(GhostBottleneck, (m, input, ctx, scope) => {
      const x = single(input, 'GhostBottleneck');
      const a = ctx.emit(m.conv, x, `${scope}.conv`);
      return ctx.graph.node('Add', [a, ctx.emit(m.shortcut, x, `${scope}.shortcut`)], scope);
    }),
    emitterEntry(C3Ghost, emitC3),
  ],
};
