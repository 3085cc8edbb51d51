// Coordinate attention, two writings of one block: YOLOAir's CA (models/Models/research.py), which pools along each
// axis with throw-away nn.AdaptiveAvgPool2d objects made in forward(), and the authors' CoordAtt
// (houqb/CoordAttention coordatt.py), which registers the two pools as children. Same parameters and output; the
// authors' pools are modules, so PyTorch counts two more layers and thop counts their adds.
// x_h = mean over w (n, c, h, 1), x_w = mean over h, as (n, c, w, 1); both through one 1×1 conv → BN → h_swish
// (concatenated along h), split back, a 1×1 conv and a sigmoid each: out = x · a_w · a_h.
import { ReLU6 } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { attr, type EmitContext, reduceNode, single } from '../../../nn/onnx-emit.ts';
import { AdaptiveAvgPool2d } from '../../../nn/pooling.ts';
import { cat } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry, type ModuleSpec } from '../../block.ts';
import { intArg } from '../../module-args.ts';
import { emitHardSigmoid } from '../common/torch-nn.ts';

/** h_sigmoid: relu6(x + 3) / 6 (an nn.ReLU6 child named relu). */
export class HSigmoid extends Module {
  readonly relu: ReLU6;
  constructor() {
    super();
    this.relu = this.registerModule('relu', new ReLU6());
  }
  override get typeName(): string {
    return 'h_sigmoid';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.relu.forward(x.add(3)).div(6));
  }
}

/** h_swish: x · h_sigmoid(x) (an h_sigmoid child named sigmoid). */
export class HSwish extends Module {
  readonly sigmoid: HSigmoid;
  constructor() {
    super();
    this.sigmoid = this.registerModule('sigmoid', new HSigmoid());
  }
  override get typeName(): string {
    return 'h_swish';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => x.mul(this.sigmoid.forward(x)));
  }
}

/** The parameters both writings share: conv1 (inp → mip, mip = max(8, inp // reduction)), bn1, act, conv_h, conv_w. */
abstract class CoordinateAttention extends Module {
  conv1!: Conv2d;
  bn1!: BatchNorm2d;
  act!: HSwish;
  convH!: Conv2d;
  convW!: Conv2d;
  protected registerLayers(inp: number, oup: number, reduction: number): void {
    const mip = Math.max(8, Math.floor(inp / reduction));
    this.conv1 = this.registerModule('conv1', new Conv2d(inp, mip, 1, { stride: 1, padding: 0 }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d(mip));
    this.act = this.registerModule('act', new HSwish());
    this.convH = this.registerModule('conv_h', new Conv2d(mip, oup, 1, { stride: 1, padding: 0 }));
    this.convW = this.registerModule('conv_w', new Conv2d(mip, oup, 1, { stride: 1, padding: 0 }));
  }
  /** x_h (n, c, h, 1) and x_w (n, c, 1, w): the input averaged along w and along h. */
  protected abstract pool(x: Tensor): [Tensor, Tensor];
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [h, w] = [x.shape[2]!, x.shape[3]!];
      const [xh, xw] = this.pool(x);
      const y = this.act.forward(this.bn1.forward(this.conv1.forward(cat([xh, xw.permute(0, 1, 3, 2)], 2))));
      const [yh, yw] = y.split([h, w], 2) as [Tensor, Tensor];
      const aH = this.convH.forward(yh).sigmoid();
      const aW = this.convW.forward(yw.permute(0, 1, 3, 2)).sigmoid();
      return x.mul(aW).mul(aH);
    });
  }
}

/** YOLOAir's CA(inp, oup, reduction=32): its pools are not modules (nothing for PyTorch or thop to count). */
export class CA extends CoordinateAttention {
  constructor(inp: number, oup: number, reduction = 32) {
    super();
    this.registerLayers(inp, oup, reduction);
  }
  override get typeName(): string {
    return 'CA';
  }
  // AdaptiveAvgPool2d((h, 1)) / ((1, w)) of an (h, w) input are means along one axis; mean has a deterministic
  // backward on every device, adaptive pooling's CUDA backward has none.
  protected pool(x: Tensor): [Tensor, Tensor] {
    return [x.mean(3, true), x.mean(2, true)];
  }
}

/** The authors' CoordAtt(inp, oup, reduction=32): pool_h = AdaptiveAvgPool2d((None, 1)), pool_w = ((1, None)). */
export class CoordAtt extends CoordinateAttention {
  readonly poolH: AdaptiveAvgPool2d;
  readonly poolW: AdaptiveAvgPool2d;
  constructor(inp: number, oup: number, reduction = 32) {
    super();
    this.poolH = this.registerModule('pool_h', new AdaptiveAvgPool2d([null, 1]));
    this.poolW = this.registerModule('pool_w', new AdaptiveAvgPool2d([1, null]));
    this.registerLayers(inp, oup, reduction);
  }
  override get typeName(): string {
    return 'CoordAtt';
  }
  protected pool(x: Tensor): [Tensor, Tensor] {
    return [this.poolH.forward(x), this.poolW.forward(x)];
  }
}

