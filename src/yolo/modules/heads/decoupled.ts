// YOLOAir's decoupled head (iscyy/yoloair models/Detect/MuitlHead.py Decoupled_Detect, models/Models/research.py
// DecoupledHead): per level a 1×1 Conv to 256 channels, then a classification branch (two 3×3 Convs, 1×1 to na·nc)
// and a regression branch (two 3×3 Convs, 1×1 to na·4 boxes and 1×1 to na objectness), concatenated as
// (boxes, objectness, classes) and then read exactly as Detect reads its conv: YOLOv5's anchors, decoding, losses,
// export and val apply unchanged. Classes, YAML spec, ONNX forms.
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { attr, type EmitContext, single } from '../../../nn/onnx-emit.ts';
import { cat } from '../../../tensor/create.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';
import { ResearchConv } from '../common/research-conv.ts';
import { Detect, detectAnchorsArg, emitDetect } from './detect.ts';

/** One level of the decoupled head: (b, ch, h, w) → (b, na·(4 + 1 + nc), h, w) as [boxes, objectness, classes]. */
export class DecoupledHead extends Module {
  readonly nc: number;
  readonly nl: number;
  readonly na: number;
  readonly merge: ResearchConv;
  readonly cls_convs1: ResearchConv;
  readonly cls_convs2: ResearchConv;
  readonly reg_convs1: ResearchConv;
  readonly reg_convs2: ResearchConv;
  readonly cls_preds: Conv2d;
  readonly reg_preds: Conv2d;
  readonly obj_preds: Conv2d;

  /** The width is 256 whatever the model's width multiple, as YOLOAir writes it. */
  constructor(ch = 256, nc = 80, anchors: number[][] = []) {
    super();
    this.nc = nc;
    this.nl = anchors.length;
    this.na = Math.floor(anchors[0]!.length / 2);
    const c = 256;
    this.merge = this.registerModule('merge', new ResearchConv(ch, c, 1, 1));
    this.cls_convs1 = this.registerModule('cls_convs1', new ResearchConv(c, c, 3, 1, 1));
    this.cls_convs2 = this.registerModule('cls_convs2', new ResearchConv(c, c, 3, 1, 1));
    this.reg_convs1 = this.registerModule('reg_convs1', new ResearchConv(c, c, 3, 1, 1));
    this.reg_convs2 = this.registerModule('reg_convs2', new ResearchConv(c, c, 3, 1, 1));
    this.cls_preds = this.registerModule('cls_preds', new Conv2d(c, this.nc * this.na, 1));
    this.reg_preds = this.registerModule('reg_preds', new Conv2d(c, 4 * this.na, 1));
    this.obj_preds = this.registerModule('obj_preds', new Conv2d(c, 1 * this.na, 1));
  }

  override get typeName(): string {
    return 'DecoupledHead';
  }

  forward(x: Tensor): Tensor {
    const chain = (input: Tensor, layers: Module[]): Tensor => {
      let y = input;
      for (const m of layers) {
        const next = m.forward(y) as Tensor;
        if (y !== input) y.dispose();
        y = next;
      }
      return y;
    };
    const merged = this.merge.forward(x);
    const cls = chain(merged, [this.cls_convs1, this.cls_convs2, this.cls_preds]);
    const reg = chain(merged, [this.reg_convs1, this.reg_convs2]);
    merged.dispose();
    const box = this.reg_preds.forward(reg);
    const obj = this.obj_preds.forward(reg);
    reg.dispose();
    const out = cat([box, obj, cls], 1);
    for (const t of [box, obj, cls]) t.dispose();
    return out;
  }
}

/**
 * Decoupled_Detect: Detect with a DecoupledHead per level in place of the 1×1 conv. As in YOLOAir, its output
 * channels are viewed as (na, 5 + nc) like Detect's, so anchor a reads channels a·(5 + nc) … of the concatenation
 * [na·4 boxes, na objectness, na·nc classes]: with na 3 and nc 80, anchor 0's objectness and first classes are
 * box-branch channels and anchors 1 and 2 read everything, boxes too, from the classification branch — the roles are
 * learnt, not the intended decoupling. No bias prior (YOLOAir's _initialize_biases fails on the
 * head and is skipped); anchors are order-checked after the division by the strides.
 */
export class DecoupledDetect extends Detect {
  constructor(nc: number, anchors: number[][], ch: number[]) {
    super(nc, anchors, ch, 0, (c) => new DecoupledHead(c, nc, anchors));
  }

  override get typeName(): string {
    return 'Decoupled_Detect';
  }

  /** YOLOAir: `mi.bias` of a DecoupledHead raises, the try around _initialize_biases swallows it — PyTorch's init stays. */
  override priorConvs(): Conv2d[] {
    return [];
  }

  /** YOLOAir divides the anchors by the strides, then runs check_anchor_order (v7.0's Detect: the other way round). */
  override get checksAnchorOrderInGridUnits(): boolean {
    return true;
  }
}

function emitDecoupledHead(m: DecoupledHead, input: string | string[], ctx: EmitContext, scope: string): string {
  const x = ctx.emit(m.merge, single(input, m.typeName), `${scope}.merge`);
  const cls = ctx.emit(m.cls_preds, ctx.emit(m.cls_convs2, ctx.emit(m.cls_convs1, x, `${scope}.cls_convs1`), `${scope}.cls_convs2`), `${scope}.cls_preds`);
  const reg = ctx.emit(m.reg_convs2, ctx.emit(m.reg_convs1, x, `${scope}.reg_convs1`), `${scope}.reg_convs2`);
  const box = ctx.emit(m.reg_preds, reg, `${scope}.reg_preds`);
  const obj = ctx.emit(m.obj_preds, reg, `${scope}.obj_preds`);
  return ctx.graph.node('Concat', [box, obj, cls], scope, { axis: attr.int(1) });
}

export const decoupledBlocks: BlockFamily = {
  name: 'decoupled-head',
  modules: [
    {
      name: 'Decoupled_Detect',
      doc: {
        args: '[nc, anchors]',
        purpose: 'decoupled head: per level a 1×1 Conv to 256, then separate classification and box/objectness branches (two 3×3 Convs each); decoded as Detect',
        quirk:
          "the head is 256 channels wide at any width multiple; its output [na·4 boxes, na objectness, na·nc classes] is viewed per anchor as Detect's, so the roles cut across the branches (nc 80: anchor 0 reads its objectness and first classes from the box convs, anchors 1 and 2 read everything, boxes too, from the classification branch); no bias prior (YOLOAir's _initialize_biases fails on it and is skipped); anchors order-checked after the division by the strides; its Convs are research.py's own (own SiLU, kept unfused by fuse())",
      },
      pythonType: 'models.Detect.MuitlHead.Decoupled_Detect',
      argCount: [2, 2],
      channels: 'detect',
      origin: 'YOLOAir',
      source: { repo: 'iscyy/yoloair', path: 'models/Detect/MuitlHead.py', paper: 'https://arxiv.org/abs/2107.08430' },
      build: (a) => new DecoupledDetect(intArg(a, 0, 'nc'), detectAnchorsArg(a[1]), a[2] as number[]),
    },
  ],
  onnx: [emitterEntry(DecoupledDetect, emitDetect), emitterEntry(DecoupledHead, emitDecoupledHead)],
};
