// YOLOv5's Detect head: a 1×1 conv per level; in eval mode it decodes boxes to input pixels. Class, YAML spec and
// ONNX form (the same decoding as forward: xy = (2·σ + grid − 0.5)·stride, wh = (2·σ)²·anchor, objectness and
// classes σ, all levels concatenated as (batch, anchors·cells, 5 + nc)).
import { ModuleList } from '../../../nn/containers.ts';
import { Conv2d } from '../../../nn/conv2d.ts';
import { Module } from '../../../nn/module.ts';
import { attr, type EmitContext, splitNode } from '../../../nn/onnx-emit.ts';
import { arange, cat, stack, tensor } from '../../../tensor/create.ts';
import { keep } from '../../../tensor/scope.ts';
import type { Tensor } from '../../../tensor/tensor.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { intArg } from '../../module-args.ts';

/** YOLOv5's Detect head: a 1×1 conv per level, decoded to boxes in input pixels in eval mode. */
export class Detect extends Module {
  /** Number of classes. */
  readonly nc: number;
  /** Mask coefficients per anchor (Segment); 0 for detection. */
  readonly nm: number;
  /** Outputs per anchor: 5 + nc (+ nm). */
  readonly no: number;
  /** Number of detection levels. */
  readonly nl: number;
  /** Anchors per level. */
  readonly na: number;
  /** Per level, the layer that maps its feature map to na·no channels: a 1×1 Conv2d (other heads: their own). */
  readonly m: ModuleList<Module>;
  /** Strides per level, set by the model's dry run. */
  stride: number[] = [];
  readonly #grids = new Map<string, { grid: Tensor; anchorGrid: Tensor }>();

  /**
   * The anchor-based detection head every YOLOv5-style head shares (anchors, strides, decoding, ONNX form):
   * Segment and YOLOAir's Decoupled_Detect extend it; `level` builds a level's output layer (default: Conv2d 1×1).
   */
  constructor(nc: number, anchors: number[][], ch: number[], nm = 0, level?: (c: number) => Module) {
    super();
    this.nc = nc;
    this.nm = nm;
    this.no = nc + 5 + nm;
    this.nl = anchors.length;
    this.na = Math.floor(anchors[0]!.length / 2);
    // Anchors in pixels until the model divides them by the strides (then grid units, as YOLOv5 stores them).
    this.registerBuffer('anchors', tensor(anchors.flat(), { shape: [this.nl, this.na, 2] }));
    this.m = this.registerModule('m', new ModuleList<Module>(ch.map((c) => (level ? level(c) : new Conv2d(c, this.no * this.na, 1)))));
  }

  /** The convs that get YOLOv5's objectness/class bias prior (_initialize_biases): one per level, na·no outputs. */
  priorConvs(): Conv2d[] {
    return this.m.items as Conv2d[];
  }

  /** Whether DetectionModel checks the anchor order after dividing the anchors by the strides (YOLOv5: before). */
  get checksAnchorOrderInGridUnits(): boolean {
    return false;
  }

  override get typeName(): string {
    return 'Detect';
  }

  /** Anchors (nl, na, 2), in grid units once the model is built. */
  get anchors(): Tensor {
    return this.getBuffer('anchors')!;
  }

