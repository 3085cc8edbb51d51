// train.py: YOLOv5 v7.0's training recipe on tsyolo's engine, in its phases — resolve the run (train-run.ts) →
// build the model (train-model.ts) → data → optimisation (hyp scaling, three parameter groups, loss, EMA, resume
// state) → per batch: warmup, forward, loss, backward, accumulated optimizer step → end of epoch: validation,
// fitness, results.csv, atomic checkpoints, early stopping → finish: strip, validate best, plots.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { roundHalfEven } from '../compat/python.ts';
import { type DatasetConfig, loadDatasetConfig } from '../data/dataset-config.ts';
import { buildDatasetIndex, type DatasetIndex } from '../data/dataset-index.ts';
import type { Hyp } from '../data/hyp.ts';
import { type Batch, createLoader, type DataLoader } from '../data/loader.ts';
import { ImageWeightSampler } from '../data/image-weights.ts';
import { checkQuadBatches } from '../data/quad-collate.ts';
import { SeededRandom } from '../data/seeded-random.ts';
import { plotImages } from '../plot/image-grid.ts';
import { plotLabels } from '../plot/labels-plot.ts';
import { plotResults, plotResultsWithMasks } from '../plot/results-plot.ts';
import { checkImgSize } from '../run/check-img-size.ts';
import { tensor } from '../tensor/create.ts';
import { interpolateBilinear } from '../tensor/functional.ts';
import { noGrad, releaseFreeMemory } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { loadCheckpoint } from '../yolo/checkpoint.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { libtorchBackend } from '../deploy/libtorch-backend.ts';
import { createValLoader, val } from '../val/val.ts';
import { checkAnchors } from './autoanchor.ts';
import { clipGradNorm } from './clip-grad.ts';
import { EarlyStopping } from './early-stopping.ts';
import { ModelEMA } from './ema.ts';
import { assertFiniteOutputs, assertFiniteValidation, assertFiniteWeights } from './nonfinite-guard.ts';
import { fitness } from './fitness.ts';
import { type AmpPlan, planAmp, withAmp } from './amp.ts';
import { ComputeLoss } from './loss.ts';
import { SegmentComputeLoss } from './segment-loss.ts';
import { SEGMENT_RESULTS_COLUMNS, SEGMENT_TRAIN_HEADER, type SegmentTaskOptions, appendSegmentResultsRow, attachSegments, createSegmentValLoader, formatSegmentTrainRow, forwardTrainSegment, plotSegmentTrainBatch, segmentFitness, segmentHead, segmentValLosses, segmentValMetrics } from './segment-train.ts';
import { applyWarmup, linearLr, oneCycleLr, warmupIterations } from './lr-schedule.ts';
import { type Optimizer, smartOptimizer } from './optimizer.ts';
import { PhaseTimer, type TrainPhase } from './phase-timer.ts';
import { ProgressLine, TRAIN_HEADER, formatBar, formatTrainRow, gpuMem } from './progress.ts';
import { RESULTS_COLUMNS, appendResultsRow, dropResultsAfter } from './results-csv.ts';
import { TensorBoardWriter } from './tensorboard-writer.ts';
import { loadHostWeights, saveTrainCheckpoint, stripTrainState, type TrainState } from './train-checkpoint.ts';
import { readRankEnvironment } from '../distributed/environment.ts';
import { readGivenOptions } from '../run/option-table.ts';
import { joinTraining, type TrainDistributed } from './train-distributed.ts';
import { launchTraining } from './train-launch.ts';
import { buildTrainModel } from './train-model.ts';
import { TRAIN_OPTIONS } from './train-options.ts';
import { type TrainInput, type TrainRun, discardUnusedRunFolder, resolveRun } from './train-run.ts';

export type { TrainOptions } from './train-options.ts';
export type { TrainInput } from './train-run.ts';

/** The final validation's headline metrics: precision, recall, mAP@0.5, mAP@0.5:0.95. */
export type Metrics = {
  /** Precision. */
  P: number;
  /** Recall. */
  R: number;
  /** mAP at IoU 0.5. */
  mAP50: number;
  /** mAP averaged over IoU 0.5:0.95. */
  mAP50_95: number;
};

/** What train() returns: where the run went, how it ended and the final metrics. */
export interface TrainResult {
  /** The run folder. */
  saveDir: string;
  /** weights/last.safetensors. */
  last: string;
  /** weights/best.safetensors. */
  best: string;
  /** Epochs trained in this call (a resumed run counts from where it resumed). */
  epochsRun: number;
  /** Best fitness (0.1·mAP50 + 0.9·mAP50-95) reached. */
  bestFitness: number;
  /** The final validation of best.safetensors (the last epoch's metrics when interrupted). */
  final: Metrics;
  /** Why the run ended. */
  stoppedBy: 'completed' | 'early-stopping' | 'interrupted';
  /** Seconds per epoch of each phase (data wait, forward+backward, optimizer+EMA, val), one record per epoch. */
  phases: Array<Record<TrainPhase, number>>;
  /** The rank that returned this (0 without DDP); only rank 0 validates, so other ranks' `final` is zeros. */
  rank: number;
  /** The last epoch validation's box, obj and cls losses (results.csv's val/*_loss; --evolve records them). */
  valLosses: [number, number, number];
  /** Segmentation: the mask metrics beside `final` (the last epoch's under --evolve). */
  finalMask?: Metrics;
  /** Segmentation: the last epoch validation's mask loss (val/seg_loss). */
  segValLoss?: number;
}

