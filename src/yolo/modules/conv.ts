// YOLOv5's Conv (Conv2d → BatchNorm2d → act) and DWConv.
import { BatchNorm2d } from '../../nn/batchnorm2d.ts';
import { Conv2d } from '../../nn/conv2d.ts';
import { fuseConvAndBn } from '../../nn/fuse.ts';
import { Module } from '../../nn/module.ts';
import { Identity, SiLU } from '../../nn/activation.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { release } from '../../tensor/scope.ts';

/** 'same' padding for an odd kernel (YOLOv5 autopad). */
export function autopad(k: number, p: number | null = null, d = 1): number {
  if (p !== null) return p;
  const effective = d > 1 ? d * (k - 1) + 1 : k;
  return Math.floor(effective / 2);
}

export class Conv extends Module {
  /**
   * One activation instance shared by every Conv, like YOLOv5's class attribute `Conv.default_act`: PyTorch
   * counts it once in model.modules(), which is what YOLOv5's "layers" figure counts.
   */
  static defaultAct: Module = new SiLU();

  readonly conv: Conv2d;
  bn: BatchNorm2d | null;
  readonly act: Module;

  constructor(c1: number, c2: number, k = 1, s = 1, p: number | null = null, g = 1, d = 1, act: boolean | Module = true) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(c1, c2, k, { stride: s, padding: autopad(k, p, d), groups: g, dilation: d, bias: false }));
    this.bn = this.registerModule('bn', new BatchNorm2d(c2));
    this.act = this.registerModule('act', act === true ? Conv.defaultAct : act instanceof Module ? act : new Identity());
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
    const z = this.bn.forward(y);
    y.dispose();
    const a = this.act.forward(z);
    release(z, a);
    return a;
  }

  /** Folds bn into conv (YOLOv5 fuse(): forward becomes act(conv(x))). */
  fuse(): void {
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
  constructor(c1: number, c2: number, k = 1, s = 1, d = 1, act: boolean | Module = true) {
    super(c1, c2, k, s, null, gcd(c1, c2), d, act);
  }
  override get typeName(): string {
    return 'DWConv';
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