  /** Training: the raw maps (bs, na, ny, nx, no) per level. Eval: { pred (bs, rows, no) decoded, raw }. */
  forward(xs: Tensor[]): Tensor[] | {
    /** Decoded predictions (bs, rows, no) in input pixels. */
    pred: Tensor;
    /** The raw maps per level. */
    raw: Tensor[];
  } {
    const raw: Tensor[] = [];
    for (let i = 0; i < this.nl; i++) {
      const y = this.m.items[i]!.forward(xs[i]!) as Tensor;
      const [bs, , ny, nx] = y.shape as [number, number, number, number];
      raw.push(y.view(bs, this.na, this.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous());
    }
    if (this.training) return raw;
    const z: Tensor[] = [];
    for (let i = 0; i < this.nl; i++) {
      const r = raw[i]!;
      const [bs, , ny, nx] = r.shape as [number, number, number, number, number];
      const { grid, anchorGrid } = this.#grid(i, nx, ny);
      // Mask coefficients (Segment) stay raw; boxes, objectness and classes go through the sigmoid.
      const boxes = this.nm ? r.narrow(4, 0, this.nc + 5).sigmoid() : r.sigmoid();
      const [xy, wh, conf] = boxes.split([2, 2, this.nc + 1], 4) as [Tensor, Tensor, Tensor];
      const xyPix = xy.mul(2).add(grid).mul(this.stride[i]!);
      const whPix = wh.mul(2).pow(2).mul(anchorGrid);
      const parts = this.nm ? [xyPix, whPix, conf, r.narrow(4, this.nc + 5, this.nm)] : [xyPix, whPix, conf];
      z.push(cat(parts, 4).view(bs, this.na * ny * nx, this.no));
    }
    return { pred: cat(z, 1), raw };
  }

  /** Cell offsets (x, y) − 0.5 and anchors in pixels, cached per level and grid size. */
  #grid(i: number, nx: number, ny: number): { grid: Tensor; anchorGrid: Tensor } {
    const key = `${i}:${nx}x${ny}:${this.anchors.device}`;
    let g = this.#grids.get(key);
    if (!g) {
      const device = this.anchors.device;
      const ys = arange(ny, undefined, 1, { dtype: 'float32', device }).view(ny, 1).expand(ny, nx);
      const xsCoords = arange(nx, undefined, 1, { dtype: 'float32', device }).view(1, nx).expand(ny, nx);
      const grid = keep(stack([xsCoords, ys], 2).expand(1, this.na, ny, nx, 2).sub(0.5).contiguous());
      const anchorGrid = keep(this.anchors.select(0, i).mul(this.stride[i]!).view(1, this.na, 1, 1, 2).expand(1, this.na, ny, nx, 2).contiguous());
      g = { grid, anchorGrid };
      this.#grids.set(key, g);
    }
    return g;
  }

  protected override releaseTensors(): void {
    this.resetGrids();
    super.releaseTensors();
  }

  /** Forget cached grids (after anchors or strides change). */
  resetGrids(): void {
    for (const g of this.#grids.values()) {
      g.grid.dispose();
      g.anchorGrid.dispose();
    }
    this.#grids.clear();
  }
}

/** Cell offsets (x − 0.5, y − 0.5) for ny·nx cells in row-major order, as a constant (cells, 2). */
function staticGrid(ctx: EmitContext, ny: number, nx: number, scope: string): string {
  const grid = new Float32Array(ny * nx * 2);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      grid[(y * nx + x) * 2] = x - 0.5;
      grid[(y * nx + x) * 2 + 1] = y - 0.5;
    }
  }
  return ctx.graph.floatConstant(`${scope}.grid`, [ny * nx, 2], grid);
}

/** The same grid computed in the graph from the feature map's shape (dynamic image size). */
function dynamicGrid(ctx: EmitContext, featureMap: string, scope: string): string {
  const g = ctx.graph;
  const shape = g.node('Shape', [featureMap], scope);
  const ny = g.node('Gather', [shape, g.int64Scalar(`${scope}.h_index`, 2)], scope, { axis: attr.int(0) });
  const nx = g.node('Gather', [shape, g.int64Scalar(`${scope}.w_index`, 3)], scope, { axis: attr.int(0) });
  const cells = g.node('Mul', [ny, nx], scope);
  const k = g.node('Range', [g.int64Scalar(`${scope}.zero`, 0), cells, g.int64Scalar(`${scope}.one`, 1)], scope);
  const column = g.int64Constant(`${scope}.column_shape`, [-1, 1]);
  const asColumn = (v: string) => g.node('Reshape', [g.node('Cast', [v], scope, { to: attr.int(1) }), column], scope);
  const xs = asColumn(g.node('Mod', [k, nx], scope));
  const ys = asColumn(g.node('Div', [k, nx], scope));
  const xy = g.node('Concat', [xs, ys], scope, { axis: attr.int(1) });
  return g.node('Sub', [xy, g.floatConstant(`${scope}.half`, [], [0.5])], scope);
}

