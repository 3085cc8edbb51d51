// CBAM as YOLOAir writes it (models/Models/research.py): channel attention (a shared Linear → LeakyReLU(0.1) →
// Linear MLP over the average- and the max-pooled input, summed, Sigmoid), then spatial attention (a 7×7 conv over
// the channel mean and max, Sigmoid), each multiplied into the features.
import { LeakyReLU, Sigmoid } from '../../../nn/activation.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Linear } from '../../../nn/linear.ts';
import { Module } from '../../../nn/module.ts';
import { attr, concatChannels, type EmitContext, reduceNode, single } from '../../../nn/onnx-emit.ts';
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d } from '../../../nn/pooling.ts';
import { cat } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/** σ(MLP(avgpool(x)) + MLP(maxpool(x))) with one MLP (c1 → c1 // reduction → c1), shape (b, c1, 1, 1). */
export class ChannelAttentionModule extends Module {
  readonly avgPool: AdaptiveAvgPool2d;
  readonly maxPool: AdaptiveMaxPool2d;
  readonly sharedMLP: Sequential;
  readonly act: Sigmoid;
  constructor(c1: number, reduction = 16) {
    super();
    const mid = Math.floor(c1 / reduction);
    this.avgPool = this.registerModule('avg_pool', new AdaptiveAvgPool2d(1));
    this.maxPool = this.registerModule('max_pool', new AdaptiveMaxPool2d(1));
    this.sharedMLP = this.registerModule('shared_MLP', new Sequential(new Linear(c1, mid), new LeakyReLU(0.1), new Linear(mid, c1)));
    this.act = this.registerModule('act', new Sigmoid());
  }
  override get typeName(): string {
    return 'ChannelAttentionModule';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const b = x.shape[0]!;
      const branch = (pooled: Tensor) => this.sharedMLP.forward(pooled.view(b, -1)).unsqueeze(2).unsqueeze(3);
      const avgout = branch(this.avgPool.forward(x));
      const maxout = branch(this.maxPool.forward(x));
      return this.act.forward(avgout.add(maxout));
    });
  }
}

/** σ(conv7×7([mean_c(x), max_c(x)])), shape (b, 1, h, w). */
export class SpatialAttentionModule extends Module {
  readonly conv2d: Conv2d;
  readonly act: Sigmoid;
  constructor() {
    super();
    this.conv2d = this.registerModule('conv2d', new Conv2d(2, 1, 7, { stride: 1, padding: 3 }));
    this.act = this.registerModule('act', new Sigmoid());
  }
  override get typeName(): string {
    return 'SpatialAttentionModule';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const avgout = x.mean(1, true);
      const { values: maxout, indices } = x.maxDim(1, true);
      indices.dispose();
      return this.act.forward(this.conv2d.forward(cat([avgout, maxout], 1)));
    });
  }
}

/** CBAM(c1, c2): out = ca(x)·x, then sa(out)·out; c2 is unused (the output has c1 channels). */
export class CBAM extends Module {
  readonly channelAttention: ChannelAttentionModule;
  readonly spatialAttention: SpatialAttentionModule;
  constructor(c1: number, _c2: number) {
    super();
    this.channelAttention = this.registerModule('channel_attention', new ChannelAttentionModule(c1));
    this.spatialAttention = this.registerModule('spatial_attention', new SpatialAttentionModule());
  }
  override get typeName(): string {
    return 'CBAM';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const out = this.channelAttention.forward(x).mul(x);
      return this.spatialAttention.forward(out).mul(out);
    });
  }
}

/** (b, c, 1, 1) pooled → (b, c) → the shared MLP → (b, c, 1, 1). */
function emitMlpBranch(m: ChannelAttentionModule, pooled: string, ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const flat = g.node('Flatten', [pooled], scope, { axis: attr.int(1) });
  const y = ctx.emit(m.sharedMLP, flat, `${scope}.shared_MLP`);
  return g.node('Reshape', [y, g.int64Constant(`${scope}.unsqueeze`, [0, -1, 1, 1])], scope);
}

export const cbamBlocks: BlockFamily = {
  name: 'cbam',
  modules: [
    {
      name: 'CBAM',
      origin: 'YOLOAir',
      doc: {
        args: '[c2]',
        purpose: 'convolutional block attention: channel attention (shared MLP over avg- and max-pooled features), then spatial attention (7×7 conv over channel mean and max)',
      },
      source: { repo: 'iscyy/yoloair', path: 'models/Models/research.py', paper: 'Woo et al., CBAM: Convolutional Block Attention Module (arXiv:1807.06521)' },
      pythonType: 'models.Models.research.CBAM',
      argCount: [1, 1],
      channels: 'width',
      build: (a) => new CBAM(intArg(a, 0, 'c1'), intArg(a, 1, 'c2')),
    },
  ],
  onnx: [
    emitterEntry(ChannelAttentionModule, (m, input, ctx, scope) => {
      const x = single(input, 'ChannelAttentionModule');
      const avgout = emitMlpBranch(m, ctx.emit(m.avgPool, x, `${scope}.avg_pool`), ctx, scope);
      const maxout = emitMlpBranch(m, ctx.emit(m.maxPool, x, `${scope}.max_pool`), ctx, scope);
      return ctx.emit(m.act, ctx.graph.node('Add', [avgout, maxout], scope), `${scope}.act`);
    }),
    emitterEntry(SpatialAttentionModule, (m, input, ctx, scope) => {
      const x = single(input, 'SpatialAttentionModule');
      const avgout = reduceNode(ctx, 'ReduceMean', x, [1], true, scope);
      const maxout = reduceNode(ctx, 'ReduceMax', x, [1], true, scope);
      const conv = ctx.emit(m.conv2d, concatChannels(ctx, [avgout, maxout], scope), `${scope}.conv2d`);
      return ctx.emit(m.act, conv, `${scope}.act`);
    }),
    emitterEntry(CBAM, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'CBAM');
      const out = g.node('Mul', [ctx.emit(m.channelAttention, x, `${scope}.channel_attention`), x], scope);
      return g.node('Mul', [ctx.emit(m.spatialAttention, out, `${scope}.spatial_attention`), out], scope);
    }),
  ],
};
