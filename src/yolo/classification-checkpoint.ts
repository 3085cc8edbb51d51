// Classifier weights in and out: tsyolo .safetensors (metadata task 'classify', the classifier config) and v7.0's
// classify/train.py .pt files (their ClassificationModel stores no YAML: the architecture comes from --cfg, a -cls
// YAML or the detection YAML it was cut from with --cutoff). A detection checkpoint or YAML becomes a classifier
// the way classify/train.py converts one (cutoff 10 unless given).
import { extname } from 'node:path';
import type { HostTensor } from '../io/host-tensor.ts';
import { isJsonObject, isStringList, metadataJson, readSafetensors } from '../io/safetensors.ts';
import { readYoloCheckpoint } from '../io/torch-checkpoint.ts';
import { fromHost } from '../tensor/create.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { type CheckpointMeta, saveSafetensorsCheckpoint } from './checkpoint.ts';
import { ClassificationModel, isClassifierConfig, loadClassifierConfig, validateClassifierConfig } from './classification-model.ts';
import { DetectionModel } from './detection-model.ts';
import { loadModelConfig, validateModelConfig } from './model-config.ts';
import { readConfigFile } from '../io/config-file.ts';
import { resolveConfigPath } from './model-config.ts';

/** The metadata value that marks a classifier checkpoint (`task`). */
export const CLASSIFY_TASK = 'classify';

/** Options of loadClassifier(). */
export interface LoadClassifierOptions {
  /** Architecture for a v7.0 classifier .pt (which stores none): a -cls YAML, or a detection YAML with `cutoff`. */
  cfg?: string;
  /** Layer cutoff when a detection model is converted (v7.0's default 10). */
  cutoff?: number;
  /** Class count of a model built from YAML or converted from a detection model. */
  nc?: number;
  /** Messages (v7.0's warning when a detection model is converted). */
  log?: (line: string) => void;
}

/** A classifier and what its checkpoint said. */
export interface LoadedClassifier {
  /** The model (training mode, as built). */
  model: ClassificationModel;
  /** Epoch, fitness, names (empty for a YAML). */
  meta: CheckpointMeta;
}

