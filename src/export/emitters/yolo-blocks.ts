// ONNX nodes for YOLOv5's blocks (models/common.py): Conv, DWConv, Bottleneck, C3, SPP, SPPF, Focus, Concat.
import { Bottleneck, C3 } from '../../yolo/modules/bottleneck.ts';
import { Concat } from '../../yolo/modules/concat.ts';
import { Conv, DWConv } from '../../yolo/modules/conv.ts';
import { Focus } from '../../yolo/modules/focus.ts';
import { SPP, SPPF } from '../../yolo/modules/spp.ts';
import { type EmitContext, registerOnnxEmitter, single } from '../emitter-registry.ts';
import { attr } from '../onnx-graph.ts';

function emitConv(m: Conv, input: string | string[], ctx: EmitContext, scope: string): string {
  let y = ctx.emit(m.conv, single(input, m.typeName), `${scope}.conv`);
  if (m.bn) y = ctx.emit(m.bn, y, `${scope}.bn`);
  return ctx.emit(m.act, y, `${scope}.act`);
}
registerOnnxEmitter(Conv, emitConv);
registerOnnxEmitter(DWConv, emitConv);

registerOnnxEmitter(Bottleneck, (m, input, ctx, scope) => {
  const x = single(input, 'Bottleneck');
  const y = ctx.emit(m.cv2, ctx.emit(m.cv1, x, `${scope}.cv1`), `${scope}.cv2`);
  return m.add ? ctx.graph.node('Add', [x, y], scope) : y;
});

registerOnnxEmitter(C3, (m, input, ctx, scope) => {
  const x = single(input, 'C3');
  const a = ctx.emit(m.m, ctx.emit(m.cv1, x, `${scope}.cv1`), `${scope}.m`);
  const b = ctx.emit(m.cv2, x, `${scope}.cv2`);
  return ctx.emit(m.cv3, ctx.graph.node('Concat', [a, b], scope, { axis: attr.int(1) }), `${scope}.cv3`);
});

registerOnnxEmitter(SPPF, (m, input, ctx, scope) => {
  const a = ctx.emit(m.cv1, single(input, 'SPPF'), `${scope}.cv1`);
  const y1 = ctx.emit(m.m, a, `${scope}.m`);
  const y2 = ctx.emit(m.m, y1, `${scope}.m`);
  const y3 = ctx.emit(m.m, y2, `${scope}.m`);
  return ctx.emit(m.cv2, ctx.graph.node('Concat', [a, y1, y2, y3], scope, { axis: attr.int(1) }), `${scope}.cv2`);
});

registerOnnxEmitter(SPP, (m, input, ctx, scope) => {
  const a = ctx.emit(m.cv1, single(input, 'SPP'), `${scope}.cv1`);
  const pooled = m.m.items.map((p, i) => ctx.emit(p, a, `${scope}.m.${i}`));
  return ctx.emit(m.cv2, ctx.graph.node('Concat', [a, ...pooled], scope, { axis: attr.int(1) }), `${scope}.cv2`);
});

// Space-to-depth: x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2] concatenated on channels.
registerOnnxEmitter(Focus, (m, input, ctx, scope) => {
  const g = ctx.graph;
  const x = single(input, 'Focus');
  const axes = g.int64Constant(`${scope}.axes`, [2, 3]);
  const steps = g.int64Constant(`${scope}.steps`, [2, 2]);
  const ends = g.int64Constant(`${scope}.ends`, [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);
  // Row offset, column offset in YOLOv5's order.
  const parts = ([[0, 0], [1, 0], [0, 1], [1, 1]] as const).map(([r, c]) =>
    g.node('Slice', [x, g.int64Constant(`${scope}.starts`, [r, c]), ends, axes, steps], scope),
  );
  return ctx.emit(m.conv, g.node('Concat', parts, scope, { axis: attr.int(1) }), `${scope}.conv`);
});

registerOnnxEmitter(Concat, (m, input, ctx, scope) =>
  ctx.graph.node('Concat', typeof input === 'string' ? [input] : input, scope, { axis: attr.int(m.d) }),
);
