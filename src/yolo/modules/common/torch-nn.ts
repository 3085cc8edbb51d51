// The torch.nn layers: the ones YAML rows name directly (nn.Upsample, nn.MaxPool2d, nn.ZeroPad2d, nn.BatchNorm2d) and the ONNX form of every torch.nn layer
// the blocks are made of (convolutions, batch norm, activations, pooling, upsampling, Sequential).
import { GELU, Hardsigmoid, Hardswish, Identity, LeakyReLU, Mish, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Tanh } from '../../../nn/activation.ts';
import { Conv1d } from '../../../nn/conv1d.ts';
import { GroupNorm, LayerNorm } from '../../../nn/normalization.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Dropout } from '../../../nn/dropout.ts';
import { Linear } from '../../../nn/linear.ts';
import { attr, type EmitContext, reduceNode, single, softmaxNode } from '../../../nn/onnx-emit.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { AdaptiveAvgPool2d, AdaptiveMaxPool2d, type AdaptiveOutputSize, AvgPool2d, MaxPool2d, Upsample } from '../../../nn/pooling.ts';
import { ZeroPad2d } from '../../../nn/padding.ts';
import { type BlockFamily, chAt, emitterEntry } from '../../block.ts';
import { boolArg, intArg, numArg } from '../../module-args.ts';

/** The convolution-like layers' shared ONNX form (Conv, ConvTranspose): weight, optional bias, kernel/stride/pad/dilation/group attributes. */
export interface ConvLike {
  weight: Conv2d['weight'];
  bias: Conv2d['bias'];
  kernelSize: readonly [number, number];
  stride: readonly [number, number];
  padding: readonly [number, number];
  dilation: readonly [number, number];
  groups: number;
}

export function emitConvNode(
  op: 'Conv' | 'ConvTranspose',
  m: ConvLike,
  label: string,
  input: string | string[],
  ctx: EmitContext,
  scope: string,
  extra: Record<string, ReturnType<typeof attr.ints>> = {},
): string {
  const g = ctx.graph;
  const w = m.weight;
  const inputs = [single(input, label), g.weight(`${scope}.weight`, w.shape, w.toFloat32Array())];
  if (m.bias) inputs.push(g.weight(`${scope}.bias`, m.bias.shape, m.bias.toFloat32Array()));
  const [ph, pw] = m.padding;
  return g.node(op, inputs, scope, {
    kernel_shape: attr.ints([...m.kernelSize]),
    strides: attr.ints([...m.stride]),
    pads: attr.ints([ph, pw, ph, pw]),
    ...extra,
    dilations: attr.ints([...m.dilation]),
    group: attr.int(m.groups),
  });
}

