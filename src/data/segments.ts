// YOLO segment labels (`cls x1 y1 x2 y2 …`, normalised polygon points) and the polygon geometry YOLOv5 v7.0's
// segment loader uses: segments2boxes (a polygon's box, as verify_image_label makes the box rows), xyn2xy,
// resample_segments (1000 points along the closed outline, np.interp), segment2box (the box of the points inside
// the image) and bbox_ioa (copy_paste's overlap test).
import { readFileSync } from 'node:fs';

/** One image's segment labels: n×5 box rows (cls, cx, cy, w, h, normalised) and the n polygons they came from. */
export interface SegmentLabels {
  /** n×5 (cls, cx, cy, w, h), normalised: each polygon's box (segments2boxes, float32). */
  labels: Float32Array;
  /** n polygons, flat normalised x y pairs (float32). */
  segments: Float32Array[];
}

/**
 * Parses a segment label file's text: every row must be a class and ≥ 3 points. A polygon of fewer than 3 points
 * (in a file with polygons, a 5-column row is a 2-point polygon, as v7.0 reads it) or a box row in a file without
 * polygons (a detection label) is an error naming the file and the line.
 */
export function parseSegmentLabels(text: string, file: string): SegmentLabels {
  const rows: number[] = [];
  const segments: Float32Array[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  // v7.0's verify_image_label: as soon as one row is a polygon (> 6 columns), every row of the file is one.
  const polygonFile = lines.some((l) => l.trim().split(/\s+/).length > 6);
  lines.forEach((line, i) => {
    const tokens = line.trim().split(/\s+/).filter((t) => t.length > 0);
    if (tokens.length === 0) return;
    const where = `${file}:${i + 1}`;
    const values = tokens.map((t) => {
      const v = Number(t);
      if (!Number.isFinite(v)) throw new Error(`${where}: '${t}' is not a finite number`);
      return Math.fround(v);
    });
    if (values.length === 5 && !polygonFile) {
      throw new Error(`${where}: a box row (class cx cy w h) where segmentation needs a polygon (class x1 y1 x2 y2 x3 y3 …): this looks like a detection dataset (boxes only); train it with 'tsyolo train', or label polygons`);
    }
    const coords = values.length - 1;
    if (coords % 2 !== 0) throw new Error(`${where}: a polygon needs x y pairs, got ${coords} coordinates`);
    if (coords / 2 < 3) throw new Error(`${where}: a polygon needs at least 3 points, got ${coords / 2}`);
    const poly = Float32Array.from(values.slice(1));
    rows.push(...segmentBox(values[0]!, poly));
    segments.push(poly);
  });
  return { labels: Float32Array.from(rows), segments };
}

/** Reads and parses a segment label file (a missing file is an image without labels). */
export function readSegmentLabels(file: string): SegmentLabels {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { labels: new Float32Array(0), segments: [] };
    throw e;
  }
  return parseSegmentLabels(text, file);
}

/** segments2boxes for one polygon: (cls, cx, cy, w, h) in float32, as verify_image_label's box rows. */
export function segmentBox(cls: number, poly: ArrayLike<number>): [number, number, number, number, number] {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (let i = 0; i < poly.length; i += 2) {
    x1 = Math.min(x1, poly[i]!);
    x2 = Math.max(x2, poly[i]!);
    y1 = Math.min(y1, poly[i + 1]!);
    y2 = Math.max(y2, poly[i + 1]!);
  }
  const f = Math.fround;
  return [cls, f(f(x1 + x2) / 2), f(f(y1 + y2) / 2), f(x2 - x1), f(y2 - y1)];
}

/**
 * xyn2xy: normalised points → pixels, (x·w + padw, y·h + padh), in float32 as v7.0 computes it on the label cache's
 * float32 segments (np.copy keeps the dtype; the scalars are cast to float32): fillPoly later truncates these to
 * integers, so a vertex at a whole pixel must not come out a hair below it in float64.
 */
export function xyn2xy(poly: ArrayLike<number>, w: number, h: number, padw = 0, padh = 0): Float64Array {
  const f = Math.fround;
  const [fw, fh, fpw, fph] = [f(w), f(h), f(padw), f(padh)];
  const out = new Float64Array(poly.length);
  for (let i = 0; i < poly.length; i += 2) {
    out[i] = f(f(fw * f(poly[i]!)) + fpw);
    out[i + 1] = f(f(fh * f(poly[i + 1]!)) + fph);
  }
  return out;
}

/** resample_segments: n points evenly spaced along the closed outline (first point repeated), by np.interp. */
export function resampleSegment(poly: ArrayLike<number>, n = 1000): Float64Array {
  const m = poly.length / 2 + 1; // closed
  const px = (k: number, c: number) => poly[(k % (m - 1)) * 2 + c]!;
  const out = new Float64Array(n * 2);
  const step = (m - 1) / (n - 1);
  for (let i = 0; i < n; i++) {
    const x = i === n - 1 ? m - 1 : i * step;
    let j = Math.min(Math.floor(x), m - 2);
    if (j < 0) j = 0;
    for (let c = 0; c < 2; c++) {
      const f0 = px(j, c);
      const f1 = px(j + 1, c);
      out[i * 2 + c] = x === m - 1 ? px(m - 1, c) : (f1 - f0) * (x - j) + f0;
    }
  }
  return out;
}

/** segment2box: the xyxy box of the points inside [0, width]×[0, height]; zeros when none is. */
export function segment2box(xy: ArrayLike<number>, width: number, height: number): [number, number, number, number] {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  let any = false;
  for (let i = 0; i < xy.length; i += 2) {
    const x = xy[i]!;
    const y = xy[i + 1]!;
    if (x >= 0 && y >= 0 && x <= width && y <= height) {
      // v7.0's `if any(x)`: a box only when some inside x is non-zero.
      if (x !== 0) any = true;
      x1 = Math.min(x1, x);
      x2 = Math.max(x2, x);
      y1 = Math.min(y1, y);
      y2 = Math.max(y2, y);
    }
  }
  return any ? [x1, y1, x2, y2] : [0, 0, 0, 0];
}

/** bbox_ioa: intersection of `box` with each xyxy row of `boxes` over that row's area (+1e-7). */
export function bboxIoa(box: readonly number[], boxes: ArrayLike<number>, stride = 4, offset = 0): number[] {
  const out: number[] = [];
  for (let i = offset; i + 4 <= boxes.length; i += stride) {
    const [bx1, by1, bx2, by2] = [boxes[i]!, boxes[i + 1]!, boxes[i + 2]!, boxes[i + 3]!];
    const iw = Math.max(Math.min(box[2]!, bx2) - Math.max(box[0]!, bx1), 0);
    const ih = Math.max(Math.min(box[3]!, by2) - Math.max(box[1]!, by1), 0);
    out.push((iw * ih) / ((bx2 - bx1) * (by2 - by1) + 1e-7));
  }
  return out;
}
