// YOLOv5 v7.0's transformer blocks (models/common.py): TransformerLayer (nn.MultiheadAttention, 4 heads),
// TransformerBlock, C3TR — classes, YAML spec, ONNX form. Matrix products run as 1×1 (grouped) convolutions,
// the engine's matrix product; nn.MultiheadAttention's out_proj is applied functionally as PyTorch does, so thop
// counts it as nothing, like YOLOv5's GFLOPs.
import { Sequential } from '../../../nn/containers.ts';
import { biasUniform_, kaimingUniformDefault_ } from '../../../nn/init.ts';
import { Linear } from '../../../nn/linear.ts';
import { Module } from '../../../nn/module.ts';
import { attr, type EmitContext, single } from '../../../nn/onnx-emit.ts';
import { empty, zeros } from '../../../tensor/create.ts';
import { conv2d } from '../../../tensor/functional.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { C3, c3Spec, emitC3 } from './bottleneck.ts';
import { Conv, defaultActivation } from './conv.ts';
import { emitMatMulAdd } from './torch-nn.ts';

/** x (rows, in) · wᵀ + b, as a 1×1 convolution. */
function linearRows(x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const [rows, inF] = x.shape as [number, number];
  const outF = w.shape[0]!;
  const x4 = x.view(rows, inF, 1, 1);
  const w4 = w.view(outF, inF, 1, 1);
  const y4 = conv2d(x4, w4, b);
  const y = y4.view(rows, outF);
  for (const t of [x4, w4, y4]) t.dispose();
  return y;
}

/** A Linear on the last axis of a 3-d (L, N, E) tensor (nn.Linear accepts any leading dims). */
function linear3(lin: Linear, x: Tensor): Tensor {
  const [l, n, e] = x.shape as [number, number, number];
  const flat = x.reshape(l * n, e);
  const y = lin.forward(flat);
  const out = y.view(l, n, lin.outFeatures);
  flat.dispose();
  if (y !== out) y.dispose();
  return out;
}

/** Batched matrix product (G, n, k) · (G, k, m) → (G, n, m) as one grouped 1×1 convolution. */
function bmm(a: Tensor, b: Tensor): Tensor {
  const [g, n, k] = a.shape as [number, number, number];
  const m = b.shape[2]!;
  const input = a.transpose(1, 2).contiguous().view(1, g * k, n, 1);
  const weight = b.transpose(1, 2).contiguous().view(g * m, k, 1, 1);
  const y = conv2d(input, weight, null, { groups: g });
  const out = y.view(g, m, n).transpose(1, 2).contiguous();
  for (const t of [input, weight, y]) t.dispose();
  return out;
}

function softmaxLastDim(x: Tensor): Tensor {
  const shifted = x.sub(x.amax(-1, true));
  const e = shifted.exp();
  const out = e.div(e.sum(-1, true));
  shifted.dispose();
  e.dispose();
  return out;
}

/** nn.MultiheadAttention (batch_first False, no masks, eval semantics): in_proj_weight/bias and out_proj. */
export class MultiheadAttention extends Module {
  readonly outProj: Linear;
  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
  ) {
    super();
    if (embedDim % numHeads !== 0) throw new Error(`MultiheadAttention: embed_dim ${embedDim} must be divisible by num_heads ${numHeads}`);
    const w = empty([3 * embedDim, embedDim]);
    kaimingUniformDefault_(w);
    this.registerParameter('in_proj_weight', w);
    this.registerParameter('in_proj_bias', zeros([3 * embedDim]));
    this.outProj = this.registerModule('out_proj', new Linear(embedDim, embedDim));
    biasUniform_(this.outProj.bias!, this.outProj.weight);
  }
  override get typeName(): string {
    return 'MultiheadAttention';
  }
  /** (L, N, E) query, key, value → (L, N, E). */
  forward([q, k, v]: Tensor[]): Tensor {
    const [l, n, e] = q!.shape as [number, number, number];
    const h = this.numHeads;
    const d = e / h;
    const w = this.getParameter('in_proj_weight')!;
    const b = this.getParameter('in_proj_bias')!;
    const heads = (x: Tensor, part: number) => {
      const rows = x.reshape(l * n, e);
      const wp = w.narrow(0, part * e, e);
      const bp = b.narrow(0, part * e, e);
      const y = linearRows(rows, wp, bp);
      const out = y.view(l, n * h, d).transpose(0, 1).contiguous(); // (N·h, L, d)
      for (const t of [rows, wp, bp, y]) t.dispose();
      return out;
    };
    const qh = heads(q!, 0);
    const qs = qh.div(Math.sqrt(d));
    const kh = heads(k!, 1);
    const vh = heads(v!, 2);
    const kt = kh.transpose(1, 2);
    const scores = bmm(qs, kt);
    const attn = softmaxLastDim(scores);
    const ctx = bmm(attn, vh); // (N·h, L, d)
    const rows = ctx.transpose(0, 1).contiguous().view(l * n, e);
    const projected = linearRows(rows, this.outProj.weight, this.outProj.bias);
    const out = projected.view(l, n, e);
    for (const t of [qh, qs, kh, vh, kt, scores, attn, ctx, rows, projected]) if (t !== out) t.dispose();
    return out;
  }
}

