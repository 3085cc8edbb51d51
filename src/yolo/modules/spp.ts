import { ModuleList } from '../../nn/containers.ts';
import { Module } from '../../nn/module.ts';
import { MaxPool2d } from '../../nn/pooling.ts';
import { cat } from '../../tensor/create.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { Conv } from './conv.ts';

/** Spatial pyramid pooling, fast: three chained k×k max-pools equal SPP(5, 9, 13). */
export class SPPF extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv;
  readonly m: MaxPool2d;
  constructor(c1: number, c2: number, k = 5) {
    super();
    const c = Math.floor(c1 / 2);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 1, 1));
    this.cv2 = this.registerModule('cv2', new Conv(c * 4, c2, 1, 1));
    this.m = this.registerModule('m', new MaxPool2d(k, 1, Math.floor(k / 2)));
  }
  override get typeName(): string {
    return 'SPPF';
  }
  forward(x: Tensor): Tensor {
    const a = this.cv1.forward(x);
    const y1 = this.m.forward(a);
    const y2 = this.m.forward(y1);
    const y3 = this.m.forward(y2);
    const joined = cat([a, y1, y2, y3], 1);
    for (const t of [a, y1, y2, y3]) t.dispose();
    const out = this.cv2.forward(joined);
    joined.dispose();
    return out;
  }
}

/** Spatial pyramid pooling with parallel max-pools (YOLOv3-SPP, YOLOv5 ≤ v5.0). */
export class SPP extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv;
  readonly m: ModuleList<MaxPool2d>;
  constructor(c1: number, c2: number, k: number[] = [5, 9, 13]) {
    super();
    const c = Math.floor(c1 / 2);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 1, 1));
    this.cv2 = this.registerModule('cv2', new Conv(c * (k.length + 1), c2, 1, 1));
    this.m = this.registerModule('m', new ModuleList(k.map((x) => new MaxPool2d(x, 1, Math.floor(x / 2)))));
  }
  override get typeName(): string {
    return 'SPP';
  }
  forward(x: Tensor): Tensor {
    const a = this.cv1.forward(x);
    return this.cv2.forward(cat([a, ...this.m.items.map((p) => p.forward(a))], 1));
  }
}
