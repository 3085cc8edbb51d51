// classify/train.py: a classifier trained on ImageNet-style folders. Adam (smart_optimizer's three groups), linear lr
// decay to 0.01·lr0 stepped per epoch, CrossEntropyLoss with label smoothing, clip_grad_norm 10, EMA; each epoch
// ends with the EMA model validated on test/ (or val/); results.csv as GenericLogger writes it, and last/best
// checkpoints (the fp16 EMA, as v7.0 saves it) as tsyolo .safetensors recording task 'classify'.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { pyFormat } from '../compat/python.ts';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import { ProgressLine, formatBar } from '../run/progress-bar.ts';
import { selectDevice } from '../run/select-device.ts';
import { manualSeed } from '../tensor/runtime.ts';
import { smartOptimizer } from '../train/optimizer.ts';
import { loadClassifier, saveClassifierCheckpoint } from '../yolo/classification-checkpoint.ts';
import { ClassificationModel } from '../yolo/classification-model.ts';
import { formatLayerTable, formatSummaryLine } from '../yolo/model-info.ts';
import { ClassifierEMA } from './classifier-ema.ts';
import { ClassifyLoader } from './classify-loader.ts';
import { CLASSIFY_TRAIN_FLAGS, type ClassifyTrainOptions } from './classify-options.ts';
import { crossEntropyLoss } from './cross-entropy.ts';
import { classifierTrainStep } from './train-step.ts';
import { evaluateClassifier } from './evaluate.ts';
import { readClassFolders, resolveClassifyData } from './folder-dataset.ts';
import { resolveOptions } from '../run/option-table.ts';
import { appendResultsRow } from './results-csv.ts';

/** What a training run leaves. */
export interface ClassifyTrainResult {
  /** The run folder. */
  saveDir: string;
  /** weights/last.safetensors. */
  last: string;
  /** weights/best.safetensors. */
  best: string;
  /** Best top-1 reached (the fitness). */
  bestFitness: number;
  /** The last epoch's top-1 and top-5. */
  top1: number;
  /** The last epoch's top-5. */
  top5: number;
}

/** lf(x) = (1 − x/epochs)·(1 − lrf) + lrf with lrf = 0.01: classify/train.py's linear schedule. */
export function classifyLrLambda(epoch: number, epochs: number, lrf = 0.01): number {
  return (1 - epoch / epochs) * (1 - lrf) + lrf;
}

