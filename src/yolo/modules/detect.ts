// YOLOv5's Detect head: a 1×1 conv per level; in eval mode it decodes boxes to input pixels.
import { ModuleList } from '../../nn/containers.ts';
import { Conv2d } from '../../nn/conv2d.ts';
import { Module } from '../../nn/module.ts';
import { arange, cat, stack, tensor } from '../../tensor/create.ts';
import { keep } from '../../tensor/scope.ts';
import type { Tensor } from '../../tensor/tensor.ts';

export class Detect extends Module {
  readonly nc: number;
  readonly no: number;
  readonly nl: number;
  readonly na: number;
  readonly m: ModuleList<Conv2d>;
  /** Strides per level, set by the model's dry run. */
  stride: number[] = [];
  readonly #grids = new Map<string, { grid: Tensor; anchorGrid: Tensor }>();

  constructor(nc: number, anchors: number[][], ch: number[]) {
    super();
    this.nc = nc;
    this.no = nc + 5;
    this.nl = anchors.length;
    this.na = Math.floor(anchors[0]!.length / 2);
    // Anchors in pixels until the model divides them by the strides (then grid units, as YOLOv5 stores them).
    this.registerBuffer('anchors', tensor(anchors.flat(), { shape: [this.nl, this.na, 2] }));
    this.m = this.registerModule('m', new ModuleList(ch.map((c) => new Conv2d(c, this.no * this.na, 1))));
  }

  override get typeName(): string {
    return 'Detect';
  }

  get anchors(): Tensor {
    return this.getBuffer('anchors')!;
  }

  /** Training: the raw maps (bs, na, ny, nx, no) per level. Eval: { pred (bs, rows, no) decoded, raw }. */
  forward(xs: Tensor[]): Tensor[] | { pred: Tensor; raw: Tensor[] } {
    const raw: Tensor[] = [];
    for (let i = 0; i < this.nl; i++) {
      const y = this.m.items[i]!.forward(xs[i]!);
      const [bs, , ny, nx] = y.shape as [number, number, number, number];
      raw.push(y.view(bs, this.na, this.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous());
    }
    if (this.training) return raw;
    const z: Tensor[] = [];
    for (let i = 0; i < this.nl; i++) {
      const r = raw[i]!;
      const [bs, , ny, nx] = r.shape as [number, number, number, number, number];
      const { grid, anchorGrid } = this.#grid(i, nx, ny);
      const [xy, wh, conf] = r.sigmoid().split([2, 2, this.nc + 1], 4) as [Tensor, Tensor, Tensor];
      const xyPix = xy.mul(2).add(grid).mul(this.stride[i]!);
      const whPix = wh.mul(2).pow(2).mul(anchorGrid);
      z.push(cat([xyPix, whPix, conf], 4).view(bs, this.na * ny * nx, this.no));
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
