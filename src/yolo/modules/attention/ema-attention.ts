// EMA — efficient multi-scale attention with cross-spatial learning (Ouyang et al., ICASSP 2023), as its authors'
// YOLOonMe/EMA-attention-module has it: the channels in `factor` groups; a 1×1 branch (coordinate-attention-like
// gates from the H- and W-pooled maps, then GroupNorm) and a 3×3 branch; each branch's pooled softmax weighs the
// other branch's map, and the sum gates the input. The YAML name is EMA; it has nothing to do with the trainer's
// exponential moving average of weights (ModelEMA), which is not a YAML block.
import { Softmax } from '../../../nn/activation.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { GroupNorm } from '../../../nn/normalization.ts';
import { attr, type EmitContext, single } from '../../../nn/onnx-emit.ts';
import { AdaptiveAvgPool2d } from '../../../nn/pooling.ts';
import { cat } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/** The authors' class `EMA(channels, c2=None, factor=32)` (named apart from the trainer's ModelEMA here). */
export class EfficientMultiScaleAttention extends Module {
  readonly groups: number;
  readonly softmax: Softmax;
  readonly agp: AdaptiveAvgPool2d;
  readonly poolH: AdaptiveAvgPool2d;
  readonly poolW: AdaptiveAvgPool2d;
  readonly gn: GroupNorm;
  readonly conv1x1: Conv2d;
  readonly conv3x3: Conv2d;
  constructor(
    readonly channels: number,
    c2: number | null = null,
    factor = 32,
  ) {
    super();
    void c2; // the [c1, c2, *args[1:]] branch's second argument, unused by the block
    this.groups = factor;
    const cg = Math.floor(channels / factor);
    if (!(cg > 0)) throw new Error(`EMA: channels // factor must be > 0, got ${channels} // ${factor}`);
    this.softmax = this.registerModule('softmax', new Softmax(-1));
    this.agp = this.registerModule('agp', new AdaptiveAvgPool2d([1, 1]));
    this.poolH = this.registerModule('pool_h', new AdaptiveAvgPool2d([null, 1]));
    this.poolW = this.registerModule('pool_w', new AdaptiveAvgPool2d([1, null]));
    this.gn = this.registerModule('gn', new GroupNorm(cg, cg));
    this.conv1x1 = this.registerModule('conv1x1', new Conv2d(cg, cg, 1));
    this.conv3x3 = this.registerModule('conv3x3', new Conv2d(cg, cg, 3, { padding: 1 }));
  }
  override get typeName(): string {
    return 'EMA';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [b, c, h, w] = x.shape as [number, number, number, number];
      const bg = b * this.groups;
      const cg = Math.floor(c / this.groups);
      const groupX = x.reshape(bg, -1, h, w);
      const xH = this.poolH.forward(groupX); // (bg, cg, h, 1)
      const xW = this.poolW.forward(groupX).permute(0, 1, 3, 2); // (bg, cg, w, 1)
      const hw = this.conv1x1.forward(cat([xH, xW], 2));
      const [gateH, gateW] = hw.split([h, w], 2) as [Tensor, Tensor];
      const x1 = this.gn.forward(groupX.mul(gateH.sigmoid()).mul(gateW.permute(0, 1, 3, 2).sigmoid()));
      const x2 = this.conv3x3.forward(groupX);
      const x11 = this.softmax.forward(this.agp.forward(x1).reshape(bg, -1, 1).permute(0, 2, 1)); // (bg, 1, cg)
      const x12 = x2.reshape(bg, cg, -1); // (bg, cg, h·w)
      const x21 = this.softmax.forward(this.agp.forward(x2).reshape(bg, -1, 1).permute(0, 2, 1));
      const x22 = x1.reshape(bg, cg, -1);
      const weights = x11.matmul(x12).add(x21.matmul(x22)).reshape(bg, 1, h, w);
      return groupX.mul(weights.sigmoid()).reshape(b, c, h, w);
    });
  }
}