/** One level of the head: conv, then the decoded rows (b, na·ny·nx, no). */
function emitDetectLevel(m: Detect, i: number, x: string, two: string, ctx: EmitContext, scope: string): string {
  const g = ctx.graph;
  const s = `${scope}.${i}`;
  const y = ctx.emit(m.m.items[i]!, x, `${scope}.m.${i}`);
  // (b, na·no, ny, nx) → (b, na, no, ny·nx) → (b, na, ny·nx, no): rows in YOLOv5's (anchor, y, x) order.
  const maps = g.node('Reshape', [y, g.int64Constant(`${s}.maps_shape`, [0, m.na, m.no, -1])], s);
  const rows = g.node('Transpose', [maps], s, { perm: attr.ints([0, 1, 3, 2]) });
  // Mask coefficients (Segment) stay raw; boxes, objectness and classes go through the sigmoid.
  const [boxes, coefficients] = m.nm ? splitNode(ctx, rows, [m.nc + 5, m.nm], 3, s) : [rows, undefined];
  const p = g.node('Sigmoid', [boxes!], s);
  const [xy, wh, conf] = splitNode(ctx, p, [2, 2, m.nc + 1], 3, s);
  let grid: string;
  if (ctx.dynamic) grid = dynamicGrid(ctx, y, s);
  else {
    const [h, w] = ctx.imageSize;
    grid = staticGrid(ctx, h / m.stride[i]!, w / m.stride[i]!, s);
  }
  const stride = g.floatConstant(`${s}.stride`, [], [m.stride[i]!]);
  const xyPix = g.node('Mul', [g.node('Add', [g.node('Mul', [xy!, two], s), grid], s), stride], s);
  const anchors = m.anchors.toFloat32Array(); // grid units, (nl, na, 2)
  const anchorPix = Float32Array.from(anchors.subarray(i * m.na * 2, (i + 1) * m.na * 2), (a) => a * m.stride[i]!);
  const wh2 = g.node('Mul', [wh!, two], s);
  const whPix = g.node('Mul', [g.node('Mul', [wh2, wh2], s), g.floatConstant(`${s}.anchor_grid`, [1, m.na, 1, 2], anchorPix)], s);
  const decoded = g.node('Concat', coefficients ? [xyPix, whPix, conf!, coefficients] : [xyPix, whPix, conf!], s, { axis: attr.int(3) });
  return g.node('Reshape', [decoded, g.int64Constant(`${s}.rows_shape`, [0, -1, m.no])], s);
}

export function emitDetect(m: Detect, input: string | string[], ctx: EmitContext, scope: string): string {
  const xs = typeof input === 'string' ? [input] : input;
  if (xs.length !== m.nl) throw new Error(`ONNX export: Detect at '${scope}' has ${m.nl} levels but got ${xs.length} inputs`);
  if (m.stride.length !== m.nl) throw new Error(`ONNX export: Detect at '${scope}' has no strides (build the model first)`);
  const two = ctx.graph.floatConstant(`${scope}.two`, [], [2]);
  const outputs = xs.map((x, i) => emitDetectLevel(m, i, x, two, ctx, scope));
  return ctx.graph.node('Concat', outputs, scope, { axis: attr.int(1) });
}

/** The anchors argument of Detect and Segment: one list of (w, h) pairs per level. */
export function detectAnchorsArg(anchors: unknown): number[][] {
  if (!Array.isArray(anchors) || !anchors.every((r) => Array.isArray(r) && r.length % 2 === 0 && r.every((x) => typeof x === 'number'))) {
    throw new Error(`Detect anchors must be lists of (w, h) pairs, got ${JSON.stringify(anchors)}`);
  }
  return anchors as number[][];
}

export const detectBlocks: BlockFamily = {
  name: 'detect',
  modules: [
    {
      name: 'Detect',
      doc: { args: '[nc, anchors]', purpose: 'the YOLOv5 head: per-level 1×1 convs, decoded with grid and anchors' },
      pythonType: 'models.yolo.Detect',
      argCount: [2, 2],
      channels: 'detect',
      build: (a) => new Detect(intArg(a, 0, 'nc'), detectAnchorsArg(a[1]), a[2] as number[]),
    },
  ],
  onnx: [emitterEntry(Detect, emitDetect)],
};
