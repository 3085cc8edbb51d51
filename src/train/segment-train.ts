// What YOLOv5 v7.0's segment/train.py does differently from train.py, as pieces the trainer calls when it trains a
// segmentation model: polygon labels attached to the verified index, the training forward that keeps the
// prototypes, the four-part progress line, results.csv with the segment columns (%23s / %23.5g, GenericLogger's
// layout), fitness over box and mask metrics, the mask val loader and its val-loss pass, the box + mask metrics
// from `segment val`'s segmentVal (with its plots at the end), and train_batch*.jpg with masks.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { pyFormat } from '../compat/python.ts';
import type { DatasetConfig } from '../data/dataset-config.ts';
import { buildDatasetIndex, type DatasetIndex } from '../data/dataset-index.ts';
import type { Batch } from '../data/batch.ts';
import { createLoader, type DataLoader } from '../data/loader.ts';
import type { MaskOptions, SegmentedImages } from '../data/segment-dataset.ts';
import { readSegmentLabels } from '../data/segments.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { plotImagesAndMasks } from '../segment/mask-mosaic.ts';
import { tensor } from '../tensor/create.ts';
import { noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { Segment } from '../yolo/modules/heads/segment.ts';
import { segmentRowFitness } from './evolve-meta.ts';
import { SegmentComputeLoss } from './segment-loss.ts';

/** segment/train.py's own options, given to train() as `segment` (`tsyolo segment train` sets it). */
export interface SegmentTaskOptions {
  /** Masks at 1/maskRatio of the image (--mask-ratio, default 4). */
  maskRatio?: number;
  /** Overlapping masks: one index mask per image (default true; --no-overlap turns it off). */
  overlap?: boolean;
}

/** train()'s segmentation input: present → train a Segment model on polygon labels, as segment/train.py. */
export interface SegmentTaskInput {
  /** Train segmentation (the model must have a Segment head; the labels must be polygons). */
  segment?: SegmentTaskOptions;
}

/** segment/train.py's results.csv columns (utils/segment/metrics.py KEYS), after `epoch`. */
export const SEGMENT_RESULTS_COLUMNS = [
  'train/box_loss', 'train/seg_loss', 'train/obj_loss', 'train/cls_loss',
  'metrics/precision(B)', 'metrics/recall(B)', 'metrics/mAP_0.5(B)', 'metrics/mAP_0.5:0.95(B)',
  'metrics/precision(M)', 'metrics/recall(M)', 'metrics/mAP_0.5(M)', 'metrics/mAP_0.5:0.95(M)',
  'val/box_loss', 'val/seg_loss', 'val/obj_loss', 'val/cls_loss',
  'x/lr0', 'x/lr1', 'x/lr2',
] as const;

/** Appends an epoch's row to a segment run's results.csv (GenericLogger: '%23s,' header, '%23.5g,' values). */
export function appendSegmentResultsRow(file: string, epoch: number, values: readonly number[]): void {
  if (values.length !== SEGMENT_RESULTS_COLUMNS.length) throw new Error(`results.csv needs ${SEGMENT_RESULTS_COLUMNS.length} values, got ${values.length}`);
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : `${['epoch', ...SEGMENT_RESULTS_COLUMNS].map((k) => pyFormat('%23s,', k)).join('').replace(/,$/, '')}\n`;
  const row = [epoch, ...values].map((v) => pyFormat('%23.5g,', v)).join('');
  writeFileAtomic(file, `${existing}${row.replace(/,$/, '')}\n`, { fsync: true });
}

/**
 * utils/segment/metrics.py fitness: 0.1·mAP50 + 0.9·mAP50-95 of the boxes plus the same of the masks, summed in
 * NumPy's order (segmentRowFitness over the 8 metrics, as segment/train.py calls it on the results row).
 */
export function segmentFitness(box: { P?: number; R?: number; mAP50: number; mAP50_95: number }, mask: { P?: number; R?: number; mAP50: number; mAP50_95: number }): number {
  return segmentRowFitness([box.P ?? 0, box.R ?? 0, box.mAP50, box.mAP50_95, mask.P ?? 0, mask.R ?? 0, mask.mAP50, mask.mAP50_95]);
}

/** segment/train.py's epoch header: Epoch, GPU_mem, the four losses, Instances, Size. */
export const SEGMENT_TRAIN_HEADER = pyFormat('\n' + '%11s'.repeat(8), 'Epoch', 'GPU_mem', 'box_loss', 'seg_loss', 'obj_loss', 'cls_loss', 'Instances', 'Size');

/** One epoch's progress row (before the bar) with the four mean losses. */
export function formatSegmentTrainRow(epoch: number, epochs: number, mem: string, mloss: readonly number[], instances: number, size: number): string {
  return pyFormat('%11s%11s' + '%11.4g'.repeat(6), `${epoch}/${epochs - 1}`, mem, mloss[0]!, mloss[1]!, mloss[2]!, mloss[3]!, instances, size);
}

/**
 * The verified index with each image's polygons: every label file is read again as segment labels (class + ≥ 3
 * points per row; a box row or a short polygon is an error naming the file and line), and the box rows become the
 * polygons' boxes (as v7.0's verify_image_label makes them). A dataset with no polygon at all is refused.
 */
export function attachSegments(index: DatasetIndex, what: string): SegmentedImages {
  const labels: Float32Array[] = [];
  const segments: Float32Array[][] = [];
  let polygons = 0;
  index.labelFiles.forEach((f, i) => {
    const s = readSegmentLabels(f);
    if (s.segments.length !== index.labels[i]!.length / 5) {
      throw new Error(`${f}: ${s.segments.length} polygons but ${index.labels[i]!.length / 5} verified label rows (duplicate rows? segmentation labels must be unique)`);
    }
    labels.push(s.labels);
    segments.push(s.segments);
    polygons += s.segments.length;
  });
  if (polygons === 0) throw new Error(`${what}: no polygon labels: segmentation training needs YOLO segment labels (class x1 y1 x2 y2 …); this looks like a detection dataset (boxes only)`);
  return { imFiles: index.imFiles, labels, shapes: index.shapes, segments };
}

/**
 * train_batch{0,1,2}.jpg of a segment run: plot_images_and_masks of the batch with its masks (as v7.0 calls it there:
 * no class names, so boxes are labelled with class ids).
 */
export async function plotSegmentTrainBatch(batch: Batch, overlap: boolean, file: string): Promise<void> {
  if (!batch.masks || !batch.maskShape) throw new Error(`${file}: a segmentation batch without masks`);
  await plotImagesAndMasks({ images: batch.images, shape: batch.shape, targets: batch.targets, targetColumns: 6, paths: batch.paths, path: file, masks: { data: batch.masks, shape: batch.maskShape, overlap } });
}

/** The model's Segment head, or a clear error for a detection model. */
export function segmentHead(model: DetectionModel, what = 'the model'): Segment {
  const head = model.detect;
  if (!(head instanceof Segment)) throw new Error(`${what} has a ${head.typeName} head: segmentation training needs a segmentation model (a Segment head, e.g. --cfg yolov5s-seg.yaml or --weights yolov5s-seg.pt)`);
  return head;
}

/** Training-mode forward of a segmentation model: the raw maps and the prototypes (v7.0's Segment returns (x, p)). */
export function forwardTrainSegment(model: DetectionModel, x: Tensor): { raw: Tensor[]; proto: Tensor } {
  const head = segmentHead(model);
  let proto: Tensor | null = null;
  head.protoSink = (p) => {
    proto = p;
  };
  try {
    const raw = model.forward(x) as Tensor[];
    if (!proto) throw new Error('forwardTrainSegment: the Segment head made no prototypes (is the model in training mode?)');
    return { raw, proto };
  } finally {
    head.protoSink = null;
  }
}

/** Box and mask P, R, mAP50, mAP50-95. */
interface BoxAndMask {
  /** Box metrics (the (B) columns). */
  box: { P: number; R: number; mAP50: number; mAP50_95: number };
  /** Mask metrics (the (M) columns). */
  mask: { P: number; R: number; mAP50: number; mAP50_95: number };
}

/**
 * segment/val.py's box and mask metrics of a training model (the EMA or best weights) through `tsyolo segment val`'s
 * segmentVal (src/segment/segment-val.ts): its table is printed as segment/train.py prints it; with `plots` (the
 * final validation) its plots go into the run folder itself, as v7.0's. The model is not disposed.
 */
export async function segmentValMetrics(model: DetectionModel, o: { data: DatasetConfig; device: string; batchSize: number; imgsz: number; singleCls: boolean; workers: number; saveDir: string; verbose?: boolean; plots?: boolean; masks?: MaskOptions; log: (line: string) => void }): Promise<BoxAndMask> {
  const [{ segmentVal }, { libtorchSegmentBackend }] = await Promise.all([import('../segment/segment-val.ts'), import('../segment/segment-backend.ts')]);
  const r = await segmentVal({
    data: o.data,
    model: libtorchSegmentBackend(model, 'the model in training', o.device),
    batchSize: o.batchSize,
    imgsz: o.imgsz,
    singleCls: o.singleCls,
    workers: o.workers,
    verbose: o.verbose ?? false,
    project: dirname(o.saveDir),
    name: basename(o.saveDir),
    existOk: true,
    plots: o.plots ?? false,
    training: true,
    log: o.log,
    ...(o.masks ? { masks: o.masks } : {}),
  });
  return { box: r.box, mask: r.mask };
}

/**
 * segment/train.py's val_loader: the val split's polygons with masks (rect batches, pad 0.5, no augmentation), built
 * once per run; it feeds the val loss pass (segmentValLosses).
 */
export async function createSegmentValLoader(o: { data: DatasetConfig; batchSize: number; imgsz: number; stride: number; singleCls: boolean; workers: number; masks: MaskOptions }): Promise<DataLoader> {
  const index = await buildDatasetIndex(o.data.val, { nc: o.singleCls ? undefined : o.data.nc, prefix: 'val: ', log: () => {} });
  const source = attachSegments(index, `val: ${o.data.val.join(', ')}`);
  return createLoader({ source, masks: o.masks, batchSize: o.batchSize, imgSize: o.imgsz, stride: o.stride, pad: 0.5, rect: true, augment: false, singleCls: o.singleCls, workers: o.workers, shuffle: false });
}

/**
 * segment/val.py's val losses during training: the eval forward's raw maps and prototypes against each batch's
 * targets and masks, (box, seg, obj, cls) averaged over batches; plus how many images gave non-finite outputs.
 */
export async function segmentValLosses(model: DetectionModel, loader: DataLoader, loss: SegmentComputeLoss, device: string): Promise<{ losses: [number, number, number, number]; nonFiniteImages: number; seen: number }> {
  const sums = [0, 0, 0, 0];
  let batches = 0;
  let seen = 0;
  let nonFiniteImages = 0;
  model.eval();
  for await (const b of loader) {
    noGrad(() =>
      tidy(() => {
        let x = tensor(b.images, { shape: b.shape, dtype: 'uint8' });
        if (device !== 'cpu') x = x.to(device);
        const out = model.forwardOnce(x.float().div(255));
        if (Array.isArray(out) || !out.proto) throw new Error('segment val losses: the model gave no prototypes in eval mode');
        let masks = tensor(b.masks!, { shape: b.maskShape! });
        if (device !== 'cpu') masks = masks.to(device);
        const l = loss.computeSegment(out.raw, out.proto, b.targets, masks.float());
        l.loss.dispose();
        [l.lbox, l.lseg, l.lobj, l.lcls].forEach((v, k) => (sums[k]! += v));
        const bs = b.shape[0];
        const finite = out.pred.isfinite().view(bs, -1).float().minDim(1).values.toFloat32Array();
        for (const f of finite) if (f === 0) nonFiniteImages++;
        seen += bs;
      }),
    );
    batches++;
  }
  const mean = sums.map((v) => (batches ? v / batches : 0)) as [number, number, number, number];
  return { losses: mean, nonFiniteImages, seen };
}
