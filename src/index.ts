// tsyolo's library entry point (see docs/API.md).
import { readNpyFile, writeNpyFile } from './io/npy.ts';
import { fromHost } from './tensor/create.ts';
import type { Tensor } from './tensor/tensor.ts';

export * from './tensor/index.ts';
export * as nn from './nn/index.ts';
export { Module } from './nn/module.ts';
export { registerModule, type ModuleSpec, type ChannelRule, type ChannelContext } from './yolo/registry.ts';
export { Conv, DWConv, autopad } from './yolo/modules/conv.ts';
export { Bottleneck, C3 } from './yolo/modules/bottleneck.ts';
export { SPPF, SPP } from './yolo/modules/spp.ts';
export { Focus } from './yolo/modules/focus.ts';
export { Concat } from './yolo/modules/concat.ts';
export { Detect } from './yolo/modules/detect.ts';
export { ConvMaxpool, ShuffleNetV2InvertedResidual, channelShuffle } from './yolo/modules/shufflenet.ts';
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
