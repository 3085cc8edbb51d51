// loadModel(): one entry point for a shipped config name, a YAML path, a .pt or a .safetensors file.
import { extname } from 'node:path';
import { type CheckpointMeta, loadCheckpoint } from './checkpoint.ts';
import { DetectionModel } from './detection-model.ts';
import { loadModelConfig } from './model-config.ts';

/** Options of loadModel(). */
export interface LoadModelOptions {
  /** Class count override for a model built from YAML. */
  nc?: number;
  /** Architecture for a .pt that holds only a state_dict. */
  cfg?: string;
  /** Receives YOLOv5's messages (nc override, …). */
  log?: (line: string) => void;
}

/** A model from a shipped config name, a YAML path, a YOLOv5 `.pt` or a tsyolo `.safetensors`. */
export function loadModel(pathOrConfigName: string, opts: LoadModelOptions = {}): {
  /** The model (training mode, as built: call .eval() to run inference). */
  model: DetectionModel;
  /** The checkpoint's metadata ({} for a YAML). */
  meta: CheckpointMeta;
} {
  const ext = extname(pathOrConfigName).toLowerCase();
  if (ext === '.pt' || ext === '.pth' || ext === '.safetensors') {
    const cfg = opts.cfg ? loadModelConfig(opts.cfg).config : undefined;
    const { model, meta } = loadCheckpoint(pathOrConfigName, cfg);
    return { model, meta };
  }
  // Read as YAML it would fail on its binary protobuf: say what the file is and what to give instead.
  if (ext === '.onnx') throw new Error(`${pathOrConfigName}: an ONNX export, which holds no model to rebuild; give a model YAML or the checkpoint (.pt, .safetensors) it was exported from`);
  const { config, file } = loadModelConfig(pathOrConfigName);
  return { model: new DetectionModel(config, { yamlFile: file, nc: opts.nc, log: opts.log }), meta: {} };
}
