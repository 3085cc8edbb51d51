// Efficient channel attention, the authors' eca_layer (BangguWu/ECANet models/eca_module.py): the channel
// descriptor of a global average pool, a bias-free 1-D convolution of width k_size across neighbouring channels,
// Sigmoid, and the input scaled per channel. YOLOAir has no ECA; its YAML names are `ECA` (as guides write it) and
// `eca_layer`, with YOLOAir's rule for channel-keeping attention (SEAttention's: [c2, k_size] → eca_layer(c1, k_size)).
import { Sigmoid } from '../../../nn/activation.ts';
import { Conv1d } from '../../../nn/conv1d.ts';
import { Module } from '../../../nn/module.ts';
import { single } from '../../../nn/onnx-emit.ts';
import { AdaptiveAvgPool2d } from '../../../nn/pooling.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry, type ModuleSpec } from '../../block.ts';
import { intArg } from '../../module-args.ts';
import { keepChannelsRule } from './squeeze-excitation.ts';

/** eca_layer(channel, k_size=3): x · σ(conv1d_k(avgpool(x) along the channels)); `channel` is unused, as in the source. */
export class EcaLayer extends Module {
  readonly avgPool: AdaptiveAvgPool2d;
  readonly conv: Conv1d;
  readonly sigmoid: Sigmoid;
  constructor(_channel: number, kSize = 3) {
    super();
    this.avgPool = this.registerModule('avg_pool', new AdaptiveAvgPool2d(1));
    this.conv = this.registerModule('conv', new Conv1d(1, 1, kSize, { padding: Math.floor((kSize - 1) / 2), bias: false }));
    this.sigmoid = this.registerModule('sigmoid', new Sigmoid());
  }
  override get typeName(): string {
    return 'eca_layer';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const y = this.avgPool.forward(x); // (b, c, 1, 1)
      const across = this.conv.forward(y.squeeze(-1).transpose(-1, -2)); // (b, 1, c)
      const gate = this.sigmoid.forward(across.transpose(-1, -2).unsqueeze(-1));
      return x.mul(gate);
    });
  }
}

const ecaSpec: Omit<ModuleSpec, 'name'> = {
  origin: 'authors',
  doc: {
    args: '[c2, k_size=3]',
    purpose: 'efficient channel attention: global average pool, a bias-free 1-D conv of width k_size across channels, Sigmoid, the input scaled per channel',
    quirk:
      "YOLOAir has no ECA; it takes YOLOAir's rule for channel-keeping attention (SEAttention's branch: eca_layer(c1, k_size), the layer's recorded c2 = make_divisible(args[0]·width, 8)), which fits the authors' (channel, k_size) signature; the fixed k_size is the authors' eca_layer, not the adaptive-k variant",
  },
  source: { repo: 'BangguWu/ECANet', path: 'models/eca_module.py', paper: 'Wang et al., ECA-Net: Efficient Channel Attention for Deep Convolutional Neural Networks (arXiv:1910.03151)' },
  pythonType: 'models.Models.Attention.eca_module.eca_layer',
  argCount: [1, 2],
  channels: keepChannelsRule,
  build: (a) => new EcaLayer(intArg(a, 0, 'channel'), intArg(a, 1, 'k_size', 3)),
};

export const ecaBlocks: BlockFamily = {
  name: 'eca',
  modules: [
    { ...ecaSpec, name: 'ECA' },
    {
      ...ecaSpec,
      name: 'eca_layer',
      doc: { args: ecaSpec.doc!.args, purpose: "alias of ECA under the authors' class name: the same block, arguments and channel rule" },
    },
  ],
  onnx: [
    emitterEntry(EcaLayer, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'eca_layer');
      const pooled = ctx.emit(m.avgPool, x, `${scope}.avg_pool`);
      const rows = g.node('Reshape', [pooled, g.int64Constant(`${scope}.rows`, [0, 1, -1])], scope); // (b, 1, c)
      const across = ctx.emit(m.conv, rows, `${scope}.conv`);
      const gate = ctx.emit(m.sigmoid, g.node('Reshape', [across, g.int64Constant(`${scope}.gate_shape`, [0, -1, 1, 1])], scope), `${scope}.sigmoid`);
      return g.node('Mul', [x, gate], scope);
    }),
  ],
};
