// ShuffleAttention (SA-Net, Zhang & Yang, ICASSP 2021) as YOLOAir has it (models/Models/Attention/ShuffleAttention.py):
// the channels in G groups, each halved — one half gated by its (scaled, shifted) channel means, the other by its
// (scaled, shifted) GroupNorm — then a two-group channel shuffle. YOLOAir's parse_model builds it with [c1, *args[1:]].
import { Sigmoid } from '../../../nn/activation.ts';
import { Module } from '../../../nn/module.ts';
import { GroupNorm } from '../../../nn/normalization.ts';
import { attr, type EmitContext, single, splitNode } from '../../../nn/onnx-emit.ts';
import { AdaptiveAvgPool2d } from '../../../nn/pooling.ts';
import { cat, ones, zeros } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';
import { emitChannelShuffle2 } from '../backbone/shufflenet.ts';
import { keepChannelsRule } from './squeeze-excitation.ts';

export class ShuffleAttention extends Module {
  /** Channels of each half of a group: channel // (2·G). */
  readonly half: number;
  readonly avgPool: AdaptiveAvgPool2d;
  readonly gn: GroupNorm;
  readonly sigmoid: Sigmoid;
  constructor(
    readonly channel = 512,
    reduction = 16,
    readonly G = 8,
  ) {
    super();
    void reduction; // accepted and unused, as in the reference
    this.half = Math.floor(channel / (2 * G));
    this.avgPool = this.registerModule('avg_pool', new AdaptiveAvgPool2d(1));
    this.gn = this.registerModule('gn', new GroupNorm(this.half, this.half));
    this.registerParameter('cweight', zeros([1, this.half, 1, 1]));
    this.registerParameter('cbias', ones([1, this.half, 1, 1]));
    this.registerParameter('sweight', zeros([1, this.half, 1, 1]));
    this.registerParameter('sbias', ones([1, this.half, 1, 1]));
    this.sigmoid = this.registerModule('sigmoid', new Sigmoid());
  }
  override get typeName(): string {
    return 'ShuffleAttention';
  }
  private p(name: 'cweight' | 'cbias' | 'sweight' | 'sbias'): Tensor {
    return this.getParameter(name)!;
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [b, , h, w] = x.shape as [number, number, number, number];
      const grouped = x.reshape(b * this.G, -1, h, w);
      const [x0, x1] = grouped.chunk(2, 1) as [Tensor, Tensor];
      const xChannel = x0.mul(this.sigmoid.forward(this.p('cweight').mul(this.avgPool.forward(x0)).add(this.p('cbias'))));
      const xSpatial = x1.mul(this.sigmoid.forward(this.p('sweight').mul(this.gn.forward(x1)).add(this.p('sbias'))));
      const out = cat([xChannel, xSpatial], 1).contiguous().view(b, -1, h, w);
      // channel_shuffle(out, 2)
      return out.reshape(b, 2, -1, h, w).permute(0, 2, 1, 3, 4).reshape(b, -1, h, w);
    });
  }
}

function emitShuffleAttention(m: ShuffleAttention, input: string | string[], ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const x = single(input, 'ShuffleAttention');
  const param = (name: 'cweight' | 'cbias' | 'sweight' | 'sbias') => {
    const t = m.getParameter(name)!;
    return g.weight(`${scope}.${name}`, t.shape, t.toFloat32Array());
  };
  // (b, c, h, w) → (b·G, c/G, h, w): 0 keeps h and w, -1 gives b·G
  const grouped = g.node('Reshape', [x, g.int64Constant(`${scope}.grouped`, [-1, m.channel / m.G, 0, 0])], scope);
  const [x0, x1] = splitNode(ctx, grouped, [m.half, m.half], 1, scope) as [string, string];
  const pooled = ctx.emit(m.avgPool, x0, `${scope}.avg_pool`);
  const cGate = g.node('Add', [g.node('Mul', [param('cweight'), pooled], scope), param('cbias')], scope);
  const xChannel = g.node('Mul', [x0, ctx.emit(m.sigmoid, cGate, `${scope}.sigmoid`)], scope);
  const normed = ctx.emit(m.gn, x1, `${scope}.gn`);
  const sGate = g.node('Add', [g.node('Mul', [param('sweight'), normed], scope), param('sbias')], scope);
  const xSpatial = g.node('Mul', [x1, ctx.emit(m.sigmoid, sGate, `${scope}.sigmoid_s`)], scope);
  const joined = g.node('Concat', [xChannel, xSpatial], scope, { axis: attr.int(1) });
  const back = g.node('Reshape', [joined, g.node('Shape', [x], scope)], scope);
  return emitChannelShuffle2(back, m.channel, ctx, scope);
}

export const shuffleAttentionBlocks: BlockFamily = {
  name: 'shuffle-attention',
  modules: [
    {
      name: 'ShuffleAttention',
      pythonType: 'models.Models.Attention.ShuffleAttention.ShuffleAttention',
      argCount: [1, 3],
      channels: keepChannelsRule,
      origin: 'YOLOAir',
      source: { repo: 'iscyy/yoloair', path: 'models/Models/Attention/ShuffleAttention.py', paper: 'https://arxiv.org/abs/2102.00240' },
      doc: {
        args: '[c2, reduction=16, G=8]',
        purpose: 'shuffle attention (SA-Net): per group, a channel gate on one half and a GroupNorm spatial gate on the other, then a channel shuffle',
        quirk:
          "built as ShuffleAttention(c1, *args[1:]) (YOLOAir's parse_model): c2 only sets the channels later layers are told, the block outputs c1; `reduction` is accepted and unused; the channels must split into G groups of two equal halves",
      },
      build: (a) => new ShuffleAttention(intArg(a, 0, 'channel'), intArg(a, 1, 'reduction', 16), intArg(a, 2, 'G', 8)),
    },
  ],
  onnx: [emitterEntry(ShuffleAttention, emitShuffleAttention)],
};
