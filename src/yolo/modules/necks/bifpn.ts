// BiFPN's weighted feature fusion as YOLOAir writes it (models/Models/research.py Concat_bifpn): class, YAML spec,
// ONNX form. Despite the name it adds (fast normalised fusion: Σ wᵢ·xᵢ / (Σ wⱼ + ε)), then ReLU and a 1×1 Conv.
import { ReLU } from '../../../nn/activation.ts';
import { Module } from '../../../nn/module.ts';
import { attr, reduceNode } from '../../../nn/onnx-emit.ts';
import { ones } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, chAt, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';
import { ResearchConv } from '../common/research-conv.ts';

/**
 * Concat_bifpn(c1, c2): for 2 inputs w = w1_weight, for 3 inputs w = w2_weight (both are always built, so each layer
 * carries one weight vector its inputs never use); out = conv(relu(Σ wᵢ / (Σ w + 1e-4) · xᵢ)). The inputs must have the
 * same shape; c1 must equal their channels.
 */
export class ConcatBifpn extends Module {
  readonly epsilon = 0.0001;
  readonly conv: ResearchConv;
  readonly act: ReLU;
  constructor(c1: number, c2: number) {
    super();
    this.registerParameter('w1_weight', ones([2]));
    this.registerParameter('w2_weight', ones([3]));
    this.conv = this.registerModule('conv', new ResearchConv(c1, c2, 1, 1, 0));
    this.act = this.registerModule('act', new ReLU());
  }
  override get typeName(): string {
    return 'Concat_bifpn';
  }
  /** The fusion weights used for `n` inputs. */
  weightFor(n: number): Tensor {
    if (n !== 2 && n !== 3) throw new Error(`Concat_bifpn fuses 2 or 3 inputs, got ${n}`);
    return this.getParameter(n === 2 ? 'w1_weight' : 'w2_weight')!;
  }
  forward(xs: Tensor[]): Tensor {
    return tidy(() => {
      const w = this.weightFor(xs.length);
      const weight = w.div(w.sum(0).add(this.epsilon));
      let fused = weight.select(0, 0).mul(xs[0]!);
      for (let i = 1; i < xs.length; i++) fused = fused.add(weight.select(0, i).mul(xs[i]!));
      return this.conv.forward(this.act.forward(fused));
    });
  }
}

export const bifpnBlocks: BlockFamily = {
  name: 'bifpn',
  modules: [
    {
      name: 'Concat_bifpn',
      doc: {
        args: '[c1, c2]',
        purpose: "BiFPN's weighted fusion of 2 or 3 same-shape inputs (fast normalised weights), then ReLU and a 1×1 Conv",
        quirk:
          "YOLOAir's parse_model passes the YAML's [c1, c2] unscaled (no width multiple) and records max(input channels) as the output; " +
          'both weight vectors (2 and 3 inputs) are built, so each layer has one that gets no gradient; ' +
          "its Conv is research.py's own (a SiLU per instance), which YOLOv5's fuse() does not fold",
      },
      pythonType: 'models.Models.research.Concat_bifpn',
      argCount: [2, 2],
      channels: (args, ctx) => ({ args, c2: Math.max(...[ctx.from].flat().map((x) => chAt(ctx.ch, x))) }),
      origin: 'YOLOAir',
      source: { repo: 'iscyy/yoloair', path: 'models/Models/research.py', paper: 'EfficientDet (BiFPN), arXiv 1911.09070' },
      build: (a) => new ConcatBifpn(intArg(a, 0, 'c1'), intArg(a, 1, 'c2')),
    },
  ],
  onnx: [
    emitterEntry(ConcatBifpn, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const xs = typeof input === 'string' ? [input] : input;
      const values = tidy(() => m.weightFor(xs.length).detach().float().toTypedArray() as Float32Array);
      const wValue = g.weight(`${scope}.w`, [xs.length], values);
      const denom = g.node('Add', [reduceNode(ctx, 'ReduceSum', wValue, [0], false, scope), g.floatConstant(`${scope}.eps`, [], [m.epsilon])], scope);
      const weight = g.node('Div', [wValue, denom], scope);
      let fused = '';
      xs.forEach((x, i) => {
        const wi = g.node('Gather', [weight, g.int64Scalar(`${scope}.i`, i)], scope, { axis: attr.int(0) });
        const term = g.node('Mul', [wi, x], scope);
        fused = i === 0 ? term : g.node('Add', [fused, term], scope);
      });
      return ctx.emit(m.conv, ctx.emit(m.act, fused, `${scope}.act`), `${scope}.conv`);
    }),
  ],
};
