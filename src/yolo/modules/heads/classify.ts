// YOLOv5 v7.0's classification head (models/common.py Classify): a 1280-channel Conv, global average pooling,
// dropout and a Linear layer to the class logits. Class, YAML spec (args [nc], the input channels added by the
// rule), ONNX form (Conv → ReduceMean → Flatten → MatMul + Add, output (N, nc)).
import { Dropout } from '../../../nn/dropout.ts';
import { Linear } from '../../../nn/linear.ts';
import { Module } from '../../../nn/module.ts';
import { single } from '../../../nn/onnx-emit.ts';
import { AdaptiveAvgPool2d } from '../../../nn/pooling.ts';
import { cat } from '../../../tensor/create.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, type ChannelContext, chAt, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';
import { type ActArg, Conv } from '../common/conv.ts';

/** Hidden channels of Classify's Conv (v7.0: "efficientnet_b0 size"). */
export const CLASSIFY_HIDDEN = 1280;

/** x (b, c1, h, w) → logits (b, c2): linear(drop(pool(conv(x)).flatten(1))); a list input is concatenated first. */
export class Classify extends Module {
  /** Conv(c1, 1280, k, s, autopad(k, p), g). */
  readonly conv: Conv;
  /** Global average pooling to 1×1. */
  readonly pool: AdaptiveAvgPool2d;
  /** Dropout (p = 0 in v7.0; `--dropout` replaces it). */
  drop: Dropout;
  /** 1280 → c2 logits. */
  linear: Linear;

  constructor(c1: number, c2: number, k = 1, s = 1, p: number | null = null, g = 1, act: ActArg = true) {
    super();
    this.conv = this.registerModule('conv', new Conv(c1, CLASSIFY_HIDDEN, k, s, p, g, 1, act));
    this.pool = this.registerModule('pool', new AdaptiveAvgPool2d(1));
    this.drop = this.registerModule('drop', new Dropout(0));
    this.linear = this.registerModule('linear', new Linear(CLASSIFY_HIDDEN, c2));
  }

  override get typeName(): string {
    return 'Classify';
  }

  /** Replaces the dropout probability (train.py's `m.p = opt.dropout`). */
  setDropout(p: number): void {
    this.drop = this.registerModule('drop', new Dropout(p));
    this.drop.train(this.training);
  }

  /** Replaces the Linear layer when the class count differs (v7.0's reshape_classifier_output). */
  reshapeOutput(nc: number): void {
    if (this.linear.outFeatures === nc) return;
    const old = this.linear;
    this.linear = this.registerModule('linear', new Linear(old.inFeatures, nc));
    old.dispose();
  }

  forward(x: Tensor | Tensor[]): Tensor {
    const input = Array.isArray(x) ? (x.length === 1 ? x[0]! : cat(x, 1)) : x;
    const c = this.conv.forward(input);
    if (Array.isArray(x) && x.length > 1) input.dispose();
    const pooled = this.pool.forward(c);
    c.dispose();
    const flat = pooled.flatten(1);
    pooled.dispose();
    const dropped = this.drop.forward(flat);
    if (dropped !== flat) flat.dispose();
    const y = this.linear.forward(dropped);
    dropped.dispose();
    return y;
  }
}

/** args [nc, k=1, s=1, p=None, g=1] → [c1, nc, …]: c1 is the channels of `from` (summed for a list, as torch.cat). */
function classifyChannels(args: unknown[], ctx: ChannelContext): { args: unknown[]; c2: number } {
  const c1 = [ctx.from].flat().reduce((s, f) => s + chAt(ctx.ch, f), 0);
  const nc = intArg(args, 0, 'nc');
  return { args: [c1, nc, ...args.slice(1)], c2: nc };
}

export const classifyBlocks: BlockFamily = {
  name: 'classify',
  modules: [
    {
      name: 'Classify',
      doc: {
        args: '[nc, k=1, s=1, p=None, g=1]',
        purpose: 'classification head: Conv to 1280 channels, global average pool, dropout, Linear to nc logits',
        quirk: "v7.0 has no -cls YAMLs (ClassificationModel._from_yaml is a stub); tsyolo's rule adds the input channels",
      },
      pythonType: 'models.common.Classify',
      argCount: [1, 5],
      channels: classifyChannels,
      build: (a, ctx) => new Classify(intArg(a, 0, 'c1'), intArg(a, 1, 'nc'), (a[2] as number) ?? 1, (a[3] as number) ?? 1, (a[4] as number | null) ?? null, (a[5] as number) ?? 1, ctx.act),
    },
  ],
  onnx: [
    emitterEntry(Classify, (m, input, ctx, scope) => {
      const x = single(input, 'Classify');
      const c = ctx.emit(m.conv, x, `${scope}.conv`);
      const pooled = ctx.emit(m.pool, c, `${scope}.pool`);
      const flat = ctx.graph.node('Flatten', [pooled], `${scope}.flatten`);
      return ctx.emit(m.linear, flat, `${scope}.linear`);
    }),
  ],
};
