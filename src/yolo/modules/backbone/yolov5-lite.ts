// YOLOv5-Lite's blocks (ppogg/YOLOv5-Lite models/common.py) as one family: YAML specs and ONNX forms for DWConvblock,
// ADD, RepVGGBlock (+ its conv_bn and SEBlock), the PP-LCNet blocks (CBH, LC_SEModule, LC_Block, Dense), MobileNetV3
// (Hswish, SELayer, mobilev3_bneck) and ESNet (GhostConv, ES_SEModule, ES_Bottleneck); the classes live in their
// family files. Its parse_model puts all of them in the Conv branch (c1 = ch[from], c2 = make_divisible(args[0]·gw,
// 8)), except ADD. conv_bn_relu_maxpool and Shuffle_Block are in shufflenet.ts (the seed's classes).
import { Linear } from '../../../nn/linear.ts';
import type { Module } from '../../../nn/module.ts';
import { attr, concatChannels, type EmitContext, single, splitNode } from '../../../nn/onnx-emit.ts';
import { type BlockFamily, type ChannelContext, emitterEntry, type ModuleSpec } from '../../block.ts';
import { intArg } from '../../module-args.ts';
import { ADD } from './add.ts';
import { DWConvblock } from './dwconvblock.ts';
import { ESBottleneck, LiteGhostConv } from './esnet.ts';
import { CBH, Dense, LCBlock } from './lcnet.ts';
import { Hswish, MobileV3Bneck, SELayer } from './mobilenetv3.ts';
import { ConvBn, RepVGGBlock, SEBlock } from './repvgg.ts';
import { emitChannelShuffle2 } from './shufflenet.ts';
import { type ConvSqueezeExcite, ESSEModule, LCSEModule } from './squeeze-excite.ts';
import { emitHardSigmoid } from '../common/torch-nn.ts';