/** train.py's DDP refusals: `--image-weights ${DDP_INCOMPATIBLE}`. */
const DDP_INCOMPATIBLE = 'is not compatible with YOLOv5 Multi-GPU DDP training';

/** Why segment train refuses --quad: what v7.0's segment/train.py --quad does instead of training. */
const SEGMENT_QUAD_UNSUPPORTED = "is not available for segmentation: YOLOv5 v7.0's segment loader has no quad collate for masks (LoadImagesAndLabelsAndMasks inherits detection's collate_fn4, which stops at the first batch with 'ValueError: too many values to unpack (expected 4)'); train without --quad";

/** Nominal batch size: gradients accumulate to 64 images per optimizer step. */
const NBS = 64;
/** Domain separator of the multi-scale size generator (the loader's items use 1, its shuffle 2). */
const MULTI_SCALE_STREAM = 3;

/** Everything the loop reads and updates. */
interface Loop {
  run: TrainRun;
  /** DDP hooks (no-ops in a single process). */
  dist: TrainDistributed;
  data: DatasetConfig;
  names: string[];
  model: DetectionModel;
  ema: ModelEMA;
  optimizer: Optimizer;
  lf: (epoch: number) => number;
  /** hyp after train.py's scaling (weight decay, loss gains). */
  hyp: Hyp;
  computeLoss: ComputeLoss;
  loader: DataLoader;
  /** train.py's val_loader: one for the run, so its worker threads are not restarted every epoch; rank 0's only. */
  valLoader: DataLoader | null;
  stopper: EarlyStopping;
  imgsz: number;
  gs: number;
  nb: number;
  nw: number;
  accumulate: number;
  startEpoch: number;
  bestFitness: number;
  lastOptStep: number;
  metrics: Metrics;
  valLosses: [number, number, number];
  interrupted: boolean;
  timer: PhaseTimer;
  /** The run's TensorBoard event file (the master's, unless --tensorboard false). */
  tb: TensorBoardWriter | null;
  /** --image-weights: model.class_weights and each epoch's weighted draw (null without the flag). */
  imageWeights: ImageWeightSampler | null;
  /** The last validation's per-class mAP@0.5:0.95 (train.py's `maps`; zeros before the first). */
  maps: Float64Array;
  /** Mixed precision: autocast settings and the loss scaler (disabled, passing through, when AMP is off). */
  amp: AmpPlan;
  /** Segmentation training (segment/train.py): the mask settings; null for detection. */
  segment: { maskRatio: number; overlap: boolean } | null;
  /** Segmentation: the last validation's mask metrics (zeros for detection). */
  maskMetrics: Metrics;
  /** Segmentation: the last validation's mask loss (val/seg_loss). */
  segValLoss: number;
}

// ------------------------------------------------------------------------------------------------ data

function loadData(run: TrainRun): { data: DatasetConfig; nc: number; names: string[] } {
  const data = loadDatasetConfig(run.opt.data);
  return run.opt.singleCls ? { data, nc: 1, names: ['item'] } : { data, nc: data.nc, names: data.names };
}

async function trainIndex(run: TrainRun, data: DatasetConfig, nc: number): Promise<DatasetIndex> {
  // No nc for the index: it would drop such images as corrupt, where train.py stops with the error below
  // (and with --single-cls every class becomes 0, so any class is fine).
  const index = await buildDatasetIndex(data.train, { prefix: 'train: ', log: run.log, requireLabels: true });
  if (!run.opt.singleCls) {
    let mlc = -1;
    for (const l of index.labels) for (let r = 0; r < l.length; r += 5) mlc = Math.max(mlc, l[r]!);
    if (mlc >= nc) throw new Error(`Label class ${mlc} exceeds nc=${nc} in ${run.opt.data}. Possible class labels are 0-${nc - 1}`);
  }
  return index;
}

/**
 * Whether labels.jpg and train_batch*.jpg are drawn: not with --noplots, and for segmentation not under --evolve
 * (segment/train.py's plots = not evolve and not noplots; train.py's loggers draw them for every generation).
 */
function plotsTraining(loop: Pick<Loop, 'run' | 'segment'>): boolean {
  return !loop.run.opt.noplots && !(loop.segment && loop.run.evolving);
}

/** First run only: labels.jpg, AutoAnchor and the fp16 rounding ("pre-reduce anchor precision") of every weight. */
async function prepareFreshModel(loop: Pick<Loop, 'run' | 'model' | 'names' | 'imgsz' | 'segment'>, index: DatasetIndex, hyp: Hyp): Promise<void> {
  const { run, model } = loop;
  if (plotsTraining(loop)) await plotLabels(Float32Array.from(index.labels.flatMap((l) => [...l])), loop.names, join(run.saveDir, 'labels.jpg'));
  if (!run.opt.noautoanchor) checkAnchors(model, index, hyp.anchor_t, loop.imgsz, run.opt.seed, run.log);
  noGrad(() => tidy(() => {
    for (const t of model.stateDict().values()) if (t.dtype === 'float32') t.copy_(t.half().float());
  }));
}

