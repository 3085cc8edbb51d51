import { cat, zeros } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Module } from './module.ts';

/** nn.ZeroPad2d: `padding` as one number or (left, right, top, bottom). */
export class ZeroPad2d extends Module {
  /** Zeros added [left, right, top, bottom]. */
  readonly padding: [left: number, right: number, top: number, bottom: number];
  constructor(padding: number | [number, number, number, number]) {
    super();
    this.padding = typeof padding === 'number' ? [padding, padding, padding, padding] : padding;
    if (this.padding.length !== 4 || !this.padding.every((p) => Number.isInteger(p) && p >= 0)) {
      throw new Error(`ZeroPad2d padding must be a non-negative integer or [left, right, top, bottom], got ${JSON.stringify(padding)}`);
    }
  }
  forward(x: Tensor): Tensor {
    const [left, right, top, bottom] = this.padding;
    const wide = padDim(x, 3, left, right);
    const out = padDim(wide, 2, top, bottom);
    if (wide !== x && wide !== out) wide.dispose();
    return out;
  }
}

/** Zeros before and after `x` along `dim`. */
function padDim(x: Tensor, dim: number, before: number, after: number): Tensor {
  if (before === 0 && after === 0) return x;
  const opts = { dtype: x.dtype, device: x.device };
  const block = (n: number) => zeros(x.shape.map((s, d) => (d === dim ? n : s)), opts);
  const parts = [...(before ? [block(before)] : []), x, ...(after ? [block(after)] : [])];
  const out = cat(parts, dim);
  for (const p of parts) if (p !== x) p.dispose();
  return out;
}
