// YOLOv5-Lite's MobileNetV3 bottleneck (yolov5-mbv3s / -mbv3l): [1×1 expand +] depthwise k×k + [SE] + 1×1 project,
// residual when stride 1 and inp == oup. Its `Hswish` is relu6(x + 3)/6 (a hard sigmoid, used as the SE gate and as
// the "hard-swish" activation alike, exactly as YOLOv5-Lite writes it).
import { ReLU, ReLU6 } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Linear } from '../../../nn/linear.ts';
import { Module } from '../../../nn/module.ts';
import { AdaptiveAvgPool2d } from '../../../nn/pooling.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';

export class Hswish extends Module {
  readonly relu: ReLU6;
  constructor() {
    super();
    this.relu = this.registerModule('relu', new ReLU6());
  }
  override get typeName(): string {
    return 'Hswish';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.relu.forward(x.add(3)).div(6));
  }
}

/** x · Hswish(fc2(relu(fc1(mean(x))))) with nn.Linear layers. */
export class SELayer extends Module {
  readonly avgPool: AdaptiveAvgPool2d;
  readonly fc: Sequential;
  constructor(channel: number, reduction = 4) {
    super();
    this.avgPool = this.registerModule('avg_pool', new AdaptiveAvgPool2d(1));
    const hidden = Math.floor(channel / reduction);
    this.fc = this.registerModule('fc', new Sequential(new Linear(channel, hidden), new ReLU(), new Linear(hidden, channel), new Hswish()));
  }
  override get typeName(): string {
    return 'SELayer';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [b, c] = x.shape as [number, number];
      const y = this.fc.forward(this.avgPool.forward(x).view(b, c));
      return x.mul(y.view(b, c, 1, 1));
    });
  }
}

export class MobileV3Bneck extends Module {
  readonly identity: boolean;
  readonly conv: Sequential;
  constructor(inp: number, oup: number, hiddenDim: number, kernelSize: number, stride: number, useSe: boolean, useHs: boolean) {
    super();
    if (stride !== 1 && stride !== 2) throw new Error(`mobilev3_bneck stride must be 1 or 2, got ${stride}`);
    this.identity = stride === 1 && inp === oup;
    const act = () => (useHs ? new Hswish() : new ReLU());
    const se = () => (useSe ? new SELayer(hiddenDim) : new Sequential());
    const pad = Math.floor((kernelSize - 1) / 2);
    const depthwise = () => new Conv2d(hiddenDim, hiddenDim, kernelSize, { stride, padding: pad, groups: hiddenDim, bias: false });
    const layers =
      inp === hiddenDim
        ? [depthwise(), new BatchNorm2d(hiddenDim), act(), se(), new Conv2d(hiddenDim, oup, 1, { bias: false }), new BatchNorm2d(oup)]
        : [
            new Conv2d(inp, hiddenDim, 1, { bias: false }),
            new BatchNorm2d(hiddenDim),
            act(),
            depthwise(),
            new BatchNorm2d(hiddenDim),
            se(),
            act(),
            new Conv2d(hiddenDim, oup, 1, { bias: false }),
            new BatchNorm2d(oup),
          ];
    this.conv = this.registerModule('conv', new Sequential(...layers));
  }
  override get typeName(): string {
    return 'mobilev3_bneck';
  }
  forward(x: Tensor): Tensor {
    const y = this.conv.forward(x);
    if (!this.identity) return y;
    const out = x.add(y);
    y.dispose();
    return out;
  }
}
