// segment/predict.py (YOLOv5 v7.0) on images: letterbox, the model, NMS with mask coefficients, process_mask
// upsampled to the input, boxes scaled to the original and rounded, masks drawn as Annotator.masks (on the input and
// resized back, or with --retina-masks at the original's resolution), boxes and labels on top, and --save-txt's
// polygon labels from masks2segments (largest contour, scale_segments normalised).
import { appendFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { decodeImage } from '../data/image-decode.ts';
import { listImageFiles } from '../data/image-files.ts';
import { letterbox } from '../data/letterbox.ts';
import { pixelBackend } from '../data/pixel-backend.ts';
import { imageToNchw } from '../deploy/preprocess.ts';
import { formatFixed, pyFormat } from '../compat/python.ts';
import { makeDirs } from '../io/atomic-write.ts';
import { Annotator, className } from '../plot/annotator.ts';
import { saveImage } from '../plot/image-file.ts';
import { classColor, type RGB } from '../plot/colors.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import { masksToSegments } from './contours.ts';
import { drawMasksNative, drawMasksOnInput } from './mask-draw.ts';
import type { MaskStack } from './process-mask.ts';
import type { SegmentBackend } from './segment-backend.ts';
import { nmsWithMasks } from './segment-nms.ts';
import { imageProtos, masksAndBoxes } from './segment-postprocess.ts';

/** segment/predict.py's options (its defaults unless noted). */
export interface SegmentPredictOptions {
  /** An image, a folder or a glob of images. */
  source: string;
  /** Inference size (default 640; fixed-shape exports use their own). */
  imgsz?: number;
  /** Confidence threshold (default 0.25). */
  confThres?: number;
  /** NMS IoU threshold (default 0.45). */
  iouThres?: number;
  /** Most detections per image (default 1000). */
  maxDet?: number;
  /** Keep only these classes. */
  classes?: number[];
  /** Class-agnostic NMS. */
  agnosticNms?: boolean;
  /** Draw the masks at the original image's resolution (v7.0's --retina-masks). */
  retinaMasks?: boolean;
  /** Write labels/<stem>.txt: class and polygon (normalised x y pairs) per detection. */
  saveTxt?: boolean;
  /** Add the confidence to each --save-txt line. */
  saveConf?: boolean;
  /** Do not save the annotated images. */
  nosave?: boolean;
  /** Box line width (default 3). */
  lineThickness?: number;
  /** Draw boxes without labels. */
  hideLabels?: boolean;
  /** Labels without confidences. */
  hideConf?: boolean;
  /** Parent of the run folders (default runs/predict-seg). */
  project?: string;
  /** Run folder name (default exp). */
  name?: string;
  /** Reuse an existing run folder. */
  existOk?: boolean;
  /** Receives each output line (default console.log). */
  log?: (line: string) => void;
}

/** One image's predictions. */
export interface SegmentImageResult {
  /** Image path. */
  path: string;
  /** (n, 6) x1, y1, x2, y2, conf, cls in original pixels (rounded), highest confidence first. */
  detections: Float32Array;
  /** process_mask's masks (n, h, w) at the letterboxed input's size, in detection order. */
  masks: MaskStack;
  /** The letterbox padding [x, y] of the input. */
  pad: [number, number];
}

/** segment predict's result. */
export interface SegmentPredictResult {
  /** Run folder. */
  saveDir: string;
  /** Per image, in order. */
  images: SegmentImageResult[];
}

/** segment/predict.py run() on the images of `source`. */
export async function segmentPredict(model: SegmentBackend, o: SegmentPredictOptions): Promise<SegmentPredictResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const files = listImageFiles([o.source]);
  if (files.length === 0) throw new Error(`no images found in source '${o.source}'`);
  const saveDir = incrementPath(o.project ?? 'runs/predict-seg', o.name ?? 'exp', o.existOk);
  makeDirs(o.saveTxt ? join(saveDir, 'labels') : saveDir);
  const images: SegmentImageResult[] = [];
  const dt = { preprocess: 0, inference: 0, nms: 0 };
  const fixed = model.fixedInputHW;
  // OpenCV's resize when the image addon is built (as predict.py's letterbox), else its TypeScript port.
  const pixels = pixelBackend();
  const size = fixed ? [fixed[0], fixed[1]] as [number, number] : o.imgsz ?? 640;
  try {
    for (const [k, path] of files.entries()) {
      const t0 = performance.now();
      const im0 = await decodeImage(path);
      const lb = letterbox(im0, size, { stride: model.stride, auto: !fixed, resize: pixels.resize.bind(pixels) });
      const input = imageToNchw(lb.image);
      const [h, w] = [lb.image.height, lb.image.width];
      const t1 = performance.now();
      const out = await model.forward(input, [1, 3, h, w]);
      const t2 = performance.now();
      const [det] = nmsWithMasks(out.pred, model.nm, { confThres: o.confThres ?? 0.25, iouThres: o.iouThres ?? 0.45, classes: o.classes, agnostic: o.agnosticNms ?? false, maxDet: o.maxDet ?? 1000 });
      const t3 = performance.now();
      dt.preprocess += t1 - t0;
      dt.inference += t2 - t1;
      dt.nms += t3 - t2;
      const { detections, masks } = masksAndBoxes(det!, imageProtos(out.proto, 0), [h, w], [im0.height, im0.width], { maskProbabilities: model.maskProbabilities });
      const n = det!.n;
      const stem = basename(path, extname(path));
      if (o.saveTxt && n) writePolygons(join(saveDir, 'labels', `${stem}.txt`), masks, detections, [h, w], [im0.height, im0.width], o.saveConf ?? false);
      if (!o.nosave) {
        const colors: RGB[] = Array.from({ length: n }, (_, i) => classColor(detections[i * 6 + 5]!));
        let pic = { data: im0.data, width: im0.width, height: im0.height };
        if (n) pic = o.retinaMasks ? drawMasksNative(pic, masks, colors) : drawMasksOnInput(lb.image, masks, colors, [im0.height, im0.width]);
        const annotator = new Annotator(pic.data, pic.width, pic.height, { lineWidth: o.lineThickness ?? 3 });
        for (let i = n - 1; i >= 0; i--) {
          const cls = detections[i * 6 + 5]!;
          const name = className(model.names, cls);
          const label = o.hideLabels ? '' : o.hideConf ? name : `${name} ${formatFixed(detections[i * 6 + 4]!, 2)}`;
          annotator.boxLabel(detections.subarray(i * 6, i * 6 + 4), label, classColor(cls));
        }
        await saveImage(join(saveDir, basename(path)), annotator.result(), pic.width, pic.height);
      }
      images.push({ path, detections, masks, pad: lb.pad });
      log(`image ${k + 1}/${files.length} ${path}: ${h}x${w} ${summary(detections, model.names)}${(t2 - t1).toFixed(1)}ms`);
    }
  } catch (e) {
    discardRunFolder(saveDir);
    throw e;
  }
  const seen = images.length;
  log(pyFormat('Speed: %.1fms pre-process, %.1fms inference, %.1fms NMS per image at shape ', dt.preprocess / seen, dt.inference / seen, dt.nms / seen) + `(1, 3, ${typeof size === 'number' ? `${size}, ${size}` : size.join(', ')})`);
  const labels = o.saveTxt ? `\n${images.filter((r) => r.detections.length).length} labels saved to ${join(saveDir, 'labels')}` : '';
  log(`Results saved to ${saveDir}${labels}`);
  return { saveDir, images };
}