// ------------------------------------------------------------------------------------------------ set-up

async function setUp(run: TrainRun, dist: TrainDistributed, segmentTask?: SegmentTaskOptions): Promise<Loop> {
  const { opt } = run;
  const { data, nc, names } = loadData(run);
  const model = buildTrainModel(run, nc, names);
  try {
    const segment = segmentTask ? { maskRatio: segmentTask.maskRatio ?? 4, overlap: segmentTask.overlap ?? true } : null;
    if (segment) segmentHead(model, opt.cfg || opt.weights || 'the model');
    else if (model.detect.nm > 0) throw new Error(`${opt.cfg || opt.weights || 'the model'} is a segmentation model (${model.detect.typeName} head): train it with 'tsyolo segment train' (train() with { segment: {} })`);
    const gs = Math.max(Math.trunc(Math.max(...model.stride)), 32);
    const imgsz = checkImgSize(opt.imgsz, gs, gs * 2, run.log);
    const hyp = { ...run.hyp };
    const accumulate = Math.max(roundHalfEven(NBS / opt.batchSize), 1);
    hyp.weight_decay *= (opt.batchSize * accumulate) / NBS;
    // channels_last: faster convolutions on CPU (bench:train); checkpoints are written in the usual layout.
    model.toChannelsLast();
    const optimizer = smartOptimizer(model, opt.optimizer, hyp.lr0, hyp.momentum, hyp.weight_decay, run.log);
    const lf = opt.cosLr ? oneCycleLr(1, hyp.lrf, opt.epochs) : linearLr(hyp.lrf, opt.epochs);
    // YOLOv5 v7.0 converts only under CUDA DDP; tsyolo's SyncBatchNorm also runs over Gloo on the CPU.
    if (opt.syncBn && dist.worldSize > 1 && dist.syncBatchNorm(model) > 0) run.log('Using SyncBatchNorm()');
    // The master verifies the labels first and writes the cache the other ranks then read.
    const index = await dist.masterFirst(() => trainIndex(run, data, nc));
    // DDP: each rank loads its share of every epoch (--batch / ranks per batch).
    const rankBatch = opt.batchSize / dist.worldSize;
    const shard = dist.worldSize > 1 ? { rank: dist.rank, worldSize: dist.worldSize } : undefined;
    // Segmentation: the same verified images, each label row with its polygon (segment/train.py's loader).
    const source = segment ? attachSegments(index, `train: ${data.train.join(', ')}`) : index;
    const masks = segment ? { downsampleRatio: segment.maskRatio, overlap: segment.overlap } : undefined;
    const loader = createLoader({ source, masks, batchSize: rankBatch, imgSize: imgsz, stride: gs, augment: true, hyp, rect: false, cache: opt.cache, singleCls: opt.singleCls, workers: opt.workers, shuffle: true, seed: opt.seed, shard, quad: opt.quad, log: dist.isMaster ? (line) => run.log(`train: ${line}`) : undefined });
    if (opt.imageWeights && dist.worldSize > 1) throw new Error(`--image-weights ${DDP_INCOMPATIBLE}`);
    if (opt.quad) checkQuadBatches(loader.epochBatches(0).map((b) => b.length));
    const valLoaderOptions = { data, batchSize: rankBatch * 2, imgsz, stride: gs, singleCls: opt.singleCls, workers: opt.workers };
    const valLoader = !dist.isMaster ? null : masks ? await createSegmentValLoader({ ...valLoaderOptions, masks }) : await createValLoader(valLoaderOptions);
    if (!run.resume && dist.isMaster) await prepareFreshModel({ run, model, names, imgsz, segment }, index, hyp);
    // Loss gains scale with layers, classes and image size (train.py).
    const nl = model.detect.nl;
    hyp.box *= 3 / nl;
    hyp.cls *= (nc / 80) * (3 / nl);
    hyp.obj *= (imgsz / 640) ** 2 * (3 / nl);
    const loop: Loop = {
      run, dist, data, names, model, optimizer, lf, hyp, loader, valLoader, imgsz, gs, accumulate,
      ema: channelsLastEma(model),
      computeLoss: segment ? new SegmentComputeLoss(model, hyp, { overlap: segment.overlap }) : new ComputeLoss(model, hyp),
      stopper: new EarlyStopping(opt.patience),
      nb: loader.length,
      nw: warmupIterations(hyp.warmup_epochs, loader.length),
      startEpoch: 0, bestFitness: 0, lastOptStep: -1,
      metrics: { P: 0, R: 0, mAP50: 0, mAP50_95: 0 },
      valLosses: [0, 0, 0],
      interrupted: false,
      timer: new PhaseTimer(),
      tb: openTensorBoard(run, dist),
      // train.py's init_seeds(opt.seed + 1 + RANK) with RANK −1 seeds Python's generator the draws come from.
      imageWeights: opt.imageWeights ? new ImageWeightSampler(loader.dataset.labels, nc, opt.seed) : null,
      maps: new Float64Array(nc),
      amp: planAmp(opt.amp, run.device, model, dist.isMaster ? run.log : () => {}, undefined, { task: segment ? 'segment' : 'detect' }),
      segment,
      maskMetrics: { P: 0, R: 0, mAP50: 0, mAP50_95: 0 },
      segValLoss: 0,
    };
    if (loop.tb && !run.resume && !opt.noplots) await loop.tb.addImageFile(join(run.saveDir, 'labels.jpg'), 0);
    if (run.resume) restore(loop);
    // DDP starts every rank from the master's weights and buffers (AutoAnchor's anchors included).
    dist.broadcastModel(model);
    return loop;
  } catch (e) {
    model.dispose();
    throw e;
  }
}

