// CARAFE, content-aware reassembly of features (YOLOAir models/Models/research.py): an upsampler whose k×k reassembly
// kernels are predicted from the input — class, YAML spec, ONNX form. No BatchNorm, nothing to fuse.
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { attr, single, softmaxNode } from '../../../nn/onnx-emit.ts';
import { pixelShuffle, unfold } from '../../../tensor/functional.ts';
import { tidy } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/**
 * CARAFE(c1, c2, kernel_size=3, up_factor=2): kernels = softmax over k² of pixel_shuffle(encoder(down(x))), one k×k
 * kernel per output pixel; each output pixel is its kernel applied to the k×k neighbourhood (zero padded) of its source
 * pixel; then a 1×1 conv to c2. Output (N, c2, up·H, up·W).
 */
export class CARAFE extends Module {
  readonly kernelSize: number;
  readonly upFactor: number;
  readonly down: Conv2d;
  readonly encoder: Conv2d;
  readonly out: Conv2d;
  constructor(c1: number, c2: number, kernelSize = 3, upFactor = 2) {
    super();
    this.kernelSize = kernelSize;
    this.upFactor = upFactor;
    const cm = Math.floor(c1 / 4);
    this.down = this.registerModule('down', new Conv2d(c1, cm, 1));
    this.encoder = this.registerModule('encoder', new Conv2d(cm, upFactor ** 2 * kernelSize ** 2, kernelSize, { stride: 1, padding: Math.floor(kernelSize / 2) }));
    this.out = this.registerModule('out', new Conv2d(c1, c2, 1));
  }
  override get typeName(): string {
    return 'CARAFE';
  }
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const [n, c, h, w] = x.shape as [number, number, number, number];
      const [k, s] = [this.kernelSize, this.upFactor];
      // kernel prediction: (N, k², sH, sW), softmax over the k² taps, then grouped per source pixel (N, H, W, k², s²)
      const predicted = pixelShuffle(this.encoder.forward(this.down.forward(x)), s).softmax(1);
      const kernels = predicted.reshape(n, k * k, h, s, w, s).permute(0, 1, 2, 4, 3, 5).reshape(n, k * k, h, w, s * s).permute(0, 2, 3, 1, 4);
      // reassembly: each source pixel's k×k neighbourhood (N, H, W, C, k²) times its kernels → (N, H, W, C, s²)
      const patches = unfold(x, k, { padding: Math.floor(k / 2) }).reshape(n, c, k * k, h, w).permute(0, 3, 4, 1, 2);
      const assembled = patches.matmul(kernels).reshape(n, h, w, c * s * s).permute(0, 3, 1, 2);
      return this.out.forward(pixelShuffle(assembled, s));
    });
  }
}

export const carafeBlocks: BlockFamily = {
  name: 'carafe',
  modules: [
    {
      name: 'CARAFE',
      doc: { args: '[c2, kernel_size=3, up_factor=2]', purpose: 'content-aware upsampling: per-pixel k×k reassembly kernels predicted from the input, then a 1×1 conv' },
      pythonType: 'models.Models.research.CARAFE',
      argCount: [1, 3],
      channels: 'width',
      origin: 'YOLOAir',
      source: { repo: 'iscyy/yoloair', path: 'models/Models/research.py', paper: 'CARAFE, arXiv 1905.02188' },
      build: (a) => new CARAFE(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'kernel_size', 3), intArg(a, 3, 'up_factor', 2)),
    },
  ],
  onnx: [
    // Without an im2col operator: out = Σ over the k² taps (i, j) of nearest_up(shift_ij(pad(x))) · kernel_ij, where
    // kernel_ij is channel i·k + j of the softmaxed pixel-shuffled prediction. Upsampling the padded input once and
    // slicing it at offsets (i·s, j·s) gives every shifted copy; the slices' ends count from the far edge, so nothing
    // depends on the image size (dynamic shapes work).
    emitterEntry(CARAFE, (m, input, ctx, scope) => {
      const g = ctx.graph;
      const x = single(input, 'CARAFE');
      const [k, s] = [m.kernelSize, m.upFactor];
      const p = Math.floor(k / 2);
      const encoded = ctx.emit(m.encoder, ctx.emit(m.down, x, `${scope}.down`), `${scope}.encoder`);
      const shuffled = g.node('DepthToSpace', [encoded], scope, { blocksize: attr.int(s), mode: attr.string('CRD') });
      const kernels = softmaxNode(ctx, shuffled, 1, scope);
      const padded = g.node('Pad', [x, g.int64Constant(`${scope}.pads`, [0, 0, p, p, 0, 0, p, p])], scope, { mode: attr.string('constant') });
      const up = g.node('Resize', [padded, g.floatConstant(`${scope}.roi`, [0], []), g.floatConstant(`${scope}.scales`, [4], [1, 1, s, s])], scope, {
        mode: attr.string('nearest'),
        coordinate_transformation_mode: attr.string('asymmetric'),
        nearest_mode: attr.string('floor'),
      });
      const end = (offset: number) => (offset < 2 * p ? -s * (2 * p - offset) : Number.MAX_SAFE_INTEGER);
      const terms: string[] = [];
      for (let i = 0; i < k; i++) {
        for (let j = 0; j < k; j++) {
          const t = i * k + j;
          const shifted = g.node(
            'Slice',
            [up, g.int64Constant(`${scope}.starts${t}`, [i * s, j * s]), g.int64Constant(`${scope}.ends${t}`, [end(i), end(j)]), g.int64Constant(`${scope}.axes${t}`, [2, 3])],
            scope,
          );
          const tap = g.node('Slice', [kernels, g.int64Constant(`${scope}.tap_start${t}`, [t]), g.int64Constant(`${scope}.tap_end${t}`, [t + 1]), g.int64Constant(`${scope}.tap_axis${t}`, [1])], scope);
          terms.push(g.node('Mul', [shifted, tap], scope));
        }
      }
      const assembled = terms.length === 1 ? terms[0]! : g.node('Sum', terms, scope);
      return ctx.emit(m.out, assembled, `${scope}.out`);
    }),
  ],
};
