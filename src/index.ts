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
  type EmitterEntry,
  type RegisterOptions,
} from './yolo/registry.ts';
export { attr, single, splitNode, concatChannels, reduceNode, softmaxNode, type EmitContext, type OnnxEmitter, type OnnxGraph } from './nn/onnx-emit.ts';
// For block authors: YOLOv5's channel helpers, checked reads of constructor args, typed specs, plugins (docs/plugins.md).
export { chAt, makeDivisible } from './yolo/block.ts';
export { intArg, optionalIntArg, boolArg, numArg, intListArg } from './yolo/module-args.ts';
export { defineModule, arg, type ArgReader, type ArgValues, type TypedModuleSpec } from './yolo/define-module.ts';
export { loadPlugins, loadedPlugins, PLUGIN_EXTENSIONS, type PluginApi, type PluginRegister, type LoadPluginsOptions } from './plugins/load-plugins.ts';
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
export { Classify } from './yolo/modules/heads/classify.ts';
export { ClassificationModel, loadClassifierConfig, type ClassifierConfig, type ClassificationModelOptions } from './yolo/classification-model.ts';
export { loadClassifier, saveClassifierCheckpoint, type LoadClassifierOptions, type LoadedClassifier } from './yolo/classification-checkpoint.ts';
export { trainClassifier, type ClassifyTrainResult } from './classify/train.ts';
export { valClassifier, type ClassifyValResult } from './classify/val.ts';
export { predictClassifier, type ClassifyPrediction } from './classify/predict.ts';
export type { ClassifyTrainOptions, ClassifyValOptions, ClassifyPredictOptions } from './classify/classify-options.ts';
export { generateDigitFolders, type DigitFoldersOptions } from './classify/digit-folders.ts';

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

export { ComputeLoss, type LossHyp, type LossResult } from './train/loss.ts';
export { bboxIou, bboxIouTerms, iouBoxLoss, WiouScale, IOU_VARIANTS, type BboxIouOptions, type IouTerms, type IouVariant } from './train/bbox-iou.ts';
export { train, type TrainInput, type TrainOptions, type TrainResult } from './train/trainer.ts';
export { TRAIN_OPTIONS } from './train/train-options.ts';
export { SegmentComputeLoss, cropMask, type SegmentLossHead, type SegmentLossResult } from './train/segment-loss.ts';
export type { SegmentTaskInput, SegmentTaskOptions } from './train/segment-train.ts';
export { loadSegmentBackend, libtorchSegmentBackend, type SegmentBackend, type SegmentOutput, type SegmentArray } from './segment/segment-backend.ts';
export { segmentVal, type SegmentValOptions, type SegmentValResult, type SegmentMetric, type SegmentClassMetrics } from './segment/segment-val.ts';
export { segmentPredict, type SegmentPredictOptions, type SegmentPredictResult, type SegmentImageResult } from './segment/segment-predict.ts';
export { processMask, processMaskUpsample, type MaskStack, type Protos, type MaskDetections, type MaskProbabilities } from './segment/process-mask.ts';
export { masksToSegments } from './segment/contours.ts';
export { drawMasks, type DrawablePixels } from './segment/mask-draw.ts';
export { masksAndBoxes, scaleMaskStack, imageProtos, type MaskAssembly, type SegmentImageDetections } from './segment/segment-postprocess.ts';
export type { ScaleImagePad } from './segment/mask-resize.ts';
export { encodeRle, rleDecode, rleArea, rleIou, rleToBbox, rleFromPolygon, rleMerge, segmentationToRle, type CocoRle, type CocoSegmentation, type CocoUncompressedRle, type Rle } from './eval/coco-mask.ts';
export { polygon2mask, polygons2masks, polygons2masksOverlap, type Polygon } from './data/polygon-masks.ts';
export { GradScaler, type GradScalerOptions, type GradScalerState, type SteppableOptimizer } from './train/grad-scaler.ts';
export { type AmpSetting, type AmpPlan, planAmp, withAmp, cpuHasNativeBf16, cpuAmpByDefault } from './train/amp.ts';
export { evolve, EVOLVE_SEED_VAR, type EvolveBest, type EvolveDeps, type EvolveResult, type GenerationResult } from './train/evolve.ts';
export type { ParentSelection } from './train/evolve-meta.ts';
export type { EvolveGenerationInput } from './train/train-run.ts';
export { val, type ValOptions, type ValResult } from './val/val.ts';
export type { ValCocoResult } from './val/val-coco.ts';
export { CocoEval, evaluateCoco, type CocoAccumulated, type CocoParams, type CocoSummary, type EvaluateCocoOptions } from './eval/coco-eval.ts';
export { CocoIndex, type CocoAnnotation, type CocoCategory, type CocoDataset, type CocoId, type CocoImage, type CocoResult } from './eval/coco-dataset.ts';
export type { CocoIouType } from './eval/coco-iou.ts';
export { readCocoDataset, readCocoResults } from './eval/coco-json.ts';
export { yoloToCoco, writeCocoDataset, type YoloToCocoOptions } from './convert/yolo-to-coco.ts';
export { convertCoco, COCO91_TO_80, type CocoConvertOptions } from './convert/coco.ts';
export { convertVoc, VOC_NAMES, type VocConvertOptions } from './convert/voc.ts';
export { convertLabelme, type LabelmeConvertOptions } from './convert/labelme.ts';
export { readClassNames } from './convert/names.ts';
export { formatConvertSummary, type ConvertProblem, type ConvertResult } from './convert/report.ts';
export type { Backend, ModelOutput, ForwardOptions } from './deploy/backend.ts';
export { libtorchBackend, type LibtorchBackendOptions } from './deploy/libtorch-backend.ts';
export { loadBackend, type LoadBackendOptions } from './deploy/load-backend.ts';
export { Ensemble, loadEnsemble, type LoadEnsembleOptions } from './yolo/ensemble.ts';
export { ensembleBackend } from './deploy/ensemble-backend.ts';
export { loadDetector, type LoadDetectorOptions } from './deploy/load-detector.ts';
export { Detector, toDetections, type Detection, type DetectorOptions } from './deploy/detector.ts';
export type { NodeImageInput, RawImage } from './deploy/node-image-input.ts';
export { NodeDetector, type StreamFrame, type StreamOptions } from './deploy/node-detector.ts';
export type { NmsOptions, EvaluationResult, DetectOptions, DetectResult };
export { NMS_METHODS, type NmsMethod } from './eval/nms-variants.ts';
/** heatmap(model, image, options): Grad-CAM family heatmaps as objectdetection_script's yolov5_heatmap.py (docs/heatmap.md). */
export { heatmap, NoCamTargetError, type HeatmapOptions, type HeatmapResult } from './heatmap/heatmap.ts';
export { CAM_METHODS, type CamMethod } from './heatmap/cam-methods.ts';
export { CAM_TARGETS, type CamTarget } from './heatmap/targets.ts';
export type { CamMap } from './heatmap/cam-image.ts';

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

