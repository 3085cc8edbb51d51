// BoT3 (BoTNet's bottleneck transformer, Srinivas et al., CVPR 2021, in a C3) as YOLOAir has it
// (models/Models/research.py): MHSA (1×1 query/key/value convs, 4-head attention over all positions, optional
// relative-position logits), BottleneckTransformer (Conv 1×1 then MHSA, residual), BoT3 = C3 with those inside.
// research.py builds them from its own Conv class (a new nn.SiLU per instance, never YOLOv5's shared default
// activation), which YOLOv5's fuse() does not recognise: BoT3's Convs keep their BatchNorms in a fused model.
import { Softmax } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { Sequential } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Linear } from '../../../nn/linear.ts';
import { Module } from '../../../nn/module.ts';
import { AvgPool2d } from '../../../nn/pooling.ts';
import { attr, concatChannels, type EmitContext, single } from '../../../nn/onnx-emit.ts';
import { cat, randn } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg, numArg } from '../../module-args.ts';
import { ResearchConv } from '../common/research-conv.ts';

/** Multi-head self-attention over the h·w positions; with `posEmb`, YOLOAir's relative-position logits. */
export class MHSA extends Module {
  readonly query: Conv2d;
  readonly key: Conv2d;
  readonly value: Conv2d;
  readonly softmax: Softmax;
  constructor(
    readonly nDims: number,
    readonly width = 14,
    readonly height = 14,
    readonly heads = 4,
    readonly posEmb = false,
  ) {
    super();
    this.query = this.registerModule('query', new Conv2d(nDims, nDims, 1));
    this.key = this.registerModule('key', new Conv2d(nDims, nDims, 1));
    this.value = this.registerModule('value', new Conv2d(nDims, nDims, 1));
    if (posEmb) {
      const d = Math.floor(nDims / heads);
      this.registerParameter('rel_h_weight', randn([1, heads, d, 1, Math.trunc(height)]));
      this.registerParameter('rel_w_weight', randn([1, heads, d, Math.trunc(width), 1]));
    }
    this.softmax = this.registerModule('softmax', new Softmax(-1));
  }
  override get typeName(): string {
    return 'MHSA';
  }
  /** (rel_h + rel_w) as (1, heads, width·height, d): one logit row per position the embedding was built for. */
  positionRows(): Tensor {
    return tidy(() => {
      const d = Math.floor(this.nDims / this.heads);
      return this.getParameter('rel_h_weight')!.add(this.getParameter('rel_w_weight')!).view(1, this.heads, d, -1).permute(0, 1, 3, 2);
    });
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [nb, c, w, h] = x.shape as [number, number, number, number];
      const d = Math.floor(c / this.heads);
      const q = this.query.forward(x).view(nb, this.heads, d, -1);
      const k = this.key.forward(x).view(nb, this.heads, d, -1);
      const v = this.value.forward(x).view(nb, this.heads, d, -1);
      let energy = q.permute(0, 1, 3, 2).matmul(k); // (nb, heads, N, N)
      if (this.posEmb) {
        const n = energy.shape[2]!;
        let position = this.positionRows().matmul(q); // (nb, heads, width·height, N)
        const rows = position.shape[2]!;
        if (rows !== n) position = position.slice(2, 0, n);
        if (position.shape[2] !== n) {
          throw new Error(`MHSA: a ${w}×${h} input has ${n} positions, more than the ${this.width}×${this.height} = ${rows} its position embeddings were built for`);
        }
        energy = energy.add(position);
      }
      const attention = this.softmax.forward(energy);
      return v.matmul(attention.permute(0, 1, 3, 2)).view(nb, c, w, h);
    });
  }
}

/** Conv 1×1 → MHSA (→ AvgPool2d(2) for stride 2), plus the input when c1 = c2; fc1 is built and never used. */
export class BottleneckTransformer extends Module {
  readonly cv1: ResearchConv;
  readonly cv2: Sequential;
  /** c1 == c2 (a plain flag in the reference), or the projection it builds (but never applies) otherwise. */
  readonly shortcut: boolean | Sequential;
  readonly fc1: Linear;
  constructor(c1: number, c2: number, stride = 1, heads = 4, mhsa = true, resolution: [number, number] | null = null, expansion = 1) {
    super();
    const c = Math.trunc(c2 * expansion);
    if (!mhsa) throw new Error('BottleneckTransformer: only mhsa=True is supported (the only form BoT3 builds)');
    if (c !== c2) {
      throw new Error(`BoT3: e2 must be 1 (YOLOAir's BottleneckTransformer feeds cv1's ${c} channels into an MHSA built for ${c2}, which fails at its first forward)`);
    }
    this.cv1 = this.registerModule('cv1', new ResearchConv(c1, c, 1, 1));
    const [w, h] = resolution ?? [14, 14];
    const layers: Module[] = [new MHSA(c2, Math.trunc(w), Math.trunc(h), heads)];
    if (stride === 2) layers.push(new AvgPool2d(2, 2));
    this.cv2 = this.registerModule('cv2', new Sequential(...layers));
    let shortcut: boolean | Sequential = c1 === c2;
    if (stride !== 1 || c1 !== expansion * c2) {
      shortcut = this.registerModule('shortcut', new Sequential(new Conv2d(c1, expansion * c2, 1, { stride }), new BatchNorm2d(expansion * c2)));
    }
    this.shortcut = shortcut;
    this.fc1 = this.registerModule('fc1', new Linear(c2, c2));
  }
  override get typeName(): string {
    return 'BottleneckTransformer';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const y = this.cv2.forward(this.cv1.forward(x));
      return this.shortcut ? x.add(y) : y;
    });
  }
}

