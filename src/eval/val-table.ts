// The text val.py (YOLOv5 v7.0) prints: the table header, one row per line, and the speed line.

import { pyFormat, pyStr } from '../compat/python.ts';

const HEADER_FORMAT = '%22s' + '%11s'.repeat(6);
const ROW_FORMAT = '%22s' + '%11i'.repeat(2) + '%11.3g'.repeat(4);

/** `('%22s' + '%11s' * 6) % ('Class', 'Images', 'Instances', 'P', 'R', 'mAP50', 'mAP50-95')`. */
export function formatValHeader(): string {
  return pyFormat(HEADER_FORMAT, 'Class', 'Images', 'Instances', 'P', 'R', 'mAP50', 'mAP50-95');
}

/** One result row, `'%22s' + '%11i' * 2 + '%11.3g' * 4`: e.g. ('all', images, instances, P, R, mAP50, mAP50-95). */
export function formatValRow(
  name: string,
  images: number,
  instances: number,
  p: number,
  r: number,
  map50: number,
  map: number,
): string {
  return pyFormat(ROW_FORMAT, name, images, instances, p, r, map50, map);
}

/**
 * `Speed: %.1fms pre-process, %.1fms inference, %.1fms NMS per image at shape (bs, 3, h, w)`, the shape written
 * as a Python tuple.
 */
export function formatSpeedLine(pre: number, inf: number, nms: number, shape: readonly number[]): string {
  const items = shape.map((v) => pyStr(v));
  const tuple = items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`;
  return pyFormat('Speed: %.1fms pre-process, %.1fms inference, %.1fms NMS per image at shape ', pre, inf, nms) + tuple;
}