/** YOLOv5's TensorBoard logger: an event file in the run folder (created at the first epoch's end), and its hint. */
function openTensorBoard(run: TrainRun, dist: TrainDistributed): TensorBoardWriter | null {
  // v7.0's Loggers open no TensorBoard writer under --evolve.
  if (!run.opt.tensorboard || !dist.isMaster || run.evolving) return null;
  run.log(`TensorBoard: Start with 'tensorboard --logdir ${dirname(run.saveDir)}', view at http://localhost:6006/`);
  return new TensorBoardWriter(run.saveDir);
}

/** The EMA copy in the model's channels_last layout: its update then runs on like-strided tensors, and the per-epoch
 * validation's convolutions take libtorch's channels_last path, as training's do. */
function channelsLastEma(model: DetectionModel): ModelEMA {
  const ema = new ModelEMA(model);
  ema.ema.toChannelsLast();
  return ema;
}

/** --resume: weights, EMA, optimizer buffers and the loop's counters as the checkpoint left them. */
function restore(loop: Loop): void {
  const r = loop.run.resume!;
  loadHostWeights(loop.model, r.model, r.file);
  loadHostWeights(loop.ema.ema, r.ema, r.file);
  loop.ema.updates = r.state.emaUpdates;
  loop.optimizer.loadStateDict(r.optimizer);
  loop.startEpoch = r.state.epoch + 1;
  loop.bestFitness = r.state.bestFitness;
  loop.stopper.bestFitness = r.state.bestFitness;
  loop.stopper.bestEpoch = r.state.bestEpoch;
  loop.lastOptStep = r.state.lastOptStep;
  // Beyond v7.0 (which starts a fresh scaler): the loss scale continues where the checkpoint left it.
  if (loop.amp.scaler.enabled && r.state.scaler && 'scale' in r.state.scaler) loop.amp.scaler.loadStateDict(r.state.scaler);
  if (loop.dist.isMaster) dropResultsAfter(join(loop.run.saveDir, 'results.csv'), r.state.epoch);
}

function state(loop: Loop, epoch: number): TrainState {
  return {
    epoch,
    bestFitness: loop.bestFitness,
    bestEpoch: loop.stopper.bestEpoch,
    emaUpdates: loop.ema.updates,
    lastOptStep: loop.lastOptStep,
    scaler: loop.amp.scaler.stateDict(),
    opt: { ...loop.run.opt, resume: Boolean(loop.run.opt.resume), modelYaml: loop.model.yaml },
    hyp: { ...loop.run.hyp },
  };
}

function save(loop: Loop, file: string, epoch: number): void {
  // Never a checkpoint of non-finite weights: the run stops and last/best on disk stay the previous good ones.
  assertFiniteWeights([{ what: 'EMA', model: loop.ema.ema }, { what: 'training', model: loop.model }], epoch, loop.run.last);
  saveTrainCheckpoint(file, { model: loop.model, ema: loop.ema.ema, optimizerState: loop.optimizer.stateDict(), state: state(loop, epoch) });
}

// ------------------------------------------------------------------------------------------------ step

/** train.py's --multi-scale: a random size in [0.5, 1.5]·imgsz, a multiple of gs, drawn per batch from the seed. */
function multiScale(loop: Loop, x: Tensor, epoch: number, i: number): Tensor {
  const { imgsz, gs } = loop;
  const lo = Math.floor(imgsz * 0.5);
  const hi = Math.floor(imgsz * 1.5) + gs;
  const sz = Math.floor((lo + new SeededRandom(loop.run.opt.seed, epoch, i, MULTI_SCALE_STREAM).below(hi - lo)) / gs) * gs;
  const [h, w] = [x.shape[2]!, x.shape[3]!];
  const sf = sz / Math.max(h, w);
  return sf === 1 ? x : interpolateBilinear(x, [Math.ceil((h * sf) / gs) * gs, Math.ceil((w * sf) / gs) * gs]);
}

