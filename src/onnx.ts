// tsyolo/onnx: detection with exported ONNX models on onnxruntime-node, without the native libtorch engine (nothing
// in this module's import graph loads it).
import type { DetectorOptions } from './deploy/detector.ts';
import { NodeDetector } from './deploy/node-detector.ts';
import { OnnxModel } from './deploy/onnx-model.ts';

export { Detector, toDetections, type Detection, type DetectorOptions } from './deploy/detector.ts';
export { drawMasks, type DrawablePixels } from './segment/mask-draw.ts';
export type { NodeImageInput, RawImage } from './deploy/node-image-input.ts';
export { NodeDetector, type StreamFrame, type StreamOptions } from './deploy/node-detector.ts';
export type { Backend, ModelOutput } from './deploy/backend.ts';
export { OnnxModel, type OnnxModelOptions } from './deploy/onnx-model.ts';
export { nonMaxSuppression, type NmsOptions } from './eval/nms.ts';
export { NMS_METHODS, type NmsMethod } from './eval/nms-variants.ts';
// Types the API above mentions (type-only: nothing more is loaded).
export type { HostTensor, HostData } from './io/host-tensor.ts';
export type { RgbImage } from './data/image-buffer.ts';
export type { DetectImageResult } from './deploy/pipeline.ts';
export type { DetectionArray } from './deploy/postprocess.ts';
export type { OnnxModelInfo, OnnxProtoOutput } from './deploy/model-metadata.ts';
export type { MaskStack } from './segment/process-mask.ts';
export type { OnnxNmsSettings } from './export/nms-onnx.ts';

/** Options of tsyolo/onnx's loadDetector(): the detector's settings and onnxruntime's. */
export interface OnnxDetectorOptions extends DetectorOptions {
  /** Only 'cpu' here (onnxruntime-node's CPU provider). */
  device?: string;
  /** onnxruntime intra-op threads (default: all cores). */
  threads?: number;
}

/** An exported model (`tsyolo export --include onnx`) as a one-call detector. */
export async function loadDetector(model: string, options: OnnxDetectorOptions = {}): Promise<NodeDetector> {
  const { device, threads, ...detectorOptions } = options;
  if (!model.toLowerCase().endsWith('.onnx')) {
    throw new Error(`tsyolo/onnx runs .onnx models only, got '${model}': export it (tsyolo export --weights ${model} --include onnx) or use loadDetector from 'tsyolo'`);
  }
  if (device && device !== 'cpu') throw new Error(`tsyolo/onnx runs on the CPU (onnxruntime-node), got device '${device}'`);
  return new NodeDetector(await OnnxModel.load(model, { threads }), detectorOptions);
}
