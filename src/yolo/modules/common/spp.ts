// Spatial pyramid pooling: SPPF (YOLOv5 v6+) and SPP (YOLOv3-SPP, YOLOv5 ≤ v5.0): classes, YAML specs, ONNX form.
import { ModuleList } from '../../../nn/containers.ts';
import { Module } from '../../../nn/module.ts';
import { concatChannels, single } from '../../../nn/onnx-emit.ts';
import { MaxPool2d } from '../../../nn/pooling.ts';
import { cat } from '../../../tensor/create.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg, intListArg } from '../../module-args.ts';
import { Conv, defaultActivation } from './conv.ts';

/** Spatial pyramid pooling, fast: three chained k×k max-pools equal SPP(5, 9, 13). */
export class SPPF extends Module {
  /** 1×1 conv halving the channels. */
  readonly cv1: Conv;
  /** 1×1 conv after the concatenation. */
  readonly cv2: Conv;
  /** The k×k stride-1 max-pool applied three times. */
  readonly m: MaxPool2d;
  constructor(c1: number, c2: number, k = 5, act: Module = defaultActivation) {
    super();
    const c = Math.floor(c1 / 2);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 1, 1, null, 1, 1, act));
    this.cv2 = this.registerModule('cv2', new Conv(c * 4, c2, 1, 1, null, 1, 1, act));
    this.m = this.registerModule('m', new MaxPool2d(k, 1, Math.floor(k / 2)));
  }
  override get typeName(): string {
    return 'SPPF';
  }
  forward(x: Tensor): Tensor {
    const a = this.cv1.forward(x);
    const y1 = this.m.forward(a);
    const y2 = this.m.forward(y1);
    const y3 = this.m.forward(y2);
    const joined = cat([a, y1, y2, y3], 1);
    for (const t of [a, y1, y2, y3]) t.dispose();
    const out = this.cv2.forward(joined);
    joined.dispose();
    return out;
  }
}

/** Spatial pyramid pooling with parallel max-pools. */
export class SPP extends Module {
  /** 1×1 conv halving the channels. */
  readonly cv1: Conv;
  /** 1×1 conv after the concatenation. */
  readonly cv2: Conv;
  /** One stride-1 max-pool per kernel size. */
  readonly m: ModuleList<MaxPool2d>;
  constructor(c1: number, c2: number, k: number[] = [5, 9, 13], act: Module = defaultActivation) {
    super();
    const c = Math.floor(c1 / 2);
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 1, 1, null, 1, 1, act));
    this.cv2 = this.registerModule('cv2', new Conv(c * (k.length + 1), c2, 1, 1, null, 1, 1, act));
    this.m = this.registerModule('m', new ModuleList(k.map((x) => new MaxPool2d(x, 1, Math.floor(x / 2)))));
  }
  override get typeName(): string {
    return 'SPP';
  }
  forward(x: Tensor): Tensor {
    const a = this.cv1.forward(x);
    const pooled = this.m.items.map((p) => p.forward(a));
    const joined = cat([a, ...pooled], 1);
    for (const t of [a, ...pooled]) t.dispose();
    const out = this.cv2.forward(joined);
    joined.dispose();
    return out;
  }
}

export const sppBlocks: BlockFamily = {
  name: 'spp',
  modules: [
    {
      name: 'SPPF',
      doc: { args: '[c2, k=5]', purpose: 'spatial pyramid pooling, fast: three chained k×k max-pools concatenated' },
      pythonType: 'models.common.SPPF',
      argCount: [1, 2],
      channels: 'width',
      build: (a, ctx) => new SPPF(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 5), ctx.act),
    },
    {
      name: 'SPP',
      doc: { args: '[c2, k=[5, 9, 13]]', purpose: 'spatial pyramid pooling: parallel max-pools concatenated' },
      pythonType: 'models.common.SPP',
      argCount: [1, 2],
      channels: 'width',
      build: (a, ctx) => new SPP(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intListArg(a, 2, 'k', [5, 9, 13]), ctx.act),
    },
  ],
  onnx: [
    emitterEntry(SPPF, (m, input, ctx, scope) => {
      const a = ctx.emit(m.cv1, single(input, 'SPPF'), `${scope}.cv1`);
      const y1 = ctx.emit(m.m, a, `${scope}.m`);
      const y2 = ctx.emit(m.m, y1, `${scope}.m`);
      const y3 = ctx.emit(m.m, y2, `${scope}.m`);
      return ctx.emit(m.cv2, concatChannels(ctx, [a, y1, y2, y3], scope), `${scope}.cv2`);
    }),
    emitterEntry(SPP, (m, input, ctx, scope) => {
      const a = ctx.emit(m.cv1, single(input, 'SPP'), `${scope}.cv1`);
      const pooled = m.m.items.map((p, i) => ctx.emit(p, a, `${scope}.m.${i}`));
      return ctx.emit(m.cv2, concatChannels(ctx, [a, ...pooled], scope), `${scope}.cv2`);
    }),
  ],
};
