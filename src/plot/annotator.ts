// Boxes and labels drawn on an RGB image: YOLOv5's Annotator.box_label for detect.py outputs and the batch
// mosaics (train_batch*.jpg, val_batch*_pred.jpg).
import type { Canvas, SKRSContext2D } from '@napi-rs/canvas';
import { roundHalfEven } from '../compat/python.ts';
import { classColor, cssColor, luma, type RGB } from './colors.ts';
import { ensureFont, fontSpec } from './font.ts';
import { formatFixed } from '../compat/python.ts';
import { canvasFromRgb, checkRgbSize, rgbFromCanvas } from './raster.ts';

export { saveImage, type SaveImageOptions } from './image-file.ts';

/** x1, y1, x2, y2 in pixels. */
export type XYXY = ArrayLike<number>;

/** YOLOv5's default box line width: max(round(sum(im.shape) / 2 * 0.003), 2), shape = (h, w, 3). */
export function defaultLineWidth(width: number, height: number): number {
  return Math.max(roundHalfEven(((height + width + 3) / 2) * 0.003), 2);
}

/** Label text colour on a filled label background: dark on light colours, white on dark ones. */
export function labelTextColor(background: RGB): RGB {
  return luma(background) > 150 ? [0, 0, 0] : [255, 255, 255];
}

export interface AnnotatorOptions {
  /** Box line width in pixels (default: defaultLineWidth). */
  lineWidth?: number;
  /** Label font size in pixels (default: scales with the line width like cv2's fontScale = lw / 3). */
  fontSize?: number;
}

export class Annotator {
  readonly width: number;
  readonly height: number;
  readonly lineWidth: number;
  readonly fontSize: number;
  private readonly canvas: Canvas;
  private readonly ctx: SKRSContext2D;

  /** `rgb` is an H×W×3 uint8 image; it is copied, never modified. */
  constructor(rgb: ArrayLike<number>, width: number, height: number, options: AnnotatorOptions = {}) {
    checkRgbSize(rgb, width, height, 'Annotator');
    ensureFont();
    this.width = width;
    this.height = height;
    this.lineWidth = Math.max(1, Math.round(options.lineWidth ?? defaultLineWidth(width, height)));
    // cv2.putText at fontScale lw/3 gives ~22·lw/3 px capitals; DejaVu capitals are 0.73 em.
    this.fontSize = options.fontSize ?? Math.max(10, Math.round((this.lineWidth * 22) / 3 / 0.73));
    this.canvas = canvasFromRgb(rgb, width, height);
    this.ctx = this.canvas.getContext('2d');
  }

  /** Outline of a box, `lineWidth` thick, centred on the box edges (as cv2.rectangle). */
  rectangle(box: XYXY, color: RGB, lineWidth = this.lineWidth): void {
    const [x1, y1, x2, y2] = roundBox(box);
    const before = Math.floor(lineWidth / 2); // the band [edge - before, edge - before + lineWidth)
    this.ctx.fillStyle = cssColor(color);
    const left = x1 - before, top = y1 - before;
    const outerW = x2 - x1 + lineWidth, outerH = y2 - y1 + lineWidth;
    this.ctx.fillRect(left, top, outerW, lineWidth);
    this.ctx.fillRect(left, y2 - before, outerW, lineWidth);
    this.ctx.fillRect(left, top, lineWidth, outerH);
    this.ctx.fillRect(x2 - before, top, lineWidth, outerH);
  }

  /** Box plus a filled label above its top-left corner (inside the box when there is no room above). */
  boxLabel(box: XYXY, label = '', color: RGB = [128, 128, 128], textColor?: RGB): void {
    this.rectangle(box, color);
    if (!label) return;
    const [x1, y1] = roundBox(box);
    const ctx = this.ctx;
    ctx.font = fontSpec(this.fontSize);
    ctx.textBaseline = 'alphabetic'; // measurements below are relative to the baseline
    ctx.textAlign = 'left';
    const ascent = ctx.measureText('0').actualBoundingBoxAscent;
    const descent = ctx.measureText('gjpqy').actualBoundingBoxDescent;
    const pad = Math.max(1, Math.round(this.fontSize / 10));
    const textW = Math.ceil(ctx.measureText(label).width);
    const labelH = Math.ceil(ascent + descent) + 2 * pad;
    const outerTop = y1 - Math.floor(this.lineWidth / 2);
    const outside = outerTop - labelH >= 0;
    const left = x1 - Math.floor(this.lineWidth / 2);
    const top = outside ? outerTop - labelH : outerTop;
    ctx.fillStyle = cssColor(color);
    ctx.fillRect(left, top, textW + 2 * pad, labelH);
    ctx.fillStyle = cssColor(textColor ?? labelTextColor(color));
    ctx.fillText(label, left + pad, top + pad + ascent);
  }