/** CSP bottleneck with 3 Convs and n BottleneckTransformers: cv3(cat(m(cv1(x)), cv2(x))). */
export class BoT3 extends Module {
  readonly cv1: ResearchConv;
  readonly cv2: ResearchConv;
  readonly cv3: ResearchConv;
  readonly m: Sequential;
  constructor(c1: number, c2: number, n = 1, e = 0.5, e2 = 1, w = 20, h = 20) {
    super();
    const c = Math.trunc(c2 * e);
    this.cv1 = this.registerModule('cv1', new ResearchConv(c1, c, 1, 1));
    this.cv2 = this.registerModule('cv2', new ResearchConv(c1, c, 1, 1));
    this.cv3 = this.registerModule('cv3', new ResearchConv(2 * c, c2, 1));
    this.m = this.registerModule('m', new Sequential(...Array.from({ length: n }, () => new BottleneckTransformer(c, c, 1, 4, true, [w, h], e2))));
  }
  override get typeName(): string {
    return 'BoT3';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => this.cv3.forward(cat([this.m.forward(this.cv1.forward(x)), this.cv2.forward(x)], 1)));
  }
}

// ------------------------------------------------------------------ ONNX
function emitMhsa(m: MHSA, input: string | string[], ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const x = single(input, 'MHSA');
  const d = Math.floor(m.nDims / m.heads);
  const perm0132 = { perm: attr.ints([0, 1, 3, 2]) };
  const split = (conv: Conv2d, name: string) => g.node('Reshape', [ctx.emit(conv, x, `${scope}.${name}`), g.int64Constant(`${scope}.${name}_heads`, [0, m.heads, d, -1])], scope);
  const q = split(m.query, 'query');
  const k = split(m.key, 'key');
  const v = split(m.value, 'value');
  let energy = g.node('MatMul', [g.node('Transpose', [q], scope, perm0132), k], scope);
  if (m.posEmb) {
    const rows = m.positionRows();
    const rowsConst = g.weight(`${scope}.position_rows`, rows.shape, rows.contiguous().toFloat32Array());
    rows.dispose();
    // (1, heads, width·height, d)·q → (b, heads, width·height, N), its first N rows (N read from q's shape)
    const position = g.node('MatMul', [rowsConst, q], scope);
    const n = g.node('Slice', [g.node('Shape', [q], scope), g.int64Constant(`${scope}.n_from`, [3]), g.int64Constant(`${scope}.n_to`, [4])], scope);
    const firstRows = g.node('Slice', [position, g.int64Constant(`${scope}.rows_from`, [0]), n, g.int64Constant(`${scope}.rows_axis`, [2])], scope);
    energy = g.node('Add', [energy, firstRows], scope);
  }
  const attention = ctx.emit(m.softmax, energy, `${scope}.softmax`);
  const out = g.node('MatMul', [v, g.node('Transpose', [attention], scope, perm0132)], scope);
  return g.node('Reshape', [out, g.node('Shape', [x], scope)], scope);
}

function emitBottleneckTransformer(m: BottleneckTransformer, input: string | string[], ctx: EmitContext, scope: string): string {
  const x = single(input, 'BottleneckTransformer');
  const y = ctx.emit(m.cv2, ctx.emit(m.cv1, x, `${scope}.cv1`), `${scope}.cv2`);
  return m.shortcut ? ctx.graph.node('Add', [x, y], scope) : y;
}

function emitBoT3(m: BoT3, input: string | string[], ctx: EmitContext, scope: string): string {
  const x = single(input, 'BoT3');
  const a = ctx.emit(m.m, ctx.emit(m.cv1, x, `${scope}.cv1`), `${scope}.m`);
  const b = ctx.emit(m.cv2, x, `${scope}.cv2`);
  return ctx.emit(m.cv3, concatChannels(ctx, [a, b], scope), `${scope}.cv3`);
}

export const bottleneckTransformerBlocks: BlockFamily = {
  name: 'bottleneck-transformer',
  modules: [
    {
      name: 'BoT3',
      pythonType: 'models.Models.research.BoT3',
      argCount: [1, 5],
      channels: 'width-repeats-inside',
      origin: 'YOLOAir',
      source: { repo: 'iscyy/yoloair', path: 'models/Models/research.py', paper: 'https://arxiv.org/abs/2101.11605' },
      doc: {
        args: '[c2, e=0.5, e2=1, w=20, h=20]',
        purpose: 'C3 whose bottlenecks are BoTNet blocks: Conv 1×1 then 4-head self-attention over all positions, with a residual',
        quirk:
          "YOLOAir's MHSA is built without position embeddings (BottleneckTransformer never passes pos_emb), so w/h do nothing and any input size works; each BottleneckTransformer builds an fc1 Linear that forward never uses (parameters without gradients); BoT3's Convs are research.py's (own SiLU each) and YOLOv5's fuse() leaves their BatchNorms; e2 must be 1",
      },
      build: (a) =>
        new BoT3(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'n', 1), numArg(a, 3, 'e', 0.5), numArg(a, 4, 'e2', 1), numArg(a, 5, 'w', 20), numArg(a, 6, 'h', 20)),
    },
  ],
  onnx: [
    emitterEntry(BoT3, emitBoT3),
    emitterEntry(BottleneckTransformer, emitBottleneckTransformer),
    emitterEntry(MHSA, emitMhsa),
  ],
};
