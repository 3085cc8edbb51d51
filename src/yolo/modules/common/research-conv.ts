// YOLOAir's research.py defines its own Conv (models/Models/research.py Conv), which several of its blocks build:
// Concat_bifpn, BoT3 (BottleneckTransformer), the decoupled head (DecoupledHead). One class here, its ONNX form
// registered once (the family below, listed in blocks.ts); the block families import it.
import { Identity, SiLU } from '../../../nn/activation.ts';
import { Module } from '../../../nn/module.ts';
import { type BlockFamily, emitterEntry } from '../../block.ts';
import { type ActArg, Conv, emitConv } from './conv.ts';

/**
 * research.py's Conv(c1, c2, k=1, s=1, p=None, g=1, act=True): YOLOv5's Conv layout (conv, bn, act), but its own
 * nn.SiLU() instance when `act` is True (never YOLOv5's shared default activation, whatever the YAML's `activation:`;
 * so each counts in the model's modules), the given module, or nn.Identity(). Not a models.common.Conv, so YOLOv5's
 * fuse() leaves its BatchNorm in place — and so does this class.
 */
export class ResearchConv extends Conv {
  constructor(c1: number, c2: number, k = 1, s = 1, p: number | null = null, g = 1, act: ActArg = true) {
    super(c1, c2, k, s, p, g, 1, act === true ? new SiLU() : act instanceof Module ? act : new Identity());
  }
  /** YOLOv5's fuse() only folds models.common.Conv/DWConv: this Conv keeps its BatchNorm. */
  override fuse(): void {}
}

/** No YAML name (research.py's Conv is built inside blocks only): just its ONNX form, Conv's. */
export const researchConvBlocks: BlockFamily = {
  name: 'research-conv',
  modules: [],
  onnx: [emitterEntry(ResearchConv, emitConv)],
};
