// loadDetector() of the main entry: any weights (.onnx, .safetensors, .pt) → a Detector over Node inputs.
import type { DetectorOptions } from './detector.ts';
import { loadBackend } from './load-backend.ts';
import { NodeDetector } from './node-detector.ts';

/** Options of loadDetector(): the detector's settings and the device. */
export interface LoadDetectorOptions extends DetectorOptions {
  /** 'cpu' (default) or a CUDA device (libtorch weights only). */
  device?: string;
}

/**
 * A detector for `.safetensors`, `.pt` (libtorch) or `.onnx` (onnxruntime-node) weights: `await det.detect(image)`.
 * Several libtorch weights make an ensemble (v7.0's: outputs concatenated before NMS).
 */
export async function loadDetector(weights: string | readonly string[], options: LoadDetectorOptions = {}): Promise<NodeDetector> {
  const { device, ...detectorOptions } = options;
  return new NodeDetector(await loadBackend(weights, { device }), detectorOptions);
}
