// FasterNet's block in YOLOv5 (z1069614715/objectdetection_script yolo-improve/yolov5-FasterBlock.py, after
// JierunChen/FasterNet): Partial_conv3 (PConv), Faster_Block, C3_Faster, and timm's DropPath they use — classes, YAML
// spec, ONNX form. Their Convs are models.common.Conv and fuse through Conv's own hook.
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Identity } from '../../../nn/activation.ts';
import { Module } from '../../../nn/module.ts';
import { concatChannels, single, splitNode } from '../../../nn/onnx-emit.ts';
import { cat, full, rand } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { C3, c3Spec, emitC3 } from '../common/bottleneck.ts';
import { Conv, defaultActivation } from '../common/conv.ts';

/**
 * timm's DropPath (stochastic depth, timm.layers.drop): in training each sample's input is zeroed with probability
 * drop_prob and the kept ones scaled by 1/(1 − drop_prob) (scale_by_keep); the identity in eval.
 */
export class DropPath extends Module {
  constructor(
    readonly dropProb = 0,
    readonly scaleByKeep = true,
  ) {
    super();
  }
  override get typeName(): string {
    return 'DropPath';
  }
  forward(x: Tensor): Tensor {
    if (this.dropProb === 0 || !this.training) return x;
    return tidy(() => {
      const keep = 1 - this.dropProb;
      let mask = rand([x.shape[0]!, ...x.shape.slice(1).map(() => 1)], { device: x.device }).lt(keep).to(x.dtype);
      if (keep > 0 && this.scaleByKeep) mask = mask.div(keep);
      return x.mul(mask);
    });
  }
}

/** PConv: a 3×3 conv over the first dim/n_div channels only; the rest pass through untouched. */
export class PartialConv3 extends Module {
  readonly dimConv3: number;
  readonly dimUntouched: number;
  readonly partial_conv3: Conv2d;
  /** The reference picks its forward by name: 'split_cat' (training and inference) or 'slicing' (inference); same values. */
  readonly forwardType: 'split_cat' | 'slicing';
  constructor(dim: number, nDiv: number, forwardType: string) {
    super();
    if (forwardType !== 'split_cat' && forwardType !== 'slicing') throw new Error(`Partial_conv3: forward must be 'slicing' or 'split_cat', got '${forwardType}'`);
    this.forwardType = forwardType;
    this.dimConv3 = Math.floor(dim / nDiv);
    this.dimUntouched = dim - this.dimConv3;
    this.partial_conv3 = this.registerModule('partial_conv3', new Conv2d(this.dimConv3, this.dimConv3, 3, { stride: 1, padding: 1, bias: false }));
  }
  override get typeName(): string {
    return 'Partial_conv3';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [x1, x2] = x.split([this.dimConv3, this.dimUntouched], 1) as [Tensor, Tensor];
      return cat([this.partial_conv3.forward(x1), x2], 1);
    });
  }
}

/**
 * Faster_Block(inc, dim): [adjust_channel Conv when inc ≠ dim,] x + drop_path(mlp(spatial_mixing(x))), the MLP a 1×1 Conv
 * to dim·mlp_ratio and a plain 1×1 conv back. With layer_scale_init_value > 0 the MLP branch is scaled per channel (and,
 * as in the reference, adjust_channel is then skipped).
 */
