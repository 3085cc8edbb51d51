// Models exported with NMS inside (`export --include onnx --nms`): their (n, 7) output split into each image's
// (n, 6) rows instead of running tsyolo's NMS, and what a caller asked for that the baked-in NMS cannot give.
// Browser-safe.
import type { OnnxNmsSettings } from '../export/nms-onnx.ts';
import type { NmsOptions } from '../eval/nms.ts';
import { DetectionRows } from '../geometry/rows.ts';
import type { ModelOutput } from './backend.ts';

/**
 * Each image's rows of an in-graph NMS output (image, x1, y1, x2, y2, conf, cls per row). What can be applied
 * afterwards exactly is: a higher confidence threshold (the kept rows are sorted by confidence, so this cuts each
 * image's list where plain NMS at that threshold would end), `classes` and a lower `maxDet`.
 */
export function inGraphDetections(output: ModelOutput, images: number, nms: NmsOptions = {}): DetectionRows[] {
  const [n, cols] = output.shape as [number, number];
  if (output.shape.length !== 2 || cols !== 7) throw new Error(`a model with NMS inside must output (detections, 7) rows, got (${output.shape.join(', ')})`);
  const conf = Math.fround(nms.confThres ?? 0);
  const maxDet = nms.maxDet ?? Infinity;
  const keep = nms.classes ? new Set(nms.classes) : null;
  const rows: number[][] = Array.from({ length: images }, () => []);
  for (let r = 0; r < n; r++) {
    const row = output.data.subarray(r * 7, r * 7 + 7);
    const image = rows[row[0]!];
    if (!image) throw new Error(`a model with NMS inside gave a row for image ${row[0]} of ${images}`);
    if (!(row[5]! > conf) || (keep && !keep.has(row[6]!)) || image.length / 6 >= maxDet) continue;
    for (let c = 1; c < 7; c++) image.push(row[c]!);
  }
  return rows.map((r) => new DetectionRows(Float32Array.from(r)));
}

/** Requested NMS settings the model's own cannot honour, as YOLOv5-style warning text; null when there are none. */
export function inGraphNmsWarning(baked: OnnxNmsSettings, wanted: NmsOptions): string | null {
  const issues: string[] = [];
  if (wanted.confThres !== undefined && Math.fround(wanted.confThres) < Math.fround(baked.confThres)) issues.push(`--conf-thres ${wanted.confThres} is below it`);
  if (wanted.iouThres !== undefined && wanted.iouThres !== baked.iouThres) issues.push(`--iou-thres ${wanted.iouThres} differs`);
  if ((wanted.agnostic ?? false) !== baked.agnostic) issues.push(wanted.agnostic ? 'class-agnostic NMS was asked for' : 'class-aware NMS was asked for');
  if (wanted.multiLabel) issues.push('it keeps one class per box (no multi-label)');
  // export --nms bakes plain NMS; DIoU-NMS and Soft-NMS run only in tsyolo's own NMS (docs/nms.md)
  if (wanted.method !== undefined && wanted.method !== 'nms') issues.push(`--nms-method ${wanted.method} cannot apply (its NMS is plain NMS)`);
  // After class-agnostic NMS a box of another class may already have suppressed one of the kept classes.
  if (baked.agnostic && wanted.classes) issues.push('--classes filters after its class-agnostic NMS, not before');
  if (issues.length === 0) return null;
  const own = `conf-thres ${baked.confThres}, iou-thres ${baked.iouThres}, max-det ${baked.maxDet}${baked.agnostic ? ', agnostic' : ''}`;
  return `WARNING ⚠️ the model has NMS inside (${own}): ${issues.join(', ')}; the model's own NMS is used`;
}