// ---------------------------------------------------------------- types the API above mentions
// Exported so that code can name them (and the API reference links them).
export type { HostTensor, HostData } from './io/host-tensor.ts';
export type { Disposable } from './tensor/scope.ts';
export type { Size2 } from './nn/conv2d.ts';
export type { AttributeValue } from './nn/onnx-emit.ts';
export type { ActArg } from './yolo/modules/common/conv.ts';
export type { StemFlavour, ShuffleFlavour } from './yolo/modules/backbone/shufflenet.ts';
export type { ModelMode, ForwardOutput } from './yolo/detection-model.ts';
export type { LayerInfo } from './yolo/parse-model.ts';
export type { LayerRow } from './yolo/model-config.ts';
export type { LoadedCheckpoint } from './yolo/checkpoint.ts';
export type { DatasetConfig } from './data/dataset-config.ts';
export type { RgbImage } from './data/image-buffer.ts';
export type { ClassMetrics } from './eval/evaluate.ts';
export type { ApPerClassResult } from './eval/ap.ts';
export type { ConfusionMatrix } from './eval/confusion-matrix.ts';
export type { ImageDetections } from './detect/detect.ts';
export type { DetectImageResult } from './deploy/pipeline.ts';
export type { DetectionArray } from './deploy/postprocess.ts';
export type { ValLossFn } from './deploy/libtorch-backend.ts';
export type { OnnxNmsSettings } from './export/nms-onnx.ts';
export type { LossHead } from './train/loss.ts';
export type { OptimizerName } from './train/optimizer.ts';
export type { TrainPhase } from './train/phase-timer.ts';
export type { Metrics as TrainMetrics } from './train/trainer.ts';
export type { TrainHooks } from './train/train-run.ts';
export type { OptionTable, OptionSpec } from './run/option-table.ts';
