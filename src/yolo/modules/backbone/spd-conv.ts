// SPD-Conv's space-to-depth layer (YOLOAir models/common.py space_to_depth): class, YAML spec, ONNX form. In the
// SPD-Conv configs a stride-1 Conv followed by space_to_depth replaces each stride-2 Conv.
import { Module } from '../../../nn/module.ts';
import { concatChannels, single } from '../../../nn/onnx-emit.ts';
import { cat } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, chAt, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/** Row/column offsets of the four 2×2 phases in the reference's order: x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]. */
const PHASES = [
  [0, 0],
  [1, 0],
  [0, 1],
  [1, 1],
] as const;

/** (N, C, H, W) → (N, 4C, H/2, W/2): the four 2×2 phases concatenated on channels (`dimension` is kept, not used). */
export class SpaceToDepth extends Module {
  constructor(readonly dimension = 1) {
    super();
  }
  override get typeName(): string {
    return 'space_to_depth';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => cat(PHASES.map(([r, c]) => x.slice(2, r, undefined, 2).slice(3, c, undefined, 2)), 1));
  }
}

export const spdConvBlocks: BlockFamily = {
  name: 'spd-conv',
  modules: [
    {
      name: 'space_to_depth',
      doc: {
        args: '[dimension=1]',
        purpose: 'SPD-Conv downsampling: each 2×2 block of pixels moved into channels (4× channels, half the size), no information dropped',
        quirk: '`dimension` is stored but unused (always the channel axis), as in the reference',
      },
      pythonType: 'models.common.space_to_depth',
      argCount: [0, 1],
      channels: (args, ctx) => ({ args, c2: 4 * chAt(ctx.ch, ctx.from as number) }),
      origin: 'YOLOAir',
      source: { repo: 'iscyy/yoloair', path: 'models/common.py', paper: 'SPD-Conv, arXiv 2208.03641' },
      build: (a) => new SpaceToDepth(intArg(a, 0, 'dimension', 1)),
    },
  ],
  onnx: [
    emitterEntry(SpaceToDepth, (_m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'space_to_depth');
      const ends = g.int64Constant(`${scope}.ends`, [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);
      const axes = g.int64Constant(`${scope}.axes`, [2, 3]);
      const steps = g.int64Constant(`${scope}.steps`, [2, 2]);
      const parts = PHASES.map(([r, c]) => g.node('Slice', [x, g.int64Constant(`${scope}.starts${r}${c}`, [r, c]), ends, axes, steps], scope));
      return concatChannels(ctx, parts, scope);
    }),
  ],
};
