// loadDetector() of the main entry: any weights (.onnx, .safetensors, .pt) → a Detector over Node inputs.
import { Detector, type DetectorOptions } from './detector.ts';
import { loadBackend } from './load-backend.ts';
import { type NodeImageInput, toRgbImage } from './node-image-input.ts';

export interface LoadDetectorOptions extends DetectorOptions {
  /** 'cpu' (default) or a CUDA device (libtorch weights only). */
  device?: string;
}

export async function loadDetector(weights: string, options: LoadDetectorOptions = {}): Promise<Detector<NodeImageInput>> {
  const { device, ...detectorOptions } = options;
  return new Detector(await loadBackend(weights, { device }), toRgbImage, detectorOptions);
}
