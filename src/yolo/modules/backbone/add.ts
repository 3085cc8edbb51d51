// YOLOv5-Lite's ADD: torch.add(x[0], x[1], alpha) — the v5Lite-e / PicoDet heads merge two equal-shaped maps by
// addition instead of Concat. parse_model gives it half the summed input channels.
import { Module } from '../../../nn/module.ts';
import type { Tensor } from '../../../tensor/tensor.ts';

export class ADD extends Module {
  constructor(readonly alpha = 0.5) {
    super();
  }
  override get typeName(): string {
    return 'ADD';
  }
  forward(xs: Tensor[]): Tensor {
    if (!Array.isArray(xs) || xs.length < 2) throw new Error('ADD needs two inputs (from: [a, b])');
    const [a, b] = xs as [Tensor, Tensor];
    if (this.alpha === 1) return a.add(b);
    const scaled = b.mul(this.alpha);
    const out = a.add(scaled);
    scaled.dispose();
    return out;
  }
}
