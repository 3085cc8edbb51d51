// val.py: mAP of a detector on a dataset split — YOLOv5's defaults, table, speed line, plots and outputs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { pyFormat } from '../compat/python.ts';
import { type DatasetConfig, loadDatasetConfig } from '../data/dataset-config.ts';
import { buildDatasetIndex } from '../data/dataset-index.ts';
import { createLoader } from '../data/loader.ts';
import type { ItemShapes } from '../data/yolo-dataset.ts';
import { type EvaluationResult, evaluateDetections } from '../eval/evaluate.ts';
import { nonMaxSuppression } from '../eval/nms.ts';
import { formatSpeedLine, formatValHeader, formatValRow } from '../eval/val-table.ts';
import { type Boxes, scaleBoxes, xywh2xyxy, xyxy2xywh } from '../geometry/boxes.ts';
import type { HostTensor } from '../io/host-tensor.ts';
import { plotConfusionMatrix } from '../plot/confusion-matrix-plot.ts';
import { plotImages } from '../plot/image-grid.ts';
import { plotMcCurve, plotPrCurve } from '../plot/metric-curves.ts';
import { incrementPath } from '../run/increment-path.ts';
import { tensor } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';

/** Anything that turns a batch into decoded predictions (and, for libtorch models, raw maps for val losses). */
export interface ValModel {
  names: string[];
  nc: number;
  stride: number[];
  /** Decoded predictions for a uint8 batch; with `targets` (image, cls, cx, cy, w, h rows) also val losses. */
  predict(images: Uint8Array, shape: [number, number, number, number], targets?: Float32Array): ValPrediction | Promise<ValPrediction>;
}

export interface ValPrediction {
  pred: HostTensor;
  losses?: [number, number, number];
  /** Milliseconds spent turning bytes into the model's input (val.py's pre-process). */
  preprocessMs: number;
}

export interface ValLossFn {
  compute(raw: Tensor[], targets: Tensor): { lbox: number; lobj: number; lcls: number };
}

/** Wraps a libtorch DetectionModel (eval, no grad). With a loss function it also returns YOLOv5's val losses. */
export function libtorchValModel(model: DetectionModel, opts: { device?: string; loss?: ValLossFn } = {}): ValModel {
  return {
    names: model.names,
    nc: model.nc,
    stride: model.stride,
    predict(images, shape, targets) {
      return noGrad(() =>
        tidy(() => {
          const t0 = performance.now();
          let x = tensor(images, { shape, dtype: 'uint8' });
          if (opts.device && opts.device !== 'cpu') x = x.to(opts.device);
          const input = x.float().div(255);
          const preprocessMs = performance.now() - t0;
          model.eval();
          const { pred, raw } = model.forwardWithRaw(input);
          let losses: [number, number, number] | undefined;
          if (opts.loss && targets) {
            const l = opts.loss.compute(raw, tensor(targets, { shape: [targets.length / 6, 6] }));
            losses = [l.lbox, l.lobj, l.lcls];
          }
          return { pred: pred.toHost(), losses, preprocessMs };
        }),
      );
    },
  };
}

export interface ValOptions {
  data: string | DatasetConfig;
  model: ValModel;
  /** File the weights came from (names the --save-json file). */
  weightsFile?: string;
  batchSize?: number;
  imgsz?: number;
  confThres?: number;
  iouThres?: number;
  maxDet?: number;
  /** Rectangular batches (default true); false letterboxes every image to imgsz² (fixed-shape ONNX models). */
  rect?: boolean;
  task?: 'val' | 'test' | 'train';
  workers?: number;
  singleCls?: boolean;
  verbose?: boolean;
  saveTxt?: boolean;
  saveConf?: boolean;
  saveJson?: boolean;
  project?: string;
  name?: string;
  existOk?: boolean;
  /** An existing folder to write into (training passes its run dir; no increment). */
  saveDir?: string;
  plots?: boolean;
  /** Training's per-epoch validation: quieter table, as val.py with training=True. */
  training?: boolean;
  log?: (line: string) => void;
}

export interface ValResult extends EvaluationResult {
  /** Mean val losses (box, obj, cls) when the model computes them. */
  losses: [number, number, number];
  speedMs: { preprocess: number; inference: number; nms: number };
  saveDir: string | null;
  names: string[];
}

/** Rows of (cls, x1, y1, x2, y2) in pixels of the batch image → the original image via val.py's ratio_pad. */
function toOriginal(boxes: Boxes, shapes: ItemShapes): Boxes {
  const [h0, w0] = shapes.original;
  return scaleBoxes([0, 0], boxes, [h0, w0], { gain: shapes.ratio[0], padX: shapes.pad[0], padY: shapes.pad[1] });
}