/** `x` with `before`/`after` zeros along `axis` (of a 4-d tensor). */
function padAxisWithZeros(ctx: EmitContext, x: string, axis: number, before: number, after: number, scope: string): string {
  if (before === 0 && after === 0) return x;
  const g = ctx.graph;
  const edge = g.node('Slice', [x, g.int64Constant(`${scope}.edge_start`, [0]), g.int64Constant(`${scope}.edge_end`, [1]), g.int64Constant(`${scope}.edge_axis`, [axis])], scope);
  const zeroEdge = g.node('Mul', [edge, g.floatConstant(`${scope}.zero`, [], [0])], scope);
  const zeros = (n: number) => {
    const repeats = [1, 1, 1, 1];
    repeats[axis] = n;
    return n === 1 ? zeroEdge : g.node('Tile', [zeroEdge, g.int64Constant(`${scope}.repeats`, repeats)], scope);
  };
  const parts = [...(before ? [zeros(before)] : []), x, ...(after ? [zeros(after)] : [])];
  return g.node('Concat', parts, scope, { axis: attr.int(axis) });
}

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
      doc: { args: "[None, scale_factor, 'nearest']", purpose: "nearest-neighbour upsampling (the top-down path of the neck)" },
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
    {
      name: 'nn.MaxPool2d',
      doc: { args: '[kernel_size, stride=kernel_size, padding=0, dilation=1, return_indices=False, ceil_mode=False]', purpose: "max pooling (yolov3-tiny's downsampling)" },
      pythonType: 'torch.nn.modules.pooling.MaxPool2d',
      argCount: [1, 6],
      channels: 'same',
      build: (a) => {
        const k = intArg(a, 0, 'kernel_size');
        if (a[4] === true) throw new Error('nn.MaxPool2d return_indices=True is not supported in a model');
        return new MaxPool2d(k, a[1] === null || a[1] === undefined ? k : intArg(a, 1, 'stride'), intArg(a, 2, 'padding', 0), intArg(a, 3, 'dilation', 1), boolArg(a, 5, 'ceil_mode', false));
      },
    },
    {
      name: 'nn.ZeroPad2d',
      doc: { args: '[padding]', purpose: 'zero padding (left, right, top, bottom)' },
      pythonType: 'torch.nn.modules.padding.ZeroPad2d',
      argCount: [1, 1],
      channels: 'same',
      build: (a) => new ZeroPad2d(a[0] as number | [number, number, number, number]),
    },
    {
      name: 'nn.BatchNorm2d',
      doc: { args: '[]', purpose: 'batch normalisation of the input channels' },
      pythonType: 'torch.nn.modules.batchnorm.BatchNorm2d',
      argCount: [0, 4],
      // parse_model passes args = [ch[f]] and leaves c2 at the previous layer's value.
      channels: (_args, ctx) => ({ args: [chAt(ctx.ch, ctx.from as number)], c2: ctx.ch[ctx.ch.length - 1]! }),
      build: (a) => new BatchNorm2d(intArg(a, 0, 'num_features')),
    },
  ],
  onnx: [
    emitterEntry(Conv2d, (m, input, ctx, scope) => emitConvNode('Conv', m, 'Conv2d', input, ctx, scope)),
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
    // x (…, in) · Wᵀ + b over the last axis, any rank (Gemm would take 2-d only).
    emitterEntry(Linear, (m, input, ctx, scope) => emitMatMulAdd(single(input, 'Linear'), m.weight, m.bias, ctx, scope)),
    emitterEntry(AdaptiveAvgPool2d, (m, input, ctx, scope) => emitAdaptivePool('avg', m.outputSize, single(input, 'AdaptiveAvgPool2d'), ctx, scope)),
    emitterEntry(AdaptiveMaxPool2d, (m, input, ctx, scope) => emitAdaptivePool('max', m.outputSize, single(input, 'AdaptiveMaxPool2d'), ctx, scope)),
    emitterEntry(AvgPool2d, (m, input, ctx, scope) => {
      const p = m.padding;
      return ctx.graph.node('AveragePool', [single(input, 'AvgPool2d')], scope, {
        kernel_shape: attr.ints([m.kernelSize, m.kernelSize]),
        strides: attr.ints([m.stride, m.stride]),
        pads: attr.ints([p, p, p, p]),
        count_include_pad: attr.int(m.countIncludePad ? 1 : 0),
        ...(m.ceilMode ? { ceil_mode: attr.int(1) } : {}),
      });
    }),
    emitterEntry(Sigmoid, (_m, input, ctx, scope) => ctx.graph.node('Sigmoid', [single(input, 'Sigmoid')], scope)),
    emitterEntry(Tanh, (_m, input, ctx, scope) => ctx.graph.node('Tanh', [single(input, 'Tanh')], scope)),
    emitterEntry(Softmax, (m, input, ctx, scope) => softmaxNode(ctx, single(input, 'Softmax'), m.dim, scope)),
    // Mish(x) = x·tanh(softplus(x)); ONNX has Mish only from opset 18.
    emitterEntry(Mish, (_m, input, ctx, scope) => {
      const x = single(input, 'Mish');
      return ctx.graph.node('Mul', [x, ctx.graph.node('Tanh', [ctx.graph.node('Softplus', [x], scope)], scope)], scope);
    }),
    // GELU(x) = x·½(1 + erf(x/√2)) (the exact form nn.GELU() computes); ONNX has Gelu only from opset 20.
    emitterEntry(GELU, (_m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'GELU');
      const erf = g.node('Erf', [g.node('Mul', [x, g.floatConstant(`${scope}.rsqrt2`, [], [Math.SQRT1_2])], scope)], scope);
      const half = g.node('Mul', [g.node('Add', [erf, g.floatConstant(`${scope}.one`, [], [1])], scope), g.floatConstant(`${scope}.half`, [], [0.5])], scope);
      return g.node('Mul', [x, half], scope);
    }),
    emitterEntry(Conv1d, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const inputs = [single(input, 'Conv1d'), g.weight(`${scope}.weight`, m.weight.shape, m.weight.toFloat32Array())];
      if (m.bias) inputs.push(g.weight(`${scope}.bias`, m.bias.shape, m.bias.toFloat32Array()));
      return g.node('Conv', inputs, scope, {
        kernel_shape: attr.ints([m.kernelSize]),
        strides: attr.ints([m.stride]),
        pads: attr.ints([m.padding, m.padding]),
        dilations: attr.ints([m.dilation]),
        group: attr.int(m.groups),
      });
    }),
    // (N, C, …) → (N, G, C/G·…): mean and biased variance per group, normalised, back to the input's shape, affine per channel.
    emitterEntry(GroupNorm, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'GroupNorm');
      const grouped = g.node('Reshape', [x, g.int64Constant(`${scope}.grouped`, [0, m.numGroups, -1])], scope);
      const normed = emitNormalize(ctx, grouped, [2], m.eps, scope);
      const back = g.node('Reshape', [normed, g.node('Shape', [x], scope)], scope);
      const w = m.getParameter('weight');
      const b = m.getParameter('bias');
      if (!w || !b) return back;
      const perChannel = (t: Tensor, name: string) => g.weight(`${scope}.${name}`, [m.numChannels, 1, 1], t.toFloat32Array());
      return g.node('Add', [g.node('Mul', [back, perChannel(w, 'weight')], scope), perChannel(b, 'bias')], scope);
    }),
    emitterEntry(LayerNorm, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const axes = m.normalizedShape.map((_, i) => -m.normalizedShape.length + i);
      const normed = emitNormalize(ctx, single(input, 'LayerNorm'), axes, m.eps, scope);
      const w = m.getParameter('weight');
      const b = m.getParameter('bias');
      if (!w || !b) return normed;
      return g.node('Add', [g.node('Mul', [normed, g.weight(`${scope}.weight`, w.shape, w.toFloat32Array())], scope), g.weight(`${scope}.bias`, b.shape, b.toFloat32Array())], scope);
    }),
    // Zeros concatenated on each side, not a Pad node: onnxruntime fuses Pad → MaxPool into MaxPool's own padding,
    // which pads with −∞ (yolov3-tiny's ZeroPad2d + MaxPool2d would change). The zeros are x's edge × 0, tiled, so
    // they follow a dynamic input size.
    emitterEntry(ZeroPad2d, (m, input, ctx, scope) => {
      const [left, right, top, bottom] = m.padding;
      const wide = padAxisWithZeros(ctx, single(input, 'ZeroPad2d'), 3, left, right, scope);
      return padAxisWithZeros(ctx, wide, 2, top, bottom, scope);
    }),
    emitterEntry(Sequential, (m, input, ctx, scope) => {
      let x = single(input, 'Sequential');
      m.layers.forEach((layer, i) => (x = ctx.emit(layer, x, `${scope}.${i}`)));
      return x;
    }),
  ],
};

