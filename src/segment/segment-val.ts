// segment/val.py (YOLOv5 v7.0): box and mask P/R/mAP50/mAP50-95 of a segmentation model on a dataset split with
// polygon labels — the val loader's letterboxed batches, NMS with mask coefficients, process_mask (process_mask_upsample
// with --save-json), ground-truth masks from the polygons (polygons2masks at full resolution, as segment/val.py run
// alone uses them), process_batch for boxes and for masks, ap_per_class for both, the printed table, --save-json
// with RLE masks.
import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { type DatasetConfig, loadDatasetConfig } from '../data/dataset-config.ts';
import { img2labelPath } from '../data/image-files.ts';
import { writeLabelFile } from '../data/label-writer.ts';
import { DetectionRows } from '../geometry/rows.ts';
import { polygons2masks, polygons2masksOverlap } from '../data/polygon-masks.ts';
import type { Batch } from '../data/batch.ts';
import type { MaskOptions } from '../data/segment-dataset.ts';
import { apPerClass } from '../eval/ap.ts';
import { processBatch } from '../eval/match.ts';
import { ConfusionMatrix } from '../eval/confusion-matrix.ts';
import { scaleBoxes, xywh2xyxy } from '../geometry/boxes.ts';
import { makeDirs } from '../io/atomic-write.ts';
import { pyFormat } from '../compat/python.ts';
import { formatSpeedLine } from '../eval/val-table.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import { createValLoader } from '../val/val.ts';
import { gtMasksFor, maskIou, matchByIou } from './mask-match.ts';
import { scaleImageMask } from './mask-resize.ts';
import { type MaskStack, processMask, processMaskUpsample } from './process-mask.ts';
import { type CocoRle, encodeRle } from '../eval/coco-mask.ts';
import { saveAndEvaluateCoco, type ValCocoResult } from '../val/val-coco.ts';
import type { SegmentBackend } from './segment-backend.ts';
import { nmsWithMasks } from './segment-nms.ts';
import { imageProtos } from './segment-postprocess.ts';
import { plotSegmentConfusion, plotSegmentCurves, plotSegmentValBatch } from './segment-val-plots.ts';

/** segment/val.py's options (its defaults unless noted). */
export interface SegmentValOptions {
  /** Dataset YAML (or its config) whose labels are polygons. */
  data: string | DatasetConfig;
  /** The model: await loadSegmentBackend('yolov5s-seg.pt'). */
  model: SegmentBackend;
  /** File the weights came from (names the --save-json file). */
  weightsFile?: string;
  /** Batch size (default 32). */
  batchSize?: number;
  /** Inference size (default 640). */
  imgsz?: number;
  /** Confidence threshold (default 0.001). */
  confThres?: number;
  /** NMS IoU threshold (default 0.6). */
  iouThres?: number;
  /** Most detections per image (default 300). */
  maxDet?: number;
  /** Split (default val). */
  task?: 'val' | 'test' | 'train';
  /** Loader worker threads (default 2). */
  workers?: number;
  /** Treat every class as one. */
  singleCls?: boolean;
  /** A table row per class. */
  verbose?: boolean;
  /** Write labels/<image>.txt with the detections' boxes (YOLO format, as segment/val.py's save_one_txt). */
  saveTxt?: boolean;
  /** Add confidences to the --save-txt labels. */
  saveConf?: boolean;
  /**
   * Write <weights stem>_predictions.json with RLE masks (process_mask_upsample, as v7.0 then uses) and evaluate it
   * with COCOeval, 'bbox' then 'segm', against the dataset's COCO annotations or a GT made from the polygon labels;
   * the box and mask mAP50-95 / mAP50 then become pycocotools' AP / AP50, as segment/val.py returns them.
   */
  saveJson?: boolean;
  /** Parent of the run folders (default runs/val-seg). */
  project?: string;
  /** Run folder name (default exp). */
  name?: string;
  /** Reuse an existing run folder. */
  existOk?: boolean;
  /** Write confusion_matrix.png and the Box/Mask PR, F1, P, R curves (default true). */
  plots?: boolean;
  /** Called from training (segment/train.py's val.run with a model): no "Results saved to" line. */
  training?: boolean;
  /** Receives each output line (default console.log). */
  log?: (line: string) => void;
  /**
   * val.run's mask_downsample_ratio and overlap (defaults 1 and off, as segment/val.py run alone): segment/train.py
   * validates with its own --mask-ratio and overlap, its val loader's ground-truth masks (polygons2masks or the
   * overlap index mask at 1/ratio, then resized to the predicted masks' size only where they differ).
   */
  masks?: {
    /** Ground-truth masks at 1/downsampleRatio of the letterboxed image (mask_downsample_ratio). */
    downsampleRatio: number;
    /** One index mask per image, split per instance (overlap), instead of one mask per instance. */
    overlap: boolean;
  };
}

