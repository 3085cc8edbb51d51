// A tsyolo plugin: CBAM (Woo et al., "CBAM: Convolutional Block Attention Module", ECCV 2018) written from the
// paper, as the YAML block `MyCBAM` (tsyolo's zoo has its own `CBAM`, YOLOAir's, which this does not replace).
//
//   channel attention  x · σ(MLP(avgpool(x)) + MLP(maxpool(x)))       MLP = 1×1 conv c→c/r, ReLU, 1×1 conv c/r→c
//   spatial attention  x · σ(conv_k×k([mean_c(x); max_c(x)]))
//
// YAML row: [-1, 1, MyCBAM, [ratio, kernel]] (both optional: 16, 7); the input channels come from the layer before
// and the output channels equal them. Use it with any command that builds or loads a model:
//
//   tsyolo info --cfg examples/plugin-cbam/yolov5s-mycbam.yaml --plugin examples/plugin-cbam/cbam.ts
//
// A plugin exports register(api). `api` is the tsyolo package itself (the copy the command runs): take classes
// and functions from it, and import only types from 'tsyolo' (erased when the file is loaded).
import type { EmitContext, PluginApi, Tensor, nn } from 'tsyolo';

export function register(api: PluginApi): void {
  const { Module, tidy, cat } = api;

  /** x · σ(MLP(avgpool(x)) + MLP(maxpool(x))), the MLP shared by both pooled maps. */
  class ChannelAttention extends Module {
    readonly avgPool: nn.AdaptiveAvgPool2d;
    readonly maxPool: nn.AdaptiveMaxPool2d;
    readonly mlp: nn.Sequential;
    readonly sigmoid: nn.Sigmoid;
    constructor(c: number, ratio: number) {
      super();
      const hidden = Math.max(Math.floor(c / ratio), 1);
      this.avgPool = this.registerModule('avg_pool', new api.nn.AdaptiveAvgPool2d(1));
      this.maxPool = this.registerModule('max_pool', new api.nn.AdaptiveMaxPool2d(1));
      this.mlp = this.registerModule(
        'mlp',
        new api.nn.Sequential(new api.nn.Conv2d(c, hidden, 1, { bias: false }), new api.nn.ReLU(), new api.nn.Conv2d(hidden, c, 1, { bias: false })),
      );
      this.sigmoid = this.registerModule('sigmoid', new api.nn.Sigmoid());
    }
    forward(x: Tensor): Tensor {
      return tidy(() => {
        const a = this.mlp.forward(this.avgPool.forward(x));
        const m = this.mlp.forward(this.maxPool.forward(x));
        return x.mul(this.sigmoid.forward(a.add(m)));
      });
    }
  }

  /** x · σ(conv([mean over channels; max over channels])). */
  class SpatialAttention extends Module {
    readonly conv: nn.Conv2d;
    readonly sigmoid: nn.Sigmoid;
    constructor(kernel: number) {
      super();
      this.conv = this.registerModule('conv', new api.nn.Conv2d(2, 1, kernel, { padding: Math.floor(kernel / 2), bias: false }));
      this.sigmoid = this.registerModule('sigmoid', new api.nn.Sigmoid());
    }
    forward(x: Tensor): Tensor {
      return tidy(() => x.mul(this.sigmoid.forward(this.conv.forward(cat([x.mean(1, true), x.amax(1, true)], 1)))));
    }
  }

  class MyCBAM extends Module {
    readonly channel: ChannelAttention;
    readonly spatial: SpatialAttention;
    constructor(c1: number, ratio = 16, kernel = 7) {
      super();
      if (kernel % 2 !== 1) throw new Error(`MyCBAM: kernel must be odd (the map keeps its size), got ${kernel}`);
      this.channel = this.registerModule('channel', new ChannelAttention(c1, ratio));
      this.spatial = this.registerModule('spatial', new SpatialAttention(kernel));
    }
    forward(x: Tensor): Tensor {
      return tidy(() => this.spatial.forward(this.channel.forward(x)));
    }
    // The layer table's "module" column (YOLOv5 prints the Python class path).
    override get typeName(): string {
      return 'MyCBAM';
    }
  }

  // ONNX: the children (pooling, convs, ReLU, Sigmoid) have built-in emitters; the blocks add Add, Mul, the
  // channel mean/max and the Concat. The shared MLP is emitted once per pooled map (its weights appear twice).
  const emitChannel = (m: ChannelAttention, input: string | string[], ctx: EmitContext, scope: string): string => {
    const x = api.single(input, 'ChannelAttention');
    const a = ctx.emit(m.mlp, ctx.emit(m.avgPool, x, `${scope}.avg_pool`), `${scope}.mlp`);
    const b = ctx.emit(m.mlp, ctx.emit(m.maxPool, x, `${scope}.max_pool`), `${scope}.mlp`);
    return ctx.graph.node('Mul', [x, ctx.emit(m.sigmoid, ctx.graph.node('Add', [a, b], scope), `${scope}.sigmoid`)], scope);
  };
  const emitSpatial = (m: SpatialAttention, input: string | string[], ctx: EmitContext, scope: string): string => {
    const x = api.single(input, 'SpatialAttention');
    const pooled = api.concatChannels(ctx, [api.reduceNode(ctx, 'ReduceMean', x, [1], true, scope), api.reduceNode(ctx, 'ReduceMax', x, [1], true, scope)], scope);
    return ctx.graph.node('Mul', [x, ctx.emit(m.sigmoid, ctx.emit(m.conv, pooled, `${scope}.conv`), `${scope}.sigmoid`)], scope);
  };
  const emitCbam = (m: MyCBAM, input: string | string[], ctx: EmitContext, scope: string): string =>
    ctx.emit(m.spatial, ctx.emit(m.channel, input, `${scope}.channel`), `${scope}.spatial`);

  api.registerBlockFamily({
    name: 'my-cbam',
    modules: [
      // defineModule: build() gets typed, checked constructor args (a bad YAML value names the block and argument).
      api.defineModule({
        name: 'MyCBAM',
        pythonType: 'MyCBAM',
        argCount: [0, 2],
        // Channel rule: the constructor gets [c1, ...YAML args] and the layer keeps c1 channels.
        channels: (args, ctx) => {
          if (Array.isArray(ctx.from)) throw new Error('MyCBAM reads one layer (from: -1 or an index)');
          const c1 = api.chAt(ctx.ch, ctx.from);
          return { args: [c1, ...args], c2: c1 };
        },
        args: [api.arg.int('c1'), api.arg.int('ratio', 16), api.arg.int('kernel', 7)],
        build: ([c1, ratio, kernel]) => new MyCBAM(c1, ratio, kernel),
        origin: 'user',
        doc: { args: '[ratio=16, kernel=7]', purpose: 'CBAM channel then spatial attention (plugin example, docs/plugins.md)' },
      }),
    ],
    onnx: [api.emitterEntry(ChannelAttention, emitChannel), api.emitterEntry(SpatialAttention, emitSpatial), api.emitterEntry(MyCBAM, emitCbam)],
  });
}
