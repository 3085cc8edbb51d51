// detect.py: letterboxed inference on images, boxes scaled back to each original, annotated images and labels.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import sharp from 'sharp';
import { decodeImage } from '../data/image-decode.ts';
import { listImageFiles } from '../data/image-files.ts';
import { letterbox } from '../data/letterbox.ts';
import { nonMaxSuppression } from '../eval/nms.ts';
import { pyFormat } from '../compat/python.ts';
import { scaleBoxes, xyxy2xywh } from '../geometry/boxes.ts';
import { annotateDetections, saveImage } from '../plot/annotator.ts';
import { incrementPath } from '../run/increment-path.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import type { OnnxModel } from '../deploy/onnx-model.ts';
import { imageToNchw } from '../deploy/preprocess.ts';
import { inputGeometry } from '../deploy/pipeline.ts';
import type { HostTensor } from '../io/host-tensor.ts';
import { imageToInput } from './image-tensor.ts';

export interface DetectOptions {
  source: string;
  imgsz?: number;
  confThres?: number;
  iouThres?: number;
  maxDet?: number;
  classes?: number[];
  agnosticNms?: boolean;
  saveTxt?: boolean;
  saveConf?: boolean;
  saveCrop?: boolean;
  nosave?: boolean;
  lineThickness?: number;
  hideLabels?: boolean;
  hideConf?: boolean;
  device?: string;
  project?: string;
  name?: string;
  existOk?: boolean;
  log?: (line: string) => void;
}

export interface ImageDetections {
  path: string;
  /** (n, 6) rows x1, y1, x2, y2, conf, cls in original-image pixels. */
  detections: Float32Array;
}

export interface DetectResult {
  saveDir: string;
  images: ImageDetections[];
  skipped: string[];
  speedMs: { preprocess: number; inference: number; nms: number };
}

/** An exported model on onnxruntime (weights ending in .onnx) rather than a libtorch DetectionModel. */
function isOnnxModel(model: DetectionModel | OnnxModel): model is OnnxModel {
  return 'info' in model && typeof (model as OnnxModel).info?.inputName === 'string';
}

