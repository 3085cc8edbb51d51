// Squeeze-and-excitation as YOLOAir writes it (models/Models/Attention/SEAttention.py): a global average pool, a
// bias-free Linear → ReLU → Linear → Sigmoid bottleneck, and the input scaled per channel. Also YOLOAir's channel rule
// for the attention blocks that keep their input's channels (its parse_model branch with S2Attention, SEAttention,
// SKAttention, …), which eca.ts shares.
import { ReLU, Sigmoid } from '../../../nn/activation.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Linear } from '../../../nn/linear.ts';
import { Module } from '../../../nn/module.ts';
import { attr, single } from '../../../nn/onnx-emit.ts';
import { AdaptiveAvgPool2d } from '../../../nn/pooling.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, type ChannelContext, chAt, emitterEntry, makeDivisible } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/**
 * YOLOAir's parse_model branch for channel-keeping attention: c1 = ch[from]; the layer's recorded output channels
 * are c2 = make_divisible(args[0] · width_multiple, 8) (unless it is the Detect output count) — the block itself
 * returns c1 channels, so a YAML whose args[0] does not scale to c1 misleads the next layer's channel count, as it
 * does in YOLOAir; the block gets [c1, …args[1:]].
 */
export function keepChannelsRule(args: unknown[], ctx: ChannelContext): { args: unknown[]; c2: number } {
  const c1 = chAt(ctx.ch, ctx.from as number);
  const first = args[0];
  if (typeof first !== 'number') throw new Error(`first argument (output channels) must be a number, got ${JSON.stringify(first)}`);
  const c2 = first === ctx.no ? first : makeDivisible(first * ctx.gw, 8);
  return { args: [c1, ...args.slice(1)], c2 };
}

/** SEAttention(channel=512, reduction=16): x · σ(W₂ relu(W₁ avgpool(x))), W bias-free. */
export class SEAttention extends Module {
  readonly avgPool: AdaptiveAvgPool2d;
  readonly fc: Sequential;
  constructor(
    readonly channel = 512,
    reduction = 16,
  ) {
    super();
    const hidden = Math.floor(channel / reduction);
    this.avgPool = this.registerModule('avg_pool', new AdaptiveAvgPool2d(1));
    this.fc = this.registerModule('fc', new Sequential(new Linear(channel, hidden, false), new ReLU(), new Linear(hidden, channel, false), new Sigmoid()));
  }
  override get typeName(): string {
    return 'SEAttention';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [b, c] = x.shape as [number, number];
      const y = this.fc.forward(this.avgPool.forward(x).view(b, c)).view(b, c, 1, 1);
      return x.mul(y);
    });
  }
}

export const squeezeExcitationBlocks: BlockFamily = {
  name: 'squeeze-excitation',
  modules: [
    {
      name: 'SEAttention',
      origin: 'YOLOAir',
      doc: {
        args: '[c2, reduction=16]',
        purpose: 'squeeze-and-excitation: global average pool, bias-free Linear → ReLU → Linear → Sigmoid, the input scaled per channel',
        quirk:
          "YOLOAir's channel rule for it records c2 = make_divisible(args[0]·width, 8) as the layer's output channels while the block returns its input's c1 (args[0] is otherwise unused): a YAML whose args[0] does not scale to c1 gives the next layer a wrong channel count, as in YOLOAir",
      },
      source: { repo: 'iscyy/yoloair', path: 'models/Models/Attention/SEAttention.py', paper: 'Hu et al., Squeeze-and-Excitation Networks (arXiv:1709.01507)' },
      pythonType: 'models.Models.Attention.SEAttention.SEAttention',
      argCount: [1, 2],
      channels: keepChannelsRule,
      build: (a) => new SEAttention(intArg(a, 0, 'channel'), intArg(a, 1, 'reduction', 16)),
    },
  ],
  onnx: [
    emitterEntry(SEAttention, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'SEAttention');
      const pooled = ctx.emit(m.avgPool, x, `${scope}.avg_pool`);
      const flat = g.node('Flatten', [pooled], scope, { axis: attr.int(1) });
      const gate = ctx.emit(m.fc, flat, `${scope}.fc`);
      const gate4 = g.node('Reshape', [gate, g.int64Constant(`${scope}.gate_shape`, [0, -1, 1, 1])], scope);
      return g.node('Mul', [x, gate4], scope);
    }),
  ],
};