/** Forward, loss and backward of one batch; the loss parts for the progress line (three, or four with masks). */
function forwardBackward(loop: Loop, batch: Batch, epoch: number, i: number): number[] {
  const { model, run } = loop;
  return tidy(() => {
    let imgs = tensor(batch.images, { shape: batch.shape, dtype: 'uint8' });
    if (run.device !== 'cpu') imgs = imgs.to(run.device);
    let x = imgs.float().div(255).contiguous('channels_last');
    if (run.opt.multiScale) x = multiScale(loop, x, epoch, i);
    // Targets stay host rows: build_targets runs on the host.
    // As train.py: the forward and the loss under autocast, backward outside it.
    const l = withAmp(loop.amp, () => {
      if (!loop.segment) return loop.computeLoss.compute(model.forward(x) as Tensor[], batch.targets);
      // segment/train.py: pred = (maps, prototypes); the batch's masks as floats on the device.
      const { raw, proto } = forwardTrainSegment(model, x);
      let masks = tensor(batch.masks!, { shape: batch.maskShape! });
      if (run.device !== 'cpu') masks = masks.to(run.device);
      return (loop.computeLoss as SegmentComputeLoss).computeSegment(raw, proto, batch.targets, masks.float());
    });
    const lossValue = l.loss.item();
    if (!Number.isFinite(lossValue)) {
      const kept = existsSync(run.last) ? `the last good checkpoint is ${run.last}` : 'no checkpoint was saved yet';
      throw new Error(`loss is ${lossValue} at epoch ${epoch}, batch ${i}: stopping; ${kept}`);
    }
    // DDP averages gradients over ranks; YOLOv5 scales the loss by WORLD_SIZE so the step matches one process
    // with the whole batch.
    // --quad: train.py multiplies the loss by 4 (after the WORLD_SIZE scaling).
    const scaled = loop.dist.worldSize > 1 ? l.loss.mul(loop.dist.worldSize) : l.loss;
    loop.amp.scaler.scale(run.opt.quad ? scaled.mul(4) : scaled).backward();
    return 'lseg' in l ? [l.lbox, l.lseg as number, l.lobj, l.lcls] : [l.lbox, l.lobj, l.lcls];
  });
}

function step(loop: Loop, batch: Batch, epoch: number, i: number): number[] {
  const { run, optimizer } = loop;
  const ni = i + loop.nb * epoch;
  let accumulate = loop.accumulate;
  if (ni <= loop.nw) {
    const h = loop.hyp;
    const warm = { ni, nw: loop.nw, epoch, lf: loop.lf, warmupBiasLr: h.warmup_bias_lr, warmupMomentum: h.warmup_momentum, momentum: h.momentum, nbs: NBS, batchSize: run.opt.batchSize };
    ({ accumulate } = applyWarmup(optimizer.paramGroups, warm));
  }
  const losses = loop.timer.time('forward+backward', () => forwardBackward(loop, batch, epoch, i));
  if (ni - loop.lastOptStep >= accumulate) {
    loop.timer.time('optimizer+EMA', () => {
      const params = [...loop.model.parameters()];
      // Once per optimizer step rather than per backward: averaging is linear, so accumulated sums average the same.
      loop.dist.averageGradients(params);
      loop.amp.scaler.unscale_(optimizer);
      clipGradNorm(params, 10.0);
      loop.amp.scaler.step(optimizer); // skipped when the float16 gradients overflowed
      loop.amp.scaler.update();
      optimizer.zeroGrad();
      // Only the master's EMA is validated and saved (YOLOv5 keeps none on the other ranks).
      if (loop.dist.isMaster) loop.ema.update(loop.model);
    });
    loop.lastOptStep = ni;
  }
  return losses;
}

// ------------------------------------------------------------------------------------------------ epoch

/** One pass over the training set; the mean losses and the lrs of its last batch. */
async function trainEpoch(loop: Loop, epoch: number): Promise<{ mloss: number[]; lrs: number[] }> {
  const { run, model, loader, nb } = loop;
  model.train();
  // --image-weights: this epoch's images, weighted by class weights and the last validation's per-class mAP.
  if (loop.imageWeights) loader.setIndices(loop.imageWeights.epochIndices(loop.maps));
  loader.setEpoch(epoch);
  const mloss = loop.segment ? [0, 0, 0, 0] : [0, 0, 0];
  run.write(`${loop.segment ? SEGMENT_TRAIN_HEADER : TRAIN_HEADER}\n`);
  const bar = new ProgressLine(run.write);
  const t0 = performance.now();
  loop.optimizer.zeroGrad();
  loop.timer.startEpoch();
  const batches = loader[Symbol.asyncIterator]();
  let i = 0;
  try {
    for (;;) {
      const next = await loop.timer.timeAsync('data wait', () => batches.next());
      if (next.done) break;
      const batch = next.value;
      // The val loader's workers build the validation batches during the last step, while the training workers
      // have nothing left to build.
      if (i === nb - 1 && loop.valLoader && validatesEpoch(loop, epoch)) void loop.valLoader.prefetchEpoch(0);
      const items = step(loop, batch, epoch, i);
      for (let k = 0; k < mloss.length; k++) mloss[k] = (mloss[k]! * i + items[k]!) / (i + 1);
      const rowText = (loop.segment ? formatSegmentTrainRow : formatTrainRow)(epoch, run.opt.epochs, gpuMem(run.device), mloss, batch.targets.length / 6, batch.shape[3]);
      bar.update(`${rowText}: ${formatBar(i + 1, nb, (performance.now() - t0) / 1000)}`);
      const ni = i + nb * epoch;
      if (ni < 3 && plotsTraining(loop) && loop.dist.isMaster) {
        const file = join(run.saveDir, `train_batch${ni}.jpg`);
        if (loop.segment) await plotSegmentTrainBatch(batch, loop.segment.overlap, file);
        else await plotImages({ images: batch.images, shape: batch.shape, targets: batch.targets, targetColumns: 6, names: loop.names, paths: batch.paths, path: file });
        await loop.tb?.addImageFile(join(run.saveDir, `train_batch${ni}.jpg`), epoch);
      }
      i++;
      if (loop.interrupted) break;
    }
  } finally {
    // Also on a throw: the generator's in-flight batches are abandoned, as for-await would.
    await batches.return(undefined);
  }
  bar.end();
  const lrs = loop.optimizer.paramGroups.map((g) => g.lr);
  // Scheduler step: the next epoch's lr.
  loop.optimizer.paramGroups.forEach((g) => (g.lr = g.initialLr * loop.lf(epoch + 1)));
  return { mloss, lrs };
}