export class TransformerLayer extends Module {
  readonly q: Linear;
  readonly k: Linear;
  readonly v: Linear;
  readonly ma: MultiheadAttention;
  readonly fc1: Linear;
  readonly fc2: Linear;
  constructor(c: number, numHeads: number) {
    super();
    this.q = this.registerModule('q', new Linear(c, c, false));
    this.k = this.registerModule('k', new Linear(c, c, false));
    this.v = this.registerModule('v', new Linear(c, c, false));
    this.ma = this.registerModule('ma', new MultiheadAttention(c, numHeads));
    this.fc1 = this.registerModule('fc1', new Linear(c, c, false));
    this.fc2 = this.registerModule('fc2', new Linear(c, c, false));
  }
  override get typeName(): string {
    return 'TransformerLayer';
  }
  /** (L, N, C) → (L, N, C): attention then a two-layer MLP, each with a residual. */
  forward(x: Tensor): Tensor {
    const qkv = [linear3(this.q, x), linear3(this.k, x), linear3(this.v, x)];
    const a = this.ma.forward(qkv);
    for (const t of qkv) t.dispose();
    const y = a.add(x);
    a.dispose();
    const h1 = linear3(this.fc1, y);
    const h2 = linear3(this.fc2, h1);
    const out = h2.add(y);
    for (const t of [y, h1, h2]) t.dispose();
    return out;
  }
}

/** Vision transformer block: optional Conv to c2, a learnable position embedding, num_layers TransformerLayers. */
export class TransformerBlock extends Module {
  readonly conv: Conv | null;
  readonly linear: Linear;
  readonly tr: Sequential;
  constructor(
    c1: number,
    readonly c2: number,
    numHeads: number,
    numLayers: number,
    act: Module = defaultActivation,
  ) {
    super();
    this.conv = c1 !== c2 ? this.registerModule('conv', new Conv(c1, c2, 1, 1, null, 1, 1, act)) : null;
    this.linear = this.registerModule('linear', new Linear(c2, c2));
    this.tr = this.registerModule('tr', new Sequential(...Array.from({ length: numLayers }, () => new TransformerLayer(c2, numHeads))));
  }
  override get typeName(): string {
    return 'TransformerBlock';
  }
  forward(input: Tensor): Tensor {
    const x = this.conv ? this.conv.forward(input) : input;
    const [b, , w, h] = x.shape as [number, number, number, number];
    const flat = x.flatten(2);
    const p = flat.permute(2, 0, 1).contiguous(); // (w·h, b, c)
    const pos = linear3(this.linear, p);
    const sum = p.add(pos);
    const y = this.tr.forward(sum);
    const back = y.permute(1, 2, 0);
    const out = back.reshape(b, this.c2, w, h);
    for (const t of [flat, p, pos, sum, y, back]) if (t !== out) t.dispose();
    if (x !== input) x.dispose();
    return out;
  }
}