/** YOLOv5-Lite writes flags as True/False or 0/1. */
function flagArg(args: unknown[], i: number, what: string, fallback: boolean): boolean {
  const v = args[i] ?? fallback;
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  throw new Error(`${what} must be True/False or 0/1, got ${JSON.stringify(args[i])}`);
}
function numberArg(args: unknown[], i: number, what: string): number {
  const v = args[i];
  if (typeof v !== 'number') throw new Error(`${what} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

const lite = { origin: 'YOLOv5-Lite' as const, channels: 'width' as const };

const liteSpecs: ModuleSpec[] = [

{
  ...lite,
  name: 'DWConvblock',
  doc: { args: '[c2, k, s]', purpose: 'depth-wise k×k + BN + ReLU, then point-wise 1×1 + BN + ReLU' },
  pythonType: 'models.common.DWConvblock',
  argCount: [3, 3],
  build: (a) => new DWConvblock(intArg(a, 0, 'in_channels'), intArg(a, 1, 'out_channels'), intArg(a, 2, 'k'), intArg(a, 3, 's')),
},
{
  origin: 'YOLOv5-Lite',
  name: 'ADD',
  doc: { args: '[alpha=0.5]', purpose: 'x0 + alpha·x1 of two equal-shaped layers; half the summed channels' },
  pythonType: 'models.common.ADD',
  argCount: [0, 1],
  // c2 = (sum of the input channels) // 2; the inputs must have equal shapes to be added.
  channels: (args: unknown[], ctx: ChannelContext) => {
    const froms = [ctx.from].flat();
    if (froms.length !== 2) throw new Error(`ADD adds two layers, got from ${JSON.stringify(ctx.from)}`);
    const cs = froms.map((f) => ctx.ch[f < 0 ? ctx.ch.length + f : f]!);
    if (cs[0] !== cs[1]) throw new Error(`ADD inputs must have equal channels, got ${cs[0]} and ${cs[1]}`);
    return { args, c2: Math.floor((cs[0]! + cs[1]!) / 2) };
  },
  build: (a) => new ADD(a[0] === undefined ? 0.5 : numberArg(a, 0, 'alpha')),
},
{
  ...lite,
  name: 'RepVGGBlock',
  doc: { args: "[c2, kernel_size=3, stride=1, padding=1, dilation=1, groups=1, padding_mode='zeros', deploy=False, use_se=False]", purpose: "3×3 + 1×1 + identity branches (each with BN) summed then SiLU; fuse() re-parameterises them into one 3×3 conv" },
  pythonType: 'models.common.RepVGGBlock',
  argCount: [1, 9],
  build: (a) => {
    const mode = a[7] ?? 'zeros';
    if (typeof mode !== 'string') throw new Error(`padding_mode must be a string, got ${JSON.stringify(a[7])}`);
    return new RepVGGBlock(
      intArg(a, 0, 'in_channels'),
      intArg(a, 1, 'out_channels'),
      intArg(a, 2, 'kernel_size', 3),
      intArg(a, 3, 'stride', 1),
      intArg(a, 4, 'padding', 1),
      intArg(a, 5, 'dilation', 1),
      intArg(a, 6, 'groups', 1),
      mode,
      flagArg(a, 8, 'deploy', false),
      flagArg(a, 9, 'use_se', false),
    );
  },
},
{
  ...lite,
  name: 'CBH',
  doc: { args: '[c2, filter_size, stride, num_groups=1]', purpose: "PP-LCNet's conv + BN + Hardswish" },
  pythonType: 'models.common.CBH',
  argCount: [3, 4],
  build: (a) => new CBH(intArg(a, 0, 'num_channels'), intArg(a, 1, 'num_filters'), intArg(a, 2, 'filter_size'), intArg(a, 3, 'stride'), intArg(a, 4, 'num_groups', 1)),
},
{
  ...lite,
  name: 'LC_Block',
  doc: { args: '[c2, stride, dw_size, use_se=False]', purpose: 'PP-LCNet block: depth-wise CBH, optional SE, point-wise CBH' },
  pythonType: 'models.common.LC_Block',
  argCount: [3, 4],
  build: (a) => new LCBlock(intArg(a, 0, 'num_channels'), intArg(a, 1, 'num_filters'), intArg(a, 2, 'stride'), intArg(a, 3, 'dw_size'), flagArg(a, 4, 'use_se', false)),
},
{
  ...lite,
  name: 'Dense',
  doc: { args: '[c2, filter_size, dropout_prob]', purpose: "PP-LCNet's last stage: 1×1 conv + Hardswish + dropout" },
  pythonType: 'models.common.Dense',
  argCount: [3, 3],
  build: (a) => {
    const p = numberArg(a, 3, 'dropout_prob');
    return new Dense(intArg(a, 0, 'num_channels'), intArg(a, 1, 'num_filters'), intArg(a, 2, 'filter_size'), p);
  },
},
{
  ...lite,
  name: 'mobilev3_bneck',
  doc: { args: '[oup, hidden_dim, kernel_size, stride, use_se, use_hs]', purpose: 'MobileNetV3 inverted bottleneck: expand, depth-wise, optional SE, project, residual' },
  pythonType: 'models.common.mobilev3_bneck',
  argCount: [6, 6],
  build: (a) =>
    new MobileV3Bneck(
      intArg(a, 0, 'inp'),
      intArg(a, 1, 'oup'),
      intArg(a, 2, 'hidden_dim'),
      intArg(a, 3, 'kernel_size'),
      intArg(a, 4, 'stride'),
      flagArg(a, 5, 'use_se', false),
      flagArg(a, 6, 'use_hs', false),
    ),
},
{
  ...lite,
  name: 'ES_Bottleneck',
  doc: { args: '[oup, stride]', purpose: 'ESNet (PicoDet) unit: ShuffleNet split with GhostConv + SE at stride 1, two branches mixed at stride 2' },
  pythonType: 'models.common.ES_Bottleneck',
  argCount: [2, 2],
  build: (a) => new ESBottleneck(intArg(a, 0, 'inp'), intArg(a, 1, 'oup'), intArg(a, 2, 'stride')),
},
];

/** Applies `modules` in order, naming each scope `${scope}.${name}`. */
function chain(x: string, steps: Array<[Module, string]>, ctx: EmitContext, scope: string): string {
  for (const [m, name] of steps) x = ctx.emit(m, x, `${scope}.${name}`);
  return x;
}
const mul = (a: string, b: string, ctx: EmitContext, scope: string) => ctx.graph.node('Mul', [a, b], scope);
const relu = (x: string, ctx: EmitContext, scope: string) => ctx.graph.node('Relu', [x], scope);

/** x · gate(conv2(relu(conv1(mean(x))))) — the SE modules of LC_Block and ES_Bottleneck. */
function emitConvSe(m: ConvSqueezeExcite, input: string | string[], ctx: EmitContext, scope: string): string {
  const x = single(input, m.typeName);
  const y = chain(x, [[m.avgPool, 'avg_pool'], [m.conv1, 'conv1'], [m.relu, 'relu'], [m.conv2, 'conv2'], [m.gate, 'gate']], ctx, scope);
  return mul(x, y, ctx, scope);
}
/** SELayer's nn.Linear layers act on (b, c); on the pooled (b, c, 1, 1) map they are 1×1 convolutions. */

export const yolov5LiteBlocks: BlockFamily = {
  name: 'yolov5-lite',
  modules: liteSpecs,
  onnx: [
    emitterEntry(DWConvblock, (m, input, ctx, scope) => {
      const a = relu(chain(single(input, 'DWConvblock'), [[m.conv1, 'conv1'], [m.bn1, 'bn1']], ctx, scope), ctx, scope);
      return relu(chain(a, [[m.conv2, 'conv2'], [m.bn2, 'bn2']], ctx, scope), ctx, scope);
    }),
    emitterEntry(ADD, (m, input, ctx, scope) => {
      if (!Array.isArray(input) || input.length !== 2) throw new Error(`ONNX export: ADD at '${scope}' takes two inputs`);
      const g = ctx.graph;
      const b = m.alpha === 1 ? input[1]! : g.node('Mul', [input[1]!, g.floatConstant(`${scope}.alpha`, [], [m.alpha])], scope);
      return g.node('Add', [input[0]!, b], scope);
    }),
    emitterEntry(ConvBn, (m, input, ctx, scope) => chain(single(input, 'conv_bn'), [[m.conv, 'conv'], [m.bn, 'bn']], ctx, scope)),
    emitterEntry(SEBlock, (m, input, ctx, scope) => {
      const x = single(input, 'SEBlock');
      const pooled = ctx.graph.node('GlobalAveragePool', [x], scope);
      const gate = ctx.graph.node('Sigmoid', [ctx.emit(m.up, relu(ctx.emit(m.down, pooled, `${scope}.down`), ctx, scope), `${scope}.up`)], scope);
      return mul(x, gate, ctx, scope);
    }),
    emitterEntry(RepVGGBlock, (m, input, ctx, scope) => {
      const x = single(input, 'RepVGGBlock');
      let y = ctx.emit(m.rbrDense, x, `${scope}.rbr_dense`);
      if (m.rbr1x1) y = ctx.graph.node('Add', [y, ctx.emit(m.rbr1x1, x, `${scope}.rbr_1x1`)], scope);
      if (m.rbrIdentity) y = ctx.graph.node('Add', [y, ctx.emit(m.rbrIdentity, x, `${scope}.rbr_identity`)], scope);
      if (m.se) y = ctx.emit(m.se, y, `${scope}.se`);
      return ctx.emit(m.nonlinearity, y, `${scope}.nonlinearity`);
    }),
    emitterEntry(CBH, (m, input, ctx, scope) => {
      const steps: Array<[Module, string]> = [[m.conv, 'conv']];
      if (m.bn) steps.push([m.bn, 'bn']);
      steps.push([m.hardswish, 'hardswish']);
      return chain(single(input, 'CBH'), steps, ctx, scope);
    }),
    emitterEntry(LCSEModule, emitConvSe),
    emitterEntry(ESSEModule, emitConvSe),
    emitterEntry(LCBlock, (m, input, ctx, scope) => {
      const steps: Array<[Module, string]> = [[m.dwConv, 'dw_conv']];
      if (m.se) steps.push([m.se, 'se']);
      steps.push([m.pwConv, 'pw_conv']);
      return chain(single(input, 'LC_Block'), steps, ctx, scope);
    }),
    emitterEntry(Dense, (m, input, ctx, scope) =>
      chain(single(input, 'Dense'), [[m.denseConv, 'dense_conv'], [m.hardswish, 'hardswish'], [m.dropout, 'dropout']], ctx, scope),
    ),
    // YOLOv5-Lite's Hswish computes relu6(x + 3) / 6: a hard sigmoid.
    emitterEntry(Hswish, (_m, input, ctx, scope) => emitHardSigmoid(single(input, 'Hswish'), ctx.graph, scope)),
    emitterEntry(SELayer, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'SELayer');
      let y = ctx.emit(m.avgPool, x, `${scope}.avg_pool`);
      m.fc.layers.forEach((layer, i) => {
        const s = `${scope}.fc.${i}`;
        if (layer instanceof Linear) {
          const w = g.weight(`${s}.weight`, [layer.outFeatures, layer.inFeatures, 1, 1], layer.weight.toFloat32Array());
          const inputs = [y, w];
          if (layer.bias) inputs.push(g.weight(`${s}.bias`, layer.bias.shape, layer.bias.toFloat32Array()));
          y = g.node('Conv', inputs, s, { kernel_shape: attr.ints([1, 1]) });
        } else y = ctx.emit(layer, y, s);
      });
      return mul(x, y, ctx, scope);
    }),
    emitterEntry(MobileV3Bneck, (m, input, ctx, scope) => {
      const x = single(input, 'mobilev3_bneck');
      const y = ctx.emit(m.conv, x, `${scope}.conv`);
      return m.identity ? ctx.graph.node('Add', [x, y], scope) : y;
    }),
    emitterEntry(LiteGhostConv, (m, input, ctx, scope) => {
      const y = ctx.emit(m.cv1, single(input, 'GhostConv'), `${scope}.cv1`);
      return ctx.graph.node('Concat', [y, ctx.emit(m.cv2, y, `${scope}.cv2`)], scope, { axis: attr.int(1) });
    }),
    emitterEntry(ESBottleneck, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'ES_Bottleneck');
      const bf = m.branchFeatures;
      if (m.stride === 1) {
        const [x1, x2] =
          ctx.opset >= 13
            ? g.nodeN('Split', [x, g.int64Constant(`${scope}.split`, [bf, bf])], 2, scope, { axis: attr.int(1) })
            : g.nodeN('Split', [x], 2, scope, { axis: attr.int(1), split: attr.ints([bf, bf]) });
        const joined = g.node('Concat', [x1!, ctx.emit(m.branch3, x2!, `${scope}.branch3`)], scope, { axis: attr.int(1) });
        return emitChannelShuffle2(joined, 2 * bf, ctx, scope);
      }
      const joined = g.node('Concat', [ctx.emit(m.branch1!, x, `${scope}.branch1`), ctx.emit(m.branch2, x, `${scope}.branch2`)], scope, { axis: attr.int(1) });
      return ctx.emit(m.branch4, joined, `${scope}.branch4`);
    }),
  ],
};
