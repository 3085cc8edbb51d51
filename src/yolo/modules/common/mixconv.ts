// YOLOv5 v7.0's MixConv2d (models/experimental.py, https://arxiv.org/abs/1907.09595): one conv per kernel size over
// the same input, their outputs concatenated, then BatchNorm + SiLU — class, YAML spec, ONNX form. Its BatchNorm
// is not folded by YOLOv5's fuse(), so neither is it here.
import { SiLU } from '../../../nn/activation.ts';
import { BatchNorm2d } from '../../../nn/batchnorm2d.ts';
import { ModuleList } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { concatChannels, single } from '../../../nn/onnx-emit.ts';
import { roundHalfEven } from '../../../compat/python.ts';
import { cat, linspace } from '../../../tensor/create.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { boolArg, intArg, intListArg } from '../../module-args.ts';
import { gcd } from './conv.ts';

/**
 * Output channels of each kernel's conv. equal_ch: c2 split as torch.linspace(0, n - 1e-6, c2).floor() groups it
 * (float32, so computed by the engine to match it exactly). Otherwise equal weight counts: c_i·k_i² the same for
 * every i with Σ c_i = c2 — the exact solution of the system YOLOv5 hands to np.linalg.lstsq — rounded half-even.
 */
export function mixConvChannels(c2: number, k: readonly number[], equalCh: boolean): number[] {
  const n = k.length;
  if (equalCh) {
    const groups = tidy(() => linspace(0, n - 1e-6, c2).floor().toFloat32Array());
    return k.map((_, g) => groups.filter((v) => v === g).length);
  }
  const inverseAreas = k.map((ki) => 1 / (ki * ki));
  const total = inverseAreas.reduce((s, v) => s + v, 0);
  return inverseAreas.map((v) => roundHalfEven((c2 * v) / total));
}

export class MixConv2d extends Module {
  readonly m: ModuleList<Conv2d>;
  readonly bn: BatchNorm2d;
  readonly act: SiLU;
  constructor(c1: number, c2: number, k: readonly number[] = [1, 3], s = 1, equalCh = true) {
    super();
    if (k.length === 0 || !k.every((ki) => Number.isInteger(ki) && ki > 0)) throw new Error(`MixConv2d kernel sizes must be a non-empty list of positive integers, got ${JSON.stringify(k)}`);
    const channels = mixConvChannels(c2, k, equalCh);
    const empty = channels.findIndex((c) => c <= 0);
    if (empty >= 0) throw new Error(`MixConv2d(${c1}, ${c2}, k=${JSON.stringify(k)}): kernel ${k[empty]} gets ${channels[empty]} output channels; use more channels or fewer kernels`);
    this.m = this.registerModule(
      'm',
      new ModuleList(k.map((ki, i) => new Conv2d(c1, channels[i]!, ki, { stride: s, padding: Math.floor(ki / 2), groups: gcd(c1, channels[i]!), bias: false }))),
    );
    // YOLOv5 sizes the BatchNorm by c2 even when the split does not add up to it (then forward fails, as there).
    this.bn = this.registerModule('bn', new BatchNorm2d(c2));
    this.act = this.registerModule('act', new SiLU());
  }
  override get typeName(): string {
    return 'MixConv2d';
  }
  forward(x: Tensor): Tensor {
    const parts = this.m.items.map((conv) => conv.forward(x));
    const joined = cat(parts, 1);
    for (const p of parts) p.dispose();
    const normed = this.bn.forward(joined);
    joined.dispose();
    const out = this.act.forward(normed);
    normed.dispose();
    return out;
  }
}

export const mixConvBlocks: BlockFamily = {
  name: 'mixconv',
  modules: [
    {
      name: 'MixConv2d',
      doc: { args: '[c2, k=(1, 3), s=1, equal_ch=True]', purpose: 'mixed depth-wise conv: one conv per kernel size, concatenated, BatchNorm + SiLU' },
      pythonType: 'models.experimental.MixConv2d',
      argCount: [1, 4],
      channels: 'width',
      build: (a) => new MixConv2d(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intListArg(a, 2, 'k', [1, 3]), intArg(a, 3, 's', 1), boolArg(a, 4, 'equal_ch', true)),
    },
  ],
  onnx: [
    emitterEntry(MixConv2d, (m, input, ctx, scope) => {
      const x = single(input, 'MixConv2d');
      const parts = m.m.items.map((conv, i) => ctx.emit(conv, x, `${scope}.m.${i}`));
      const normed = ctx.emit(m.bn, concatChannels(ctx, parts, scope), `${scope}.bn`);
      return ctx.emit(m.act, normed, `${scope}.act`);
    }),
  ],
};
