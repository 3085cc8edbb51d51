// YOLO-format label files of detections (detect.py --save-txt, val.py save_one_txt): one line per box,
// `class cx cy w h [conf]` normalised to the original image, printed with %g.
import { existsSync, readFileSync } from 'node:fs';
import { pyFormat } from '../compat/python.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { DetectionRows } from '../geometry/rows.ts';

export interface LabelLinesOptions {
  /** Append the confidence (--save-conf). */
  saveConf?: boolean;
  /** Lowest confidence first, as detect.py writes `reversed(det)`; val.py keeps NMS order. */
  reversed?: boolean;
}

/** The label lines of `det` ((n, 6) in the pixels of an image `width`×`height`). */
export function labelLines(det: DetectionRows, width: number, height: number, o: LabelLinesOptions = {}): string[] {
  const lines: string[] = [];
  const f = Math.fround; // xyxy2xywh(...) / gn runs on float32 tensors
  for (let k = 0; k < det.length; k++) {
    const r = o.reversed ? det.length - 1 - k : k;
    const cx = f(f(det.x1(r) + det.x2(r)) / 2);
    const cy = f(f(det.y1(r) + det.y2(r)) / 2);
    const bw = f(det.x2(r) - det.x1(r));
    const bh = f(det.y2(r) - det.y1(r));
    const v = [det.cls(r), f(cx / width), f(cy / height), f(bw / width), f(bh / height)];
    if (o.saveConf) v.push(det.conf(r));
    lines.push(v.map((x) => pyFormat('%g', x)).join(' '));
  }
  return lines;
}

/**
 * Appends `det`'s lines to `file` (YOLOv5 opens it with 'a'; here the file is rewritten atomically). Like YOLOv5, an image without detections gets no
 * file. Returns whether a file was written.
 */
export function writeLabelFile(file: string, det: DetectionRows, width: number, height: number, o: LabelLinesOptions = {}): boolean {
  if (det.length === 0) return false;
  const before = existsSync(file) ? readFileSync(file, 'utf8') : '';
  writeFileAtomic(file, before + labelLines(det, width, height, o).join('\n') + '\n');
  return true;
}