/** P, R, mAP50, mAP50-95 of boxes or of masks. */
export interface SegmentMetric {
  /** Mean precision over classes. */
  P: number;
  /** Mean recall. */
  R: number;
  /** Mean AP at IoU 0.5. */
  mAP50: number;
  /** Mean AP over IoU 0.5:0.95. */
  mAP50_95: number;
}

/** One class's row of the segment val table. */
export interface SegmentClassMetrics {
  /** Class id. */
  cls: number;
  /** Class name. */
  name: string;
  /** Label instances of the class. */
  instances: number;
  /** Box metrics. */
  box: SegmentMetric;
  /** Mask metrics. */
  mask: SegmentMetric;
}

/** segment val's result: box and mask rows, per class, counts, run folder. */
export interface SegmentValResult {
  /** Box metrics (the Box( columns). */
  box: SegmentMetric;
  /** Mask metrics (the Mask( columns). */
  mask: SegmentMetric;
  /** Per class with labels: box and mask metrics. */
  perClass: SegmentClassMetrics[];
  /** Images seen. */
  nImages: number;
  /** Label instances. */
  nInstances: number;
  /** Mean ms per image: pre-process, inference, NMS. */
  speedMs: {
    /** Pre-processing (ms per image). */
    preprocess: number;
    /** The model's forward pass (ms per image). */
    inference: number;
    /** NMS (ms per image). */
    nms: number;
  };
  /** Run folder (null when nothing was written). */
  saveDir: string | null;
  /** The --save-json file, when written. */
  jsonFile?: string;
  /** --save-json's COCO evaluation (`summaries.bbox`, `summaries.segm`), when it ran. */
  coco?: ValCocoResult;
}

/** segment/val.py's header: Class Images Instances Box(P R mAP50 mAP50-95) Mask(P R mAP50 mAP50-95). */
export function formatSegmentValHeader(): string {
  return pyFormat('%22s' + '%11s'.repeat(10), 'Class', 'Images', 'Instances', 'Box(P', 'R', 'mAP50', 'mAP50-95)', 'Mask(P', 'R', 'mAP50', 'mAP50-95)');
}

/** One row, '%22s' + '%11i' * 2 + '%11.3g' * 8. */
export function formatSegmentValRow(name: string, images: number, instances: number, box: SegmentMetric, mask: SegmentMetric): string {
  return pyFormat('%22s' + '%11i'.repeat(2) + '%11.3g'.repeat(8), name, images, instances, box.P, box.R, box.mAP50, box.mAP50_95, mask.P, mask.R, mask.mAP50, mask.mAP50_95);
}

/**
 * A label file's rows as (cls, polygon in normalised x, y pairs); rows of ≤ 6 values (boxes) have no polygon, so a
 * detection dataset can be named as such (src/data/segments.ts, training's stricter reader, refuses them outright).
 */
function readPolygonRows(labelFile: string): Array<{ cls: number; polygon: Float32Array | null }> {
  let text: string;
  try {
    text = readFileSync(labelFile, 'utf8');
  } catch {
    return [];
  }
  const rows: Array<{ cls: number; polygon: Float32Array | null }> = [];
  for (const line of text.split(/\r?\n/)) {
    const v = line.trim().split(/\s+/).filter(Boolean).map(Number);
    if (v.length === 0) continue;
    rows.push({ cls: v[0]!, polygon: v.length > 6 ? Float32Array.from(v.slice(1)) : null });
  }
  return rows;
}

interface Stats {
  tpBox: number[];
  tpMask: number[];
  conf: number[];
  predCls: number[];
  targetCls: number[];
}