export class FasterBlock extends Module {
  readonly drop_path: Module;
  readonly mlp: Sequential;
  readonly spatial_mixing: PartialConv3;
  readonly adjust_channel: Conv | null;
  constructor(
    inc: number,
    dim: number,
    nDiv = 4,
    mlpRatio = 2,
    dropPath = 0.1,
    layerScaleInitValue = 0.0,
    pconvFwType = 'split_cat',
    act: Module = defaultActivation,
  ) {
    super();
    this.drop_path = this.registerModule('drop_path', dropPath > 0 ? new DropPath(dropPath) : new Identity());
    const hidden = Math.trunc(dim * mlpRatio);
    this.mlp = this.registerModule('mlp', new Sequential(new Conv(dim, hidden, 1, 1, null, 1, 1, act), new Conv2d(hidden, dim, 1, { bias: false })));
    this.spatial_mixing = this.registerModule('spatial_mixing', new PartialConv3(dim, nDiv, pconvFwType));
    this.adjust_channel = inc !== dim ? this.registerModule('adjust_channel', new Conv(inc, dim, 1, 1, null, 1, 1, act)) : null;
    if (layerScaleInitValue > 0) this.registerParameter('layer_scale', full([dim], layerScaleInitValue));
  }
  override get typeName(): string {
    return 'Faster_Block';
  }
  get layerScale(): Tensor | null {
    return this.getParameter('layer_scale');
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const scale = this.layerScale;
      const input = !scale && this.adjust_channel ? this.adjust_channel.forward(x) : x;
      let branch = this.mlp.forward(this.spatial_mixing.forward(input));
      if (scale) branch = scale.unsqueeze(-1).unsqueeze(-1).mul(branch);
      return input.add(this.drop_path.forward(branch));
    });
  }
}

/** C3 whose n Bottlenecks are Faster_Blocks (shortcut and g are accepted and ignored). */
export class C3Faster extends C3 {
  constructor(c1: number, c2: number, n = 1, shortcut = true, g = 1, e = 0.5, act: Module = defaultActivation) {
    super(c1, c2, n, shortcut, g, e, act, (c) => new Sequential(...Array.from({ length: n }, () => new FasterBlock(c, c, 4, 2, 0.1, 0, 'split_cat', act))));
  }
  override get typeName(): string {
    return 'C3_Faster';
  }
}

export const fasternetBlocks: BlockFamily = {
  name: 'fasternet',
  modules: [
    {
      ...c3Spec('C3_Faster', C3Faster, "C3 with FasterNet's Faster_Blocks (PConv on a quarter of the channels, then a 1×1 MLP, residual)"),
      doc: {
        args: '[c2, shortcut=True, g=1, e=0.5]',
        purpose: "C3 with FasterNet's Faster_Blocks (PConv on a quarter of the channels, then a 1×1 MLP, residual)",
        quirk: "shortcut and g are ignored (every Faster_Block adds its input back), and each block's MLP branch goes through timm's DropPath(0.1) in training",
      },
      origin: 'authors',
      source: { repo: 'z1069614715/objectdetection_script', path: 'yolo-improve/yolov5-FasterBlock.py', paper: 'FasterNet (JierunChen/FasterNet), arXiv 2303.03667' },
    },
  ],
  onnx: [
    // Exported models run in eval mode, where DropPath is the identity.
    emitterEntry(DropPath, (_m, input) => single(input, 'DropPath')),
    emitterEntry(PartialConv3, (m, input, ctx, scope) => {
      const [x1, x2] = splitNode(ctx, single(input, 'Partial_conv3'), [m.dimConv3, m.dimUntouched], 1, scope) as [string, string];
      return concatChannels(ctx, [ctx.emit(m.partial_conv3, x1, `${scope}.partial_conv3`), x2], scope);
    }),
    emitterEntry(FasterBlock, (m, input, ctx, scope) => {
      const g = ctx.graph;
      let x = single(input, 'Faster_Block');
      const scale = m.layerScale;
      if (!scale && m.adjust_channel) x = ctx.emit(m.adjust_channel, x, `${scope}.adjust_channel`);
      let branch = ctx.emit(m.mlp, ctx.emit(m.spatial_mixing, x, `${scope}.spatial_mixing`), `${scope}.mlp`);
      if (scale) {
        const values = tidy(() => scale.detach().float().toTypedArray() as Float32Array);
        branch = g.node('Mul', [g.weight(`${scope}.layer_scale`, [values.length, 1, 1], values), branch], scope);
      }
      return g.node('Add', [x, ctx.emit(m.drop_path, branch, `${scope}.drop_path`)], scope);
    }),
    emitterEntry(C3Faster, emitC3),
  ],
};