/**
 * ONNX form for any input size: conv1/bn1/h_swish act on each position alone (bn1 with running statistics), so the
 * concatenation along h and the split at h are written as the reference does, with h read from the input's shape
 * (Slice takes its bounds as inputs, so opset 12 needs no static split sizes).
 */
function emitCoordinateAttention(m: CoordinateAttention, x: string, xh: string, xw: string, ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const transposeHW = (v: string) => g.node('Transpose', [v], scope, { perm: attr.ints([0, 1, 3, 2]) });
  const y0 = g.node('Concat', [xh, transposeHW(xw)], scope, { axis: attr.int(2) });
  const y = ctx.emit(m.act, ctx.emit(m.bn1, ctx.emit(m.conv1, y0, `${scope}.conv1`), `${scope}.bn1`), `${scope}.act`);
  const h = g.node('Slice', [g.node('Shape', [x], scope), g.int64Constant(`${scope}.h_start`, [2]), g.int64Constant(`${scope}.h_end`, [3]), g.int64Constant(`${scope}.shape_axis`, [0])], scope);
  const axis = g.int64Constant(`${scope}.split_axis`, [2]);
  const yh = g.node('Slice', [y, g.int64Constant(`${scope}.zero`, [0]), h, axis], scope);
  const yw = g.node('Slice', [y, h, g.int64Constant(`${scope}.end`, [Number.MAX_SAFE_INTEGER]), axis], scope);
  const aH = g.node('Sigmoid', [ctx.emit(m.convH, yh, `${scope}.conv_h`)], scope);
  const aW = g.node('Sigmoid', [ctx.emit(m.convW, transposeHW(yw), `${scope}.conv_w`)], scope);
  return g.node('Mul', [g.node('Mul', [x, aW], scope), aH], scope);
}

const coordAttDoc = (who: string) => ({
  args: '[c2, reduction=32]',
  purpose: `coordinate attention${who}: features averaged along each axis, a shared 1×1 conv → BN → h_swish, per-axis 1×1 conv + sigmoid gates multiplied in`,
});

const caSpec: Omit<ModuleSpec, 'name' | 'pythonType' | 'build' | 'doc' | 'source' | 'origin'> = { argCount: [1, 2], channels: 'width' };

export const coordinateAttentionBlocks: BlockFamily = {
  name: 'coordinate-attention',
  modules: [
    {
      ...caSpec,
      name: 'CA',
      origin: 'YOLOAir',
      doc: coordAttDoc(" (YOLOAir's CA; its pools are made in forward, not modules)"),
      source: { repo: 'iscyy/yoloair', path: 'models/Models/research.py', paper: 'Hou et al., Coordinate Attention for Efficient Mobile Network Design (arXiv:2103.02907)' },
      pythonType: 'models.Models.research.CA',
      build: (a) => new CA(intArg(a, 0, 'inp'), intArg(a, 1, 'oup'), intArg(a, 2, 'reduction', 32)),
    },
    {
      ...caSpec,
      name: 'CoordAtt',
      origin: 'authors',
      doc: {
        ...coordAttDoc(" (the authors' CoordAtt; alias of CA with pool_h / pool_w as modules: 2 more layers, thop counts their adds)"),
        quirk:
          "YOLOAir has no CoordAtt; it takes CA's channel rule (YOLOAir's [c1, c2, …rest] branch, which fits its (inp, oup, reduction) signature). oup must equal c1: the gates multiply the input",
      },
      source: { repo: 'houqb/CoordAttention', path: 'coordatt.py', paper: 'Hou et al., Coordinate Attention for Efficient Mobile Network Design (arXiv:2103.02907)' },
      pythonType: 'models.Models.Attention.coordatt.CoordAtt',
      build: (a) => new CoordAtt(intArg(a, 0, 'inp'), intArg(a, 1, 'oup'), intArg(a, 2, 'reduction', 32)),
    },
  ],
  onnx: [
    emitterEntry(HSigmoid, (_m, input, ctx, scope) => emitHardSigmoid(single(input, 'h_sigmoid'), ctx.graph, scope)),
    emitterEntry(HSwish, (m, input, ctx, scope) => {
      const x = single(input, 'h_swish');
      return ctx.graph.node('Mul', [x, ctx.emit(m.sigmoid, x, `${scope}.sigmoid`)], scope);
    }),
    emitterEntry(CA, (m, input, ctx, scope) => {
      const x = single(input, 'CA');
      return emitCoordinateAttention(m, x, reduceNode(ctx, 'ReduceMean', x, [3], true, scope), reduceNode(ctx, 'ReduceMean', x, [2], true, scope), ctx, scope);
    }),
    emitterEntry(CoordAtt, (m, input, ctx, scope) => {
      const x = single(input, 'CoordAtt');
      return emitCoordinateAttention(m, x, ctx.emit(m.poolH, x, `${scope}.pool_h`), ctx.emit(m.poolW, x, `${scope}.pool_w`), ctx, scope);
    }),
  ],
};
