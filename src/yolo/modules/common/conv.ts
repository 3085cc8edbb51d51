// YOLOv5's Conv (Conv2d → BatchNorm2d → act) and DWConv: classes, YAML specs, fuse hook, ONNX form.
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Conv2d, type Size2 } from '../../../nn/conv2d.ts';
import { fuseConvAndBn } from '../../../nn/fuse.ts';
import { Module } from '../../../nn/module.ts';
import { Identity, SiLU } from '../../../nn/activation.ts';
import { type EmitContext, single } from '../../../nn/onnx-emit.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { release } from '../../../tensor/scope.ts';
import { type BlockFamily, type BuildContext, emitterEntry } from '../../block.ts';
import { boolArg, intArg, optionalIntArg } from '../../module-args.ts';

/** 'same' padding for an odd kernel (YOLOv5 autopad). */
export function autopad(k: number, p?: number | null, d?: number): number;
export function autopad(k: Size2, p?: Size2 | null, d?: number): Size2;
export function autopad(k: Size2, p: Size2 | null = null, d = 1): Size2 {
  if (p !== null) return p;
  const half = (x: number) => Math.floor((d > 1 ? d * (x - 1) + 1 : x) / 2);
  return typeof k === 'number' ? half(k) : [half(k[0]), half(k[1])];
}

/**
 * The activation of a Conv built outside a model YAML. One stateless instance shared by all of them, as YOLOv5's
 * class attribute Conv.default_act is: PyTorch counts it once in model.modules(). parse_model passes the YAML's own.
 */
export const defaultActivation: Module = new SiLU();

/** Conv's `act` argument: true = the default activation, false = none, or a module. */
export type ActArg = boolean | Module;

/** YOLOv5's Conv: Conv2d (no bias, 'same' padding by default), BatchNorm2d, activation (SiLU by default). */
export class Conv extends Module {
  /** The convolution. */
  readonly conv: Conv2d;
  /** The BatchNorm (null once fused into `conv`). */
  bn: BatchNorm2d | null;
  /** The activation (Identity for none). */
  readonly act: Module;

  constructor(c1: number, c2: number, k: Size2 = 1, s: Size2 = 1, p: Size2 | null = null, g = 1, d = 1, act: ActArg = true) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(c1, c2, k, { stride: s, padding: autopad(k, p, d), groups: g, dilation: d, bias: false }));
    this.bn = this.registerModule('bn', new BatchNorm2d(c2));
    this.act = this.registerModule('act', act === true ? defaultActivation : act instanceof Module ? act : new Identity());
  }

  override get typeName(): string {
    return 'Conv';
  }

  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    if (!this.bn) {
      const a = this.act.forward(y);
      release(y, a);
      return a;
    }
    const a = this.bn.forwardActivated(y, this.act);
    y.dispose();
    return a;
  }

  /** Folds bn into conv (YOLOv5 fuse(): forward becomes act(conv(x))). */
  override fuse(): void {
    if (!this.bn) return;
    const fused = fuseConvAndBn(this.conv, this.bn);
    const [oldConv, oldBn] = [this.conv, this.bn];
    (this as { conv: Conv2d }).conv = this.registerModule('conv', fused);
    this.deleteChild('bn');
    this.bn = null;
    oldConv.dispose();
    oldBn.dispose();
  }
}

/** Depth-wise convolution: Conv with groups = gcd(c1, c2). */
export class DWConv extends Conv {
  constructor(c1: number, c2: number, k = 1, s = 1, d = 1, act: ActArg = true) {
    super(c1, c2, k, s, null, gcd(c1, c2), d, act);
  }
  override get typeName(): string {
    return 'DWConv';
  }
}

export function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** A YAML `act` argument (True/False) resolved against the model's activation. */
export function yamlAct(args: unknown[], i: number, ctx: BuildContext): ActArg {
  return boolArg(args, i, 'act', true) ? ctx.act : false;
}

export function emitConv(m: Conv, input: string | string[], ctx: EmitContext, scope: string): string {
  let y = ctx.emit(m.conv, single(input, m.typeName), `${scope}.conv`);
  if (m.bn) y = ctx.emit(m.bn, y, `${scope}.bn`);
  return ctx.emit(m.act, y, `${scope}.act`);
}

export const convBlocks: BlockFamily = {
  name: 'conv',
  modules: [
    {
      name: 'Conv',
      doc: { args: '[c2, k=1, s=1, p=None, g=1, d=1, act=True]', purpose: "convolution + BatchNorm + activation, YOLOv5's basic layer" },
      pythonType: 'models.common.Conv',
      argCount: [1, 7],
      channels: 'width',
      build: (a, ctx) =>
        new Conv(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 1), intArg(a, 3, 's', 1), optionalIntArg(a, 4, 'p'), intArg(a, 5, 'g', 1), intArg(a, 6, 'd', 1), yamlAct(a, 7, ctx)),
    },
    {
      name: 'DWConv',
      doc: { args: '[c2, k=1, s=1, d=1, act=True]', purpose: 'depth-wise Conv (groups = gcd(c1, c2))' },
      pythonType: 'models.common.DWConv',
      argCount: [1, 5],
      channels: 'width',
      build: (a, ctx) => new DWConv(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 1), intArg(a, 3, 's', 1), intArg(a, 4, 'd', 1), yamlAct(a, 5, ctx)),
    },
  ],
  onnx: [emitterEntry(Conv, emitConv), emitterEntry(DWConv, emitConv)],
};
