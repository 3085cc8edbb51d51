// val.py: mAP of a detector (any Backend) on a dataset split — YOLOv5's defaults, table, speed line, plots and
// outputs. Phases: resolve the run → predict batch by batch → metrics → report.
import { basename, extname, join } from 'node:path';
import { type DatasetConfig, loadDatasetConfig } from '../data/dataset-config.ts';
import { buildDatasetIndex } from '../data/dataset-index.ts';
import { createLoader, type DataLoader } from '../data/loader.ts';
import type { Batch } from '../data/batch.ts';
import { writeLabelFile } from '../data/label-writer.ts';
import type { ItemShapes } from '../data/yolo-dataset.ts';
import { type EvaluationResult, evaluateDetections } from '../eval/evaluate.ts';
import { formatSpeedLine, formatValHeader, formatValRow } from '../eval/val-table.ts';
import { scaleBoxes, xywh2xyxy, xyxy2xywh } from '../geometry/boxes.ts';
import { type DetectionRows, TargetRows } from '../geometry/rows.ts';
import { makeDirs } from '../io/atomic-write.ts';
import type { HostTensor } from '../io/host-tensor.ts';
import { plotImages } from '../plot/image-grid.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import { ProgressBar, stdoutIsTerminal } from '../run/progress-bar.ts';
import { type Backend, checkAugment } from '../deploy/backend.ts';
import { nmsPerImage, nonFiniteRows, scaleDetections, type ScaleTarget } from '../deploy/postprocess.ts';
import { inGraphNmsWarning } from '../deploy/in-graph-nms.ts';
import type { NmsOptions } from '../eval/nms.ts';
import { checkNmsMethod, NMS_OPTION_NAMES, type NmsMethod } from '../eval/nms-variants.ts';
import { type CocoDetection, cocoDetections, saveValPlots } from './val-outputs.ts';
import { saveAndEvaluateCoco, type ValCocoResult } from './val-coco.ts';

/** val.py's options (its defaults unless noted). */
export interface ValOptions {
  /** Dataset YAML (or its resolved config). */
  data: string | DatasetConfig;
  /** The model to evaluate: libtorchBackend(model), or await loadBackend('best.onnx'). */
  model: Backend;
  /** File the weights came from (names the --save-json file). */
  weightsFile?: string;
  /** Batch size (default 32). */
  batchSize?: number;
  /** Inference size in pixels (default 640). */
  imgsz?: number;
  /** Confidence threshold (default 0.001). */
  confThres?: number;
  /** NMS IoU threshold (default 0.6). */
  iouThres?: number;
  /** Most detections per image (default 300). */
  maxDet?: number;
  /** NMS variant (docs/nms.md): 'nms' (default), 'diou', 'soft-linear', 'soft-gaussian'. */
  nmsMethod?: NmsMethod;
  /** Soft-NMS gaussian σ (default 0.5). */
  softSigma?: number;
  /** Rectangular batches (default true; fixed-shape ONNX models always get square batches of 1 at their size). */
  rect?: boolean;
  /** The split evaluated (default val). */
  task?: 'val' | 'test' | 'train';
  /** Data loader worker threads (default 2). */
  workers?: number;
  /** val.py's `dataloader`: a loader from createValLoader, reused across calls (train() makes one per run, as
   * train.py does, so its worker threads are not started anew each epoch); val leaves it open. */
  dataloader?: DataLoader;
  /** Treat every class as one. */
  singleCls?: boolean;
  /** v7.0's augmented inference (`--augment`, TTA); refused for a backend without it (ONNX). */
  augment?: boolean;
  /** A table row per class. */
  verbose?: boolean;
  /** Write labels/<image>.txt with the detections. */
  saveTxt?: boolean;
  /** Add confidences to the --save-txt labels. */
  saveConf?: boolean;
  /** Write COCO-style detections JSON and evaluate them with COCOeval (docs/coco-metrics.md). */
  saveJson?: boolean;
  /** Parent folder of the run folders (default runs/val). */
  project?: string;
  /** Run folder name (default exp, then exp2, …). */
  name?: string;
  /** Reuse an existing run folder instead of incrementing. */
  existOk?: boolean;
  /** An existing folder to write into (training passes its run dir; no increment). */
  saveDir?: string;
  /** Write the plots (confusion matrix, PR/F1/P/R curves, batch images; default true). */
  plots?: boolean;
  /** Training's per-epoch validation: quieter table, as val.py with training=True. */
  training?: boolean;
  /** Receives each output line (default: console.log). */
  log?: (line: string) => void;
  /** val.py's progress bar (the table header, then `100%|██████████| n/n […]`); default: when stdout is a terminal. */
  progress?: boolean;
  /** Where the bar is drawn (default: process.stdout.write). */
  write?: (s: string) => void;
}

