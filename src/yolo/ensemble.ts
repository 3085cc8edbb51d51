// Model ensembles (`--weights a.pt b.pt …`), as YOLOv5 v7.0's models/experimental.py builds them: attempt_load
// loads every checkpoint (fused, eval), the Ensemble runs each on the same batch and concatenates the decoded
// outputs along the rows before NMS. Names, nc and the YAML come from the first model, the strides from the model
// with the largest stride; every model must have the first one's class count.
import { extname } from 'node:path';
import { pyRepr } from '../compat/python.ts';
import { cat } from '../tensor/create.ts';
import { tidy } from '../tensor/scope.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { DetectionModel } from './detection-model.ts';
import { loadModel } from './load-model.ts';
import type { ModelConfig } from './model-config.ts';

/** Several detectors run as one (v7.0's Ensemble): their decoded outputs concatenated before NMS. */
export class Ensemble {
  /** The models, in the order given (each fused and in eval mode when loaded by loadEnsemble). */
  readonly models: DetectionModel[];
  /** The weights files, in the same order. */
  readonly files: string[];
  /** Class names: the first model's (v7.0 takes names, nc and yaml from model[0]). */
  readonly names: string[];
  /** The first model's model config. */
  readonly yaml: ModelConfig;
  /** Strides of the model whose largest stride is the largest (the first such model on a tie), as v7.0's argmax. */
  readonly stride: number[];

  /** Checks the class counts (an error naming the files and counts) and warns when the class names differ. */
  constructor(models: DetectionModel[], files: string[], log: (line: string) => void = () => {}) {
    if (models.length === 0 || models.length !== files.length) throw new Error(`Ensemble: ${models.length} models for ${files.length} weights files`);
    const first = models[0]!;
    models.forEach((m, k) => {
      if (m.nc !== first.nc) {
        throw new Error(
          `ensemble: ${files[k]} has ${m.nc} classes but ${files[0]} has ${first.nc} (Models have different class counts: ${pyRepr(models.map((x) => x.nc))}); ensemble only models trained on the same classes`,
        );
      }
    });
    models.forEach((m, k) => {
      const differ = m.names.findIndex((n, c) => n !== first.names[c]);
      if (k > 0 && differ >= 0) {
        log(`WARNING ⚠️ ensemble: the class names of ${files[k]} differ from those of ${files[0]} (class ${differ}: '${m.names[differ]}' vs '${first.names[differ]}'); the detections are labelled with ${files[0]}'s names`);
      }
    });
    this.models = models;
    this.files = files;
    this.names = first.names;
    this.yaml = first.yaml;
    let widest = 0;
    models.forEach((m, k) => {
      if (Math.max(...m.stride) > Math.max(...models[widest]!.stride)) widest = k;
    });
    this.stride = models[widest]!.stride;
  }

  /** Number of classes (the first model's). */
  get nc(): number {
    return this.models[0]!.nc;
  }

  /** Every model's eval output on `x` (with `augment`, each model's TTA), concatenated on dim 1: (bs, Σ rows, 5+nc). */
  predict(x: Tensor, o: { augment?: boolean } = {}): Tensor {
    return tidy(() => cat(this.models.map((m) => m.predict(x, o)), 1));
  }

  /** Puts every model in eval mode. */
  eval(): this {
    for (const m of this.models) m.eval();
    return this;
  }

  /** Moves every model to `device`. */
  moveTo(device: string): this {
    for (const m of this.models) m.moveTo(device);
    return this;
  }

  /** Frees every model. */
  dispose(): void {
    for (const m of this.models) m.dispose();
  }
}

/** Options of loadEnsemble(). */
export interface LoadEnsembleOptions {
  /** Receives v7.0's `Ensemble created with [...]` line and the class-name warning (default: none). */
  log?: (line: string) => void;
}

/**
 * v7.0's attempt_load for several weights: each checkpoint (.pt, .safetensors) loaded, fused and put in eval mode,
 * then the Ensemble. ONNX files are refused (v7.0 ensembles PyTorch models only), as is a class count that differs
 * from the first model's.
 */
export function loadEnsemble(weights: readonly string[], o: LoadEnsembleOptions = {}): Ensemble {
  const onnx = weights.find((w) => extname(w).toLowerCase() === '.onnx');
  if (onnx) {
    throw new Error(`an ensemble (several --weights) takes .pt or .safetensors weights only, as v7.0's attempt_load ensembles PyTorch models: ${onnx} is an ONNX export; pass its checkpoint instead`);
  }
  const models: DetectionModel[] = [];
  try {
    for (const w of weights) models.push(loadModel(w).model.fuse().eval());
    const log = o.log ?? (() => {});
    const ensemble = new Ensemble(models, [...weights], log);
    log(`Ensemble created with ${pyRepr([...weights])}\n`);
    return ensemble;
  } catch (e) {
    for (const m of models) m.dispose();
    throw e;
  }
}