/** C3 with a TransformerBlock (4 heads, n layers) inside. */
export class C3TR extends C3 {
  constructor(c1: number, c2: number, n = 1, shortcut = true, g = 1, e = 0.5, act: Module = defaultActivation) {
    super(c1, c2, n, shortcut, g, e, act, (c) => new TransformerBlock(c, c, 4, n, act));
  }
  override get typeName(): string {
    return 'C3TR';
  }
}

// ------------------------------------------------------------------ ONNX
/** x (…, in) · Wᵀ (+ b) with MatMul, for 3-d inputs (Gemm takes 2-d only). */
function emitLinear3(lin: Linear, x: string, ctx: EmitContext, scope: string): string {
  return emitMatMulAdd(x, lin.weight, lin.bias, ctx, scope);
}

function emitAttention(m: MultiheadAttention, q: string, k: string, v: string, ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const e = m.embedDim;
  const d = e / m.numHeads;
  const w = m.getParameter('in_proj_weight')!;
  const b = m.getParameter('in_proj_bias')!;
  const heads = (x: string, part: number) => {
    const [wp, bp] = [w.narrow(0, part * e, e), b.narrow(0, part * e, e)];
    const y = emitMatMulAdd(x, wp, bp, ctx, `${scope}.in_proj.${part}`);
    wp.dispose();
    bp.dispose();
    const split = g.node('Reshape', [y, g.int64Constant(`${scope}.heads_shape`, [0, -1, d])], scope); // (L, N·h, d)
    return g.node('Transpose', [split], scope, { perm: attr.ints([1, 0, 2]) }); // (N·h, L, d)
  };
  const qs = g.node('Div', [heads(q, 0), g.floatConstant(`${scope}.scale`, [], [Math.sqrt(d)])], scope);
  const kt = g.node('Transpose', [heads(k, 1)], scope, { perm: attr.ints([0, 2, 1]) });
  const attn = g.node('Softmax', [g.node('MatMul', [qs, kt], scope)], scope, { axis: attr.int(-1) });
  const out = g.node('MatMul', [attn, heads(v, 2)], scope);
  const rows = g.node('Reshape', [g.node('Transpose', [out], scope, { perm: attr.ints([1, 0, 2]) }), g.int64Constant(`${scope}.embed_shape`, [0, -1, e])], scope);
  return emitMatMulAdd(rows, m.outProj.weight, m.outProj.bias, ctx, `${scope}.out_proj`);
}

export const transformerBlocks: BlockFamily = {
  name: 'transformer',
  modules: [c3Spec('C3TR', C3TR, 'C3 with a TransformerBlock (4-head self-attention layers) instead of Bottlenecks')],
  onnx: [
    emitterEntry(C3TR, emitC3),
    emitterEntry(TransformerBlock, (m, input, ctx, scope) => {
      const g = ctx.graph;
      let x = single(input, 'TransformerBlock');
      if (m.conv) x = ctx.emit(m.conv, x, `${scope}.conv`);
      const flat = g.node('Reshape', [x, g.int64Constant(`${scope}.flat_shape`, [0, 0, -1])], scope); // (b, c, w·h)
      const p = g.node('Transpose', [flat], scope, { perm: attr.ints([2, 0, 1]) }); // (w·h, b, c)
      let y = g.node('Add', [p, emitLinear3(m.linear, p, ctx, `${scope}.linear`)], scope);
      m.tr.layers.forEach((layer, i) => (y = ctx.emit(layer, y, `${scope}.tr.${i}`)));
      const back = g.node('Transpose', [y], scope, { perm: attr.ints([1, 2, 0]) }); // (b, c, w·h)
      return g.node('Reshape', [back, g.node('Shape', [x], scope)], scope);
    }),
    emitterEntry(TransformerLayer, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'TransformerLayer');
      const q = emitLinear3(m.q, x, ctx, `${scope}.q`);
      const k = emitLinear3(m.k, x, ctx, `${scope}.k`);
      const v = emitLinear3(m.v, x, ctx, `${scope}.v`);
      const y = g.node('Add', [emitAttention(m.ma, q, k, v, ctx, `${scope}.ma`), x], scope);
      const h = emitLinear3(m.fc2, emitLinear3(m.fc1, y, ctx, `${scope}.fc1`), ctx, `${scope}.fc2`);
      return g.node('Add', [h, y], scope);
    }),
  ],
};
