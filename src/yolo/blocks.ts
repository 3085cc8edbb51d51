// The built-in block families, registered explicitly (no import side effects): each file in modules/ holds its
// classes, YAML specs, fuse hooks and ONNX emitters. A new family is one file plus one line here.
import type { BlockFamily } from './block.ts';
import { bottleneckBlocks } from './modules/bottleneck.ts';
import { concatBlocks } from './modules/concat.ts';
import { contractBlocks } from './modules/contract.ts';
import { cspBlocks } from './modules/csp.ts';
import { convBlocks } from './modules/conv.ts';
import { convTransposeBlocks } from './modules/conv-transpose.ts';
import { detectBlocks } from './modules/detect.ts';
import { focusBlocks } from './modules/focus.ts';
import { ghostBlocks } from './modules/ghost.ts';
import { mixConvBlocks } from './modules/mixconv.ts';
import { segmentBlocks } from './modules/segment.ts';
import { shufflenetBlocks } from './modules/shufflenet.ts';
import { sppBlocks } from './modules/spp.ts';
import { torchNnBlocks } from './modules/torch-nn.ts';
import { transformerBlocks } from './modules/transformer.ts';
import { yolov5LiteBlocks } from './modules/yolov5-lite.ts';

export const builtinBlockFamilies: readonly BlockFamily[] = [
  torchNnBlocks,
  convBlocks,
  bottleneckBlocks,
  sppBlocks,
  focusBlocks,
  concatBlocks,
  detectBlocks,
  segmentBlocks,
  cspBlocks,
  ghostBlocks,
  transformerBlocks,
  contractBlocks,
  mixConvBlocks,
  convTransposeBlocks,
  shufflenetBlocks,
  yolov5LiteBlocks,
];
