// train.py: YOLOv5 v7.0's training recipe on tsyolo's engine — hyp scaling, three parameter groups, warmup,
// LR schedule, gradient accumulation to a nominal batch of 64, clipping, EMA, per-epoch validation, fitness,
// early stopping, atomic checkpoints, --resume, results.csv / results.png.
import { existsSync, readFileSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { roundHalfEven } from '../compat/python.ts';
import { type DatasetConfig, loadDatasetConfig } from '../data/dataset-config.ts';
import { buildDatasetIndex } from '../data/dataset-index.ts';
import { createLoader } from '../data/loader.ts';
import { plotImages } from '../plot/image-grid.ts';
import { plotLabels } from '../plot/labels-plot.ts';
import { plotResults } from '../plot/results-plot.ts';
import { incrementPath } from '../run/increment-path.ts';
import { tensor } from '../tensor/create.ts';
import { interpolateBilinear } from '../tensor/functional.ts';
import { manualSeed, noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { loadCheckpoint } from '../yolo/checkpoint.ts';
import { DetectionModel } from '../yolo/detection-model.ts';
import { type ModelConfig, loadModelConfig } from '../yolo/model-config.ts';
import { formatSummaryLine, summarize } from '../yolo/model-info.ts';
import { libtorchBackend } from '../deploy/libtorch-backend.ts';
import { createValLoader, val } from '../val/val.ts';
import { checkAnchors } from './autoanchor.ts';
import { clipGradNorm } from './clip-grad.ts';
import { EarlyStopping } from './early-stopping.ts';
import { ModelEMA } from './ema.ts';
import { fitness } from './fitness.ts';
import { type Hyp, loadHyp } from './hyp.ts';
import { ComputeLoss } from './loss.ts';
import { applyWarmup, linearLr, oneCycleLr, warmupIterations } from './lr-schedule.ts';
import { type OptimizerName, smartOptimizer } from './optimizer.ts';
import { ProgressLine, TRAIN_HEADER, formatBar, formatTrainRow } from './progress.ts';
import { appendResultsRow, dropResultsAfter } from './results-csv.ts';
import { loadHostWeights, readTrainCheckpoint, saveTrainCheckpoint, stripTrainState, type TrainState } from './train-checkpoint.ts';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';

export interface TrainOptions {
  data: string;
  cfg?: string;
  weights?: string;
  hyp?: string;
  epochs?: number;
  batchSize?: number;
  imgsz?: number;
  device?: string;
  workers?: number;
  project?: string;
  name?: string;
  existOk?: boolean;
  /** true: the newest last.safetensors under runs/train; a string: that checkpoint. */
  resume?: boolean | string;
  cache?: 'ram';
  optimizer?: OptimizerName;
  cosLr?: boolean;
  patience?: number;
  freeze?: number[];
  seed?: number;
  noval?: boolean;
  nosave?: boolean;
  noplots?: boolean;
  noautoanchor?: boolean;
  multiScale?: boolean;
  singleCls?: boolean;
  labelSmoothing?: number;
  log?: (line: string) => void;
  /** Progress output (default: stdout). */
  write?: (s: string) => void;
}

export interface TrainResult {
  saveDir: string;
  last: string;
  best: string;
  epochsRun: number;
  bestFitness: number;
  final: { P: number; R: number; mAP50: number; mAP50_95: number };
  stoppedBy: 'completed' | 'early-stopping' | 'interrupted';
}

/** Newest runs/train/*\/weights/last.safetensors (YOLOv5's get_latest_run). */
function latestRun(project: string): string {
  let best: { file: string; mtime: number } | null = null;
  if (existsSync(project)) {
    for (const d of readdirSync(project)) {
      const f = join(project, d, 'weights', 'last.safetensors');
      if (existsSync(f)) {
        const mtime = statSync(f).mtimeMs;
        if (!best || mtime > best.mtime) best = { file: f, mtime };
      }
    }
  }
  if (!best) throw new Error(`--resume: no weights/last.safetensors found under ${project}`);
  return best.file;
}

function checkImgSize(imgsz: number, gs: number): number {
  const size = Math.max(Math.ceil(imgsz / gs) * gs, 2 * gs);
  return size;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const log = options.log ?? ((s: string) => console.log(s));
  let o: TrainOptions = { ...options };
  let resume: ReturnType<typeof readTrainCheckpoint> | null = null;
  let resumeFile = '';
  if (o.resume) {
    resumeFile = typeof o.resume === 'string' ? o.resume : latestRun(o.project ?? 'runs/train');
    resume = readTrainCheckpoint(resumeFile);
    // Continue with the interrupted run's own options (its folder, data, hyp, epochs).
    o = { ...(resume.state.opt as unknown as TrainOptions), resume: resumeFile, log: options.log, write: options.write, existOk: true };
    log(`Resuming training from ${resumeFile} from epoch ${resume.state.epoch + 1} to ${o.epochs} total epochs`);
  }
  const epochs = o.epochs ?? 100;
  const batchSize = o.batchSize ?? 16;
  const seed = o.seed ?? 0;
  const device = o.device ?? 'cpu';
  const hyp: Hyp = resume ? (resume.state.hyp as unknown as Hyp) : loadHyp(o.hyp ?? 'hyp.scratch-low.yaml');
  if (!resume) hyp.label_smoothing = o.labelSmoothing ?? hyp.label_smoothing ?? 0;
  const hypInitial = { ...hyp };
  const saveDir = resume ? dirname(dirname(resolve(resumeFile))) : incrementPath(o.project ?? 'runs/train', o.name ?? 'exp', o.existOk);
  const wdir = join(saveDir, 'weights');
  makeDirs(wdir);
  const last = join(wdir, 'last.safetensors');
  const best = join(wdir, 'best.safetensors');
  const optForFile = Object.fromEntries(Object.entries({ ...o, resume: Boolean(o.resume) }).filter(([k, v]) => v !== undefined && k !== 'log' && k !== 'write'));
  if (!resume) {
    writeFileAtomic(join(saveDir, 'hyp.yaml'), toYaml(hyp));
    writeFileAtomic(join(saveDir, 'opt.yaml'), toYaml({ ...optForFile, save_dir: saveDir }));
  }
  log(`hyperparameters: ${Object.entries(hyp).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  manualSeed(seed);

  // ---------------------------------------------------------------- data and model
  const data: DatasetConfig = loadDatasetConfig(o.data);
  const nc = o.singleCls ? 1 : data.nc;
  const names = o.singleCls ? ['item'] : data.names;
  let model: DetectionModel;
  if (resume) {
    model = new DetectionModel(resume.state.opt.modelYaml as ModelConfig, { log });
  } else if (o.weights) {
    const ck = loadCheckpoint(o.weights);
    const cfg = o.cfg ? loadModelConfig(o.cfg) : null;
    model = new DetectionModel(cfg ? cfg.config : ck.model.yaml, { nc, yamlFile: cfg?.file, log });
    // intersect_dicts: same key and shape; anchors come from the cfg when one is given.
    const src = ck.model.stateDict();
    const own = model.stateDict();
    const keep = new Map([...src].filter(([k, v]) => own.has(k) && own.get(k)!.shape.join() === v.shape.join() && !(cfg && k.endsWith('anchors'))));
    noGrad(() => model.loadStateDict(keep, false));
    model.detect.resetGrids();
    log(`Transferred ${keep.size}/${own.size} items from ${o.weights}`);
    ck.model.dispose();
  } else {
    const cfg = loadModelConfig(o.cfg ?? 'yolov5s.yaml');
    model = new DetectionModel(cfg.config, { nc, yamlFile: cfg.file, log });
  }
  model.names = names;
  log(formatSummaryLine(summarize(model, o.imgsz ?? 640)));
  if (device !== 'cpu') model.moveTo(device);

  // Freeze: parameters of layers model.0 … model.(n−1), or of the listed layers.
  const freeze = o.freeze ?? [0];
  const frozenLayers = freeze.length === 1 ? Array.from({ length: freeze[0]! }, (_, i) => i) : freeze;
  for (const [n, p] of model.namedParameters()) {
    if (frozenLayers.some((i) => n.startsWith(`model.${i}.`))) {
      log(`freezing ${n}`);
      p.requiresGrad_(false);
    }
  }

  const gs = Math.max(Math.trunc(Math.max(...model.stride)), 32);
  const imgsz = checkImgSize(o.imgsz ?? 640, gs);
  const nbs = 64;
  const accumulateTarget = Math.max(roundHalfEven(nbs / batchSize), 1);
  hyp.weight_decay *= (batchSize * accumulateTarget) / nbs;
  // channels_last: faster convolutions on CPU (bench:train); checkpoints are written in the usual layout.
  model.toChannelsLast();
  const optimizer = smartOptimizer(model, o.optimizer ?? 'SGD', hyp.lr0, hyp.momentum, hyp.weight_decay, log);
  const lf = o.cosLr ? oneCycleLr(1, hyp.lrf, epochs) : linearLr(hyp.lrf, epochs);

  // No nc for the index: it would drop such images as corrupt, where train.py stops with the error below
  // (and with --single-cls every class becomes 0, so any class is fine).
  const trainIndex = await buildDatasetIndex(data.train, { prefix: 'train: ', log, requireLabels: true });
  if (!o.singleCls) {
    let mlc = -1;
    for (const l of trainIndex.labels) for (let r = 0; r < l.length; r += 5) mlc = Math.max(mlc, l[r]!);
    if (mlc >= nc) throw new Error(`Label class ${mlc} exceeds nc=${nc} in ${o.data}. Possible class labels are 0-${nc - 1}`);
  }
  const loader = createLoader({
    source: trainIndex,
    batchSize,
    imgSize: imgsz,
    stride: gs,
    augment: true,
    hyp,
    rect: false,
    cache: o.cache,
    singleCls: o.singleCls,
    workers: o.workers ?? 2,
    shuffle: true,
    seed,
  });
  const nb = loader.length;
  // train.py's val_loader: made once, so its worker threads live for the run instead of starting every epoch
  // (a fresh pair per epoch left their malloc arenas behind and RSS grew ~70 MB an epoch).
  const valLoader = await createValLoader({ data, batchSize: batchSize * 2, imgsz, stride: gs, singleCls: o.singleCls, workers: o.workers ?? 2 });

  if (!resume) {
    if (!o.noplots) await plotLabels(Float32Array.from(trainIndex.labels.flatMap((l) => [...l])), names, join(saveDir, 'labels.jpg'));
    if (!o.noautoanchor) checkAnchors(model, trainIndex, hyp.anchor_t, imgsz, seed, log);
    // "pre-reduce anchor precision": YOLOv5 rounds every weight through fp16 once here.
    noGrad(() => tidy(() => {
      for (const t of model.stateDict().values()) if (t.dtype === 'float32') t.copy_(t.half().float());
    }));
  }

  // Loss gains scale with layers, classes and image size (train.py).
  const nl = model.detect.nl;
  hyp.box *= 3 / nl;
  hyp.cls *= (nc / 80) * (3 / nl);
  hyp.obj *= (imgsz / 640) ** 2 * (3 / nl);
  const computeLoss = new ComputeLoss(model, hyp);

  const ema = new ModelEMA(model);
  let startEpoch = 0;
  let bestFitness = 0;
  if (resume) {
    loadHostWeights(model, resume.model, resumeFile);
    loadHostWeights(ema.ema, resume.ema, resumeFile);
    ema.updates = resume.state.emaUpdates;
    optimizer.loadStateDict(resume.optimizer);
    startEpoch = resume.state.epoch + 1;
    bestFitness = resume.state.bestFitness;
    dropResultsAfter(join(saveDir, 'results.csv'), resume.state.epoch);
  }
  const stopper = new EarlyStopping(o.patience ?? 100);
  stopper.bestFitness = bestFitness;
  const nw = warmupIterations(hyp.warmup_epochs, nb);
  let lastOptStep = -1;
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('\nInterrupted: finishing this batch, then saving weights/last.safetensors (Ctrl-C again to quit now)');
  };
  process.on('SIGINT', onSigint);
  const state = (epoch: number): TrainState => ({
    epoch,
    bestFitness,
    emaUpdates: ema.updates,
    opt: { ...optForFile, modelYaml: model.yaml },
    hyp: hypInitial as unknown as Record<string, unknown>,
  });

  log(`Image sizes ${imgsz} train, ${imgsz} val\nUsing ${o.workers ?? 2} dataloader workers\nLogging results to ${saveDir}\nStarting training for ${epochs} epochs...`);
  const t0 = performance.now();
  let epoch = startEpoch;
  let stoppedBy: TrainResult['stoppedBy'] = 'completed';
  let lastResults = { P: 0, R: 0, mAP50: 0, mAP50_95: 0 };
  let lastLosses: [number, number, number] = [0, 0, 0];
  try {
    for (; epoch < epochs; epoch++) {
      model.train();
      loader.setEpoch(epoch);
      const mloss = [0, 0, 0];
      const write = o.write ?? ((s: string) => process.stdout.write(s));
      write(`${TRAIN_HEADER}\n`);
      const bar = new ProgressLine(write);
      const tEpoch = performance.now();
      optimizer.zeroGrad();
      let i = 0;
      for await (const batch of loader) {
        const ni = i + nb * epoch;
        let accumulate = accumulateTarget;
        if (ni <= nw) {
          ({ accumulate } = applyWarmup(optimizer.paramGroups, {
            ni,
            nw,
            epoch,
            lf,
            warmupBiasLr: hyp.warmup_bias_lr,
            warmupMomentum: hyp.warmup_momentum,
            momentum: hyp.momentum,
            nbs,
            batchSize,
          }));
        }
        const items = tidy(() => {
          let imgs = tensor(batch.images, { shape: batch.shape, dtype: 'uint8' });
          if (device !== 'cpu') imgs = imgs.to(device);
          let x = imgs.float().div(255).contiguous('channels_last');
          if (o.multiScale) {
            const sz = Math.floor((Math.floor(imgsz * 0.5) + Math.random() * (imgsz * 1.5 + gs - imgsz * 0.5)) / gs) * gs;
            const sf = sz / Math.max(batch.shape[2], batch.shape[3]);
            if (sf !== 1) x = interpolateBilinear(x, [Math.ceil((batch.shape[2] * sf) / gs) * gs, Math.ceil((batch.shape[3] * sf) / gs) * gs]);
          }
          const targets = tensor(batch.targets, { shape: [batch.targets.length / 6, 6] });
          const pred = model.forward(x) as Tensor[];
          const l = computeLoss.compute(pred, device === 'cpu' ? targets : targets.to(device));
          const lossValue = l.loss.item();
          if (!Number.isFinite(lossValue)) {
            const kept = existsSync(last) ? `the last good checkpoint is ${last}` : 'no checkpoint was saved yet';
            throw new Error(`loss is ${lossValue} at epoch ${epoch}, batch ${i}: stopping; ${kept}`);
          }
          l.loss.backward();
          return [l.lbox, l.lobj, l.lcls];
        });
        if (ni - lastOptStep >= accumulate) {
          clipGradNorm([...model.parameters()], 10.0);
          optimizer.step();
          optimizer.zeroGrad();
          ema.update(model);
          lastOptStep = ni;
        }
        for (let k = 0; k < 3; k++) mloss[k] = (mloss[k]! * i + items[k]!) / (i + 1);
        const mem = `${(process.memoryUsage().rss / 1e9).toFixed(2)}G`;
        bar.update(`${formatTrainRow(epoch, epochs, mem, mloss, batch.targets.length / 6, batch.shape[3])}: ${formatBar(i + 1, nb, (performance.now() - tEpoch) / 1000)}`);
        if (ni < 3 && !o.noplots) {
          await plotImages({ images: batch.images, shape: batch.shape, targets: batch.targets, targetColumns: 6, names, paths: batch.paths, path: join(saveDir, `train_batch${ni}.jpg`) });
        }
        i++;
        if (interrupted) break;
      }
      bar.end();
      const lrs = optimizer.paramGroups.map((g) => g.lr);
      // Scheduler step: the next epoch's lr.
      optimizer.paramGroups.forEach((g) => (g.lr = g.initialLr * lf(epoch + 1)));
      if (interrupted) {
        stoppedBy = 'interrupted';
        saveTrainCheckpoint(last, { model, ema: ema.ema, optimizerState: optimizer.stateDict(), state: state(epoch - 1) });
        log(`Saved ${last} (resume with: tsyolo train --resume ${last})`);
        break;
      }

      ema.updateAttr(model);
      const finalEpoch = epoch + 1 === epochs || stopper.possibleStop;
      if (!o.noval || finalEpoch) {
        const r = await val({
          data,
          model: libtorchBackend(ema.ema, { device, loss: { compute: (raw, t) => computeLoss.compute(raw, t) } }),
          batchSize: batchSize * 2,
          imgsz,
          singleCls: o.singleCls,
          dataloader: valLoader,
          saveDir,
          plots: false,
          training: true,
          log,
        });
        lastResults = { P: r.P, R: r.R, mAP50: r.mAP50, mAP50_95: r.mAP50_95 };
        lastLosses = r.losses;
      }
      const fi = fitness(lastResults);
      const stop = stopper.step(epoch, fi);
      if (fi > bestFitness) bestFitness = fi;
      appendResultsRow(join(saveDir, 'results.csv'), epoch, [
        ...mloss,
        lastResults.P,
        lastResults.R,
        lastResults.mAP50,
        lastResults.mAP50_95,
        ...lastLosses,
        ...lrs,
      ]);
      if (!o.nosave || finalEpoch) {
        saveTrainCheckpoint(last, { model, ema: ema.ema, optimizerState: optimizer.stateDict(), state: state(epoch) });
        if (bestFitness === fi) saveTrainCheckpoint(best, { model, ema: ema.ema, optimizerState: optimizer.stateDict(), state: state(epoch) });
      }
      if (stop) {
        log(`Stopping training early as no improvement observed in last ${stopper.patience} epochs. Best results observed at epoch ${stopper.bestEpoch}, best model saved as best.safetensors.`);
        stoppedBy = 'early-stopping';
        epoch++;
        break;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    await loader.close();
    await valLoader.close();
    // Native memory is invisible to the JS garbage collector: free the run's tensors now (the final validation
    // loads best.safetensors afresh), so train() called in a loop does not pile up models and optimizer buffers.
    optimizer.dispose();
    ema.ema.dispose();
    model.dispose();
  }

  const hours = (performance.now() - t0) / 3.6e6;
  log(`\n${epoch - startEpoch} epochs completed in ${hours.toFixed(3)} hours.`);
  let final = lastResults;
  if (stoppedBy !== 'interrupted' && existsSync(best)) {
    for (const f of [last, best]) if (existsSync(f)) stripTrainState(f);
    log(`Optimizer stripped from ${last}\nOptimizer stripped from ${best}\n\nValidating ${best}...`);
    const bestModel = loadCheckpoint(best).model;
    bestModel.fuse().eval();
    const r = await val({ data, model: libtorchBackend(bestModel, { device }), weightsFile: best, batchSize: batchSize * 2, imgsz, iouThres: 0.6, singleCls: o.singleCls, workers: o.workers ?? 2, saveDir, plots: !o.noplots, verbose: true, training: true, log });
    final = { P: r.P, R: r.R, mAP50: r.mAP50, mAP50_95: r.mAP50_95 };
    bestModel.dispose();
    if (!o.noplots && existsSync(join(saveDir, 'results.csv'))) await plotResults(join(saveDir, 'results.csv'));
  }
  log(`Results saved to ${saveDir}`);
  return { saveDir, last, best, epochsRun: epoch - startEpoch, bestFitness, final, stoppedBy };
}
