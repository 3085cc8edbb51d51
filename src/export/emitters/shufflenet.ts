// ONNX nodes for the seed's ShuffleNetV2 modules: the Conv_maxpool stem and the inverted residual with chunk,
// concat and channel_shuffle(2).
import { Conv2d } from '../../nn/conv2d.ts';
import { ConvMaxpool, ShuffleNetV2InvertedResidual } from '../../yolo/modules/shufflenet.ts';
import { type EmitContext, registerOnnxEmitter, single } from '../emitter-registry.ts';
import { attr } from '../onnx-graph.ts';

registerOnnxEmitter(ConvMaxpool, (m, input, ctx, scope) =>
  ctx.emit(m.maxpool, ctx.emit(m.conv, single(input, 'Conv_maxpool'), `${scope}.conv`), `${scope}.maxpool`),
);

/**
 * channel_shuffle(x, 2) as one Gather on the channel axis: viewing c channels as (2, c/2) and transposing puts
 * input channel g·(c/2) + k at output position 2k + g. A Gather keeps the graph free of shape-dependent reshapes,
 * so it works unchanged with dynamic batch and image size.
 */
function channelShuffle2(x: string, channels: number, ctx: EmitContext, scope: string): string {
  const half = channels / 2;
  const order = Array.from({ length: channels }, (_, j) => (j % 2) * half + Math.floor(j / 2));
  return ctx.graph.node('Gather', [x, ctx.graph.int64Constant(`${scope}.shuffle_order`, order)], scope, { axis: attr.int(1) });
}

/** Output channels of a branch: those of its last convolution. */
function branchChannels(m: ShuffleNetV2InvertedResidual): number {
  const convs = m.branch2.layers.filter((l): l is Conv2d => l instanceof Conv2d);
  return convs[convs.length - 1]!.outChannels;
}

registerOnnxEmitter(ShuffleNetV2InvertedResidual, (m, input, ctx, scope) => {
  const g = ctx.graph;
  const x = single(input, 'ShuffleNetV2_InvertedResidual');
  const bf = branchChannels(m);
  let out: string;
  if (m.stride === 1) {
    // x.chunk(2, 1): two equal halves of the 2·bf input channels.
    const [x1, x2] =
      ctx.opset >= 13
        ? g.nodeN('Split', [x, g.int64Constant(`${scope}.split`, [bf, bf])], 2, scope, { axis: attr.int(1) })
        : g.nodeN('Split', [x], 2, scope, { axis: attr.int(1), split: attr.ints([bf, bf]) });
    out = g.node('Concat', [x1!, ctx.emit(m.branch2, x2!, `${scope}.branch2`)], scope, { axis: attr.int(1) });
  } else {
    const b1 = ctx.emit(m.branch1, x, `${scope}.branch1`);
    const b2 = ctx.emit(m.branch2, x, `${scope}.branch2`);
    out = g.node('Concat', [b1, b2], scope, { axis: attr.int(1) });
  }
  return channelShuffle2(out, 2 * bf, ctx, scope);
});
