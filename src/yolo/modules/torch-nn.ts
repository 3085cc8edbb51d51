// The torch.nn layers: the ones YAML rows name directly (nn.Upsample, …) and the ONNX form of every torch.nn layer
// the blocks are made of (convolutions, batch norm, activations, pooling, upsampling, Sequential).
import { Hardsigmoid, Hardswish, Identity, LeakyReLU, ReLU, ReLU6, SiLU } from '../../nn/activation.ts';
import { BatchNorm2d } from '../../nn/batchnorm2d.ts';
import { Sequential } from '../../nn/containers.ts';
import { Conv2d } from '../../nn/conv2d.ts';
import { Dropout } from '../../nn/dropout.ts';
import { Linear } from '../../nn/linear.ts';
import { attr, type EmitContext, single } from '../../nn/onnx-emit.ts';
import { AdaptiveAvgPool2d, MaxPool2d, Upsample } from '../../nn/pooling.ts';
import { type BlockFamily, emitterEntry } from '../block.ts';
import { numArg } from '../module-args.ts';

/** min(max(x, lo), hi) as Clip with its bounds as inputs (opset ≥ 11). */
function clip(x: string, lo: number, hi: number, g: EmitContext['graph'], scope: string): string {
  return g.node('Clip', [x, g.floatConstant(`${scope}.min`, [], [lo]), g.floatConstant(`${scope}.max`, [], [hi])], scope);
}

/** relu6(x + 3) / 6, written with the same operations as PyTorch rather than HardSigmoid's alpha·x + beta. */
export function emitHardSigmoid(x: string, g: EmitContext['graph'], scope: string): string {
  const shifted = g.node('Add', [x, g.floatConstant(`${scope}.three`, [], [3])], scope);
  return g.node('Div', [clip(shifted, 0, 6, g, scope), g.floatConstant(`${scope}.six`, [], [6])], scope);
}