function emitEma(m: EfficientMultiScaleAttention, input: string | string[], ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const x = single(input, 'EMA');
  const cg = Math.floor(m.channels / m.groups);
  const transpose23 = (t: string) => g.node('Transpose', [t], scope, { perm: attr.ints([0, 1, 3, 2]) });
  const groupX = g.node('Reshape', [x, g.int64Constant(`${scope}.grouped`, [-1, cg, 0, 0])], scope); // (b·g, cg, h, w)
  const xH = ctx.emit(m.poolH, groupX, `${scope}.pool_h`);
  const xW = transpose23(ctx.emit(m.poolW, groupX, `${scope}.pool_w`));
  const hw = ctx.emit(m.conv1x1, g.node('Concat', [xH, xW], scope, { axis: attr.int(2) }), `${scope}.conv1x1`);
  // torch.split(hw, [h, w], dim=2) with h read from the input's shape (so a dynamic size works too)
  const shape = g.node('Shape', [groupX], scope);
  const h = g.node('Slice', [shape, g.int64Constant(`${scope}.h_from`, [2]), g.int64Constant(`${scope}.h_to`, [3])], scope);
  const axis2 = g.int64Constant(`${scope}.axis2`, [2]);
  const gateH = g.node('Slice', [hw, g.int64Constant(`${scope}.zero`, [0]), h, axis2], scope);
  const gateW = g.node('Slice', [hw, h, g.int64Constant(`${scope}.end`, [Number.MAX_SAFE_INTEGER]), axis2], scope);
  const sig = (t: string) => g.node('Sigmoid', [t], scope);
  const gated = g.node('Mul', [g.node('Mul', [groupX, sig(gateH)], scope), sig(transpose23(gateW))], scope);
  const x1 = ctx.emit(m.gn, gated, `${scope}.gn`);
  const x2 = ctx.emit(m.conv3x3, groupX, `${scope}.conv3x3`);
  const rowWeights = (t: string, name: string) => {
    const pooled = g.node('Reshape', [ctx.emit(m.agp, t, `${scope}.agp_${name}`), g.int64Constant(`${scope}.${name}_col`, [0, -1, 1])], scope);
    return ctx.emit(m.softmax, g.node('Transpose', [pooled], scope, { perm: attr.ints([0, 2, 1]) }), `${scope}.softmax_${name}`);
  };
  const flat = (t: string) => g.node('Reshape', [t, g.int64Constant(`${scope}.flat`, [0, 0, -1])], scope);
  const weights = g.node('Add', [g.node('MatMul', [rowWeights(x1, 'x1'), flat(x2)], scope), g.node('MatMul', [rowWeights(x2, 'x2'), flat(x1)], scope)], scope); // (b·g, 1, h·w)
  // group_x · sigmoid(weights) computed on the flattened positions, then back to the input's shape
  const out = g.node('Mul', [flat(groupX), sig(weights)], scope);
  return g.node('Reshape', [out, g.node('Shape', [x], scope)], scope);
}

export const emaAttentionBlocks: BlockFamily = {
  name: 'ema-attention',
  modules: [
    {
      name: 'EMA',
      pythonType: 'models.Models.Attention.EMA.EMA',
      argCount: [1, 2],
      channels: 'width',
      origin: 'authors',
      source: { repo: 'YOLOonMe/EMA-attention-module', path: 'EMA_attention_module', paper: 'https://arxiv.org/abs/2305.13563' },
      doc: {
        args: '[c2, factor=32]',
        purpose: 'efficient multi-scale attention (EMA, not the model EMA): grouped 1×1 (H/W-pooled gates + GroupNorm) and 3×3 branches weighting each other across space',
        quirk:
          "the authors' EMA(channels, c2=None, factor) is registered like YOLOAir's CBAM/CA ([c1, c2, *args[1:]]): c2 is only the channels later layers are told, the block outputs c1; the channels must divide into `factor` groups",
      },
      build: (a) => new EfficientMultiScaleAttention(intArg(a, 0, 'channels'), intArg(a, 1, 'c2'), intArg(a, 2, 'factor', 32)),
    },
  ],
  onnx: [emitterEntry(EfficientMultiScaleAttention, emitEma)],
};
