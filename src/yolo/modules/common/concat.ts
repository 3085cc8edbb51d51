// Concat: joins the layers named in `from` — class, YAML spec (c2 = sum of inputs), ONNX form.
import { Module } from '../../../nn/module.ts';
import { attr } from '../../../nn/onnx-emit.ts';
import { cat } from '../../../tensor/create.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/** Concatenates the layers named in `from`, in that order. */
export class Concat extends Module {
  constructor(
    /** The dimension concatenated along (1: channels). */
    readonly d = 1,
  ) {
    super();
  }
  override get typeName(): string {
    return 'Concat';
  }
  forward(xs: Tensor[]): Tensor {
    return cat(xs, this.d);
  }
}

export const concatBlocks: BlockFamily = {
  name: 'concat',
  modules: [{ name: 'Concat', doc: { args: '[dimension=1]', purpose: 'concatenates the `from` layers along channels' }, pythonType: 'models.common.Concat', argCount: [0, 1], channels: 'concat', build: (a) => new Concat(intArg(a, 0, 'dimension', 1)) }],
  onnx: [emitterEntry(Concat, (m, input, ctx, scope) => ctx.graph.node('Concat', typeof input === 'string' ? [input] : input, scope, { axis: attr.int(m.d) }))],
};
