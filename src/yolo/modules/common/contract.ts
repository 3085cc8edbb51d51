// Contract and Expand (models/common.py): space-to-depth and depth-to-space by a gain — classes, YAML specs
// (c2 = c1·gain² / c1 ÷ gain²), ONNX form (SpaceToDepth, DepthToSpace in DCR order: the same element order).
import { Module } from '../../../nn/module.ts';
import { attr, single } from '../../../nn/onnx-emit.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, type ChannelContext, chAt, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

function positiveGain(gain: number): number {
  if (!Number.isInteger(gain) || gain < 1) throw new Error(`gain must be a positive integer, got ${gain}`);
  return gain;
}

/** (b, c, h, w) → (b, c·s², h/s, w/s): x.view(b, c, h/s, s, w/s, s).permute(0, 3, 5, 1, 2, 4). */
export class Contract extends Module {
  readonly gain: number;
  constructor(gain = 2) {
    super();
    this.gain = positiveGain(gain);
  }
  override get typeName(): string {
    return 'Contract';
  }
  forward(x: Tensor): Tensor {
    const [b, c, h, w] = x.shape as [number, number, number, number];
    const s = this.gain;
    const blocks = x.view(b, c, h / s, s, w / s, s);
    const moved = blocks.permute(0, 3, 5, 1, 2, 4);
    const dense = moved.contiguous();
    const out = dense.view(b, c * s * s, h / s, w / s);
    for (const t of [blocks, moved, dense]) if (t !== out) t.dispose();
    return out;
  }
}

/** (b, c, h, w) → (b, c/s², h·s, w·s): x.view(b, s, s, c/s², h, w).permute(0, 3, 4, 1, 5, 2). */
export class Expand extends Module {
  readonly gain: number;
  constructor(gain = 2) {
    super();
    this.gain = positiveGain(gain);
  }
  override get typeName(): string {
    return 'Expand';
  }
  forward(x: Tensor): Tensor {
    const [b, c, h, w] = x.shape as [number, number, number, number];
    const s = this.gain;
    const blocks = x.view(b, s, s, c / (s * s), h, w);
    const moved = blocks.permute(0, 3, 4, 1, 5, 2);
    const dense = moved.contiguous();
    const out = dense.view(b, c / (s * s), h * s, w * s);
    for (const t of [blocks, moved, dense]) if (t !== out) t.dispose();
    return out;
  }
}

function gainRule(grow: boolean) {
  return (args: unknown[], ctx: ChannelContext) => {
    const gain = positiveGain(intArg(args, 0, 'gain', 2));
    const c1 = chAt(ctx.ch, ctx.from as number);
    if (!grow && c1 % (gain * gain) !== 0) throw new Error(`Expand: ${c1} input channels are not divisible by gain² = ${gain * gain}`);
    return { args, c2: grow ? c1 * gain * gain : Math.floor(c1 / (gain * gain)) };
  };
}

export const contractBlocks: BlockFamily = {
  name: 'contract',
  modules: [
    { name: 'Contract', doc: { args: '[gain=2]', purpose: 'space-to-depth: (c, h, w) → (c·gain², h/gain, w/gain)' }, pythonType: 'models.common.Contract', argCount: [0, 1], channels: gainRule(true), build: (a) => new Contract(intArg(a, 0, 'gain', 2)) },
    { name: 'Expand', doc: { args: '[gain=2]', purpose: 'depth-to-space: (c, h, w) → (c/gain², h·gain, w·gain)' }, pythonType: 'models.common.Expand', argCount: [0, 1], channels: gainRule(false), build: (a) => new Expand(intArg(a, 0, 'gain', 2)) },
  ],
  onnx: [
    emitterEntry(Contract, (m, input, ctx, scope) =>
      ctx.graph.node('SpaceToDepth', [single(input, 'Contract')], scope, { blocksize: attr.int(m.gain) }),
    ),
    emitterEntry(Expand, (m, input, ctx, scope) =>
      ctx.graph.node('DepthToSpace', [single(input, 'Expand')], scope, { blocksize: attr.int(m.gain), mode: attr.string('DCR') }),
    ),
  ],
};
