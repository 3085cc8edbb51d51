// Focus (YOLOv5 ≤ v5.0 stem): space-to-depth by 2, then Conv — class, YAML spec, ONNX form.
import { Module } from '../../../nn/module.ts';
import { concatChannels, single } from '../../../nn/onnx-emit.ts';
import { cat } from '../../../tensor/create.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg, optionalIntArg } from '../../module-args.ts';
import { type ActArg, Conv, yamlAct } from './conv.ts';

/** YOLOv5's Focus: space-to-depth (every 2nd pixel into channels ×4), then a Conv. */
export class Focus extends Module {
  /** The Conv after the space-to-depth. */
  readonly conv: Conv;
  constructor(c1: number, c2: number, k = 1, s = 1, p: number | null = null, g = 1, act: ActArg = true) {
    super();
    this.conv = this.registerModule('conv', new Conv(c1 * 4, c2, k, s, p, g, 1, act));
  }
  override get typeName(): string {
    return 'Focus';
  }
  forward(x: Tensor): Tensor {
    const evenRows = x.slice(2, 0, undefined, 2);
    const oddRows = x.slice(2, 1, undefined, 2);
    return this.conv.forward(
      cat([evenRows.slice(3, 0, undefined, 2), oddRows.slice(3, 0, undefined, 2), evenRows.slice(3, 1, undefined, 2), oddRows.slice(3, 1, undefined, 2)], 1),
    );
  }
}

export const focusBlocks: BlockFamily = {
  name: 'focus',
  modules: [
    {
      name: 'Focus',
      doc: { args: '[c2, k=1, s=1, p=None, g=1, act=True]', purpose: 'space-to-depth (2×2 pixels to channels) then Conv' },
      pythonType: 'models.common.Focus',
      argCount: [1, 6],
      channels: 'width',
      build: (a, ctx) => new Focus(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 1), intArg(a, 3, 's', 1), optionalIntArg(a, 4, 'p'), intArg(a, 5, 'g', 1), yamlAct(a, 6, ctx)),
    },
  ],
  onnx: [
    // Space-to-depth: x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2] concatenated on channels.
    emitterEntry(Focus, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'Focus');
      const axes = g.int64Constant(`${scope}.axes`, [2, 3]);
      const steps = g.int64Constant(`${scope}.steps`, [2, 2]);
      const ends = g.int64Constant(`${scope}.ends`, [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);
      // Row offset, column offset in YOLOv5's order.
      const parts = ([[0, 0], [1, 0], [0, 1], [1, 1]] as const).map(([r, c]) =>
        g.node('Slice', [x, g.int64Constant(`${scope}.starts`, [r, c]), ends, axes, steps], scope),
      );
      return ctx.emit(m.conv, concatChannels(ctx, parts, scope), `${scope}.conv`);
    }),
  ],
};
