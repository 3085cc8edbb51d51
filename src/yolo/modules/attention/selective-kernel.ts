// SKAttention (selective kernel attention, Li et al., CVPR 2019) as YOLOAir has it
// (models/Models/Attention/SKAttention.py): one conv+BN+ReLU branch per kernel size, their sum squeezed to a
// d-vector, one Linear per branch giving logits, a softmax across the branches, the branches mixed by it.
// YOLOAir's parse_model builds it with [c1, *args[1:]]: the YAML's first arg only sets the recorded output channels.
import { ReLU, Softmax } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { ModuleList } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Linear } from '../../../nn/linear.ts';
import { Module } from '../../../nn/module.ts';
import { attr, type EmitContext, reduceNode, single } from '../../../nn/onnx-emit.ts';
import { stack } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg, intListArg } from '../../module-args.ts';
import { keepChannelsRule } from './squeeze-excitation.ts';

/** Unsqueeze at `axes` (opset 13 moved the axes from an attribute to an input). */
function unsqueezeNode(ctx: EmitContext, x: string, axes: readonly number[], scope: string): string {
  const g = ctx.graph;
  return ctx.opset >= 13 ? g.node('Unsqueeze', [x, g.int64Constant(`${scope}.unsqueeze_axes`, axes)], scope) : g.node('Unsqueeze', [x], scope, { axes: attr.ints(axes) });
}

/** nn.Sequential(OrderedDict(conv=…, bn=…, relu=…)): one kernel size's branch (PyTorch names its children). */
export class SKBranch extends Module {
  readonly conv: Conv2d;
  readonly bn: BatchNorm2d;
  readonly relu: ReLU;
  constructor(channel: number, k: number, group: number) {
    super();
    this.conv = this.registerModule('conv', new Conv2d(channel, channel, k, { padding: Math.floor(k / 2), groups: group }));
    this.bn = this.registerModule('bn', new BatchNorm2d(channel));
    this.relu = this.registerModule('relu', new ReLU());
  }
  override get typeName(): string {
    return 'Sequential';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.relu.forward(this.bn.forward(this.conv.forward(x))));
  }
}

export class SKAttention extends Module {
  /** max(L, channel // reduction): the squeezed vector's length. */
  readonly d: number;
  readonly convs: ModuleList<SKBranch>;
  readonly fc: Linear;
  readonly fcs: ModuleList<Linear>;
  readonly softmax: Softmax;
  constructor(
    readonly channel = 512,
    kernels: number[] = [1, 3, 5, 7],
    reduction = 16,
    group = 1,
    L = 32,
  ) {
    super();
    this.d = Math.max(L, Math.floor(channel / reduction));
    this.convs = this.registerModule('convs', new ModuleList(kernels.map((k) => new SKBranch(channel, k, group))));
    this.fc = this.registerModule('fc', new Linear(channel, this.d));
    this.fcs = this.registerModule('fcs', new ModuleList(kernels.map(() => new Linear(this.d, channel))));
    this.softmax = this.registerModule('softmax', new Softmax(0));
  }
  override get typeName(): string {
    return 'SKAttention';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [bs, c] = x.shape as [number, number];
      const outs = this.convs.items.map((branch) => branch.forward(x));
      const feats = stack(outs, 0); // (k, bs, c, h, w)
      // Python's sum(): 0 + out0 + out1 + … (0 + out0 is out0 exactly)
      const u = outs.slice(1).reduce((acc, o) => acc.add(o), outs[0]!);
      const s = u.mean(-1).mean(-1); // (bs, c)
      const z = this.fc.forward(s);
      const logits = stack(this.fcs.items.map((fc) => fc.forward(z).view(bs, c, 1, 1)), 0); // (k, bs, c, 1, 1)
      return this.softmax.forward(logits).mul(feats).sum(0);
    });
  }
}

function emitSKAttention(m: SKAttention, input: string | string[], ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const x = single(input, 'SKAttention');
  const outs = m.convs.items.map((b, i) => {
    const s = `${scope}.convs.${i}`;
    return ctx.emit(b.relu, ctx.emit(b.bn, ctx.emit(b.conv, x, `${s}.conv`), `${s}.bn`), `${s}.relu`);
  });
  const stacked = (xs: string[], name: string) => g.node('Concat', xs.map((t, i) => unsqueezeNode(ctx, t, [0], `${scope}.${name}${i}`)), scope, { axis: attr.int(0) });
  const feats = stacked(outs, 'feat');
  const u = outs.slice(1).reduce((acc, o) => g.node('Add', [acc, o], scope), outs[0]!);
  const s = reduceNode(ctx, 'ReduceMean', reduceNode(ctx, 'ReduceMean', u, [-1], false, `${scope}.mean_w`), [-1], false, `${scope}.mean_h`);
  const z = ctx.emit(m.fc, s, `${scope}.fc`);
  const logits = m.fcs.items.map((fc, i) => {
    const y = ctx.emit(fc, z, `${scope}.fcs.${i}`);
    return g.node('Reshape', [y, g.int64Constant(`${scope}.fcs.${i}.view`, [-1, m.channel, 1, 1])], scope);
  });
  const weights = ctx.emit(m.softmax, stacked(logits, 'logit'), `${scope}.softmax`);
  return reduceNode(ctx, 'ReduceSum', g.node('Mul', [weights, feats], scope), [0], false, `${scope}.mix`);
}

export const selectiveKernelBlocks: BlockFamily = {
  name: 'selective-kernel',
  modules: [
    {
      name: 'SKAttention',
      pythonType: 'models.Models.Attention.SKAttention.SKAttention',
      argCount: [1, 5],
      channels: keepChannelsRule,
      origin: 'YOLOAir',
      source: { repo: 'iscyy/yoloair', path: 'models/Models/Attention/SKAttention.py', paper: 'https://arxiv.org/abs/1903.06586' },
      doc: {
        args: '[c2, kernels=[1, 3, 5, 7], reduction=16, group=1, L=32]',
        purpose: 'selective kernel attention: conv+BN+ReLU branches of several kernel sizes mixed by a softmax over branches of per-channel weights',
        quirk:
          "built as SKAttention(c1, *args[1:]) (YOLOAir's parse_model): c2 only sets the channels later layers are told, the block outputs c1; its conv+BN branches are not folded by fuse() (YOLOv5's fuse() folds Conv/DWConv only)",
      },
      build: (a) => new SKAttention(intArg(a, 0, 'channel'), intListArg(a, 1, 'kernels', [1, 3, 5, 7]), intArg(a, 2, 'reduction', 16), intArg(a, 3, 'group', 1), intArg(a, 4, 'L', 32)),
    },
  ],
  onnx: [emitterEntry(SKAttention, emitSKAttention)],
};
