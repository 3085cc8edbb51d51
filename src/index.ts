// tsyolo's library entry point (see docs/API.md).
import { readNpyFile, writeNpyFile } from './io/npy.ts';
import { fromHost } from './tensor/create.ts';
import type { Tensor } from './tensor/tensor.ts';

export * from './tensor/index.ts';
export { loadNative, isNativeLoaded, NativeEngineError } from './native/binding.ts';
export * as distributed from './distributed/index.ts';
export * as nn from './nn/index.ts';
export { Module } from './nn/module.ts';
export {
  registerModule,
  registerOnnxEmitter,
  registerBlockFamily,
  emitterEntry,
  type BlockFamily,
  type BuildContext,
  type ModuleSpec,
  type ChannelRule,
  type ChannelContext,
} from './yolo/registry.ts';
export { attr, type EmitContext, type OnnxEmitter, type OnnxGraph } from './nn/onnx-emit.ts';
export { Conv, DWConv, autopad, defaultActivation } from './yolo/modules/common/conv.ts';
export { Bottleneck, C3 } from './yolo/modules/common/bottleneck.ts';
export { SPPF, SPP } from './yolo/modules/common/spp.ts';
export { Focus } from './yolo/modules/common/focus.ts';
export { Concat } from './yolo/modules/common/concat.ts';
export { Detect } from './yolo/modules/heads/detect.ts';
export { ConvMaxpool, ShuffleNetV2InvertedResidual, channelShuffle } from './yolo/modules/backbone/shufflenet.ts';
export { DetectionModel, type DetectionModelOptions } from './yolo/detection-model.ts';
export { loadModel, type LoadModelOptions } from './yolo/load-model.ts';
export { loadModelConfig, type ModelConfig } from './yolo/model-config.ts';
export { summarize, formatSummaryLine, formatLayerTable, type ModelSummary } from './yolo/model-info.ts';
export { saveSafetensorsCheckpoint, loadCheckpoint, type CheckpointMeta } from './yolo/checkpoint.ts';

/** Reads a NumPy .npy file into a CPU tensor. */
export function readNpy(path: string): Tensor {
  return fromHost(readNpyFile(path));
}

/** Writes a tensor to a NumPy .npy file. */
export function writeNpy(path: string, t: Tensor): void {
  writeNpyFile(path, t.toHost());
}

// ---------------------------------------------------------------- evaluation, detection, training
import { type EvaluationResult, evaluateDetections as evaluateHost } from './eval/evaluate.ts';
import { type NmsOptions, nonMaxSuppression as nmsHost } from './eval/nms.ts';
import { detect as detectImages, type DetectOptions, type DetectResult } from './detect/detect.ts';
import type { HostTensor } from './io/host-tensor.ts';
import type { DetectionModel } from './yolo/detection-model.ts';
import { libtorchBackend } from './deploy/libtorch-backend.ts';
import { Tensor as TensorClass } from './tensor/tensor.ts';

export { ComputeLoss, type LossResult } from './train/loss.ts';
export { train, type TrainInput, type TrainOptions, type TrainResult } from './train/trainer.ts';
export { TRAIN_OPTIONS } from './train/train-options.ts';
export { val, type ValOptions, type ValResult } from './val/val.ts';
export type { Backend, ModelOutput } from './deploy/backend.ts';
export { libtorchBackend, type LibtorchBackendOptions } from './deploy/libtorch-backend.ts';
export { loadBackend, type LoadBackendOptions } from './deploy/load-backend.ts';
export { loadDetector, type LoadDetectorOptions } from './deploy/load-detector.ts';
export { Detector, toDetections, type Detection, type DetectorOptions } from './deploy/detector.ts';
export type { NodeImageInput, RawImage } from './deploy/node-image-input.ts';
export { NodeDetector, type StreamFrame, type StreamOptions } from './deploy/node-detector.ts';
export type { NmsOptions, EvaluationResult, DetectOptions, DetectResult };

const asHost = (t: Tensor | HostTensor): HostTensor => (t instanceof TensorClass ? t.toHost() : t);

/** YOLOv5's non_max_suppression: (bs, N, 5+nc) predictions → one (n, 6) tensor per image: x1, y1, x2, y2, conf, cls. */
export function nonMaxSuppression(pred: Tensor | HostTensor, opts: NmsOptions = {}): Tensor[] {
  return nmsHost(asHost(pred), opts).map((h) => fromHost(h));
}

/**
 * val.py's metrics. `detections`: one (n, 6) per image (x1, y1, x2, y2, conf, cls, pixels); `labels`: (m, 6) rows of
 * (image, cls, x1, y1, x2, y2) in pixels. → { P, R, mAP50, mAP50_95, perClass, … }
 */
export function evaluateDetections(detections: Array<Tensor | HostTensor>, labels: Tensor | HostTensor, opts: { names?: string[]; nc?: number } = {}): EvaluationResult {
  return evaluateHost(detections.map(asHost), asHost(labels), opts);
}

/** detect.py behind `tsyolo detect`: images, folders, globs or .txt lists → annotated images and labels. */
export function detect(model: DetectionModel, source: string, options: Omit<DetectOptions, 'source'> & { device?: string } = {}): Promise<DetectResult> {
  return detectImages(libtorchBackend(model.eval(), { device: options.device }), { ...options, source });
}