/** val.py's metrics plus the val losses, timings, run folder and class names. */
export interface ValResult extends EvaluationResult {
  /** Mean val losses (box, obj, cls) when the model computes them. */
  losses: [number, number, number];
  /** Mean milliseconds per image of each step. */
  speedMs: {
    /** Letterbox and tensor conversion (ms per image). */
    preprocess: number;
    /** The model's forward pass (ms per image). */
    inference: number;
    /** Non-maximum suppression (ms per image). */
    nms: number;
  };
  /** The run folder (null when nothing was written). */
  saveDir: string | null;
  /** Class names. */
  names: string[];
  /** Images whose model output held a NaN or ±inf (a diverged model): warned about; all of them is an error. */
  nonFiniteImages: number;
  /** val --save-json's COCO evaluation (pycocotools' stats and lines, the files), when it ran. */
  coco?: ValCocoResult;
}

/** The resolved settings of one val run. */
interface ValRun {
  o: ValOptions;
  model: Backend;
  cfg: DatasetConfig;
  task: string;
  sources: string[];
  nc: number;
  names: string[];
  imgsz: number;
  batchSize: number;
  rect: boolean;
  saveDir: string | null;
  log: (line: string) => void;
  /** The progress bar is drawn (its finished line then stands for the table's header). */
  progress: boolean;
}

/** What the batches accumulate: per-image detections and labels in original pixels, losses, times. */
interface ValTally {
  detections: HostTensor[];
  labelRows: number[];
  jsonDicts: CocoDetection[];
  lossSum: [number, number, number];
  lossBatches: number;
  dt: { preprocess: number; inference: number; nms: number };
  seen: number;
  labelFiles: number;
  nonFiniteImages: number;
}

/** val.py: mAP of any Backend on a dataset split, with its table, speed line, plots and outputs. */
export async function val(o: ValOptions): Promise<ValResult> {
  const run = resolveRun(o);
  try {
    return await evaluateRun(run);
  } catch (e) {
    // A run that failed before writing anything (no usable images, a split without labels) leaves no empty exp{N}.
    if (run.saveDir && !o.saveDir) discardRunFolder(run.saveDir);
    throw e;
  }
}

async function evaluateRun(run: ValRun): Promise<ValResult> {
  const { o } = run;
  const tally = await predictSplit(run);
  checkFiniteOutputs(run, tally);
  const labels: HostTensor = { dtype: 'float32', shape: [tally.labelRows.length / 6, 6], data: Float32Array.from(tally.labelRows) };
  const result = evaluateDetections(tally.detections, labels, { names: run.names, nc: run.nc });
  const seen = tally.seen;
  const speedMs = { preprocess: tally.dt.preprocess / seen, inference: tally.dt.inference / seen, nms: tally.dt.nms / seen };
  logTable(run, result, seen, speedMs);
  if (run.saveDir && o.plots !== false) await saveValPlots(result, run.nc, run.names, run.saveDir);
  const coco = run.saveDir && o.saveJson ? await saveAndEvaluateCoco({ cfg: run.cfg, task: o.task ?? 'val', singleCls: o.singleCls ?? false, names: run.names, saveDir: run.saveDir, weightsFile: o.weightsFile, dicts: tally.jsonDicts, log: run.log }) : null;
  if (coco) useCocoMap(result, coco);
  if (run.saveDir && !o.training) run.log(`Results saved to ${run.saveDir}${o.saveTxt ? `\n${tally.labelFiles} labels saved to ${join(run.saveDir, 'labels')}` : ''}`);
  const losses = tally.lossSum.map((v) => (tally.lossBatches ? v / tally.lossBatches : 0)) as [number, number, number];
  return { ...result, losses, speedMs, saveDir: run.saveDir, names: run.names, nonFiniteImages: tally.nonFiniteImages, ...(coco ? { coco } : {}) };
}

