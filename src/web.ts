// tsyolo/web: detection in the browser with exported ONNX models on onnxruntime-web (WebAssembly). Set where the
// wasm files are served with `onnxEnv.wasm.wasmPaths` (bundlers: docs/export.md#browser) before loading a model.
import * as ort from 'onnxruntime-web/wasm';
import { Detector, type DetectorOptions } from './deploy/detector.ts';
import { OnnxBackend, type OrtRuntime } from './deploy/onnx-backend.ts';
import { toRgbImage, type WebImageInput } from './deploy/web-image-input.ts';

export { Detector, toDetections, type Detection, type DetectorOptions } from './deploy/detector.ts';
export { drawMasks, type DrawablePixels } from './segment/mask-draw.ts';
export { toRgbImage, rgbaToRgb, type WebImageInput } from './deploy/web-image-input.ts';
export type { Backend, ModelOutput } from './deploy/backend.ts';
export { OnnxBackend, type OrtRuntime } from './deploy/onnx-backend.ts';
// Types the API above mentions (type-only: nothing more is loaded).
export type { RgbImage } from './data/image-buffer.ts';
export type { DetectImageResult } from './deploy/pipeline.ts';
export type { DetectionArray } from './deploy/postprocess.ts';
export type { OnnxModelInfo, OnnxProtoOutput } from './deploy/model-metadata.ts';
export type { MaskStack } from './segment/process-mask.ts';
export type { OnnxNmsSettings } from './export/nms-onnx.ts';
/** onnxruntime-web's settings (wasm paths, threads). */
export const onnxEnv = ort.env;

/** Where tsyolo/web loads a model from: a URL, its bytes, or a File/Blob. */
export type WebModelSource = string | URL | ArrayBuffer | Uint8Array | Blob;

async function modelBytes(model: WebModelSource): Promise<{ bytes: Uint8Array; name: string }> {
  if (model instanceof Uint8Array) return { bytes: model, name: 'model' };
  if (model instanceof ArrayBuffer) return { bytes: new Uint8Array(model), name: 'model' };
  if (typeof Blob !== 'undefined' && model instanceof Blob) return { bytes: new Uint8Array(await model.arrayBuffer()), name: (model as File).name ?? 'model' };
  const url = String(model);
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch model ${url}: HTTP ${res.status}`);
  return { bytes: new Uint8Array(await res.arrayBuffer()), name: url };
}

/** An exported model (a URL, bytes or a File) as a one-call detector on onnxruntime-web's wasm backend. */
export async function loadDetector(model: WebModelSource, options: DetectorOptions = {}): Promise<Detector<WebImageInput>> {
  const { bytes, name } = await modelBytes(model);
  const backend = await OnnxBackend.create(ort as unknown as OrtRuntime, bytes, name, { executionProviders: ['wasm'] });
  return new Detector(backend, toRgbImage, options);
}