/** Trains a classifier as classify/train.py does; options not given take its defaults. */
export async function trainClassifier(given: Partial<ClassifyTrainOptions> & Pick<ClassifyTrainOptions, 'data'>, print: (s: string) => void = (s) => console.log(s)): Promise<ClassifyTrainResult> {
  const o: ClassifyTrainOptions = { ...resolveOptions(CLASSIFY_TRAIN_FLAGS, {}), ...given };
  manualSeed(o.seed); // init_seeds(opt.seed + 1 + RANK) with RANK −1
  const device = selectDevice(o.device);
  const data = resolveClassifyData(o.data);
  const trainSplit = readClassFolders(data.train);
  const testSplit = readClassFolders(data.test);
  if (testSplit.classes.join('\u0000') !== trainSplit.classes.join('\u0000')) {
    throw new Error(`${data.test}: its class folders (${testSplit.classes.join(', ')}) differ from ${data.train}'s (${trainSplit.classes.join(', ')}); labels would not match`);
  }
  const nc = trainSplit.classes.length;

  // Model (before the run folder, so a bad --model leaves nothing behind)
  let model = loadClassifier(o.model, { cfg: o.cfg || undefined, cutoff: o.cutoff, nc, log: print }).model;
  model.reshapeOutput(nc);
  if (!o.pretrained) model = new ClassificationModel(model.yaml, { yamlFile: model.yamlFile, source: model.configSource, stride: [...model.stride] });
  if (o.dropout !== undefined) model.head.setDropout(o.dropout);
  model.names = [...trainSplit.classes];
  if (device !== 'cpu') model.moveTo(device);
  model.train();
  for (const p of model.parameters()) p.requiresGrad_(true);

  const saveDir = incrementPath(o.project, o.name, o.existOk);
  const wdir = join(saveDir, 'weights');
  const last = join(wdir, 'last.safetensors');
  const best = join(wdir, 'best.safetensors');
  const loaders: ClassifyLoader[] = [];
  try {
    makeDirs(wdir);
    const opt = Object.fromEntries(Object.entries({ ...o, saveDir }).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v ?? null]));
    writeFileAtomic(join(saveDir, 'opt.yaml'), toYaml(opt));

    // v7.0: nw = min(cpu_count − 1, --workers); each loader then min(cpu_count, batch size if > 1 else 0, nw)
    const nw = Math.max(0, Math.min(availableParallelism() - 1, o.workers));
    const loaderWorkers = (bs: number) => Math.min(availableParallelism(), bs > 1 ? bs : 0, nw);
    const trainLoader = new ClassifyLoader(trainSplit, o.imgsz, o.batchSize, true, o.seed, device, loaderWorkers(Math.min(o.batchSize, trainSplit.samples.length)));
    const testLoader = new ClassifyLoader(testSplit, o.imgsz, o.batchSize * 2, false, 0, device, loaderWorkers(Math.min(o.batchSize * 2, testSplit.samples.length)));
    loaders.push(trainLoader, testLoader);
    print(formatSummaryLine(model.info(640)));
    if (o.verbose) print(formatLayerTable(model));

    const optimizer = smartOptimizer(model, o.optimizer, o.lr0, 0.9, o.decay, print);
    const ema = new ClassifierEMA(model);
    const criterion = (y: Parameters<typeof crossEntropyLoss>[0], t: Parameters<typeof crossEntropyLoss>[1]) => crossEntropyLoss(y, t, o.labelSmoothing);
    const val = data.testName;
    const t0 = performance.now();
    print(
      `Image sizes ${o.imgsz} train, ${o.imgsz} test\n` +
        `Using ${nw} dataloader workers\n` +
        `Logging results to ${saveDir}\n` +
        `Starting ${o.model} training on ${o.data} dataset with ${nc} classes for ${o.epochs} epochs...\n\n` +
        `${'Epoch'.padStart(10)}${'GPU_mem'.padStart(10)}${'train_loss'.padStart(12)}${`${val}_loss`.padStart(12)}${'top1_acc'.padStart(12)}${'top5_acc'.padStart(12)}`,
    );
    let bestFitness = 0;
    let top1 = 0;
    let top5 = 0;
    for (let epoch = 0; epoch < o.epochs; epoch++) {
      for (const g of optimizer.paramGroups) g.lr = g.initialLr * classifyLrLambda(epoch, o.epochs);
      let tloss = 0;
      let vloss = 0;
      model.train();
      const line = new ProgressLine((s) => void process.stdout.write(s));
      const started = performance.now();
      const desc = () => `${`${epoch + 1}/${o.epochs}`.padStart(10)}${'0G'.padStart(10)}${pyFormat('%12.3g', tloss)}`;
      let i = 0;
      const n = trainLoader.length;
      for await (const { images, labels } of trainLoader.batches(epoch)) {
        const loss = classifierTrainStep(model, images, labels, { optimizer, ema, labelSmoothing: o.labelSmoothing });
        images.dispose();
        labels.dispose();
        tloss = (tloss * i + loss) / (i + 1);
        i++;
        line.update(`${desc()}${' '.repeat(36)}: ${formatBar(i, n, (performance.now() - started) / 1000)}`);
        if (i === n) {
          const r = await evaluateClassifier((x) => ema.ema.forward(x), testLoader, { criterion });
          top1 = r.top1;
          top5 = r.top5;
          vloss = r.loss;
          line.update(`${desc()}${pyFormat('%12.3g%12.3g%12.3g', vloss, top1, top5)}: ${formatBar(i, n, (performance.now() - started) / 1000)}`);
        }
      }
      line.end();
      const fitness = top1;
      if (fitness > bestFitness) bestFitness = fitness;
      appendResultsRow(join(saveDir, 'results.csv'), epoch, {
        'train/loss': tloss,
        [`${val}/loss`]: vloss,
        'metrics/accuracy_top1': top1,
        'metrics/accuracy_top5': top5,
        'lr/0': optimizer.paramGroups[0]!.initialLr * classifyLrLambda(epoch + 1, o.epochs), // after scheduler.step()
      });
      const finalEpoch = epoch + 1 === o.epochs;
      if (!o.nosave || finalEpoch) {
        const meta = { epoch, bestFitness, extra: { updates: String(ema.updates), date: new Date().toISOString() } };
        saveClassifierCheckpoint(last, ema.ema, meta, { half: true });
        if (bestFitness === fitness) saveClassifierCheckpoint(best, ema.ema, meta, { half: true });
      }
    }
    ema.ema.dispose();
    print(
      `\nTraining complete (${((performance.now() - t0) / 3.6e6).toFixed(3)} hours)` +
        `\nResults saved to ${saveDir}` +
        `\nPredict:         tsyolo classify predict --weights ${best} --source im.jpg` +
        `\nValidate:        tsyolo classify val --weights ${best} --data ${data.dir}` +
        `\nExport:          tsyolo export --weights ${best}\n`,
    );
    return { saveDir, last, best: existsSync(best) ? best : last, bestFitness, top1, top5 };
  } catch (e) {
    discardRunFolder(saveDir, ['opt.yaml']);
    throw e;
  } finally {
    await Promise.all(loaders.map((l) => l.close()));
  }
}