/** v7.0: after COCO evaluation, mAP@0.5:0.95 and mAP@0.5 are pycocotools' stats[:2] (so is `maps` of classes without AP). */
function useCocoMap(result: EvaluationResult, coco: ValCocoResult): void {
  const withAp = new Set(result.perClass.map((c) => c.cls));
  for (let c = 0; c < result.maps.length; c++) if (!withAp.has(c)) result.maps[c] = coco.stats[0]!;
  [result.mAP50_95, result.mAP50] = [coco.stats[0]!, coco.stats[1]!];
}

/**
 * A model giving NaN/inf outputs (diverged weights) would otherwise score mAP 0 in silence: a warning when some
 * images get them, an error when every image does. Training's validation only counts them (the trainer stops).
 */
function checkFiniteOutputs(run: ValRun, tally: ValTally): void {
  const n = tally.nonFiniteImages;
  if (n === 0 || run.o.training) return;
  const what = `the model gave non-finite outputs (NaN/inf) for ${n} of ${tally.seen} images`;
  if (n === tally.seen) throw new Error(`${what}: its weights are broken (a diverged training?), so there is nothing to measure`);
  run.log(`WARNING ⚠️ ${what}: NMS drops those predictions, so the metrics below undercount`);
}

/** The image sources of a dataset split; the error names the YAML when the split is missing. */
function splitSources(cfg: DatasetConfig, task: 'val' | 'test' | 'train'): string[] {
  const sources = task === 'test' ? cfg.test : task === 'train' ? cfg.train : cfg.val;
  if (!sources || sources.length === 0) throw new Error(`${cfg.yamlPath}: no '${task}' split`);
  return sources;
}

function resolveRun(o: ValOptions): ValRun {
  if (o.augment) checkAugment(o.model); // before the dataset is read
  const log = o.log ?? ((s: string) => console.log(s));
  const cfg = typeof o.data === 'string' ? loadDatasetConfig(o.data) : o.data;
  const task = o.task ?? 'val';
  const sources = splitSources(cfg, task);
  const model = o.model;
  const nc = o.singleCls ? 1 : cfg.nc;
  if (!o.singleCls && model.nc !== nc) {
    throw new Error(`model has ${model.nc} classes but ${cfg.yamlPath} has ${nc}: pass the matching --data or weights`);
  }
  let imgsz = o.imgsz ?? 640;
  let batchSize = o.batchSize ?? 32;
  let rect = o.rect ?? true;
  const fixed = model.fixedInputHW;
  if (fixed) {
    if (fixed[0] !== fixed[1]) throw new Error(`val needs a square or dynamic model input, the model takes ${fixed[0]}×${fixed[1]}`);
    [imgsz, batchSize, rect] = [fixed[0], 1, false];
    if (!o.training) log(`Forcing --batch-size 1 square inference (1,3,${imgsz},${imgsz}) for non-PyTorch models`);
  }
  checkNmsMethod(o.nmsMethod, o.softSigma, 'val', NMS_OPTION_NAMES);
  const nmsWarning = model.inGraphNms && inGraphNmsWarning(model.inGraphNms, valNms(o));
  if (nmsWarning) log(nmsWarning);
  const saveDir = o.saveDir ?? (o.plots !== false || o.saveTxt || o.saveJson ? incrementPath(o.project ?? 'runs/val', o.name ?? 'exp', o.existOk) : null);
  if (saveDir && o.saveTxt) makeDirs(join(saveDir, 'labels'));
  return { o, model, cfg, task, sources, nc, names: o.singleCls ? ['item'] : cfg.names, imgsz, batchSize, rect, saveDir, log, progress: o.progress ?? stdoutIsTerminal() };
}

