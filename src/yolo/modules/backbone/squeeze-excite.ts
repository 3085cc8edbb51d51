// The conv-based squeeze-and-excitation of YOLOv5-Lite's PP-LCNet and ESNet blocks: x · gate(conv2(relu(conv1(mean(x)))))
// with 1×1 convs (with bias). LC_SEModule gates with SiLU (its Hardsigmoid is commented out), ES_SEModule with
// Hardsigmoid; the gate's attribute name differs too, so state_dict keys stay YOLOv5-Lite's.
import { Hardsigmoid, ReLU, SiLU } from '../../../nn/activation.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { AdaptiveAvgPool2d } from '../../../nn/pooling.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';

export abstract class ConvSqueezeExcite extends Module {
  readonly avgPool: AdaptiveAvgPool2d;
  readonly conv1: Conv2d;
  readonly relu: ReLU;
  readonly conv2: Conv2d;
  readonly gate: Module;
  constructor(channel: number, reduction: number, gateName: string, gate: Module) {
    super();
    const hidden = Math.floor(channel / reduction);
    this.avgPool = this.registerModule('avg_pool', new AdaptiveAvgPool2d(1));
    this.conv1 = this.registerModule('conv1', new Conv2d(channel, hidden, 1));
    this.relu = this.registerModule('relu', new ReLU());
    this.conv2 = this.registerModule('conv2', new Conv2d(hidden, channel, 1));
    this.gate = this.registerModule(gateName, gate);
  }
  forward(x: Tensor): Tensor {
    return tidy(() => x.mul(this.gate.forward(this.conv2.forward(this.relu.forward(this.conv1.forward(this.avgPool.forward(x)))))));
  }
}

export class LCSEModule extends ConvSqueezeExcite {
  constructor(channel: number, reduction = 4) {
    super(channel, reduction, 'SiLU', new SiLU());
  }
  override get typeName(): string {
    return 'LC_SEModule';
  }
}

export class ESSEModule extends ConvSqueezeExcite {
  constructor(channel: number, reduction = 4) {
    super(channel, reduction, 'hardsigmoid', new Hardsigmoid());
  }
  override get typeName(): string {
    return 'ES_SEModule';
  }
}
