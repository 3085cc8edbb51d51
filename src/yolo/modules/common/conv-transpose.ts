// Transposed convolutions in YOLOv5 v7.0 YAMLs: nn.ConvTranspose2d and DWConvTranspose2d (models/common.py, a
// ConvTranspose2d with groups = gcd(c1, c2)) — YAML specs and the ONNX ConvTranspose form. Neither is fused.
import { ConvTranspose2d } from '../../../nn/conv-transpose2d.ts';
import { attr, type EmitContext, single } from '../../../nn/onnx-emit.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { emitConvNode } from './torch-nn.ts';
import { intArg } from '../../module-args.ts';
import { gcd } from './conv.ts';

/** Depth-wise transposed convolution. */
export class DWConvTranspose2d extends ConvTranspose2d {
  constructor(c1: number, c2: number, k = 1, s = 1, p1 = 0, p2 = 0) {
    super(c1, c2, k, { stride: s, padding: p1, outputPadding: p2, groups: gcd(c1, c2) });
  }
  override get typeName(): string {
    return 'DWConvTranspose2d';
  }
}

export const convTransposeBlocks: BlockFamily = {
  name: 'conv-transpose',
  modules: [
    {
      name: 'nn.ConvTranspose2d',
      doc: { args: '[c2, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1]', purpose: 'transposed convolution (learned upsampling)' },
      pythonType: 'torch.nn.modules.conv.ConvTranspose2d',
      argCount: [2, 8],
      channels: 'width',
      build: (a) => {
        const bias = a[7] ?? true;
        if (typeof bias !== 'boolean') throw new Error(`bias must be True or False, got ${JSON.stringify(a[7])}`);
        return new ConvTranspose2d(intArg(a, 0, 'in_channels'), intArg(a, 1, 'out_channels'), intArg(a, 2, 'kernel_size'), {
          stride: intArg(a, 3, 'stride', 1),
          padding: intArg(a, 4, 'padding', 0),
          outputPadding: intArg(a, 5, 'output_padding', 0),
          groups: intArg(a, 6, 'groups', 1),
          bias,
          dilation: intArg(a, 8, 'dilation', 1),
        });
      },
    },
    {
      name: 'DWConvTranspose2d',
      doc: { args: '[c2, k=1, s=1, p1=0, p2=0]', purpose: 'depth-wise transposed convolution: groups = gcd(c1, c2)' },
      pythonType: 'models.common.DWConvTranspose2d',
      argCount: [1, 5],
      channels: 'width',
      build: (a) => new DWConvTranspose2d(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 1), intArg(a, 3, 's', 1), intArg(a, 4, 'p1', 0), intArg(a, 5, 'p2', 0)),
    },
  ],
  onnx: [
    emitterEntry(ConvTranspose2d, emitConvTranspose),
    emitterEntry(DWConvTranspose2d, emitConvTranspose),
  ],
};

function emitConvTranspose(m: ConvTranspose2d, input: string | string[], ctx: EmitContext, scope: string): string {
  return emitConvNode('ConvTranspose', m, m.typeName, input, ctx, scope, { output_padding: attr.ints([...m.outputPadding]) });
}