export interface ValLoaderOptions {
  data: DatasetConfig;
  task?: 'val' | 'test' | 'train';
  batchSize: number;
  imgsz: number;
  /** Largest model stride (letterbox pads to a multiple of it). */
  stride: number;
  rect?: boolean;
  singleCls?: boolean;
  workers?: number;
  /** Prints the split's label-cache line; omit for silence. */
  log?: (line: string) => void;
}

/** val.py's dataloader over one split: rect batches padded by half a stride, no augmentation, no shuffle. */
export async function createValLoader(o: ValLoaderOptions): Promise<DataLoader> {
  const task = o.task ?? 'val';
  const sources = splitSources(o.data, task);
  // With --single-cls every class becomes 0 later, so labels are not checked against nc here.
  const index = await buildDatasetIndex(sources, { nc: o.singleCls ? undefined : o.data.nc, prefix: `${task}: `, log: o.log ?? (() => {}) });
  if (index.labels.every((l) => l.length === 0)) {
    throw new Error(`${o.data.yamlPath}: the '${task}' split has no labels (${sources.join(', ')}), so there is nothing to measure`);
  }
  return createLoader({
    source: index,
    batchSize: o.batchSize,
    imgSize: o.imgsz,
    stride: o.stride,
    pad: 0.5,
    rect: o.rect ?? true,
    augment: false,
    singleCls: o.singleCls,
    workers: o.workers ?? 2,
    shuffle: false,
  });
}

async function predictSplit(run: ValRun): Promise<ValTally> {
  const { o } = run;
  const loader =
    o.dataloader ??
    (await createValLoader({
      data: run.cfg,
      task: o.task,
      batchSize: run.batchSize,
      imgsz: run.imgsz,
      stride: run.model.stride,
      rect: run.rect,
      singleCls: o.singleCls,
      workers: o.workers,
      log: o.training ? undefined : run.log,
    }));
  const tally: ValTally = { detections: [], labelRows: [], jsonDicts: [], lossSum: [0, 0, 0], lossBatches: 0, dt: { preprocess: 0, inference: 0, nms: 0 }, seen: 0, labelFiles: 0, nonFiniteImages: 0 };
  let batchI = 0;
  // val.py's tqdm: the table header as the bar's description, left standing when done.
  const bar = new ProgressBar(loader.length, { desc: formatValHeader(), write: o.write, enabled: run.progress });
  try {
    for await (const batch of loader) {
      await predictBatch(run, batch, batchI++, tally);
      bar.update(batchI);
    }
    bar.end();
  } catch (e) {
    bar.end(false);
    throw e;
  } finally {
    if (loader !== o.dataloader) await loader.close();
  }
  return tally;
}

/** val.py's NMS: conf 0.001, IoU 0.6, multi-label, 300 detections; class-agnostic with --single-cls. */
function valNms(o: ValOptions): NmsOptions {
  return { confThres: o.confThres ?? 0.001, iouThres: o.iouThres ?? 0.6, multiLabel: true, agnostic: o.singleCls ?? false, maxDet: o.maxDet ?? 300, method: o.nmsMethod, sigma: o.softSigma };
}

async function predictBatch(run: ValRun, batch: Batch, batchI: number, tally: ValTally): Promise<void> {
  const { o } = run;
  const t1 = performance.now();
  const out = await run.model.forward(batch.images, batch.shape, batch.targets, o.augment ? { augment: true } : undefined);
  const t2 = performance.now();
  const preprocessMs = out.preprocessMs ?? 0;
  tally.dt.preprocess += preprocessMs;
  tally.dt.inference += t2 - t1 - preprocessMs;
  if (out.losses) {
    out.losses.forEach((v, k) => (tally.lossSum[k] += v));
    tally.lossBatches++;
  }
  const preds = nmsPerImage(out, valNms(o));
  tally.dt.nms += performance.now() - t2;
  for (const rows of nonFiniteRows(out)) if (rows > 0) tally.nonFiniteImages++;

  const predTargets: number[] = [];
  preds.forEach((det, si) => {
    addImage(run, batch, si, det, tally);
    appendPlotTargets(det, si, predTargets);
  });
  if (run.saveDir && o.plots !== false && batchI < 3) {
    const common = { images: batch.images, shape: batch.shape, names: run.names, paths: batch.paths };
    await plotImages({ ...common, targets: batch.targets, targetColumns: 6, path: join(run.saveDir, `val_batch${batchI}_labels.jpg`) });
    await plotImages({ ...common, targets: Float32Array.from(predTargets), targetColumns: 7, path: join(run.saveDir, `val_batch${batchI}_pred.jpg`) });
  }
}

