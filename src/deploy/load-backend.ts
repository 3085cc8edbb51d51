// Weights file → Backend: libtorch for .pt/.safetensors (or a model YAML), onnxruntime-node for .onnx (loaded only
// then). Models are fused and in eval mode, as detect.py and val.py load them.
import { loadModel } from '../yolo/load-model.ts';
import type { Backend } from './backend.ts';
import { libtorchBackend } from './libtorch-backend.ts';

/** Options of loadBackend(). */
export interface LoadBackendOptions {
  /** 'cpu' (default) or a CUDA device for libtorch models; ONNX models run on the CPU. */
  device?: string;
  /** Receives an ensemble's `Ensemble created with [...]` line and warnings (default: none). */
  log?: (line: string) => void;
  /**
   * val.py/detect.py's --half for libtorch weights: float16 on CUDA, bfloat16 on the CPU (libtorchBackend's `half`).
   * An ONNX model runs as exported (`export --half` stores float16 weights) and a warning says so.
   */
  half?: boolean;
}

/**
 * The Backend for a weights file: `.onnx` on onnxruntime-node, `.pt`/`.safetensors` on libtorch (fused, eval mode).
 * Several files make an ensemble (v7.0's attempt_load: outputs concatenated before NMS; .pt/.safetensors only).
 */
export async function loadBackend(weights: string | readonly string[], o: LoadBackendOptions = {}): Promise<Backend> {
  const device = o.device || 'cpu';
  if (typeof weights !== 'string') {
    if (weights.length === 0) throw new Error('loadBackend: no weights given');
    if (weights.length > 1) {
      if (o.half) throw new Error('--half runs one model: an ensemble of several --weights runs in float32 (drop --half or give one weights file)');
      const [{ loadEnsemble }, { ensembleBackend }] = await Promise.all([import('../yolo/ensemble.ts'), import('./ensemble-backend.ts')]);
      const ensemble = loadEnsemble(weights, { log: o.log });
      if (device !== 'cpu') ensemble.moveTo(device);
      return ensembleBackend(ensemble, { device });
    }
    weights = weights[0]!;
  }
  if (weights.toLowerCase().endsWith('.onnx')) {
    if (device !== 'cpu') throw new Error(`--device ${device}: ONNX models run on the CPU (onnxruntime-node), got ${weights}`);
    if (o.half) o.log?.(`WARNING ⚠️ --half has no effect on ${weights}: an ONNX model runs as it was exported (tsyolo export --half stores float16 weights)`);
    const { OnnxModel } = await import('./onnx-model.ts');
    return OnnxModel.load(weights);
  }
  const { model } = loadModel(weights);
  if (device !== 'cpu') model.moveTo(device);
  return libtorchBackend(model.fuse().eval(), { device, half: o.half });
}
