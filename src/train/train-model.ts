// The model of a training run: from scratch (--cfg), transferred from --weights (train.py's intersect_dicts), or
// rebuilt from the checkpoint being resumed; then moved to the device and frozen (--freeze).
import { noGrad } from '../tensor/runtime.ts';
import { loadCheckpoint } from '../yolo/checkpoint.ts';
import { DetectionModel } from '../yolo/detection-model.ts';
import { type ModelConfig, loadModelConfig } from '../yolo/model-config.ts';
import { formatSummaryLine, summarize } from '../yolo/model-info.ts';
import type { TrainRun } from './train-run.ts';

/** Same key and shape; anchors come from the cfg when one is given, or from the hyp's anchor count. */
function transfer(run: TrainRun, nc: number): DetectionModel {
  const { opt, log } = run;
  const ck = loadCheckpoint(opt.weights);
  const cfg = opt.cfg ? loadModelConfig(opt.cfg) : null;
  // v7.0: Model(cfg or ckpt['model'].yaml, anchors=hyp.get('anchors')); anchors come from the cfg or the hyp.
  const anchors = run.hyp.anchors;
  const model = new DetectionModel(cfg ? cfg.config : ck.model.yaml, { nc, yamlFile: cfg?.file, log, anchors });
  const src = ck.model.stateDict();
  const own = model.stateDict();
  const keep = new Map([...src].filter(([k, v]) => own.has(k) && own.get(k)!.shape.join() === v.shape.join() && !((cfg || anchors) && k.endsWith('anchors'))));
  noGrad(() => model.loadStateDict(keep, false));
  model.detect.resetGrids();
  log(`Transferred ${keep.size}/${own.size} items from ${opt.weights}`);
  if (keep.size < own.size / 2) {
    const why = keep.size === 0 ? 'no weights match' : `only ${keep.size} of ${own.size} weights match`;
    log(`WARNING ⚠️ ${why} between ${opt.weights} and ${opt.cfg || 'its own model'}: their architectures differ, so this run trains mostly from scratch`);
  }
  ck.model.dispose();
  return model;
}

function build(run: TrainRun, nc: number): DetectionModel {
  const { opt, log } = run;
  if (run.resume) return new DetectionModel(run.resume.state.opt.modelYaml as ModelConfig, { log });
  if (opt.weights) return transfer(run, nc);
  const cfg = loadModelConfig(opt.cfg || 'yolov5s.yaml');
  return new DetectionModel(cfg.config, { nc, yamlFile: cfg.file, log, anchors: run.hyp.anchors });
}

/** Parameters of layers model.0 … model.(n−1), or of the listed layers, stop learning. */
function freeze(run: TrainRun, model: DetectionModel): void {
  const layers = run.opt.freeze.length === 1 ? Array.from({ length: run.opt.freeze[0]! }, (_, i) => i) : run.opt.freeze;
  let trainable = 0;
  for (const [n, p] of model.namedParameters()) {
    if (layers.some((i) => n.startsWith(`model.${i}.`))) {
      run.log(`freezing ${n}`);
      p.requiresGrad_(false);
    } else trainable++;
  }
  if (trainable === 0) {
    throw new Error(`--freeze ${run.opt.freeze.join(' ')} freezes every layer of the model (it has ${model.model.length}): nothing is left to train`);
  }
}

export function buildTrainModel(run: TrainRun, nc: number, names: string[]): DetectionModel {
  const model = build(run, nc);
  model.names = names;
  run.log(formatSummaryLine(summarize(model, run.opt.imgsz)));
  if (run.device !== 'cpu') model.moveTo(run.device);
  try {
    freeze(run, model);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}
