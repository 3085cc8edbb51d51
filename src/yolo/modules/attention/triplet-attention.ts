// TripletAttention (Misra et al., "Rotate to Attend", WACV 2021) as its authors' landskape-ai/triplet-attention has
// it (triplet_attention.py, the current code): three AttentionGates — each a Z-pool (channel max and mean), a 7×7
// conv + BN (BasicConv) and a sigmoid — on the tensor rotated three ways (gating its (C, W), (H, C) and (H, W)
// planes), the three results averaged.
// It takes no channels: parse_model passes the YAML args as written and the layer keeps its input's channels.
import { Module } from '../../../nn/module.ts';
import { attr, type EmitContext, reduceNode, single } from '../../../nn/onnx-emit.ts';
import { cat } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { BasicConv } from '../common/basic-conv.ts';

/** cat(max over channels, mean over channels): (b, c, h, w) → (b, 2, h, w). */
export class ZPool extends Module {
  override get typeName(): string {
    return 'ZPool';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => cat([x.maxDim(1).values.unsqueeze(1), x.mean(1).unsqueeze(1)], 1));
  }
}

/** x · sigmoid(BN(conv7×7(ZPool(x)))). */
export class AttentionGate extends Module {
  readonly compress: ZPool;
  readonly conv: BasicConv;
  constructor() {
    super();
    const kernelSize = 7;
    this.compress = this.registerModule('compress', new ZPool());
    this.conv = this.registerModule('conv', new BasicConv(2, 1, kernelSize, 1, (kernelSize - 1) / 2, 1, 1, false));
  }
  override get typeName(): string {
    return 'AttentionGate';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => x.mul(this.conv.forward(this.compress.forward(x)).sigmoid()));
  }
}

/** Python truthiness of a YAML value (no_spatial=2 is true, as in `if not no_spatial`). */
function truthy(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (v === null || v === undefined) return false;
  throw new Error(`${what} must be True/False or a number, got ${JSON.stringify(v)}`);
}

export class TripletAttention extends Module {
  readonly cw: AttentionGate;
  readonly hc: AttentionGate;
  readonly hw: AttentionGate | null;
  readonly noSpatial: boolean;
  constructor(noSpatial: unknown = false) {
    super();
    this.noSpatial = truthy(noSpatial, 'no_spatial');
    this.cw = this.registerModule('cw', new AttentionGate());
    this.hc = this.registerModule('hc', new AttentionGate());
    this.hw = this.noSpatial ? null : this.registerModule('hw', new AttentionGate());
  }
  override get typeName(): string {
    return 'TripletAttention';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const out11 = this.cw.forward(x.permute(0, 2, 1, 3).contiguous()).permute(0, 2, 1, 3).contiguous();
      const out21 = this.hc.forward(x.permute(0, 3, 2, 1).contiguous()).permute(0, 3, 2, 1).contiguous();
      if (this.hw) return this.hw.forward(x).add(out11).add(out21).mul(1 / 3);
      return out11.add(out21).mul(1 / 2);
    });
  }
}

function emitAttentionGate(m: AttentionGate, input: string | string[], ctx: EmitContext, scope: string): string {
  const x = single(input, 'AttentionGate');
  const scale = ctx.graph.node('Sigmoid', [ctx.emit(m.conv, ctx.emit(m.compress, x, `${scope}.compress`), `${scope}.conv`)], scope);
  return ctx.graph.node('Mul', [x, scale], scope);
}

function emitTripletAttention(m: TripletAttention, input: string | string[], ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const x = single(input, 'TripletAttention');
  const rotated = (gate: AttentionGate, perm: number[], name: string) => {
    const t = g.node('Transpose', [x], scope, { perm: attr.ints(perm) });
    return g.node('Transpose', [ctx.emit(gate, t, `${scope}.${name}`)], scope, { perm: attr.ints(perm) });
  };
  const out11 = rotated(m.cw, [0, 2, 1, 3], 'cw');
  const out21 = rotated(m.hc, [0, 3, 2, 1], 'hc');
  if (m.hw) {
    const sum = g.node('Add', [g.node('Add', [ctx.emit(m.hw, x, `${scope}.hw`), out11], scope), out21], scope);
    return g.node('Mul', [sum, g.floatConstant(`${scope}.third`, [], [1 / 3])], scope);
  }
  return g.node('Mul', [g.node('Add', [out11, out21], scope), g.floatConstant(`${scope}.half`, [], [1 / 2])], scope);
}

export const tripletAttentionBlocks: BlockFamily = {
  name: 'triplet-attention',
  modules: [
    {
      name: 'TripletAttention',
      pythonType: 'models.Models.Attention.TripletAttention.TripletAttention',
      argCount: [0, 1],
      channels: 'same',
      origin: 'authors',
      source: { repo: 'landskape-ai/triplet-attention', path: 'triplet_attention.py', paper: 'https://arxiv.org/abs/2010.03045' },
      doc: {
        args: '[no_spatial=False]',
        purpose: 'triplet attention: Z-pool + 7×7 conv gates over the (C, W), (H, C) and (H, W) views of the tensor, averaged',
        quirk:
          "the authors' TripletAttention(no_spatial) takes no channels (parse_model's final else: args as written, c2 = ch[from]); YOLOAir's configs/attention/yolov5s_TripletAttention.yaml writes [2], which is no_spatial=2 — truthy, so the H-W gate is dropped; BasicConv's BN is not folded by fuse() (YOLOv5's fuse() folds Conv/DWConv only)",
      },
      build: (a) => new TripletAttention(a[0] ?? false),
    },
  ],
  onnx: [
    emitterEntry(TripletAttention, emitTripletAttention),
    emitterEntry(AttentionGate, emitAttentionGate),
    emitterEntry(ZPool, (_m, input, ctx, scope) => {
      const x = single(input, 'ZPool');
      const max = reduceNode(ctx, 'ReduceMax', x, [1], true, `${scope}.max`);
      const mean = reduceNode(ctx, 'ReduceMean', x, [1], true, `${scope}.mean`);
      return ctx.graph.node('Concat', [max, mean], scope, { axis: attr.int(1) });
    }),
  ],
};
