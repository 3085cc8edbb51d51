// Typed views over host rows of six floats, the layouts NMS, val and the dataset loader pass around:
// detections (x1, y1, x2, y2, conf, cls) and targets (image, cls, then a box). Zero-copy: a view wraps one
// Float32Array and reads by row index, so hot loops allocate nothing per row.
import type { Boxes } from './boxes.ts';

const WIDTH = 6;

function checkWidth(data: ArrayLike<number>, what: string): void {
  if (data.length % WIDTH !== 0) throw new Error(`${what}: ${data.length} values are not rows of ${WIDTH}`);
}

/** (n, 6) detections: x1, y1, x2, y2, conf, cls. */
export class DetectionRows {
  static readonly width = WIDTH;
  readonly data: Float32Array;

  constructor(data: Float32Array) {
    checkWidth(data, 'detection rows');
    this.data = data;
  }

  /** Zeroed rows to fill with `set`. */
  static alloc(n: number): DetectionRows {
    return new DetectionRows(new Float32Array(n * WIDTH));
  }

  get length(): number {
    return this.data.length / WIDTH;
  }
  x1(r: number): number {
    return this.data[r * WIDTH]!;
  }
  y1(r: number): number {
    return this.data[r * WIDTH + 1]!;
  }
  x2(r: number): number {
    return this.data[r * WIDTH + 2]!;
  }
  y2(r: number): number {
    return this.data[r * WIDTH + 3]!;
  }
  conf(r: number): number {
    return this.data[r * WIDTH + 4]!;
  }
  cls(r: number): number {
    return this.data[r * WIDTH + 5]!;
  }
  /** Row r's x1, y1, x2, y2 (a view, not a copy). */
  box(r: number): Float32Array {
    return this.data.subarray(r * WIDTH, r * WIDTH + 4);
  }
  /** Row r's six values (a view). */
  row(r: number): Float32Array {
    return this.data.subarray(r * WIDTH, r * WIDTH + WIDTH);
  }
  /** All boxes as (n, 4) x1, y1, x2, y2, the layout of geometry/boxes.ts. */
  boxes(): Float32Array {
    const out = new Float32Array(this.length * 4);
    for (let r = 0; r < this.length; r++) out.set(this.box(r), r * 4);
    return out;
  }
  /** The same conf and cls with other boxes ((n, 4), e.g. scaled to another image). */
  withBoxes(boxes: Boxes, map: (v: number) => number = (v) => v): DetectionRows {
    const out = new Float32Array(this.data.length);
    for (let r = 0; r < this.length; r++) {
      for (let c = 0; c < 4; c++) out[r * WIDTH + c] = map(boxes[r * 4 + c]!);
      out[r * WIDTH + 4] = this.conf(r);
      out[r * WIDTH + 5] = this.cls(r);
    }
    return new DetectionRows(out);
  }
  set(r: number, x1: number, y1: number, x2: number, y2: number, conf: number, cls: number): void {
    const o = r * WIDTH;
    this.data[o] = x1;
    this.data[o + 1] = y1;
    this.data[o + 2] = x2;
    this.data[o + 3] = y2;
    this.data[o + 4] = conf;
    this.data[o + 5] = cls;
  }
}

/** (n, 6) targets: image index, cls, then a box (cx, cy, w, h normalised from the loader; x1, y1, x2, y2 in eval). */
export class TargetRows {
  static readonly width = WIDTH;
  readonly data: Float32Array;

  constructor(data: Float32Array) {
    checkWidth(data, 'target rows');
    this.data = data;
  }

  get length(): number {
    return this.data.length / WIDTH;
  }
  image(r: number): number {
    return this.data[r * WIDTH]!;
  }
  cls(r: number): number {
    return this.data[r * WIDTH + 1]!;
  }
  /** Row r's four box values (a view). */
  box(r: number): Float32Array {
    return this.data.subarray(r * WIDTH + 2, r * WIDTH + WIDTH);
  }
  /** Row r's cls and box: the (cls, box) label layout of process_batch (a view). */
  label(r: number): Float32Array {
    return this.data.subarray(r * WIDTH + 1, r * WIDTH + WIDTH);
  }
}