/** '2 triangles, 1 disc, ' as predict.py prints (classes in order of first appearance in sorted unique ids). */
function summary(det: Float32Array, names: readonly string[]): string {
  const n = det.length / 6;
  if (n === 0) return '(no detections), ';
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) counts.set(det[i * 6 + 5]!, (counts.get(det[i * 6 + 5]!) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => a[0] - b[0]).map(([c, k]) => `${k} ${className(names, c)}${k > 1 ? 's' : ''}, `).join('');
}

/**
 * --save-txt: masks2segments of the masks in reverse detection order, scale_segments to the original (normalised,
 * float32 as NumPy), one line `cls x1 y1 x2 y2 …[ conf]` per detection, written in reverse detection order.
 */
function writePolygons(file: string, masks: MaskStack, det: Float32Array, inputHW: [number, number], originalHW: [number, number], saveConf: boolean): void {
  const n = masks.n;
  // reversed(masks2segments(masks)): segment j belongs to detection n-1-j, the j-th line.
  const segments = masksToSegments(masks).reverse();
  const [h1, w1] = inputHW;
  const [h0, w0] = originalHW;
  const gain = Math.min(h1 / h0, w1 / w0);
  const padX = Math.fround((w1 - w0 * gain) / 2);
  const padY = Math.fround((h1 - h0 * gain) / 2);
  const g = Math.fround(gain);
  const f = Math.fround;
  let text = '';
  for (let j = 0; j < n; j++) {
    const i = n - 1 - j;
    const seg = segments[j]!;
    const vals: number[] = [];
    for (let p = 0; p < seg.length; p += 2) {
      const x = Math.min(Math.max(f(f(seg[p]! - padX) / g), 0), w0);
      const y = Math.min(Math.max(f(f(seg[p + 1]! - padY) / g), 0), h0);
      vals.push(f(x / w0), f(y / h0));
    }
    const line = [det[i * 6 + 5]!, ...vals, ...(saveConf ? [det[i * 6 + 4]!] : [])];
    text += line.map((v) => pyFormat('%g', v)).join(' ') + '\n';
  }
  appendFileSync(file, text);
}
