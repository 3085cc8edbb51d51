// YOLOv5 v7.0's segmentation head (models/yolo.py Segment, models/common.py Proto): Detect with nm mask
// coefficients per anchor (not sigmoided) and a Proto branch on the first level that makes the mask prototypes.
// Classes, YAML spec, ONNX form: as v7.0 exports it, 'output0' holds the decoded rows with their mask coefficients
// and 'output1' the prototypes.
import { Module } from '../../../nn/module.ts';
import { single } from '../../../nn/onnx-emit.ts';
import { Upsample } from '../../../nn/pooling.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, type ChannelContext, detectChannels, emitterEntry, makeDivisible } from '../../block.ts';
import { intArg } from '../../module-args.ts';
import { Conv, defaultActivation } from '../common/conv.ts';
import { Detect, detectAnchorsArg, emitDetect } from './detect.ts';

/** Mask prototypes: cv3(cv2(upsample(cv1(x)))), c_ hidden channels, c2 prototypes at twice the resolution. */
export class Proto extends Module {
  readonly cv1: Conv;
  readonly upsample: Upsample;
  readonly cv2: Conv;
  readonly cv3: Conv;
  constructor(c1: number, c = 256, c2 = 32, act: Module = defaultActivation) {
    super();
    this.cv1 = this.registerModule('cv1', new Conv(c1, c, 3, 1, null, 1, 1, act));
    this.upsample = this.registerModule('upsample', new Upsample(2, 'nearest'));
    this.cv2 = this.registerModule('cv2', new Conv(c, c, 3, 1, null, 1, 1, act));
    this.cv3 = this.registerModule('cv3', new Conv(c, c2, 1, 1, null, 1, 1, act));
  }
  override get typeName(): string {
    return 'Proto';
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of [this.cv1, this.upsample, this.cv2, this.cv3]) {
      const next = m.forward(y);
      if (y !== x) y.dispose();
      y = next;
    }
    return y;
  }
}

export class Segment extends Detect {
  readonly npr: number;
  readonly proto: Proto;
  constructor(nc: number, anchors: number[][], nm = 32, npr = 256, ch: number[] = [], act: Module = defaultActivation) {
    super(nc, anchors, ch, nm);
    this.npr = npr;
    this.proto = this.registerModule('proto', new Proto(ch[0]!, npr, nm, act));
  }
  override get typeName(): string {
    return 'Segment';
  }
  /**
   * Training: where the prototypes go (segmentation training sets it for one forward; v7.0's Segment returns
   * (x, p) in training). null: they are dropped and training returns the raw maps only, as detection's trainer expects.
   */
  protoSink: ((proto: Tensor) => void) | null = null;
  /** Training: the raw maps. Eval: { pred (bs, rows, 5 + nc + nm), raw, proto (bs, nm, h/4, w/4) }. */
  override forward(xs: Tensor[]): Tensor[] | { pred: Tensor; raw: Tensor[]; proto: Tensor } {
    const proto = this.proto.forward(xs[0]!);
    const out = super.forward(xs);
    if (Array.isArray(out)) {
      if (this.protoSink) this.protoSink(proto);
      else proto.dispose();
      return out;
    }
    return { ...out, proto };
  }
}

/** Detect's rule, then npr (args[3]) scaled by width as parse_model does for Segment. */
function segmentChannels(args: unknown[], ctx: ChannelContext) {
  const r = detectChannels(args, ctx);
  r.args[3] = makeDivisible(intArg(r.args, 3, 'npr') * ctx.gw, 8);
  return r;
}

export const segmentBlocks: BlockFamily = {
  name: 'segment',
  modules: [
    {
      name: 'Segment',
      doc: { args: '[nc, anchors, nm=32, npr=256]', purpose: 'segmentation head: Detect with nm mask coefficients per anchor, plus Proto mask prototypes' },
      pythonType: 'models.yolo.Segment',
      argCount: [4, 4],
      channels: segmentChannels,
      build: (a, ctx) => new Segment(intArg(a, 0, 'nc'), detectAnchorsArg(a[1]), intArg(a, 2, 'nm'), intArg(a, 3, 'npr'), a[4] as number[], ctx.act),
    },
  ],
  onnx: [
    emitterEntry(Proto, (m, input, ctx, scope) => {
      let y = single(input, 'Proto');
      for (const name of ['cv1', 'upsample', 'cv2', 'cv3'] as const) y = ctx.emit(m[name], y, `${scope}.${name}`);
      return y;
    }),
    emitterEntry(Segment, (m, input, ctx, scope) => {
      const xs = typeof input === 'string' ? [input] : input;
      // The prototypes are the graph's second output; named now, while their node is the last one.
      ctx.graph.renameLastOutput(ctx.emit(m.proto, xs[0]!, `${scope}.proto`), SEGMENT_PROTO_OUTPUT);
      return emitDetect(m, xs, ctx, scope);
    }),
  ],
};

/** The ONNX output holding the mask prototypes (v7.0's name). */
export const SEGMENT_PROTO_OUTPUT = 'output1';
