// SimAM as YOLOAir writes it (models/Models/Attention/SimAM.py): parameter-free attention from each position's
// energy, d = (x − μ)², y = d / (4 · (Σd / (h·w − 1) + λ)) + 0.5 per channel, out = x · σ(y).
import { Sigmoid } from '../../../nn/activation.ts';
import { Module } from '../../../nn/module.ts';
import { attr, reduceNode, single } from '../../../nn/onnx-emit.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { numArg } from '../../module-args.ts';

/** SimAM(channels=None, e_lambda=1e-4); `channels` is unused. Its one child keeps the source's name, `activaton`. */
export class SimAM extends Module {
  readonly activaton: Sigmoid;
  constructor(
    readonly channels: number | null = null,
    readonly eLambda = 1e-4,
  ) {
    super();
    this.activaton = this.registerModule('activaton', new Sigmoid());
  }
  override get typeName(): string {
    return 'SimAM';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const n = x.shape[2]! * x.shape[3]! - 1;
      const d = x.sub(x.mean([2, 3], true)).pow(2);
      const y = d.div(d.sum([2, 3], true).div(n).add(this.eLambda).mul(4)).add(0.5);
      return x.mul(this.activaton.forward(y));
    });
  }
}

export const simamBlocks: BlockFamily = {
  name: 'simam',
  modules: [
    {
      name: 'SimAM',
      origin: 'YOLOAir',
      doc: {
        args: '[c2]',
        purpose: 'parameter-free attention: each position weighted by σ of its energy (squared deviation from the channel mean over the channel variance + λ)',
        quirk:
          "YOLOAir's parse_model builds SimAM(c1, c2), so e_lambda is the scaled channel argument (512 in yolov5s-simam.yaml), not the paper's 1e-4: the energy term almost vanishes and the gate is ≈ σ(0.5) ≈ 0.62 everywhere. A 1×1 map gives NaN (h·w − 1 = 0), as in the source",
      },
      source: { repo: 'iscyy/yoloair', path: 'models/Models/Attention/SimAM.py', paper: 'Yang et al., SimAM: A Simple, Parameter-Free Attention Module for Convolutional Neural Networks (ICML 2021)' },
      pythonType: 'models.Models.Attention.SimAM.SimAM',
      argCount: [1, 1],
      channels: 'width',
      build: (a) => new SimAM(a[0] === null || a[0] === undefined ? null : numArg(a, 0, 'channels', 0), numArg(a, 1, 'e_lambda', 1e-4)),
    },
  ],
  onnx: [
    emitterEntry(SimAM, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'SimAM');
      const centred = g.node('Sub', [x, reduceNode(ctx, 'ReduceMean', x, [2, 3], true, scope)], scope);
      const d = g.node('Mul', [centred, centred], scope);
      // n = h·w − 1 from the input's shape, so the graph holds for any input size.
      const hw = g.node('Slice', [g.node('Shape', [x], scope), g.int64Constant(`${scope}.hw_start`, [2]), g.int64Constant(`${scope}.hw_end`, [4]), g.int64Constant(`${scope}.hw_axis`, [0])], scope);
      const nInt = g.node('Sub', [g.node('ReduceProd', [hw], scope, { keepdims: attr.int(1) }), g.int64Constant(`${scope}.one`, [1])], scope);
      const n = g.node('Cast', [nInt], scope, { to: attr.int(1) });
      const variance = g.node('Div', [reduceNode(ctx, 'ReduceSum', d, [2, 3], true, scope), n], scope);
      const denominator = g.node('Mul', [g.node('Add', [variance, g.floatConstant(`${scope}.e_lambda`, [], [m.eLambda])], scope), g.floatConstant(`${scope}.four`, [], [4])], scope);
      const y = g.node('Add', [g.node('Div', [d, denominator], scope), g.floatConstant(`${scope}.half`, [], [0.5])], scope);
      return g.node('Mul', [x, ctx.emit(m.activaton, y, `${scope}.activaton`)], scope);
    }),
  ],
};
