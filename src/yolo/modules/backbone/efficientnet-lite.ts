// YOLOv5-Lite's EfficientNet-Lite blocks (ppogg/YOLOv5-Lite models/common.py): `stem` (3×3 stride-2 conv + BN +
// ReLU on the image) and MBConvBlock (depth-wise k×k + BN + ReLU, 1×1 projection + BN, residual at stride 1), with
// the training-only drop_connect. Classes, YAML specs (origin YOLOv5-Lite: configs using them are built with Lite's
// v5.0 rules; both are in the Conv branch of its parse_model) and ONNX forms. YOLOv5-Lite's fuse() leaves both
// blocks unfused, so tsyolo's does too (fused layer and parameter counts equal Lite's).
import { ReLU } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { type EmitContext, single } from '../../../nn/onnx-emit.ts';
import { rand } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry, type ModuleSpec } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/** EfficientNet-Lite's stem as YOLOv5-Lite writes it: its conv always reads 3 channels (c1 is ignored). */
export class EfficientLiteStem extends Module {
  readonly conv: Sequential;
  constructor(_c1: number, c2: number) {
    super();
    this.conv = this.registerModule(
      'conv',
      new Sequential(new Conv2d(3, c2, 3, { stride: 2, padding: 1, bias: false }), new BatchNorm2d(c2, { momentum: 0.01, eps: 1e-3 }), new ReLU()),
    );
  }
  override get typeName(): string {
    return 'stem';
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

/**
 * drop_connect (YOLOv5-Lite's, from EfficientNet): in training, each sample's branch is kept with probability
 * 1 − rate and scaled by 1 / (1 − rate), else zeroed; the mask is floor(keep + U[0, 1)) drawn with the engine's RNG
 * (`manualSeed` gives the draws torch.manual_seed gives). In eval mode x is returned as is.
 */
export function dropConnect(x: Tensor, rate: number, training: boolean): Tensor {
  if (!training) return x;
  const keep = 1 - rate;
  return tidy(() => {
    const mask = rand([x.shape[0]!, 1, 1, 1], { dtype: x.dtype, device: x.device }).add(keep).floor();
    return x.div(keep).mul(mask);
  });
}

/**
 * YOLOv5-Lite's MBConvBlock (EfficientNet-Lite without expansion or SE): depth-wise k×k conv (stride s) + BN + ReLU,
 * 1×1 projection + BN, plus the input when s = 1 and inp = oup. Both convs act on `oup` channels, so the block only
 * runs on an input of oup channels (YOLOv5-Lite's class never changes the channel count).
 */
export class MBConvBlock extends Module {
  readonly inputFilters: number;
  readonly outputFilters: number;
  readonly stride: number;
  readonly idSkip = true;
  readonly depthwiseConv: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly projectConv: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly relu: ReLU;
  constructor(inp: number, oup: number, k: number, s: number) {
    super();
    this.inputFilters = inp;
    this.outputFilters = oup;
    this.stride = s;
    const bn = () => new BatchNorm2d(oup, { momentum: 0.01, eps: 1e-3 });
    this.depthwiseConv = this.registerModule('_depthwise_conv', new Conv2d(oup, oup, k, { groups: oup, padding: Math.floor((k - 1) / 2), stride: s, bias: false }));
    this.bn1 = this.registerModule('_bn1', bn());
    this.projectConv = this.registerModule('_project_conv', new Conv2d(oup, oup, 1, { bias: false }));
    this.bn2 = this.registerModule('_bn2', bn());
    this.relu = this.registerModule('_relu', new ReLU());
  }
  override get typeName(): string {
    return 'MBConvBlock';
  }
  /** True when the input is added back (id_skip, stride 1, inp = oup). */
  get residual(): boolean {
    return this.idSkip && this.stride === 1 && this.inputFilters === this.outputFilters;
  }
  /** `dropConnectRate` is the reference's optional forward argument; a YOLO model's layers are called without it. */
  forward(x: Tensor, dropConnectRate: number | null = null): Tensor {
    return tidy(() => {
      let y = this.bn2.forward(this.projectConv.forward(this.relu.forward(this.bn1.forward(this.depthwiseConv.forward(x)))));
      if (this.residual) {
        if (dropConnectRate) y = dropConnect(y, dropConnectRate, this.training);
        y = y.add(x);
      }
      return y;
    });
  }
}

const source = { repo: 'ppogg/YOLOv5-Lite', paper: 'Tan & Le, EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks, ICML 2019 (arXiv:1905.11946); EfficientNet-Lite (tensorflow/tpu, 2020)' };

const specs: ModuleSpec[] = [
  {
    origin: 'YOLOv5-Lite',
    name: 'stem',
    source: { ...source, path: 'models/common.py (stem)' },
    doc: {
      args: '[c2]',
      purpose: 'EfficientNet-Lite stem: 3×3 stride-2 conv + BN + ReLU',
      quirk: 'its conv always reads 3 channels (the c1 parse_model passes is ignored), so it only works on the image: a stem whose input has other channels is refused, as Lite fails at its first forward',
    },
    pythonType: 'models.common.stem',
    argCount: [1, 1],
    channels: 'width',
    build: (a) => {
      const c1 = intArg(a, 0, 'c1');
      if (c1 !== 3) throw new Error(`stem's conv reads 3 channels (YOLOv5-Lite's class ignores c1), but its input has ${c1}`);
      return new EfficientLiteStem(c1, intArg(a, 1, 'c2'));
    },
  },
  {
    origin: 'YOLOv5-Lite',
    name: 'MBConvBlock',
    source: { ...source, path: 'models/common.py (MBConvBlock, drop_connect)' },
    doc: {
      args: '[c2, k, s]',
      purpose: 'EfficientNet-Lite inverted bottleneck without expansion: depth-wise k×k (stride s) + BN + ReLU, 1×1 projection + BN, residual at stride 1',
      quirk:
        "its convs act on c2 channels, so it cannot change the channel count: a row whose c2 differs from its input's is refused (Lite fails at its first forward). YOLOv5-Lite's own models/hub/yolov5-efficient-lite0.yaml writes 4 args per row and fails in Lite's parse_model (TypeError, upstream issues #106, #144, #193); tsyolo's yolov5-efficient-lite0.yaml is a repaired layout. drop_connect runs only when forward() is given a rate, which a YOLO model never passes",
    },
    pythonType: 'models.common.MBConvBlock',
    argCount: [3, 3],
    channels: 'width',
    build: (a) => {
      const [c1, c2] = [intArg(a, 0, 'inp'), intArg(a, 1, 'oup')];
      if (c1 !== c2) throw new Error(`MBConvBlock keeps its channels (its depth-wise conv acts on c2 = ${c2} channels), but its input has ${c1}: change channels in an earlier layer (e.g. DWConvblock)`);
      return new MBConvBlock(c1, c2, intArg(a, 2, 'k'), intArg(a, 3, 's'));
    },
  },
];

function chain(x: string, steps: Array<[Module, string]>, ctx: EmitContext, scope: string): string {
  for (const [m, name] of steps) x = ctx.emit(m, x, `${scope}.${name}`);
  return x;
}

export const efficientNetLiteBlocks: BlockFamily = {
  name: 'efficientnet-lite',
  modules: specs,
  onnx: [
    emitterEntry(EfficientLiteStem, (m, input, ctx, scope) => ctx.emit(m.conv, single(input, 'stem'), `${scope}.conv`)),
    // Inference form: drop_connect is the identity in eval mode.
    emitterEntry(MBConvBlock, (m, input, ctx, scope) => {
      const x = single(input, 'MBConvBlock');
      const y = chain(
        x,
        [
          [m.depthwiseConv, '_depthwise_conv'],
          [m.bn1, '_bn1'],
          [m.relu, '_relu'],
          [m.projectConv, '_project_conv'],
          [m.bn2, '_bn2'],
        ],
        ctx,
        scope,
      );
      return m.residual ? ctx.graph.node('Add', [y, x], scope) : y;
    }),
  ],
};