const ZERO: SegmentMetric = { P: 0, R: 0, mAP50: 0, mAP50_95: 0 };

/** segment/val.py run(): the metrics of a segmentation model on a polygon-labelled split, with its table. */
export async function segmentVal(o: SegmentValOptions): Promise<SegmentValResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const cfg = typeof o.data === 'string' ? loadDatasetConfig(o.data) : o.data;
  const model = o.model;
  const nc = o.singleCls ? 1 : cfg.nc;
  if (!o.singleCls && model.nc !== nc) throw new Error(`model has ${model.nc} classes but ${cfg.yamlPath} has ${nc}: pass the matching --data or weights`);
  let imgsz = o.imgsz ?? 640;
  let batchSize = o.batchSize ?? 32;
  let rect = true;
  if (model.fixedInputHW) {
    [imgsz, batchSize, rect] = [model.fixedInputHW[0], 1, false];
    log(`Forcing --batch-size 1 square inference (1,3,${imgsz},${imgsz}) for non-PyTorch models`);
  }
  const saveDir = incrementPath(o.project ?? 'runs/val-seg', o.name ?? 'exp', o.existOk);
  try {
    return await run(o, cfg, model, nc, imgsz, batchSize, rect, saveDir, log);
  } catch (e) {
    discardRunFolder(saveDir);
    throw e;
  }
}

