// detect.py: letterboxed inference on images through any Backend, boxes scaled back to each original, annotated
// images, labels and crops.
import { basename, extname, join } from 'node:path';
import type { RgbImage } from '../data/image-buffer.ts';
import { decodeImage } from '../data/image-decode.ts';
import { listImageFiles } from '../data/image-files.ts';
import { writeLabelFile } from '../data/label-writer.ts';
import { DetectionRows } from '../geometry/rows.ts';
import { makeDirs } from '../io/atomic-write.ts';
import { annotateDetections, saveImage } from '../plot/annotator.ts';
import { saveOneBox } from '../plot/save-one-box.ts';
import { incrementPath } from '../run/increment-path.ts';
import { type Backend, inputGeometry } from '../deploy/backend.ts';
import { detectImage, type DetectImageOptions } from '../deploy/pipeline.ts';

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

/** Everything one image needs besides the image: the backend, letterbox and NMS settings, where outputs go. */
interface DetectRun {
  backend: Backend;
  o: DetectOptions;
  pipeline: DetectImageOptions;
  saveDir: string;
  log: (line: string) => void;
}

export async function detect(backend: Backend, o: DetectOptions): Promise<DetectResult> {
  const files = listImageFiles([o.source]);
  if (files.length === 0) throw new Error(`no images found in source '${o.source}'`);
  const run = startRun(backend, o);
  const images: ImageDetections[] = [];
  const skipped: string[] = [];
  const dt = { preprocess: 0, inference: 0, nms: 0 };
  let labelFiles = 0;
  for (const [k, path] of files.entries()) {
    const im0 = await readOrSkip(path, run.log);
    if (!im0) {
      skipped.push(path);
      continue;
    }
    const r = await detectImage(backend, im0, run.pipeline);
    dt.preprocess += r.timesMs.preprocess;
    dt.inference += r.timesMs.inference;
    dt.nms += r.timesMs.nms;
    const det = new DetectionRows(r.detections);
    if (await saveOutputs(run, path, im0, det)) labelFiles++;
    images.push({ path, detections: r.detections });
    run.log(`image ${k + 1}/${files.length} ${path}: ${r.inputHW[0]}x${r.inputHW[1]} ${describeCounts(det, backend.names)}${r.timesMs.inference.toFixed(1)}ms`);
  }
  const seen = images.length || 1;
  const speedMs = { preprocess: dt.preprocess / seen, inference: dt.inference / seen, nms: dt.nms / seen };
  logSummary(run, speedMs, labelFiles);
  return { saveDir: run.saveDir, images, skipped, speedMs };
}

function startRun(backend: Backend, o: DetectOptions): DetectRun {
  // A fixed-shape ONNX export takes exactly its export size (detect.py: auto=False for non-PyTorch backends).
  const geometry = inputGeometry(backend, o.imgsz);
  const saveDir = incrementPath(o.project ?? 'runs/detect', o.name ?? 'exp', o.existOk);
  if (o.saveTxt) makeDirs(join(saveDir, 'labels'));
  const pipeline: DetectImageOptions = {
    ...geometry,
    confThres: o.confThres,
    iouThres: o.iouThres,
    maxDet: o.maxDet,
    classes: o.classes,
    agnostic: o.agnosticNms,
  };
  return { backend, o, pipeline, saveDir, log: o.log ?? ((s: string) => console.log(s)) };
}

/** The decoded image, or null after a warning naming the file (detect goes on with the others). */
async function readOrSkip(path: string, log: (line: string) => void): Promise<RgbImage | null> {
  try {
    return await decodeImage(path);
  } catch (e) {
    log(`WARNING ⚠️ skipping ${path}: ${(e as Error).message}`);
    return null;
  }
}

/** Labels, crops and the annotated image of one source image; returns whether a label file was written. */
async function saveOutputs(run: DetectRun, path: string, im0: RgbImage, det: DetectionRows): Promise<boolean> {
  const { o, saveDir } = run;
  const stem = basename(path, extname(path));
  const wroteLabels = Boolean(o.saveTxt) && writeLabelFile(join(saveDir, 'labels', `${stem}.txt`), det, im0.width, im0.height, { saveConf: o.saveConf, reversed: true });
  if (o.saveCrop) {
    for (let r = det.length - 1; r >= 0; r--) {
      const cls = det.cls(r);
      await saveOneBox(det.box(r), im0, join(saveDir, 'crops', run.backend.names[cls] ?? String(cls)), stem);
    }
  }
  if (!o.nosave) {
    const drawn = annotateDetections(im0.data, im0.width, im0.height, det.data, run.backend.names, {
      lineWidth: o.lineThickness ?? 3,
      hideLabels: o.hideLabels,
      hideConf: o.hideConf,
    });
    await saveImage(join(saveDir, basename(path)), drawn, im0.width, im0.height);
  }
  return wroteLabels;
}

/** detect.py's "2 persons, 1 car, " (classes in ascending order), or "(no detections), ". */
function describeCounts(det: DetectionRows, names: readonly string[]): string {
  if (det.length === 0) return '(no detections), ';
  const counts = new Map<number, number>();
  for (let r = 0; r < det.length; r++) counts.set(det.cls(r), (counts.get(det.cls(r)) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([c, m]) => `${m} ${names[c] ?? c}${m > 1 ? 's' : ''}, `)
    .join('');
}

function logSummary(run: DetectRun, speedMs: DetectResult['speedMs'], labelFiles: number): void {
  const { o, saveDir, log } = run;
  const imgsz = run.pipeline.imgsz;
  const shape = typeof imgsz === 'number' ? `${imgsz}, ${imgsz}` : imgsz.join(', ');
  log(`Speed: ${speedMs.preprocess.toFixed(1)}ms pre-process, ${speedMs.inference.toFixed(1)}ms inference, ${speedMs.nms.toFixed(1)}ms NMS per image at shape (1, 3, ${shape})`);
  const labelsNote = o.saveTxt ? `\n${labelFiles} labels saved to ${join(saveDir, 'labels')}` : '';
  if (!o.nosave || o.saveTxt) log(`Results saved to ${saveDir}${labelsNote}`);
}
