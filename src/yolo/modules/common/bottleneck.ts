// YOLOv5's Bottleneck and C3 (models/common.py): classes, YAML specs and ONNX form.
import { Module } from '../../../nn/module.ts';
import { Sequential } from '../../../nn/containers.ts';
import { concatChannels, type EmitContext, single } from '../../../nn/onnx-emit.ts';
import { cat } from '../../../tensor/create.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { release } from '../../../tensor/scope.ts';
import { type BlockFamily, emitterEntry, type ModuleSpec } from '../../block.ts';
import { boolArg, intArg, numArg } from '../../module-args.ts';
import { Conv, defaultActivation } from './conv.ts';

/** cv2(cv1(x)), plus x when `add`: what Bottleneck and CrossConv compute (they differ in their kernels). */
export abstract class ResidualConvPair extends Module {
  /** First conv. */
  readonly cv1: Conv;
  /** Second conv. */
  readonly cv2: Conv;
  /** Whether the input is added back (shortcut with equal channels). */
  readonly add: boolean;
  protected constructor(cv1: Conv, cv2: Conv, add: boolean) {
    super();
    this.cv1 = this.registerModule('cv1', cv1);
    this.cv2 = this.registerModule('cv2', cv2);
    this.add = add;
  }
  forward(x: Tensor): Tensor {
    const h = this.cv1.forward(x);
    const y = this.cv2.forward(h);
    h.dispose();
    if (!this.add) return y;
    const out = x.add(y);
    y.dispose();
    return out;
  }
}

export function emitResidualConvPair(m: ResidualConvPair, input: string | string[], ctx: EmitContext, scope: string): string {
  const x = single(input, m.typeName);
  const y = ctx.emit(m.cv2, ctx.emit(m.cv1, x, `${scope}.cv1`), `${scope}.cv2`);
  return m.add ? ctx.graph.node('Add', [x, y], scope) : y;
}

/** Standard bottleneck: a 1×1 then a 3×3 conv, plus x when shortcut and c1 == c2. */
export class Bottleneck extends ResidualConvPair {
  constructor(c1: number, c2: number, shortcut = true, g = 1, e = 0.5, act: Module = defaultActivation) {
    const c = Math.trunc(c2 * e);
    super(new Conv(c1, c, 1, 1, null, 1, 1, act), new Conv(c, c2, 3, 1, null, g, 1, act), shortcut && c1 === c2);
  }
  override get typeName(): string {
    return 'Bottleneck';
  }
}

/**
 * CSP bottleneck with 3 convolutions: cv3(cat(m(cv1(x)), cv2(x))). Its variants (C3x, C3Ghost, C3SPP, C3TR) only
 * replace `m`, so they pass `makeInner` (hidden channels → the inner block).
 */
export class C3 extends Module {
  /** 1×1 conv into the inner blocks. */
  readonly cv1: Conv;
  /** 1×1 conv of the bypass. */
  readonly cv2: Conv;
  /** 1×1 conv after the concatenation. */
  readonly cv3: Conv;
  /** The inner blocks (n Bottlenecks for C3). */
  readonly m: Module;
  constructor(c1: number, c2: number, n = 1, shortcut = true, g = 1, e = 0.5, act: Module = defaultActivation, makeInner?: (c: number) => Module) {
    super();
    const c = Math.trunc(c2 * e);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 1, 1, null, 1, 1, act));
    this.cv2 = this.registerModule('cv2', new Conv(c1, c, 1, 1, null, 1, 1, act));
    this.cv3 = this.registerModule('cv3', new Conv(2 * c, c2, 1, 1, null, 1, 1, act));
    const inner = makeInner ?? ((h: number) => new Sequential(...Array.from({ length: n }, () => new Bottleneck(h, h, shortcut, g, 1.0, act))));
    this.m = this.registerModule('m', inner(c));
  }
  override get typeName(): string {
    return 'C3';
  }
  forward(x: Tensor): Tensor {
    const a = this.cv1.forward(x);
    const m = this.m.forward(a);
    const b = this.cv2.forward(x);
    const joined = cat([m, b], 1);
    release(a, m);
    m.dispose();
    b.dispose();
    const out = this.cv3.forward(joined);
    joined.dispose();
    return out;
  }
}

type C3Like = new (c1: number, c2: number, n: number, shortcut: boolean, g: number, e: number, act: Module) => Module;

/** The YAML spec of C3 or a block with C3's arguments (c1, c2, n, shortcut, g, e): the repeats go inside. */
export function c3Spec(name: string, cls: C3Like, purpose: string): ModuleSpec {
  return {
    name,
    doc: { args: '[c2, shortcut=True, g=1, e=0.5]', purpose },
    pythonType: `models.common.${name}`,
    argCount: [1, 4],
    channels: 'width-repeats-inside',
    build: (a, ctx) => new cls(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'n', 1), boolArg(a, 3, 'shortcut', true), intArg(a, 4, 'g', 1), numArg(a, 5, 'e', 0.5), ctx.act),
  };
}

/** C3 and every variant of it: cv3(cat(m(cv1(x)), cv2(x))). */
export function emitC3(m: C3, input: string | string[], ctx: EmitContext, scope: string): string {
  const x = single(input, m.typeName);
  const a = ctx.emit(m.m, ctx.emit(m.cv1, x, `${scope}.cv1`), `${scope}.m`);
  const b = ctx.emit(m.cv2, x, `${scope}.cv2`);
  return ctx.emit(m.cv3, concatChannels(ctx, [a, b], scope), `${scope}.cv3`);
}

export const bottleneckBlocks: BlockFamily = {
  name: 'bottleneck',
  modules: [
    {
      name: 'Bottleneck',
      doc: { args: '[c2, shortcut=True, g=1, e=0.5]', purpose: '1×1 then 3×3 Conv, with a residual add when shapes allow' },
      pythonType: 'models.common.Bottleneck',
      argCount: [1, 4],
      channels: 'width',
      build: (a, ctx) => new Bottleneck(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), boolArg(a, 2, 'shortcut', true), intArg(a, 3, 'g', 1), numArg(a, 4, 'e', 0.5), ctx.act),
    },
    c3Spec('C3', C3, "CSP bottleneck with 3 Convs and n Bottlenecks (YOLOv5's main block)"),
  ],
  onnx: [
    emitterEntry(Bottleneck, emitResidualConvPair),
    emitterEntry(C3, emitC3),
  ],
};