async function run(o: SegmentValOptions, cfg: DatasetConfig, model: SegmentBackend, nc: number, imgsz: number, batchSize: number, rect: boolean, saveDir: string, log: (s: string) => void): Promise<SegmentValResult> {
  const loader = await createValLoader({ data: cfg, task: o.task, batchSize, imgsz, stride: model.stride, rect, singleCls: o.singleCls, workers: o.workers, log });
  const stats: Stats = { tpBox: [], tpMask: [], conf: [], predCls: [], targetCls: [] };
  const dt = { preprocess: 0, inference: 0, nms: 0 };
  const json: JsonRow[] = [];
  let labelFiles = 0;
  const plots = o.plots ?? true;
  const confusion = new ConfusionMatrix(nc);
  if (o.saveTxt) makeDirs(join(saveDir, 'labels'));
  let seen = 0;
  let batchI = 0;
  try {
    for await (const batch of loader) {
      // val_batch{0,1,2}_labels/pred.jpg: each image's first 15 detections and their masks.
      const plotPreds: Array<{ det: (typeof preds)[number]; masks: MaskStack } | undefined> = [];
      const t0 = performance.now();
      const out = await model.forward(batch.images, batch.shape);
      const t1 = performance.now();
      const preds = nmsWithMasks(out.pred, model.nm, { confThres: o.confThres ?? 0.001, iouThres: o.iouThres ?? 0.6, multiLabel: true, agnostic: o.singleCls ?? false, maxDet: o.maxDet ?? 300 });
      const t2 = performance.now();
      dt.inference += t1 - t0;
      dt.nms += t2 - t1;
      const [, , H, W] = batch.shape;
      preds.forEach((det, si) => {
        seen++;
        const labels = imageLabels(batch, si);
        const polygons = imagePolygons(batch, si, labels.cls.length);
        const niou = 10;
        if (det.n === 0) {
          if (plots && labels.cls.length) confusion.processBatch(null, { dtype: 'float32', shape: [labels.cls.length, 5], data: new Float32Array(labels.cls.flatMap((c) => [c, 0, 0, 0, 0])) });
          stats.targetCls.push(...labels.cls);
          return;
        }
        const protos = imageProtos(out.proto, si);
        const predMasks: MaskStack = o.saveJson ? processMaskUpsample(protos, det, [H, W], model.maskProbabilities) : processMask(protos, det, [H, W], false, model.maskProbabilities);
        if (o.singleCls) for (let i = 0; i < det.n; i++) det.data[i * det.width + 5] = 0;
        if (plots && batchI < 3) plotPreds[si] = { det, masks: predMasks };
        const shapes = batch.shapes[si]!;
        const ratioPad = { gain: shapes.ratio[0], padX: shapes.pad[0], padY: shapes.pad[1] };
        const boxes = new Float32Array(det.n * 4);
        for (let i = 0; i < det.n; i++) boxes.set(det.data.subarray(i * det.width, i * det.width + 4), i * 4);
        const nativeBoxes = scaleBoxes([H, W], boxes, shapes.original, ratioPad);
        const predn = new Float32Array(det.n * 6);
        const detCls: number[] = [];
        for (let i = 0; i < det.n; i++) {
          predn.set(nativeBoxes.subarray(i * 4, i * 4 + 4), i * 6);
          predn[i * 6 + 4] = det.data[i * det.width + 4]!;
          predn[i * 6 + 5] = det.data[i * det.width + 5]!;
          detCls.push(predn[i * 6 + 5]!);
        }
        let tpB: Uint8Array = new Uint8Array(det.n * niou);
        let tpM: Uint8Array = new Uint8Array(det.n * niou);
        const nl = labels.cls.length;
        if (nl) {
          const tbox = scaleBoxes([H, W], xywh2xyxy(Float32Array.from(labels.xywhPixels)), shapes.original, ratioPad);
          const labelsn = new Float32Array(nl * 5);
          for (let k = 0; k < nl; k++) {
            labelsn[k * 5] = labels.cls[k]!;
            labelsn.set(tbox.subarray(k * 4, k * 4 + 4), k * 5 + 1);
          }
          tpB = processBatch({ dtype: 'float32', shape: [det.n, 6], data: predn }, { dtype: 'float32', shape: [nl, 5], data: labelsn });
          if (plots) confusion.processBatch({ dtype: 'float32', shape: [det.n, 6], data: predn }, { dtype: 'float32', shape: [nl, 5], data: labelsn });
          const gt = gtMasks(polygons, shapes, [H, W], batch.paths[si]!, o.masks);
          tpM = matchByIou(maskIou(gtMasksFor(gt, predMasks), predMasks), labels.cls, detCls);
        }
        for (let i = 0; i < det.n * niou; i++) {
          stats.tpBox.push(tpB[i]!);
          stats.tpMask.push(tpM[i]!);
        }
        for (let i = 0; i < det.n; i++) {
          stats.conf.push(det.data[i * det.width + 4]!);
          stats.predCls.push(det.data[i * det.width + 5]!);
        }
        stats.targetCls.push(...labels.cls);
        if (o.saveTxt) {
          const stem = basename(batch.paths[si]!, extname(batch.paths[si]!));
          if (writeLabelFile(join(saveDir, 'labels', `${stem}.txt`), new DetectionRows(predn), shapes.original[1], shapes.original[0], { saveConf: o.saveConf })) labelFiles++;
        }
        if (o.saveJson) json.push(...jsonRows(batch.paths[si]!, predn, predMasks, [H, W], shapes.original, shapes.pad));
      });
      if (plots && batchI < 3) {
        const gt = batch.shapes.map((shapes, si) => {
          const polygons = imagePolygons(batch, si, imageLabels(batch, si).cls.length);
          return polygons.length ? gtMasks(polygons, shapes!, [H, W], batch.paths[si]!) : null;
        });
        await plotSegmentValBatch(batch, gt, plotPreds, o.singleCls ? ['item'] : cfg.names, saveDir, batchI);
      }
      batchI++;
    }
  } finally {
    await loader.close();
  }
  const nt = new Array<number>(nc).fill(0);
  for (const c of stats.targetCls) nt[c]!++;
  const names = o.singleCls ? ['item'] : cfg.names;
  let box = ZERO;
  let mask = ZERO;
  const perClass: SegmentValResult['perClass'] = [];
  // v7.0 computes both only when some mask is a true positive (stats[0].any()).
  if (stats.tpMask.some((v) => v)) {
    const rb = apPerClass(Uint8Array.from(stats.tpBox), stats.conf, stats.predCls, stats.targetCls);
    const rm = apPerClass(Uint8Array.from(stats.tpMask), stats.conf, stats.predCls, stats.targetCls);
    box = meanMetric(rb);
    mask = meanMetric(rm);
    if (plots) {
      makeDirs(saveDir);
      await plotSegmentCurves(rb, names, saveDir, 'Box');
      await plotSegmentCurves(rm, names, saveDir, 'Mask');
    }
    rb.classes.forEach((c, i) => perClass.push({ cls: c, name: names[c] ?? String(c), instances: nt[c]!, box: classMetric(rb, i), mask: classMetric(rm, i) }));
  }
  const nInstances = stats.targetCls.length;
  log(formatSegmentValHeader());
  log(formatSegmentValRow('all', seen, nInstances, box, mask));
  if (nInstances === 0) log(`WARNING ⚠️ no labels found in ${o.task ?? 'val'} set, can not compute metrics without labels`);
  if ((o.verbose || nc < 50) && nc > 1) for (const c of perClass) log(formatSegmentValRow(c.name, seen, c.instances, c.box, c.mask));
  const speedMs = { preprocess: dt.preprocess / seen, inference: dt.inference / seen, nms: dt.nms / seen };
  log(formatSpeedLine(speedMs.preprocess, speedMs.inference, speedMs.nms, [batchSize, 3, imgsz, imgsz]));
  makeDirs(saveDir);
  if (plots) await plotSegmentConfusion(confusion.matrix, nc, names, saveDir);
  let jsonFile: string | undefined;
  let coco: ValCocoResult | null = null;
  if (o.saveJson && json.length) {
    const stem = o.weightsFile ? basename(o.weightsFile, extname(o.weightsFile)) : 'model';
    jsonFile = join(saveDir, `${stem}_predictions.json`);
    coco = await saveAndEvaluateCoco({ cfg, task: o.task ?? 'val', singleCls: o.singleCls ?? false, names, saveDir, weightsFile: o.weightsFile, dicts: json, log, iouTypes: ['bbox', 'segm'], segments: true });
    // segment/val.py: map_bbox, map50_bbox, map_mask, map50_mask = the bbox and segm stats[:2] (the table stays).
    const bb = coco?.summaries.bbox;
    const sg = coco?.summaries.segm;
    if (bb && sg) {
      box = { ...box, mAP50_95: bb.stats[0]!, mAP50: bb.stats[1]! };
      mask = { ...mask, mAP50_95: sg.stats[0]!, mAP50: sg.stats[1]! };
    }
  }
  if (!o.training) log(`Results saved to ${saveDir}${o.saveTxt ? `\n${labelFiles} labels saved to ${join(saveDir, 'labels')}` : ''}`);
  return { box, mask, perClass, nImages: seen, nInstances, speedMs, saveDir, ...(jsonFile ? { jsonFile } : {}), ...(coco ? { coco } : {}) };
}

