// ONNX nodes for YOLOv5's Detect head in inference mode: per level a 1×1 conv, then the same decoding as
// Detect.forward — xy = (2·σ + grid − 0.5)·stride, wh = (2·σ)²·anchor, objectness and classes σ — and all levels
// concatenated as (batch, anchors·cells, 5 + nc).
import { Detect } from '../../yolo/modules/detect.ts';
import { type EmitContext, registerOnnxEmitter } from '../emitter-registry.ts';
import { attr } from '../onnx-graph.ts';

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

registerOnnxEmitter(Detect, (m, input, ctx, scope) => {
  const g = ctx.graph;
  const xs = typeof input === 'string' ? [input] : input;
  if (xs.length !== m.nl) throw new Error(`ONNX export: Detect at '${scope}' has ${m.nl} levels but got ${xs.length} inputs`);
  if (m.stride.length !== m.nl) throw new Error(`ONNX export: Detect at '${scope}' has no strides (build the model first)`);
  const anchors = m.anchors.toFloat32Array(); // grid units, (nl, na, 2)
  const two = g.floatConstant(`${scope}.two`, [], [2]);
  const outputs: string[] = [];
  for (let i = 0; i < m.nl; i++) {
    const s = `${scope}.${i}`;
    const y = ctx.emit(m.m.items[i]!, xs[i]!, `${scope}.m.${i}`);
    // (b, na·no, ny, nx) → (b, na, no, ny·nx) → (b, na, ny·nx, no): rows in YOLOv5's (anchor, y, x) order.
    const maps = g.node('Reshape', [y, g.int64Constant(`${s}.maps_shape`, [0, m.na, m.no, -1])], s);
    const p = g.node('Sigmoid', [g.node('Transpose', [maps], s, { perm: attr.ints([0, 1, 3, 2]) })], s);
    const sizes = [2, 2, m.nc + 1];
    const [xy, wh, conf] =
      ctx.opset >= 13
        ? g.nodeN('Split', [p, g.int64Constant(`${s}.split`, sizes)], 3, s, { axis: attr.int(3) })
        : g.nodeN('Split', [p], 3, s, { axis: attr.int(3), split: attr.ints(sizes) });
    let grid: string;
    if (ctx.dynamic) grid = dynamicGrid(ctx, y, s);
    else {
      const [h, w] = ctx.imageSize;
      grid = staticGrid(ctx, h / m.stride[i]!, w / m.stride[i]!, s);
    }
    const stride = g.floatConstant(`${s}.stride`, [], [m.stride[i]!]);
    const xyPix = g.node('Mul', [g.node('Add', [g.node('Mul', [xy!, two], s), grid], s), stride], s);
    const anchorPix = Float32Array.from(anchors.subarray(i * m.na * 2, (i + 1) * m.na * 2), (a) => a * m.stride[i]!);
    const wh2 = g.node('Mul', [wh!, two], s);
    const whPix = g.node('Mul', [g.node('Mul', [wh2, wh2], s), g.floatConstant(`${s}.anchor_grid`, [1, m.na, 1, 2], anchorPix)], s);
    const decoded = g.node('Concat', [xyPix, whPix, conf!], s, { axis: attr.int(3) });
    outputs.push(g.node('Reshape', [decoded, g.int64Constant(`${s}.rows_shape`, [0, -1, m.no])], s));
  }
  return g.node('Concat', outputs, scope, { axis: attr.int(1) });
});
