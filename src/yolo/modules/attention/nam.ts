// NAM as YOLOAir writes it (models/Models/Attention/NAMAttention.py): normalisation-based channel attention —
// the input batch-normalised, each channel weighted by |γ_c| / Σ|γ| (its BN scale's share), a sigmoid, and the
// input multiplied by it. YOLOAir's NAMAttention has the channel part only (no spatial attention).
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Module } from '../../../nn/module.ts';
import { single } from '../../../nn/onnx-emit.ts';
import { noGrad } from '../../../tensor/runtime.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/** Channel_Att(channels, t=16): σ(bn2(x) · |γ| / Σ|γ|) · x. */
export class ChannelAtt extends Module {
  readonly bn2: BatchNorm2d;
  constructor(readonly channels: number) {
    super();
    this.bn2 = this.registerModule('bn2', new BatchNorm2d(channels));
  }
  override get typeName(): string {
    return 'Channel_Att';
  }
  /** |γ| / Σ|γ| as (1, c, 1, 1), from the weight's data: the source reads `bn2.weight.data`, so no gradient flows through it. */
  channelWeights(): Tensor {
    return noGrad(() =>
      tidy(() => {
        const a = this.bn2.weight.detach().abs();
        return a.div(a.sum()).view(1, this.channels, 1, 1);
      }),
    );
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.bn2.forward(x).mul(this.channelWeights()).sigmoid().mul(x));
  }
}

/** NAMAttention(channels, out_channels=None, no_spatial=True): its Channel_Att alone (out_channels, no_spatial unused). */
export class NAMAttention extends Module {
  readonly channelAtt: ChannelAtt;
  constructor(channels: number) {
    super();
    this.channelAtt = this.registerModule('Channel_Att', new ChannelAtt(channels));
  }
  override get typeName(): string {
    return 'NAMAttention';
  }
  forward(x: Tensor): Tensor {
    return this.channelAtt.forward(x);
  }
}

export const namBlocks: BlockFamily = {
  name: 'nam',
  modules: [
    {
      name: 'NAMAttention',
      origin: 'YOLOAir',
      doc: {
        args: '[c2, no_spatial=True]',
        purpose: "normalisation-based attention: the BN-normalised input weighted per channel by its BN scale's share |γ|/Σ|γ|, sigmoid, multiplied into the input",
        quirk: 'the channel weights |γ|/Σ|γ| are read from the BN weight\'s .data, so no gradient reaches γ through them (only through the BN itself), as in the source',
      },
      source: { repo: 'iscyy/yoloair', path: 'models/Models/Attention/NAMAttention.py', paper: 'Liu et al., NAM: Normalization-based Attention Module (arXiv:2111.12419)' },
      pythonType: 'models.Models.Attention.NAMAttention.NAMAttention',
      argCount: [1, 2],
      channels: 'width',
      build: (a) => new NAMAttention(intArg(a, 0, 'channels')),
    },
  ],
  onnx: [
    emitterEntry(ChannelAtt, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'Channel_Att');
      const normed = ctx.emit(m.bn2, x, `${scope}.bn2`);
      const w = m.channelWeights();
      const weighted = g.node('Mul', [normed, g.weight(`${scope}.weight_bn`, w.shape, w.toFloat32Array())], scope);
      w.dispose();
      return g.node('Mul', [g.node('Sigmoid', [weighted], scope), x], scope);
    }),
    emitterEntry(NAMAttention, (m, input, ctx, scope) => ctx.emit(m.channelAtt, single(input, 'NAMAttention'), `${scope}.Channel_Att`)),
  ],
};