/** x (…, in) · Wᵀ (+ b) with MatMul: nn.Linear on any rank. */
export function emitMatMulAdd(x: string, w: Tensor, b: Tensor | null, ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const [outF, inF] = w.shape as [number, number];
  const wt = w.transpose(0, 1).contiguous();
  const y = g.node('MatMul', [x, g.weight(`${scope}.weight_t`, [inF, outF], wt.toFloat32Array())], scope);
  wt.dispose();
  return b ? g.node('Add', [y, g.weight(`${scope}.bias`, [outF], b.toFloat32Array())], scope) : y;
}

/** (x − mean) / √(var + eps) over `axes` (biased variance, as the norm layers compute it). */
export function emitNormalize(ctx: EmitContext, x: string, axes: readonly number[], eps: number, scope: string): string {
  const g = ctx.graph;
  const centred = g.node('Sub', [x, reduceNode(ctx, 'ReduceMean', x, axes, true, scope)], scope);
  const variance = reduceNode(ctx, 'ReduceMean', g.node('Mul', [centred, centred], scope), axes, true, scope);
  const std = g.node('Sqrt', [g.node('Add', [variance, g.floatConstant(`${scope}.eps`, [], [eps])], scope)], scope);
  return g.node('Div', [centred, std], scope);
}

/** Adaptive pooling to 1 (global) or along one axis ([None, 1] / [1, None]); other sizes depend on the input size. */
function emitAdaptivePool(kind: 'avg' | 'max', size: AdaptiveOutputSize, x: string, ctx: EmitContext, scope: string): string {
  const [h, w] = typeof size === 'number' ? [size, size] : size;
  const op = kind === 'avg' ? 'ReduceMean' : 'ReduceMax';
  if (h === 1 && w === 1) return ctx.graph.node(kind === 'avg' ? 'GlobalAveragePool' : 'GlobalMaxPool', [x], scope);
  if (h === null && w === 1) return reduceNode(ctx, op, x, [3], true, scope);
  if (h === 1 && w === null) return reduceNode(ctx, op, x, [2], true, scope);
  if (h === null && w === null) return x;
  throw new Error(`ONNX export: Adaptive${kind === 'avg' ? 'Avg' : 'Max'}Pool2d(${JSON.stringify(size)}) has no fixed ONNX form (only 1, (None, 1), (1, None))`);
}
