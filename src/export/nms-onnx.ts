// NMS inside the exported graph (`export --include onnx --nms`): YOLOv5's non_max_suppression (detect.py's form:
// best class per box, conf = obj·cls, class-aware by the cls·7680 box offset) on ONNX NonMaxSuppression.
//
// Output 'detections' (n, 7): image index, x1, y1, x2, y2, conf, cls in the letterboxed input's pixels — image by
// image, highest confidence first. One flat table of exactly the kept rows: no padding a user has to filter out, any
// batch size, and each image's slice is the (n, 6) rows tsyolo's own NMS returns.
import { attr } from '../nn/onnx-emit.ts';
import type { GraphBuilder } from './onnx-graph.ts';

/** The NMS settings baked into a graph; also written to the ONNX metadata ('nms') so loaders can tell. */
export interface OnnxNmsSettings {
  /** Confidence threshold. */
  confThres: number;
  /** NMS IoU threshold. */
  iouThres: number;
  /** Most detections kept per image (export.py's --topk-all). */
  maxDet: number;
  /** Class-agnostic NMS. */
  agnostic: boolean;
}

export const NMS_OUTPUT = 'detections';
/** Columns of the NMS output rows. */
export const NMS_COLUMNS = 7;
/** YOLOv5's max_wh: the per-class box offset that keeps classes apart in one NonMaxSuppression. */
const CLASS_OFFSET = 7680;

export function checkNmsSettings(s: OnnxNmsSettings): void {
  for (const [flag, v] of [['--conf-thres', s.confThres], ['--iou-thres', s.iouThres]] as const) {
    if (!(v >= 0 && v <= 1)) throw new Error(`ONNX export: ${flag} must be between 0 and 1, got ${v}`);
  }
  if (!Number.isInteger(s.maxDet) || s.maxDet < 1) throw new Error(`ONNX export: --topk-all must be a positive integer, got ${s.maxDet}`);
}

/**
 * Appends NMS after `pred` (N, rows, 5 + nc) decoded predictions, `nc` classes; returns the (n, 7) output's value name.
 */
export function emitNms(g: GraphBuilder, pred: string, nc: number, s: OnnxNmsSettings): string {
  const scope = 'nms';
  const slice = (x: string, start: number, end: number, name: string) =>
    g.node('Slice', [x, g.int64Constant(`${name}.starts`, [start]), g.int64Constant(`${name}.ends`, [end]), g.int64Constant(`${name}.axes`, [2])], `${scope}.${name}`);
  const xy = slice(pred, 0, 2, 'xy');
  const wh = slice(pred, 2, 4, 'wh');
  const obj = slice(pred, 4, 5, 'obj');
  const cls = slice(pred, 5, 5 + nc, 'cls');

  // xywh2xyxy, in float32 as YOLOv5 computes it: xy ∓ wh / 2.
  const half = g.node('Div', [wh, g.floatConstant(`${scope}.two`, [], [2])], scope);
  const boxes = g.node('Concat', [g.node('Sub', [xy, half], scope), g.node('Add', [xy, half], scope)], scope, { axis: attr.int(2) });

  // conf, j = (cls · obj).max(2): the best class of each box (ArgMax takes the first of equal scores, as torch.max).
  const scores = g.node('Mul', [cls, obj], scope);
  const conf = g.node('ReduceMax', [scores], scope, { axes: attr.ints([2]), keepdims: attr.int(1) });
  const j = g.node('Cast', [g.node('ArgMax', [scores], scope, { axis: attr.int(2), keepdims: attr.int(1) })], scope, { to: attr.int(1) });

  // Batched NMS by offset: each class's boxes moved cls·7680 px away, so boxes of different classes never overlap.
  const nmsBoxes = s.agnostic ? boxes : g.node('Add', [boxes, g.node('Mul', [j, g.floatConstant(`${scope}.max_wh`, [], [CLASS_OFFSET])], scope)], scope);
  const selected = g.node(
    'NonMaxSuppression',
    [
      nmsBoxes,
      g.node('Transpose', [conf], scope, { perm: attr.ints([0, 2, 1]) }),
      g.int64Scalar(`${scope}.max_det`, s.maxDet),
      g.floatConstant(`${scope}.iou_thres`, [], [s.iouThres]),
      g.floatConstant(`${scope}.conf_thres`, [], [s.confThres]),
    ],
    scope,
  );
  // selected (k, 3) = (image, class slot 0, box): gather those rows of (N, rows, 6) x1 y1 x2 y2 conf cls.
  const rows = g.node('Concat', [boxes, conf, j], scope, { axis: attr.int(2) });
  const picked = g.node('GatherND', [rows, g.node('Gather', [selected, g.int64Constant(`${scope}.image_box`, [0, 2])], scope, { axis: attr.int(1) })], scope);
  const image = g.node('Cast', [g.node('Gather', [selected, g.int64Constant(`${scope}.image`, [0])], scope, { axis: attr.int(1) })], scope, { to: attr.int(1) });
  return g.node('Concat', [image, picked], scope, { axis: attr.int(1) });
}

/** The metadata value recording the settings (JSON, snake_case like export.py's flags). */
export function nmsMetadata(s: OnnxNmsSettings): string {
  return JSON.stringify({ conf_thres: s.confThres, iou_thres: s.iouThres, max_det: s.maxDet, agnostic: s.agnostic });
}
