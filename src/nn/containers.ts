import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';
import { release } from '../tensor/scope.ts';
import { BatchNorm2d, fusedActivationOf } from './batchnorm2d.ts';

/** nn.Sequential: children named '0', '1', … applied in order. */
export class Sequential extends Module {
  /** The layers in order (state_dict names 0, 1, 2, …). */
  readonly layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.layers = layers;
    layers.forEach((m, i) => this.registerModule(String(i), m));
  }
  /** Number of layers. */
  get length(): number {
    return this.layers.length;
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (let i = 0; i < this.layers.length; i++) {
      const m = this.layers[i]!;
      const after = this.layers[i + 1];
      // A BatchNorm2d and the ReLU/SiLU after it run as one fused kernel where they can (BatchNorm2d.forwardActivated).
      const pair = m instanceof BatchNorm2d && after && fusedActivationOf(after) !== null;
      const next = pair ? m.forwardActivated(y, after) : m.forward(y);
      if (pair) i++;
      if (y !== x) release(y, next);
      y = next;
    }
    return y;
  }
}

/** nn.ModuleList: indexed children, no forward of its own. */
export class ModuleList<M extends Module = Module> extends Module {
  /** The modules in order (state_dict names 0, 1, 2, …). */
  readonly items: M[];
  constructor(items: M[] = []) {
    super();
    this.items = [];
    for (const m of items) this.append(m);
  }
  /** Adds a module at the end; returns this. */
  append(m: M): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }
  /** Number of modules. */
  get length(): number {
    return this.items.length;
  }
  forward(): never {
    throw new Error('ModuleList has no forward(); iterate over its items');
  }
}