export async function val(o: ValOptions): Promise<ValResult> {
  const log = o.log ?? ((s: string) => console.log(s));
  const cfg = typeof o.data === 'string' ? loadDatasetConfig(o.data) : o.data;
  const task = o.task ?? 'val';
  const sources = task === 'test' ? cfg.test : task === 'train' ? cfg.train : cfg.val;
  if (!sources || sources.length === 0) throw new Error(`${cfg.yamlPath}: no '${task}' split`);
  const model = o.model;
  const nc = o.singleCls ? 1 : cfg.nc;
  if (!o.singleCls && model.nc !== nc) {
    throw new Error(`model has ${model.nc} classes but ${cfg.yamlPath} has ${nc}: pass the matching --data or weights`);
  }
  const names = o.singleCls ? ['item'] : cfg.names;
  const imgsz = o.imgsz ?? 640;
  const batchSize = o.batchSize ?? 32;
  const stride = Math.max(...model.stride, 32);
  // With --single-cls every class becomes 0 later, so labels are not checked against nc here.
  const index = await buildDatasetIndex(sources, { nc: o.singleCls ? undefined : nc, prefix: `${task}: `, log: o.training ? () => {} : log });
  if (index.labels.every((l) => l.length === 0)) {
    throw new Error(`${cfg.yamlPath}: the '${task}' split has no labels (${sources.join(', ')}), so there is nothing to measure`);
  }
  const loader = createLoader({
    source: index,
    batchSize,
    imgSize: imgsz,
    stride,
    pad: 0.5,
    rect: o.rect ?? true,
    augment: false,
    singleCls: o.singleCls,
    workers: o.workers ?? 2,
    shuffle: false,
  });

  const saveDir = o.saveDir ?? (o.plots !== false || o.saveTxt || o.saveJson ? incrementPath(o.project ?? 'runs/val', o.name ?? 'exp', o.existOk) : null);
  if (saveDir && o.saveTxt) mkdirSync(join(saveDir, 'labels'), { recursive: true });
  const detections: HostTensor[] = [];
  const labelRows: number[] = [];
  const jsonDicts: Array<{ image_id: number | string; category_id: number; bbox: number[]; score: number }> = [];
  const lossSum: [number, number, number] = [0, 0, 0];
  let lossBatches = 0;
  const dt = { preprocess: 0, inference: 0, nms: 0 };
  let seen = 0;
  let batchI = 0;

  try {
    for await (const batch of loader) {
      const [n, , h, w] = batch.shape;
      const t1 = performance.now();
      const out = await model.predict(batch.images, batch.shape, batch.targets);
      const t2 = performance.now();
      dt.preprocess += out.preprocessMs;
      dt.inference += t2 - t1 - out.preprocessMs;
      if (out.losses) {
        out.losses.forEach((v, k) => (lossSum[k] += v));
        lossBatches++;
      }
      const preds = nonMaxSuppression(out.pred, { confThres: o.confThres ?? 0.001, iouThres: o.iouThres ?? 0.6, multiLabel: true, agnostic: o.singleCls, maxDet: o.maxDet ?? 300 });
      dt.nms += performance.now() - t2;

      const predTargets: number[] = [];
      for (let si = 0; si < n; si++) {
        const shapes = batch.shapes[si]!;
        const det = preds[si]!.data as Float32Array;
        const nd = det.length / 6;
        // Labels of this image: (cls, cx, cy, w, h) normalised → pixels of the batch image → original pixels.
        const tb: number[] = [];
        const tcls: number[] = [];
        for (let r = 0; r < batch.targets.length; r += 6) {
          if (batch.targets[r] !== si) continue;
          tcls.push(batch.targets[r + 1]!);
          tb.push(batch.targets[r + 2]! * w, batch.targets[r + 3]! * h, batch.targets[r + 4]! * w, batch.targets[r + 5]! * h);
        }
        const lbox = toOriginal(xywh2xyxy(Float32Array.from(tb)), shapes);
        tcls.forEach((c, k) => labelRows.push(seen, c, lbox[k * 4]!, lbox[k * 4 + 1]!, lbox[k * 4 + 2]!, lbox[k * 4 + 3]!));
        const pbox = new Float32Array(nd * 4);
        for (let r = 0; r < nd; r++) pbox.set(det.subarray(r * 6, r * 6 + 4), r * 4);
        const pboxN = toOriginal(pbox, shapes);
        const predn = new Float32Array(det.length);
        for (let r = 0; r < nd; r++) {
          predn.set(pboxN.subarray(r * 4, r * 4 + 4), r * 6);
          predn[r * 6 + 4] = det[r * 6 + 4]!;
          predn[r * 6 + 5] = det[r * 6 + 5]!;
          const xywhPix = xyxy2xywh(det.subarray(r * 6, r * 6 + 4) as Float32Array);
          predTargets.push(si, det[r * 6 + 5]!, xywhPix[0]!, xywhPix[1]!, xywhPix[2]!, xywhPix[3]!, det[r * 6 + 4]!);
        }
        detections.push({ dtype: 'float32', shape: [nd, 6], data: predn });
        const stem = basename(batch.paths[si]!, extname(batch.paths[si]!));
        if (saveDir && o.saveTxt) {
          const [h0, w0] = shapes.original;
          const xywh = xyxy2xywh(pboxN);
          const lines: string[] = [];
          for (let r = 0; r < nd; r++) {
            const v = [predn[r * 6 + 5]!, xywh[r * 4]! / w0, xywh[r * 4 + 1]! / h0, xywh[r * 4 + 2]! / w0, xywh[r * 4 + 3]! / h0];
            if (o.saveConf) v.push(predn[r * 6 + 4]!);
            lines.push(v.map((x) => pyFormat('%g', x)).join(' '));
          }
          writeFileSync(join(saveDir, 'labels', `${stem}.txt`), lines.length ? `${lines.join('\n')}\n` : '');
        }
        if (o.saveJson) {
          const imageId = /^\d+$/.test(stem) ? Number(stem) : stem;
          for (let r = 0; r < nd; r++) {
            const [x1, y1, x2, y2] = [predn[r * 6]!, predn[r * 6 + 1]!, predn[r * 6 + 2]!, predn[r * 6 + 3]!];
            jsonDicts.push({
              image_id: imageId,
              category_id: predn[r * 6 + 5]!,
              bbox: [x1, y1, x2 - x1, y2 - y1].map((v) => Math.round(v * 1000) / 1000),
              score: Math.round(predn[r * 6 + 4]! * 1e5) / 1e5,
            });
          }
        }
        seen++;
      }
      if (saveDir && o.plots !== false && batchI < 3) {
        await plotImages({ images: batch.images, shape: batch.shape, targets: batch.targets, targetColumns: 6, names, paths: batch.paths, path: join(saveDir, `val_batch${batchI}_labels.jpg`) });
        await plotImages({ images: batch.images, shape: batch.shape, targets: Float32Array.from(predTargets), targetColumns: 7, names, paths: batch.paths, path: join(saveDir, `val_batch${batchI}_pred.jpg`) });
      }
      batchI++;
    }
  } finally {
    await loader.close();
  }

  const labels: HostTensor = { dtype: 'float32', shape: [labelRows.length / 6, 6], data: Float32Array.from(labelRows) };
  const result = evaluateDetections(detections, labels, { names, nc });
  const speedMs = { preprocess: dt.preprocess / seen, inference: dt.inference / seen, nms: dt.nms / seen };

  log(formatValHeader());
  log(formatValRow('all', seen, result.nInstances, result.P, result.R, result.mAP50, result.mAP50_95));
  if ((o.verbose || (nc < 50 && !o.training)) && nc > 1) {
    for (const c of result.perClass) log(formatValRow(c.name, seen, c.instances, c.P, c.R, c.mAP50, c.mAP50_95));
  }
  if (!o.training) log(formatSpeedLine(speedMs.preprocess, speedMs.inference, speedMs.nms, [batchSize, 3, imgsz, imgsz]));

  if (saveDir && o.plots !== false) {
    await plotConfusionMatrix(result.confusionMatrix.matrix, nc, names, join(saveDir, 'confusion_matrix.png'));
    const curves = result.curves;
    if (curves) {
      const present = curves.classes.map((_, k) => k).filter((k) => curves.prCurve[k]);
      const px = curves.px;
      const stackRows = (rows: ArrayLike<number>[]) => {
        const flat = new Float64Array(rows.length * px.length);
        rows.forEach((row, k) => flat.set(row, k * px.length));
        return flat;
      };
      const clsNames = curves.classes.map((c) => names[c] ?? String(c));
      if (present.length) {
        const ap = new Float64Array(present.length * 10);
        present.forEach((k, j) => ap.set(curves.ap[k]!, j * 10));
        await plotPrCurve(px, stackRows(present.map((k) => curves.prCurve[k]!)), ap, join(saveDir, 'PR_curve.png'), present.map((k) => clsNames[k]!));
      }
      await plotMcCurve(px, stackRows(curves.f1Curve), join(saveDir, 'F1_curve.png'), clsNames, 'Confidence', 'F1');
      await plotMcCurve(px, stackRows(curves.pCurve), join(saveDir, 'P_curve.png'), clsNames, 'Confidence', 'Precision');
      await plotMcCurve(px, stackRows(curves.rCurve), join(saveDir, 'R_curve.png'), clsNames, 'Confidence', 'Recall');
    }
  }
  if (saveDir && o.saveJson) {
    const stem = o.weightsFile ? basename(o.weightsFile, extname(o.weightsFile)) : 'model';
    const file = join(saveDir, `${stem}_predictions.json`);
    writeFileSync(file, JSON.stringify(jsonDicts));
    log(`Saving ${file}...`);
  }
  if (saveDir && !o.training) log(`Results saved to ${saveDir}${o.saveTxt ? `\n${seen} labels saved to ${join(saveDir, 'labels')}` : ''}`);
  const losses = lossSum.map((v) => (lossBatches ? v / lossBatches : 0)) as [number, number, number];
  return { ...result, losses, speedMs, saveDir, names };
}
