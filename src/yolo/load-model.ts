// loadModel(): one entry point for a shipped config name, a YAML path, a .pt or a .safetensors file.
import { extname } from 'node:path';
import { type CheckpointMeta, loadCheckpoint } from './checkpoint.ts';
import { DetectionModel } from './detection-model.ts';
import { loadModelConfig } from './model-config.ts';

export interface LoadModelOptions {
  /** Class count override for a model built from YAML. */
  nc?: number;
  /** Architecture for a .pt that holds only a state_dict. */
  cfg?: string;
  log?: (line: string) => void;
}

export function loadModel(pathOrConfigName: string, opts: LoadModelOptions = {}): { model: DetectionModel; meta: CheckpointMeta } {
  const ext = extname(pathOrConfigName).toLowerCase();
  if (ext === '.pt' || ext === '.pth' || ext === '.safetensors') {
    const cfg = opts.cfg ? loadModelConfig(opts.cfg).config : undefined;
    const { model, meta } = loadCheckpoint(pathOrConfigName, cfg);
    return { model, meta };
  }
  const { config, file } = loadModelConfig(pathOrConfigName);
  return { model: new DetectionModel(config, { yamlFile: file, nc: opts.nc, log: opts.log }), meta: {} };
}