function meanMetric(r: ReturnType<typeof apPerClass>): SegmentMetric {
  const n = r.classes.length;
  if (n === 0) return ZERO;
  const mean = (f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i)).reduce((s, v) => s + v, 0) / n;
  let all = 0;
  for (const row of r.ap) for (const v of row) all += v;
  return { P: mean((i) => r.p[i]!), R: mean((i) => r.r[i]!), mAP50: mean((i) => r.ap[i]![0]!), mAP50_95: all / (n * 10) };
}

function classMetric(r: ReturnType<typeof apPerClass>, i: number): SegmentMetric {
  const ap = r.ap[i]!;
  return { P: r.p[i]!, R: r.r[i]!, mAP50: ap[0]!, mAP50_95: ap.reduce((s, v) => s + v, 0) / ap.length };
}

/** Image si's labels: classes and xywh in the batch image's pixels. */
function imageLabels(batch: Batch, si: number): { cls: number[]; xywhPixels: number[] } {
  const [, , h, w] = batch.shape;
  const t = batch.targets;
  const cls: number[] = [];
  const xywhPixels: number[] = [];
  for (let r = 0; r < t.length / 6; r++) {
    if (t[r * 6] !== si) continue;
    cls.push(t[r * 6 + 1]!);
    xywhPixels.push(t[r * 6 + 2]! * w, t[r * 6 + 3]! * h, t[r * 6 + 4]! * w, t[r * 6 + 5]! * h);
  }
  return { cls, xywhPixels };
}