async function validateEpoch(loop: Loop, epoch: number): Promise<void> {
  const { run } = loop;
  if (loop.segment) {
    // segment/train.py: the val losses (with masks) from the mask val loader, then segment val's box + mask table.
    const v = await segmentValLosses(loop.ema.ema, loop.valLoader!, loop.computeLoss as SegmentComputeLoss, run.device);
    const [vbox, vseg, vobj, vcls] = v.losses;
    assertFiniteValidation({ losses: [vbox, vobj, vcls, vseg], nonFiniteImages: v.nonFiniteImages, seen: v.seen }, epoch, run.last);
    loop.valLosses = [vbox, vobj, vcls];
    loop.segValLoss = vseg;
    const { opt } = run;
    ({ box: loop.metrics, mask: loop.maskMetrics } = await segmentValMetrics(loop.ema.ema, { data: loop.data, device: run.device, batchSize: opt.batchSize * 2, imgsz: loop.imgsz, singleCls: opt.singleCls, workers: opt.workers, saveDir: run.saveDir, masks: { downsampleRatio: loop.segment.maskRatio, overlap: loop.segment.overlap }, log: run.log }));
    return;
  }
  const loss = { compute: (raw: Tensor[], t: Tensor) => loop.computeLoss.compute(raw, t) };
  const r = await val({
    data: loop.data,
    model: libtorchBackend(loop.ema.ema, { device: run.device, loss }),
    batchSize: run.opt.batchSize * 2,
    imgsz: loop.imgsz,
    singleCls: run.opt.singleCls,
    dataloader: loop.valLoader!,
    saveDir: run.saveDir,
    plots: false,
    training: true,
    log: run.log,
    write: run.write,
  });
  // A diverged model stops the run here, before its results.csv row and checkpoints.
  assertFiniteValidation({ losses: r.losses, nonFiniteImages: r.nonFiniteImages, seen: r.nImages }, epoch, run.last);
  loop.metrics = { P: r.P, R: r.R, mAP50: r.mAP50, mAP50_95: r.mAP50_95 };
  loop.valLosses = r.losses;
  loop.maps = r.maps;
}

/** The last epoch, or one after which early stopping may end the run (train.py's final_epoch). */
function isFinalEpoch(loop: Loop, epoch: number): boolean {
  return epoch + 1 === loop.run.opt.epochs || loop.stopper.possibleStop;
}

/** Whether the end of `epoch` validates: always, unless --noval, which still validates the final epoch. */
function validatesEpoch(loop: Loop, epoch: number): boolean {
  return !loop.run.opt.noval || isFinalEpoch(loop, epoch);
}

/** Validation, fitness, the results.csv row, checkpoints (the master's); true when early stopping ends the run. */
async function endEpoch(loop: Loop, epoch: number, mloss: number[], lrs: number[]): Promise<boolean> {
  // The other ranks wait here, in the collective that hands them the master's early-stopping decision.
  return loop.dist.shareFlag(loop.dist.isMaster ? await masterEndEpoch(loop, epoch, mloss, lrs) : false);
}

async function masterEndEpoch(loop: Loop, epoch: number, mloss: number[], lrs: number[]): Promise<boolean> {
  const { run, stopper } = loop;
  loop.ema.updateAttr(loop.model);
  const finalEpoch = isFinalEpoch(loop, epoch);
  if (validatesEpoch(loop, epoch)) await loop.timer.timeAsync('val', () => validateEpoch(loop, epoch));
  else assertFiniteOutputs(loop.ema.ema, loop.imgsz, run.device, epoch, run.last);
  const mm = loop.maskMetrics;
  const fi = loop.segment ? segmentFitness(loop.metrics, mm) : fitness(loop.metrics);
  const stop = stopper.step(epoch, fi);
  if (fi > loop.bestFitness) loop.bestFitness = fi;
  const m = loop.metrics;
  const [vbox, vobj, vcls] = loop.valLosses;
  const row = loop.segment
    ? [...mloss, m.P, m.R, m.mAP50, m.mAP50_95, mm.P, mm.R, mm.mAP50, mm.mAP50_95, vbox, loop.segValLoss, vobj, vcls, ...lrs]
    : [...mloss, m.P, m.R, m.mAP50, m.mAP50_95, ...loop.valLosses, ...lrs];
  if (loop.segment) appendSegmentResultsRow(join(run.saveDir, 'results.csv'), epoch, row);
  else appendResultsRow(join(run.saveDir, 'results.csv'), epoch, row);
  // The same values, under results.csv's column names as tags, at step = epoch (YOLOv5's on_fit_epoch_end).
  loop.tb?.addScalars((loop.segment ? SEGMENT_RESULTS_COLUMNS : RESULTS_COLUMNS).map((tag, j) => [tag, row[j]!] as const), epoch);
  loop.tb?.flush();
  // --evolve: no checkpoint at all (v7.0: `(not nosave) or (final_epoch and not evolve)` with nosave set).
  if (!run.opt.nosave || (finalEpoch && !run.evolving)) {
    save(loop, run.last, epoch);
    if (loop.bestFitness === fi) save(loop, run.best, epoch);
  }
  // The epoch's freed batches and activations would otherwise stay resident in the malloc arenas (#13 item 6).
  releaseFreeMemory();
  if (stop) {
    run.log(`Stopping training early as no improvement observed in last ${stopper.patience} epochs. Best results observed at epoch ${stopper.bestEpoch}, best model saved as best.safetensors.`);
  }
  return stop;
}

