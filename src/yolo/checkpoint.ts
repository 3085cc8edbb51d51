// Weights in and out: YOLOv5 .pt checkpoints (read without Python, nothing executed) and tsyolo's .safetensors.
import { extname } from 'node:path';
import type { HostTensor } from '../io/host-tensor.ts';
import { isJsonObject, isNumberList, isStringList, metadataJson, readSafetensors, writeSafetensors } from '../io/safetensors.ts';
import { readYoloCheckpoint } from '../io/torch-checkpoint.ts';
import { fromHost } from '../tensor/create.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { DetectionModel } from './detection-model.ts';
import { validateModelConfig, type ModelConfig } from './model-config.ts';

/** What a checkpoint says besides the weights. */
export interface CheckpointMeta {
  /** The epoch saved (−1 after strip_optimizer: a finished run). */
  epoch?: number;
  /** Best fitness reached when saved. */
  bestFitness?: number;
  /** Class names. */
  names?: string[];
  /** Number of classes. */
  nc?: number;
  /** Strides per detection level. */
  stride?: number[];
  /** Anything else stored (training options, dates…), as strings. */
  extra?: Record<string, string>;
}

/** A checkpoint read back: the rebuilt model, its metadata and the file format. */
export interface LoadedCheckpoint {
  /** The model, rebuilt from the stored YAML with the weights loaded. */
  model: DetectionModel;
  /** Epoch, fitness, names and anything else stored. */
  meta: CheckpointMeta;
  /** Which format the file was. */
  format: 'pt' | 'safetensors';
}

function loadWeights(model: DetectionModel, weights: Map<string, HostTensor>, file: string): void {
  // YOLOv5 v5.0 (and so YOLOv5-Lite) stores Detect's anchor_grid as a buffer; it is anchors × stride, rebuilt here.
  const own = model.stateDict();
  tidy(() => {
    const tensors = new Map<string, Tensor>();
    for (const [k, v] of weights) if (!(k.endsWith('.anchor_grid') && !own.has(k))) tensors.set(k, fromHost(v));
    try {
      model.loadStateDict(tensors, true);
    } catch (e) {
      throw new Error(`${file}: ${(e as Error).message}`);
    }
  });
  // Anchors/strides may have changed with the weights: recompute cached grids.
  model.detect.resetGrids();
}

/** A YOLOv5 train.py checkpoint, the seed's, or a plain state_dict (then `cfg` supplies the architecture). */
export function loadPtCheckpoint(file: string, cfg?: ModelConfig): LoadedCheckpoint {
  const ck = readYoloCheckpoint(file);
  const yaml = ck.yaml ? validateModelConfig(ck.yaml, `${file} (stored model YAML)`) : cfg;
  if (!yaml) throw new Error(`${file} holds only weights (a state_dict) and no model YAML: pass the architecture with --cfg`);
  const model = new DetectionModel(yaml, { yamlFile: undefined, source: ck.yaml ? `${file} (stored model YAML)` : `${file} (--cfg)` });
  loadWeights(model, ck.stateDict, file);
  if (ck.names?.length) model.names = ck.names.map(String);
  return { model, meta: { epoch: ck.epoch, bestFitness: ck.bestFitness, names: ck.names, nc: ck.nc, stride: ck.stride }, format: 'pt' };
}

const META_KEYS = ['format', 'yaml', 'names', 'nc', 'stride', 'epoch', 'best_fitness'] as const;

export function loadSafetensorsCheckpoint(file: string): LoadedCheckpoint {
  const st = readSafetensors(file);
  const { tensors, metadata } = st;
  if (metadata.task === 'classify') throw new Error(`${file}: a classification checkpoint (task 'classify'); use it with tsyolo classify val/predict or tsyolo export`);
  const yamlDoc = metadataJson(st, 'yaml', file, isJsonObject, 'a JSON object (the model YAML)');
  if (!yamlDoc) throw new Error(`${file}: no model YAML in the metadata (was it written by tsyolo?)`);
  const names = metadataJson(st, 'names', file, isStringList, 'a JSON list of class names');
  const stride = metadataJson(st, 'stride', file, isNumberList, 'a JSON list of numbers');
  const model = new DetectionModel(validateModelConfig(yamlDoc, `${file} (stored model YAML)`), { source: `${file} (stored model YAML)` });
  // Entries starting with '_' are auxiliary state (e.g. training's resume data), not the model's weights.
  loadWeights(model, new Map([...tensors].filter(([k]) => !k.startsWith('_'))), file);
  if (names) model.names = names;
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) if (!(META_KEYS as readonly string[]).includes(k)) extra[k] = v;
  return {
    model,
    meta: {
      names,
      nc: metadata.nc ? Number(metadata.nc) : undefined,
      stride,
      epoch: metadata.epoch !== undefined ? Number(metadata.epoch) : undefined,
      bestFitness: metadata.best_fitness !== undefined ? Number(metadata.best_fitness) : undefined,
      extra,
    },
    format: 'safetensors',
  };
}

/** Reads a YOLOv5 `.pt` (a restricted unpickler: nothing is executed) or a tsyolo `.safetensors` into a model. */
export function loadCheckpoint(file: string, cfg?: ModelConfig): LoadedCheckpoint {
  const ext = extname(file).toLowerCase();
  if (ext === '.safetensors') return loadSafetensorsCheckpoint(file);
  if (ext === '.pt' || ext === '.pth') return loadPtCheckpoint(file, cfg);
  throw new Error(`${file}: unknown weights format '${ext}' (expected .pt or .safetensors)`);
}

/** Writes weights + metadata atomically (temp file, then rename). float32 unless `half`. */
export function saveSafetensorsCheckpoint(
  file: string,
  model: Pick<DetectionModel, 'stateDict' | 'names' | 'nc' | 'stride'> & { yaml: unknown },
  meta: { epoch?: number; bestFitness?: number; extra?: Record<string, string> } = {},
  opts: { half?: boolean } = {},
): void {
  const tensors = new Map<string, HostTensor>();
  tidy(() => {
    for (const [k, t] of model.stateDict()) {
      const src = opts.half && t.dtype === 'float32' ? t.half() : t;
      tensors.set(k, src.detach().toHost());
    }
  });
  const metadata: Record<string, string> = {
    ...(meta.extra ?? {}),
    format: 'tsyolo',
    yaml: JSON.stringify(model.yaml),
    names: JSON.stringify(model.names),
    nc: String(model.nc),
    stride: JSON.stringify(model.stride),
  };
  if (meta.epoch !== undefined) metadata.epoch = String(meta.epoch);
  if (meta.bestFitness !== undefined) metadata.best_fitness = String(meta.bestFitness);
  writeSafetensors(file, tensors, metadata);
}