  /** Text with its top-left corner at (x, y), as PIL ImageDraw.text. */
  text(x: number, y: number, text: string, color: RGB = [255, 255, 255], fontSize = this.fontSize): void {
    const ctx = this.ctx;
    ctx.font = fontSpec(fontSize);
    ctx.fillStyle = cssColor(color);
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left';
    ctx.fillText(text, x, y);
  }

  /**
   * Paints a w×h 0/1 mask at (x, y) in `color` as v7.0's plot_images_and_masks does: each marked pixel becomes
   * trunc(pixel·(1 − alpha) + color·alpha) (NumPy float64, cast back to uint8). Pixels outside the image are skipped.
   */
  blendMask(x: number, y: number, w: number, h: number, mask: ArrayLike<number>, color: RGB, alpha = 0.6): void {
    if (mask.length !== w * h) throw new Error(`Annotator.blendMask: ${mask.length} mask values for ${w}×${h}`);
    const x0 = Math.max(0, x), y0 = Math.max(0, y);
    const x1 = Math.min(this.width, x + w), y1 = Math.min(this.height, y + h);
    if (x1 <= x0 || y1 <= y0) return;
    const region = this.ctx.getImageData(x0, y0, x1 - x0, y1 - y0);
    const px = region.data;
    const keep = 1 - alpha;
    for (let yy = y0; yy < y1; yy++) {
      for (let xx = x0; xx < x1; xx++) {
        if (!mask[(yy - y) * w + (xx - x)]) continue;
        const o = ((yy - y0) * (x1 - x0) + (xx - x0)) * 4;
        for (let c = 0; c < 3; c++) px[o + c] = Math.trunc(px[o + c]! * keep + color[c]! * alpha);
      }
    }
    this.ctx.putImageData(region, x0, y0);
  }

  /** The annotated image as a new H×W×3 uint8 array. */
  result(): Uint8Array {
    return rgbFromCanvas(this.canvas);
  }
}

function roundBox(box: XYXY): [number, number, number, number] {
  if (box.length < 4) throw new Error(`A box needs x1, y1, x2, y2; got ${box.length} values`);
  return [Math.round(box[0]!), Math.round(box[1]!), Math.round(box[2]!), Math.round(box[3]!)];
}

/** Class id → display name; ids without a name print as the number. */
export function className(names: readonly string[] | undefined, cls: number): string {
  return names?.[cls] ?? String(cls);
}

export interface AnnotateDetectionsOptions extends AnnotatorOptions {
  hideLabels?: boolean;
  hideConf?: boolean;
}

/**
 * detect.py's drawing: `detections` holds n rows of [x1, y1, x2, y2, conf, cls] in image pixels; each box is
 * labelled "name 0.87" in its class colour. Returns a new RGB image.
 */
export function annotateDetections(
  rgb: ArrayLike<number>,
  width: number,
  height: number,
  detections: Float32Array | Float64Array,
  names: readonly string[] | undefined,
  options: AnnotateDetectionsOptions = {},
): Uint8Array {
  if (detections.length % 6 !== 0) {
    throw new Error(`annotateDetections: ${detections.length} values is not a list of 6-value rows`);
  }
  const annotator = new Annotator(rgb, width, height, options);
  for (let r = 0; r < detections.length; r += 6) {
    const cls = Math.trunc(detections[r + 5]!);
    const conf = detections[r + 4]!;
    const name = className(names, cls);
    const label = options.hideLabels ? '' : options.hideConf ? name : `${name} ${formatFixed(conf, 2)}`;
    annotator.boxLabel(detections.subarray(r, r + 4), label, classColor(cls));
  }
  return annotator.result();
}