/** The epochs; returns how the loop ended and the epoch after the last one trained. */
async function runEpochs(loop: Loop): Promise<{ stoppedBy: TrainResult['stoppedBy']; epoch: number }> {
  const { run } = loop;
  for (let epoch = loop.startEpoch; epoch < run.opt.epochs; epoch++) {
    const { mloss, lrs } = await trainEpoch(loop, epoch);
    if (loop.interrupted) {
      // An interrupted --evolve generation is dropped: the evolution continues from evolve.csv, not a checkpoint.
      if (run.evolving) return { stoppedBy: 'interrupted', epoch };
      save(loop, run.last, epoch - 1);
      run.log(`Saved ${run.last} (resume with: tsyolo train --resume ${run.last})`);
      return { stoppedBy: 'interrupted', epoch };
    }
    // The workers build the next epoch's first batches while this one is validated and saved.
    // Not with --image-weights: the next epoch's images depend on this epoch's validation (v7.0's plain DataLoader).
    if (epoch + 1 < run.opt.epochs && !loop.imageWeights) void loop.loader.prefetchEpoch(epoch + 1);
    if (await endEpoch(loop, epoch, mloss, lrs)) return { stoppedBy: 'early-stopping', epoch: epoch + 1 };
  }
  return { stoppedBy: 'completed', epoch: run.opt.epochs };
}

/** Ctrl-C finishes the batch, then saves last; a second Ctrl-C quits at once. Returns the handler's remover. */
function onInterrupt(loop: Loop): () => void {
  const handler = () => {
    if (loop.interrupted) process.exit(130);
    loop.interrupted = true;
    loop.run.log('\nInterrupted: finishing this batch, then saving weights/last.safetensors (Ctrl-C again to quit now)');
  };
  process.on('SIGINT', handler);
  return () => process.off('SIGINT', handler);
}

// ------------------------------------------------------------------------------------------------ finish

/** strip_optimizer on last and best, then best validated with plots (train.py's final validation); the plots go to
 * TensorBoard at the last epoch's step, as YOLOv5's on_train_end logs them. */
async function finish(loop: Loop, lastEpoch: number): Promise<Metrics> {
  const { run } = loop;
  for (const f of [run.last, run.best]) if (existsSync(f)) stripTrainState(f);
  run.log(`Optimizer stripped from ${run.last}\nOptimizer stripped from ${run.best}\n\nValidating ${run.best}...`);
  const bestModel = loadCheckpoint(run.best).model;
  try {
    bestModel.fuse().eval().toChannelsLast();
    const { opt } = run;
    if (loop.segment) {
      // segment/train.py: segment val of best with plots (confusion matrix, Box/Mask curves, val_batch*_labels/pred
      // with masks) in the run folder, then plot_results_with_masks.
      const s = await segmentValMetrics(bestModel, { data: loop.data, device: run.device, batchSize: opt.batchSize * 2, imgsz: loop.imgsz, singleCls: opt.singleCls, workers: opt.workers, saveDir: run.saveDir, verbose: true, plots: !opt.noplots, masks: { downsampleRatio: loop.segment.maskRatio, overlap: loop.segment.overlap }, log: run.log });
      loop.maskMetrics = s.mask;
      if (!opt.noplots && existsSync(join(run.saveDir, 'results.csv'))) await plotResultsWithMasks(join(run.saveDir, 'results.csv'));
      for (const f of ['results.png', 'confusion_matrix.png']) if (loop.tb && existsSync(join(run.saveDir, f))) await loop.tb.addImageFile(join(run.saveDir, f), lastEpoch);
      return s.box;
    }
    const r = await val({ data: loop.data, model: libtorchBackend(bestModel, { device: run.device }), weightsFile: run.best, batchSize: opt.batchSize * 2, imgsz: loop.imgsz, iouThres: 0.6, singleCls: opt.singleCls, workers: opt.workers, saveDir: run.saveDir, plots: !opt.noplots, verbose: true, training: true, log: run.log, write: run.write });
    if (!opt.noplots && existsSync(join(run.saveDir, 'results.csv'))) await plotResults(join(run.saveDir, 'results.csv'));
    for (const f of ['results.png', 'confusion_matrix.png', 'F1_curve.png', 'PR_curve.png', 'P_curve.png', 'R_curve.png']) {
      if (loop.tb && existsSync(join(run.saveDir, f))) await loop.tb.addImageFile(join(run.saveDir, f), lastEpoch);
    }
    return { P: r.P, R: r.R, mAP50: r.mAP50, mAP50_95: r.mAP50_95 };
  } finally {
    bestModel.dispose();
  }
}