function loadWeights(model: ClassificationModel, weights: Map<string, HostTensor>, file: string): void {
  tidy(() => {
    const tensors = new Map<string, Tensor>();
    for (const [k, v] of weights) tensors.set(k, fromHost(v));
    try {
      model.loadStateDict(tensors, true);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
  });
}

const CONVERT_WARNING = "WARNING ⚠️ pass YOLOv5 classifier model with '-cls' suffix, i.e. '--model yolov5s-cls.pt'";

/** A classifier from a YAML: a -cls config as it is, a detection config cut at `cutoff`. */
function fromYaml(nameOrPath: string, o: LoadClassifierOptions): ClassificationModel {
  const file = resolveConfigPath(nameOrPath);
  const doc = readConfigFile(file, 'a model config').values;
  if (isClassifierConfig(doc)) {
    const { config } = loadClassifierConfig(file);
    return new ClassificationModel(config, { yamlFile: file, nc: o.nc }); // v7.0's reshape_classifier_output says nothing
  }
  const { config } = loadModelConfig(file);
  o.log?.(CONVERT_WARNING);
  return ClassificationModel.fromDetectionModel(new DetectionModel(config, { yamlFile: file }), { nc: o.nc ?? 1000, cutoff: o.cutoff, log: o.log });
}

/**
 * A classifier from a -cls YAML, a detection YAML (converted with `cutoff`), a tsyolo `.safetensors` (classifier or
 * detector), or a YOLOv5 `.pt` (a v7.0 classifier with `cfg`, or a detector, converted).
 */
export function loadClassifier(pathOrConfig: string, o: LoadClassifierOptions = {}): LoadedClassifier {
  const ext = extname(pathOrConfig).toLowerCase();
  if (ext === '.onnx') throw new Error(`${pathOrConfig}: an ONNX export holds no model to rebuild; give the checkpoint it was exported from`);
  if (ext === '.safetensors') {
    const st = readSafetensors(pathOrConfig);
    const yamlDoc = metadataJson(st, 'yaml', pathOrConfig, isJsonObject, 'a JSON object (the model YAML)');
    if (!yamlDoc) throw new Error(`${pathOrConfig}: no model YAML in the metadata (was it written by tsyolo?)`);
    const names = metadataJson(st, 'names', pathOrConfig, isStringList, 'a JSON list of class names');
    const weights = new Map([...st.tensors].filter(([k]) => !k.startsWith('_')));
    const meta: CheckpointMeta = {
      names,
      epoch: st.metadata.epoch !== undefined ? Number(st.metadata.epoch) : undefined,
      bestFitness: st.metadata.best_fitness !== undefined ? Number(st.metadata.best_fitness) : undefined,
    };
    if (st.metadata.task === CLASSIFY_TASK || isClassifierConfig(yamlDoc)) {
      const model = new ClassificationModel(validateClassifierConfig(yamlDoc, `${pathOrConfig} (stored model YAML)`), { source: `${pathOrConfig} (stored model YAML)` });
      loadWeights(model, weights, pathOrConfig);
      if (names) model.names = names;
      return { model, meta };
    }
    const det = new DetectionModel(validateModelConfig(yamlDoc, `${pathOrConfig} (stored model YAML)`), { source: `${pathOrConfig} (stored model YAML)` });
    const own = det.stateDict();
    tidy(() => {
      const tensors = new Map<string, Tensor>();
      for (const [k, v] of weights) if (own.has(k)) tensors.set(k, fromHost(v));
      det.loadStateDict(tensors, true);
    });
    o.log?.(CONVERT_WARNING);
    return { model: ClassificationModel.fromDetectionModel(det, { nc: o.nc ?? det.nc, cutoff: o.cutoff }), meta: {} };
  }
  if (ext === '.pt' || ext === '.pth') {
    const ck = readYoloCheckpoint(pathOrConfig);
    const meta: CheckpointMeta = { epoch: ck.epoch, bestFitness: ck.bestFitness, names: ck.names };
    if (ck.yaml && !isClassifierConfig(ck.yaml)) {
      // a detection checkpoint: classify/train.py converts it (its weights kept up to the cutoff)
      const det = new DetectionModel(validateModelConfig(ck.yaml, `${pathOrConfig} (stored model YAML)`), { source: `${pathOrConfig} (stored model YAML)` });
      tidy(() => {
        const own = det.stateDict();
        const tensors = new Map<string, Tensor>();
        for (const [k, v] of ck.stateDict) if (own.has(k)) tensors.set(k, fromHost(v));
        det.loadStateDict(tensors, true);
      });
      o.log?.(CONVERT_WARNING);
      return { model: ClassificationModel.fromDetectionModel(det, { nc: o.nc ?? det.nc, cutoff: o.cutoff }), meta: {} };
    }
    const last = [...ck.stateDict.keys()].at(-1) ?? '';
    if (!last.endsWith('.linear.bias') && !last.endsWith('.linear.weight')) {
      throw new Error(`${pathOrConfig}: neither a classifier (its last layer is not Classify) nor a detection checkpoint with a stored YAML`);
    }
    const nc = ck.stateDict.get(last.replace(/weight$/, 'bias'))?.shape[0] ?? ck.nc;
    let model: ClassificationModel;
    if (ck.yaml) model = new ClassificationModel(validateClassifierConfig(ck.yaml, `${pathOrConfig} (stored model YAML)`));
    else if (o.cfg) model = fromYaml(o.cfg, { ...o, nc, log: undefined });
    else throw new Error(`${pathOrConfig}: a YOLOv5 classifier .pt stores no model YAML; pass its architecture with --cfg (a -cls YAML such as yolov5s-cls.yaml, or the detection YAML it was cut from, with --cutoff)`);
    loadWeights(model, ck.stateDict, pathOrConfig);
    if (ck.names?.length) model.names = ck.names.map(String);
    if (ck.stride?.length) model.stride = ck.stride;
    return { model, meta };
  }
  return { model: fromYaml(pathOrConfig, o), meta: {} };
}

/** Writes a classifier's weights and metadata (task 'classify', its config, names) atomically; float32 unless `half`. */
export function saveClassifierCheckpoint(
  file: string,
  model: ClassificationModel,
  meta: { epoch?: number; bestFitness?: number; extra?: Record<string, string> } = {},
  opts: { half?: boolean } = {},
): void {
  saveSafetensorsCheckpoint(file, model, { ...meta, extra: { ...(meta.extra ?? {}), task: CLASSIFY_TASK } }, opts);
}

/** True when `pathOrConfig` names a classifier: a YAML ending in Classify, a tsyolo classify checkpoint or a v7.0 classifier .pt. */
export function isClassifierSource(pathOrConfig: string): boolean {
  const ext = extname(pathOrConfig).toLowerCase();
  if (ext === '.safetensors') {
    const st = readSafetensors(pathOrConfig);
    return st.metadata.task === CLASSIFY_TASK;
  }
  if (ext === '.pt' || ext === '.pth') {
    const ck = readYoloCheckpoint(pathOrConfig);
    if (ck.yaml) return isClassifierConfig(ck.yaml);
    return /\.linear\.(weight|bias)$/.test([...ck.stateDict.keys()].at(-1) ?? '');
  }
  if (ext === '.onnx') return false;
  try {
    return isClassifierConfig(readConfigFile(resolveConfigPath(pathOrConfig), 'a model config').values);
  } catch {
    return false;
  }
}
