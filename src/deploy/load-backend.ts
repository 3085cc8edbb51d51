// Weights file → Backend: libtorch for .pt/.safetensors (or a model YAML), onnxruntime-node for .onnx (loaded only
// then). Models are fused and in eval mode, as detect.py and val.py load them.
import { loadModel } from '../yolo/load-model.ts';
import type { Backend } from './backend.ts';
import { libtorchBackend } from './libtorch-backend.ts';

/** Options of loadBackend(). */
export interface LoadBackendOptions {
  /** 'cpu' (default) or a CUDA device for libtorch models; ONNX models run on the CPU. */
  device?: string;
}

/** The Backend for a weights file: `.onnx` on onnxruntime-node, `.pt`/`.safetensors` on libtorch (fused, eval mode). */
export async function loadBackend(weights: string, o: LoadBackendOptions = {}): Promise<Backend> {
  const device = o.device || 'cpu';
  if (weights.toLowerCase().endsWith('.onnx')) {
    if (device !== 'cpu') throw new Error(`--device ${device}: ONNX models run on the CPU (onnxruntime-node), got ${weights}`);
    const { OnnxModel } = await import('./onnx-model.ts');
    return OnnxModel.load(weights);
  }
  const { model } = loadModel(weights);
  if (device !== 'cpu') model.moveTo(device);
  return libtorchBackend(model.fuse().eval(), { device });
}