/** Native memory is invisible to the JS garbage collector: free the run's tensors now (the final validation loads
 * best.safetensors afresh), so train() called in a loop does not pile up models and optimizer buffers. */
async function release(loop: Loop): Promise<void> {
  await loop.loader.close();
  await loop.valLoader?.close();
  loop.optimizer.dispose();
  loop.ema.ema.dispose();
  loop.model.dispose();
}

/**
 * Trains in this process — alone, or as one rank of a DDP run when started with torchrun's environment (RANK,
 * WORLD_SIZE, …) — or, given nprocPerNode/nnodes > 1 without that environment, launches the ranks (train-launch.ts).
 */
export async function train(input: TrainInput): Promise<TrainResult> {
  const env = readRankEnvironment();
  const given = readGivenOptions(TRAIN_OPTIONS, input);
  if (given.evolve !== undefined && input.evolveHyp === undefined) {
    throw new Error('evolve: hyperparameter evolution runs through evolve() (src/train/evolve.ts; tsyolo train --evolve), which calls train() once per generation');
  }
  // Before any rank starts, as train.py's DDP checks (a resumed run's options are checked again at set-up).
  if (given.imageWeights && (env?.worldSize ?? (given.nprocPerNode ?? 1) * (given.nnodes ?? 1)) > 1) throw new Error(`--image-weights ${DDP_INCOMPATIBLE}`);
  // v7.0's segment loader passes the collate_fn4 it inherits from detection's, which fails on the first batch.
  if (input.segment && given.quad) throw new Error(`segment train: --quad ${SEGMENT_QUAD_UNSUPPORTED}`);
  if (!env && (given.nprocPerNode ?? 1) * (given.nnodes ?? 1) > 1) return launchTraining(input);
  const dist = joinTraining(env, { device: given.device ?? TRAIN_OPTIONS.device.default, timeoutS: given.ddpTimeout ?? TRAIN_OPTIONS.ddpTimeout.default, log: input.log ?? console.log });
  try {
    return await trainIn(input, dist);
  } finally {
    dist.close();
  }
}

async function trainIn(input: TrainInput, dist: TrainDistributed): Promise<TrainResult> {
  const run = resolveRun(input, dist);
  let loop: Loop;
  try {
    loop = await setUp(run, dist, input.segment);
  } catch (e) {
    discardUnusedRunFolder(run, dist);
    throw e;
  }
  const { opt, log } = run;
  log(`Image sizes ${loop.imgsz} train, ${loop.imgsz} val\nUsing ${loop.loader.workers} dataloader workers\nLogging results to ${run.saveDir}\nStarting training for ${opt.epochs} epochs...`);
  const t0 = performance.now();
  // DDP ranks have no graceful Ctrl-C: they would stop at different batches and wait for each other; the launcher
  // stops them all, and the last completed epoch's checkpoint stays for --resume.
  const removeHandler = dist.worldSize === 1 ? onInterrupt(loop) : () => {};
  let ended: Awaited<ReturnType<typeof runEpochs>>;
  try {
    ended = await runEpochs(loop);
  } catch (e) {
    loop.tb?.abandon();
    throw e;
  } finally {
    removeHandler();
    await release(loop);
  }
  log(`\n${ended.epoch - loop.startEpoch} epochs completed in ${((performance.now() - t0) / 3.6e6).toFixed(3)} hours.`);
  // Not in train.py's output: where the time went (bench:train-e2e reads this line).
  log(`Time per epoch (mean): ${loop.timer.format()}`);
  let final: Metrics;
  try {
    final = ended.stoppedBy !== 'interrupted' && dist.isMaster && !run.evolving && existsSync(run.best) ? await finish(loop, ended.epoch - 1) : loop.metrics;
    // --evolve keeps v7.0's on_train_end plot of the folder's results.csv (every generation's epochs).
    const csv = join(run.saveDir, 'results.csv');
    // segment/train.py plots nothing under --evolve (plots = not evolve and not noplots).
    if (run.evolving && !loop.segment && ended.stoppedBy !== 'interrupted' && dist.isMaster && !opt.noplots && existsSync(csv)) await plotResults(csv);
  } finally {
    loop.tb?.close();
  }
  log(`Results saved to ${run.saveDir}`);
  return { saveDir: run.saveDir, last: run.last, best: run.best, epochsRun: ended.epoch - loop.startEpoch, bestFitness: loop.bestFitness, final, stoppedBy: ended.stoppedBy, phases: loop.timer.epochs, rank: dist.rank, valLosses: loop.valLosses, ...(loop.segment ? { finalMask: loop.maskMetrics, segValLoss: loop.segValLoss } : {}) };
}
