import { Module } from '../../nn/module.ts';
import { Sequential } from '../../nn/containers.ts';
import { cat } from '../../tensor/create.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { release } from '../../tensor/scope.ts';
import { Conv } from './conv.ts';

/** Standard bottleneck: cv2(cv1(x)), plus x when shortcut and c1 == c2. */
export class Bottleneck extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv;
  readonly add: boolean;
  constructor(c1: number, c2: number, shortcut = true, g = 1, e = 0.5) {
    super();
    const c = Math.trunc(c2 * e);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 1, 1));
    this.cv2 = this.registerModule('cv2', new Conv(c, c2, 3, 1, null, g));
    this.add = shortcut && c1 === c2;
  }
  override get typeName(): string {
    return 'Bottleneck';
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

/** CSP bottleneck with 3 convolutions: cv3(cat(m(cv1(x)), cv2(x))). */
export class C3 extends Module {
  readonly cv1: Conv;
  readonly cv2: Conv;
  readonly cv3: Conv;
  readonly m: Sequential;
  constructor(c1: number, c2: number, n = 1, shortcut = true, g = 1, e = 0.5) {
    super();
    const c = Math.trunc(c2 * e);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 1, 1));
    this.cv2 = this.registerModule('cv2', new Conv(c1, c, 1, 1));
    this.cv3 = this.registerModule('cv3', new Conv(2 * c, c2, 1));
    this.m = this.registerModule('m', new Sequential(...Array.from({ length: n }, () => new Bottleneck(c, c, shortcut, g, 1.0))));
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
