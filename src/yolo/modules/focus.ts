import { Module } from '../../nn/module.ts';
import { cat } from '../../tensor/create.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { Conv } from './conv.ts';

/** Focus (YOLOv5 ≤ v5.0 stem): space-to-depth by 2, then Conv. */
export class Focus extends Module {
  readonly conv: Conv;
  constructor(c1: number, c2: number, k = 1, s = 1, p: number | null = null, g = 1, act: boolean = true) {
    super();
    this.conv = this.registerModule('conv', new Conv(c1 * 4, c2, k, s, p, g, 1, act));
  }
  override get typeName(): string {
    return 'Focus';
  }
  forward(x: Tensor): Tensor {
    const evenRows = x.slice(2, 0, undefined, 2);
    const oddRows = x.slice(2, 1, undefined, 2);
    return this.conv.forward(
      cat([evenRows.slice(3, 0, undefined, 2), oddRows.slice(3, 0, undefined, 2), evenRows.slice(3, 1, undefined, 2), oddRows.slice(3, 1, undefined, 2)], 1),
    );
  }
}