/** One image of a batch: its labels and detections in original pixels, --save-txt and --save-json outputs. */
function addImage(run: ValRun, batch: Batch, si: number, det: DetectionRows, tally: ValTally): void {
  const shapes = batch.shapes[si]!;
  const to: ScaleTarget = { originalHW: shapes.original, ratioPad: ratioPad(shapes) };
  const [, , h, w] = batch.shape;
  for (const row of imageLabels(batch.targets, si, w, h, to)) tally.labelRows.push(tally.seen, ...row);
  const predn = scaleDetections(det, [h, w], to, false);
  tally.detections.push({ dtype: 'float32', shape: [predn.length, 6], data: predn.data });
  const stem = basename(batch.paths[si]!, extname(batch.paths[si]!));
  if (run.saveDir && run.o.saveTxt) {
    const [h0, w0] = shapes.original;
    if (writeLabelFile(join(run.saveDir, 'labels', `${stem}.txt`), predn, w0, h0, { saveConf: run.o.saveConf })) tally.labelFiles++;
  }
  if (run.o.saveJson) tally.jsonDicts.push(...cocoDetections(predn, stem));
  tally.seen++;
}

/** val.py's ratio_pad from the loader's shapes: the letterbox gain and padding of this image. */
function ratioPad(shapes: ItemShapes): ScaleTarget['ratioPad'] {
  return { gain: shapes.ratio[0], padX: shapes.pad[0], padY: shapes.pad[1] };
}

/** Image si's labels (cls, x1, y1, x2, y2): normalised xywh → pixels of the batch image → original pixels. */
function imageLabels(targets: Float32Array, si: number, w: number, h: number, to: ScaleTarget): number[][] {
  const t = new TargetRows(targets);
  const cls: number[] = [];
  const xywh: number[] = [];
  for (let r = 0; r < t.length; r++) {
    if (t.image(r) !== si) continue;
    const [cx, cy, bw, bh] = t.box(r);
    cls.push(t.cls(r));
    xywh.push(cx! * w, cy! * h, bw! * w, bh! * h);
  }
  const b = scaleBoxes([h, w], xywh2xyxy(Float32Array.from(xywh)), to.originalHW, to.ratioPad);
  return cls.map((c, k) => [c, b[k * 4]!, b[k * 4 + 1]!, b[k * 4 + 2]!, b[k * 4 + 3]!]);
}

/** plot_images' prediction rows (image, cls, cx, cy, w, h, conf) in the batch image's pixels. */
function appendPlotTargets(det: DetectionRows, si: number, out: number[]): void {
  for (let r = 0; r < det.length; r++) {
    const xywh = xyxy2xywh(det.box(r));
    out.push(si, det.cls(r), xywh[0]!, xywh[1]!, xywh[2]!, xywh[3]!, det.conf(r));
  }
}

function logTable(run: ValRun, result: EvaluationResult, seen: number, speedMs: ValResult['speedMs']): void {
  const { o, log, nc } = run;
  // With the bar drawn, its finished line (header: 100%|…|) is the header, as in val.py.
  if (!run.progress) log(formatValHeader());
  log(formatValRow('all', seen, result.nInstances, result.P, result.R, result.mAP50, result.mAP50_95));
  if ((o.verbose || (nc < 50 && !o.training)) && nc > 1) {
    for (const c of result.perClass) log(formatValRow(c.name, seen, c.instances, c.P, c.R, c.mAP50, c.mAP50_95));
  }
  if (!o.training) log(formatSpeedLine(speedMs.preprocess, speedMs.inference, speedMs.nms, [run.batchSize, 3, run.imgsz, run.imgsz]));
}