export async function detect(model: DetectionModel | OnnxModel, o: DetectOptions): Promise<DetectResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const onnx = isOnnxModel(model) ? model : null;
  // A fixed-shape ONNX export takes exactly its export size (detect.py: auto=False for non-PyTorch backends).
  const geometry = onnx ? inputGeometry(onnx.info.inputShape, o.imgsz) : { imgsz: o.imgsz ?? 640, auto: true };
  const imgsz = geometry.imgsz;
  const stride = onnx ? onnx.stride : Math.max(...(model as DetectionModel).stride, 32);
  const files = listImageFiles([o.source]);
  if (files.length === 0) throw new Error(`no images found in source '${o.source}'`);
  const saveDir = incrementPath(o.project ?? 'runs/detect', o.name ?? 'exp', o.existOk);
  if (o.saveTxt) mkdirSync(join(saveDir, 'labels'), { recursive: true });
  if (!onnx) (model as DetectionModel).eval();
  const names = model.names;
  const images: ImageDetections[] = [];
  const skipped: string[] = [];
  const dt = { preprocess: 0, inference: 0, nms: 0 };

  for (const [k, path] of files.entries()) {
    let t0 = performance.now();
    let im0;
    try {
      im0 = await decodeImage(path);
    } catch (e) {
      log(`WARNING ⚠️ skipping ${path}: ${(e as Error).message}`);
      skipped.push(path);
      continue;
    }
    const lb = letterbox(im0, imgsz, { stride, auto: geometry.auto });
    let pred: HostTensor;
    let t1: number;
    if (onnx) {
      const input = imageToNchw(lb.image);
      t1 = performance.now();
      dt.preprocess += t1 - t0;
      const out = await onnx.forward(input, [1, 3, lb.image.height, lb.image.width]);
      pred = { dtype: 'float32', shape: out.shape, data: out.data };
    } else {
      const x = imageToInput(lb.image, o.device);
      t1 = performance.now();
      dt.preprocess += t1 - t0;
      pred = noGrad(() => tidy(() => ((model as DetectionModel).forward(x) as Tensor).toHost()));
      x.dispose();
    }
    t0 = performance.now();
    const inferenceMs = t0 - t1;
    dt.inference += inferenceMs;
    const [det] = nonMaxSuppression(pred, {
      confThres: o.confThres ?? 0.25,
      iouThres: o.iouThres ?? 0.45,
      classes: o.classes,
      agnostic: o.agnosticNms,
      maxDet: o.maxDet ?? 1000,
    });
    t1 = performance.now();
    dt.nms += t1 - t0;

    const rows = det!.data as Float32Array;
    const n = rows.length / 6;
    const boxes = new Float32Array(n * 4);
    for (let r = 0; r < n; r++) boxes.set(rows.subarray(r * 6, r * 6 + 4), r * 4);
    const scaled = scaleBoxes([lb.image.height, lb.image.width], boxes, [im0.height, im0.width]);
    const out = new Float32Array(rows.length);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < 4; c++) out[r * 6 + c] = Math.round(scaled[r * 4 + c]!);
      out[r * 6 + 4] = rows[r * 6 + 4]!;
      out[r * 6 + 5] = rows[r * 6 + 5]!;
    }
    images.push({ path, detections: out });

    const stem = basename(path, extname(path));
    if (o.saveTxt) {
      const xywh = xyxy2xywh(Float32Array.from({ length: n * 4 }, (_, i) => out[Math.floor(i / 4) * 6 + (i % 4)]!));
      const lines: string[] = [];
      for (let r = 0; r < n; r++) {
        const v = [out[r * 6 + 5]!, xywh[r * 4]! / im0.width, xywh[r * 4 + 1]! / im0.height, xywh[r * 4 + 2]! / im0.width, xywh[r * 4 + 3]! / im0.height];
        if (o.saveConf) v.push(out[r * 6 + 4]!);
        lines.push(v.map((x) => pyFormat('%g', x)).join(' '));
      }
      writeFileSync(join(saveDir, 'labels', `${stem}.txt`), lines.length ? lines.join('\n') + '\n' : '');
    }
    if (o.saveCrop) {
      for (let r = 0; r < n; r++) {
        const [x1, y1, x2, y2] = [out[r * 6]!, out[r * 6 + 1]!, out[r * 6 + 2]!, out[r * 6 + 3]!];
        const w = Math.max(1, Math.min(im0.width, x2) - Math.max(0, x1));
        const h = Math.max(1, Math.min(im0.height, y2) - Math.max(0, y1));
        const dir = join(saveDir, 'crops', names[out[r * 6 + 5]!] ?? String(out[r * 6 + 5]));
        mkdirSync(dir, { recursive: true });
        await sharp(Buffer.from(im0.data), { raw: { width: im0.width, height: im0.height, channels: 3 } })
          .extract({ left: Math.max(0, x1), top: Math.max(0, y1), width: w, height: h })
          .jpeg({ quality: 95 })
          .toFile(join(dir, `${stem}${r ? r + 1 : ''}.jpg`));
      }
    }
    if (!o.nosave) {
      const drawn = annotateDetections(im0.data, im0.width, im0.height, out, names, {
        lineWidth: o.lineThickness ?? 3,
        hideLabels: o.hideLabels,
        hideConf: o.hideConf,
      });
      await saveImage(join(saveDir, basename(path)), drawn, im0.width, im0.height);
    }

    const counts = new Map<number, number>();
    for (let r = 0; r < n; r++) counts.set(out[r * 6 + 5]!, (counts.get(out[r * 6 + 5]!) ?? 0) + 1);
    const what = [...counts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([c, m]) => `${m} ${names[c] ?? c}${m > 1 ? 's' : ''}, `)
      .join('');
    log(`image ${k + 1}/${files.length} ${path}: ${lb.image.height}x${lb.image.width} ${n ? what : '(no detections), '}${inferenceMs.toFixed(1)}ms`);
  }
  const seen = images.length || 1;
  const speedMs = { preprocess: dt.preprocess / seen, inference: dt.inference / seen, nms: dt.nms / seen };
  log(`Speed: ${speedMs.preprocess.toFixed(1)}ms pre-process, ${speedMs.inference.toFixed(1)}ms inference, ${speedMs.nms.toFixed(1)}ms NMS per image at shape (1, 3, ${typeof imgsz === 'number' ? `${imgsz}, ${imgsz}` : imgsz.join(', ')})`);
  const labelsNote = o.saveTxt ? `\n${images.length} labels saved to ${join(saveDir, 'labels')}` : '';
  if (!o.nosave || o.saveTxt) log(`Results saved to ${saveDir}${labelsNote}`);
  return { saveDir, images, skipped, speedMs };
}
