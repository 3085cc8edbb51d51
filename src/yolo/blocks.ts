// The built-in block families, registered explicitly (no import side effects): each file in modules/ holds its
// classes, YAML specs, fuse hooks and ONNX emitters. A new family is one file plus one line here.
import type { BlockFamily } from './block.ts';
import { bottleneckBlocks } from './modules/common/bottleneck.ts';
import { concatBlocks } from './modules/common/concat.ts';
import { contractBlocks } from './modules/common/contract.ts';
import { cspBlocks } from './modules/common/csp.ts';
import { convBlocks } from './modules/common/conv.ts';
import { researchConvBlocks } from './modules/common/research-conv.ts';
import { basicConvBlocks } from './modules/common/basic-conv.ts';
import { convTransposeBlocks } from './modules/common/conv-transpose.ts';
import { detectBlocks } from './modules/heads/detect.ts';
import { decoupledBlocks } from './modules/heads/decoupled.ts';
import { focusBlocks } from './modules/common/focus.ts';
import { ghostBlocks } from './modules/common/ghost.ts';
import { mixConvBlocks } from './modules/common/mixconv.ts';
import { segmentBlocks } from './modules/heads/segment.ts';
import { classifyBlocks } from './modules/heads/classify.ts';
import { shufflenetBlocks } from './modules/backbone/shufflenet.ts';
import { sppBlocks } from './modules/common/spp.ts';
import { torchNnBlocks } from './modules/common/torch-nn.ts';
import { transformerBlocks } from './modules/common/transformer.ts';
import { yolov5LiteBlocks } from './modules/backbone/yolov5-lite.ts';
import { sppVariantBlocks } from './modules/necks/spp-variants.ts';
import { efficientNetLiteBlocks } from './modules/backbone/efficientnet-lite.ts';
import { squeezeExcitationBlocks } from './modules/attention/squeeze-excitation.ts';
import { cbamBlocks } from './modules/attention/cbam.ts';
import { coordinateAttentionBlocks } from './modules/attention/coordinate-attention.ts';
import { ecaBlocks } from './modules/attention/eca.ts';
import { simamBlocks } from './modules/attention/simam.ts';
import { gamBlocks } from './modules/attention/gam.ts';
import { namBlocks } from './modules/attention/nam.ts';
import { selectiveKernelBlocks } from './modules/attention/selective-kernel.ts';
import { shuffleAttentionBlocks } from './modules/attention/shuffle-attention.ts';
import { emaAttentionBlocks } from './modules/attention/ema-attention.ts';
import { tripletAttentionBlocks } from './modules/attention/triplet-attention.ts';
import { bottleneckTransformerBlocks } from './modules/attention/bottleneck-transformer.ts';
import { slimneckBlocks } from './modules/necks/slimneck.ts';
import { bifpnBlocks } from './modules/necks/bifpn.ts';
import { carafeBlocks } from './modules/necks/carafe.ts';
import { fasternetBlocks } from './modules/backbone/fasternet.ts';
import { spdConvBlocks } from './modules/backbone/spd-conv.ts';

export const builtinBlockFamilies: readonly BlockFamily[] = [
  torchNnBlocks,
  convBlocks,
  researchConvBlocks,
  basicConvBlocks,
  bottleneckBlocks,
  sppBlocks,
  focusBlocks,
  concatBlocks,
  detectBlocks,
  segmentBlocks,
  classifyBlocks,
  decoupledBlocks,
  cspBlocks,
  ghostBlocks,
  transformerBlocks,
  contractBlocks,
  mixConvBlocks,
  convTransposeBlocks,
  shufflenetBlocks,
  yolov5LiteBlocks,
  sppVariantBlocks,
  efficientNetLiteBlocks,
  squeezeExcitationBlocks,
  cbamBlocks,
  coordinateAttentionBlocks,
  ecaBlocks,
  simamBlocks,
  gamBlocks,
  namBlocks,
  selectiveKernelBlocks,
  shuffleAttentionBlocks,
  emaAttentionBlocks,
  tripletAttentionBlocks,
  bottleneckTransformerBlocks,
  slimneckBlocks,
  bifpnBlocks,
  carafeBlocks,
  fasternetBlocks,
  spdConvBlocks,
];