/** The image's polygons (normalised) in label-file order; the loader keeps every row, so counts must agree. */
function imagePolygons(batch: Batch, si: number, nl: number): Array<Float32Array | null> {
  const path = batch.paths[si]!;
  const rows = readPolygonRows(img2labelPath(path));
  const file = img2labelPath(path);
  if (rows.length > 0 && rows.every((r) => !r.polygon)) {
    throw new Error(`${file}: box labels only (class cx cy w h), a detection dataset: segment val needs polygon labels (class x1 y1 x2 y2 …, YOLO segment format)`);
  }
  if (rows.length !== nl) throw new Error(`${file}: ${rows.length} label rows but the loader kept ${nl} (duplicate or invalid rows?)`);
  return rows.map((r) => r.polygon);
}

/**
 * Ground-truth masks, one per label in label order: polygons → letterboxed pixels (xyn2xy in float32) →
 * polygons2masks at 1/ratio (the full size by default), or with overlap the index mask of polygons2masks_overlap
 * split per instance (process_batch's overlap split) and put back in label order.
 */
function gtMasks(polygons: Array<Float32Array | null>, shapes: NonNullable<Batch['shapes'][number]>, hw: [number, number], path: string, masks?: MaskOptions): MaskStack {
  const [h0, w0] = shapes.original;
  const w = Math.fround(Math.round(shapes.ratio[1] * w0));
  const h = Math.fround(Math.round(shapes.ratio[0] * h0));
  const padw = Math.fround(shapes.pad[0]);
  const padh = Math.fround(shapes.pad[1]);
  const pix = polygons.map((p) => {
    if (!p) throw new Error(`${img2labelPath(path)}: a box row (class cx cy w h) among polygons; segment val needs a polygon on every row`);
    const q = new Float32Array(p.length);
    for (let k = 0; k < p.length; k += 2) {
      q[k] = Math.fround(Math.fround(w * p[k]!) + padw);
      q[k + 1] = Math.fround(Math.fround(h * p[k + 1]!) + padh);
    }
    return q;
  });
  const r = masks?.downsampleRatio ?? 1;
  const [mh, mw] = [Math.floor(hw[0] / r), Math.floor(hw[1] / r)];
  if (!masks?.overlap) return { data: polygons2masks(hw[0], hw[1], pix, 1, r), n: pix.length, height: mh, width: mw };
  // v7.0 reorders the labels by mask area (largest first); the same matching with the masks put back in label order.
  const o = polygons2masksOverlap(hw[0], hw[1], pix, r);
  const hwm = mh * mw;
  const data = new Uint8Array(pix.length * hwm);
  o.index.forEach((label, k) => {
    for (let p = 0; p < hwm; p++) if (o.mask[p] === k + 1) data[label * hwm + p] = 1;
  });
  return { data, n: pix.length, height: mh, width: mw };
}

/** One --save-json row: a detection with its mask. */
interface JsonRow {
  image_id: number | string;
  category_id: number;
  bbox: number[];
  score: number;
  segmentation: CocoRle;
}

/** save_one_json: COCO rows with the masks cropped and resized to the original image, RLE-encoded. */
function jsonRows(path: string, predn: Float32Array, masks: MaskStack, inputHW: [number, number], originalHW: [number, number], pad: [number, number]): JsonRow[] {
  const stem = basename(path, extname(path));
  const imageId = /^\d+$/.test(stem) ? Number(stem) : stem;
  const hw = masks.height * masks.width;
  const rows: JsonRow[] = [];
  for (let i = 0; i < masks.n; i++) {
    const m = scaleImageMask(masks.data.subarray(i * hw, (i + 1) * hw), inputHW, originalHW, { pad });
    const rle: CocoRle = encodeRle(m, originalHW[0], originalHW[1]);
    const [x1, y1, x2, y2] = [predn[i * 6]!, predn[i * 6 + 1]!, predn[i * 6 + 2]!, predn[i * 6 + 3]!];
    const bw = Math.fround(x2 - x1);
    const bh = Math.fround(y2 - y1);
    const b = [Math.fround(Math.fround(Math.fround(x1 + x2) / 2) - bw / 2), Math.fround(Math.fround(Math.fround(y1 + y2) / 2) - bh / 2), bw, bh];
    rows.push({ image_id: imageId, category_id: predn[i * 6 + 5]!, bbox: b.map((v) => Math.round(v * 1000) / 1000), score: Math.round(predn[i * 6 + 4]! * 1e5) / 1e5, segmentation: rle });
  }
  return rows;
}