export const torchNnBlocks: BlockFamily = {
  name: 'torch.nn',
  modules: [
    {
      name: 'nn.Upsample',
      pythonType: 'torch.nn.modules.upsampling.Upsample',
      argCount: [1, 3],
      channels: 'same',
      build: (a) => {
        if (a[0] !== null && a[0] !== undefined) throw new Error(`nn.Upsample size must be None (use scale_factor), got ${JSON.stringify(a[0])}`);
        const mode = a[2] ?? 'nearest';
        if (mode !== 'nearest') throw new Error(`nn.Upsample mode '${String(mode)}' is not supported (only 'nearest')`);
        return new Upsample(numArg(a, 1, 'scale_factor', 2), 'nearest');
      },
    },
  ],
  onnx: [
    emitterEntry(Conv2d, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const w = m.weight;
      const inputs = [single(input, 'Conv2d'), g.weight(`${scope}.weight`, w.shape, w.toFloat32Array())];
      if (m.bias) inputs.push(g.weight(`${scope}.bias`, m.bias.shape, m.bias.toFloat32Array()));
      const p = m.padding;
      return g.node('Conv', inputs, scope, {
        kernel_shape: attr.ints([m.kernelSize, m.kernelSize]),
        strides: attr.ints([m.stride, m.stride]),
        pads: attr.ints([p, p, p, p]),
        dilations: attr.ints([m.dilation, m.dilation]),
        group: attr.int(m.groups),
      });
    }),
    // Inference-mode batch norm (running statistics); fused models have none left.
    emitterEntry(BatchNorm2d, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const n = m.weight.shape;
      return g.node(
        'BatchNormalization',
        [
          single(input, 'BatchNorm2d'),
          g.weight(`${scope}.weight`, n, m.weight.toFloat32Array()),
          g.weight(`${scope}.bias`, n, m.bias.toFloat32Array()),
          g.floatConstant(`${scope}.running_mean`, n, m.runningMean.toFloat32Array()),
          g.floatConstant(`${scope}.running_var`, n, m.runningVar.toFloat32Array()),
        ],
        scope,
        { epsilon: attr.float(m.eps) },
      );
    }),
    // SiLU(x) = x·sigmoid(x): ONNX (≤ opset 17) has no SiLU operator.
    emitterEntry(SiLU, (_m, input, ctx, scope) => {
      const x = single(input, 'SiLU');
      return ctx.graph.node('Mul', [x, ctx.graph.node('Sigmoid', [x], scope)], scope);
    }),
    emitterEntry(ReLU, (_m, input, ctx, scope) => ctx.graph.node('Relu', [single(input, 'ReLU')], scope)),
    emitterEntry(LeakyReLU, (m, input, ctx, scope) =>
      ctx.graph.node('LeakyRelu', [single(input, 'LeakyReLU')], scope, { alpha: attr.float(m.negativeSlope) }),
    ),
    // HardSwish is an operator from opset 14; before that x·HardSigmoid(x) with PyTorch's slope 1/6 and offset 1/2.
    emitterEntry(Hardswish, (_m, input, ctx, scope) => {
      const x = single(input, 'Hardswish');
      if (ctx.opset >= 14) return ctx.graph.node('HardSwish', [x], scope);
      const hs = ctx.graph.node('HardSigmoid', [x], scope, { alpha: attr.float(1 / 6), beta: attr.float(0.5) });
      return ctx.graph.node('Mul', [x, hs], scope);
    }),
    emitterEntry(Identity, (_m, input) => single(input, 'Identity')),
    emitterEntry(MaxPool2d, (m, input, ctx, scope) => {
      const p = m.padding;
      const attrs = {
        kernel_shape: attr.ints([m.kernelSize, m.kernelSize]),
        strides: attr.ints([m.stride, m.stride]),
        pads: attr.ints([p, p, p, p]),
        ...(m.ceilMode ? { ceil_mode: attr.int(1) } : {}),
        ...(m.dilation !== 1 ? { dilations: attr.ints([m.dilation, m.dilation]) } : {}),
      };
      return ctx.graph.node('MaxPool', [single(input, 'MaxPool2d')], scope, attrs);
    }),
    // Nearest upsampling by a scale factor: out[i] = in[floor(i / s)], i.e. Resize's 'asymmetric' + 'floor'.
    emitterEntry(Upsample, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const s = m.scaleFactor;
      const roi = g.floatConstant(`${scope}.roi`, [0], []);
      const scales = g.floatConstant(`${scope}.scales`, [4], [1, 1, s, s]);
      return g.node('Resize', [single(input, 'Upsample'), roi, scales], scope, {
        mode: attr.string('nearest'),
        coordinate_transformation_mode: attr.string('asymmetric'),
        nearest_mode: attr.string('floor'),
      });
    }),
    emitterEntry(ReLU6, (_m, input, ctx, scope) => clip(single(input, 'ReLU6'), 0, 6, ctx.graph, scope)),
    emitterEntry(Hardsigmoid, (_m, input, ctx, scope) => emitHardSigmoid(single(input, 'Hardsigmoid'), ctx.graph, scope)),
    // Exported models run in eval mode, where dropout is the identity.
    emitterEntry(Dropout, (_m, input) => single(input, 'Dropout')),
    // (batch, in) → (batch, out): Gemm with the weight transposed, as nn.Linear stores it (out, in).
    emitterEntry(Linear, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const inputs = [single(input, 'Linear'), g.weight(`${scope}.weight`, m.weight.shape, m.weight.toFloat32Array())];
      if (m.bias) inputs.push(g.weight(`${scope}.bias`, m.bias.shape, m.bias.toFloat32Array()));
      return g.node('Gemm', inputs, scope, { transB: attr.int(1) });
    }),
    emitterEntry(AdaptiveAvgPool2d, (_m, input, ctx, scope) => ctx.graph.node('GlobalAveragePool', [single(input, 'AdaptiveAvgPool2d')], scope)),
    emitterEntry(Sequential, (m, input, ctx, scope) => {
      let x = single(input, 'Sequential');
      m.layers.forEach((layer, i) => (x = ctx.emit(layer, x, `${scope}.${i}`)));
      return x;
    }),
  ],
};
