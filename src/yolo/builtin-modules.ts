// YOLOv5's own building blocks and the seed's two ShuffleNetV2 modules, registered under their YAML names.
import { Upsample } from '../nn/pooling.ts';
import { C3, Bottleneck } from './modules/bottleneck.ts';
import { Concat } from './modules/concat.ts';
import { Conv, DWConv } from './modules/conv.ts';
import { Detect } from './modules/detect.ts';
import { Focus } from './modules/focus.ts';
import { SPP, SPPF } from './modules/spp.ts';
import { ConvMaxpool, ShuffleNetV2InvertedResidual } from './modules/shufflenet.ts';
import { registerModule } from './registry.ts';

/** A constructor argument that must be an integer (args come from user YAML). */
export function intArg(args: unknown[], i: number, what: string, fallback?: number): number {
  const v = args[i] ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${what} must be an integer, got ${JSON.stringify(args[i])}`);
  return v;
}
function optionalInt(args: unknown[], i: number, what: string): number | null {
  return args[i] === null || args[i] === undefined ? null : intArg(args, i, what);
}
function boolArg(args: unknown[], i: number, what: string, fallback: boolean): boolean {
  const v = args[i] ?? fallback;
  if (typeof v !== 'boolean') throw new Error(`${what} must be True or False, got ${JSON.stringify(args[i])}`);
  return v;
}
function numArg(args: unknown[], i: number, what: string, fallback: number): number {
  const v = args[i] ?? fallback;
  if (typeof v !== 'number') throw new Error(`${what} must be a number, got ${JSON.stringify(args[i])}`);
  return v;
}

registerModule({
  name: 'Conv',
  pythonType: 'models.common.Conv',
  argCount: [1, 7],
  channels: 'width',
  build: (a) =>
    new Conv(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 1), intArg(a, 3, 's', 1), optionalInt(a, 4, 'p'), intArg(a, 5, 'g', 1), intArg(a, 6, 'd', 1), boolArg(a, 7, 'act', true)),
});
registerModule({
  name: 'DWConv',
  pythonType: 'models.common.DWConv',
  argCount: [1, 5],
  channels: 'width',
  build: (a) => new DWConv(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 1), intArg(a, 3, 's', 1), intArg(a, 4, 'd', 1), boolArg(a, 5, 'act', true)),
});
registerModule({
  name: 'Bottleneck',
  pythonType: 'models.common.Bottleneck',
  argCount: [1, 4],
  channels: 'width',
  build: (a) => new Bottleneck(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), boolArg(a, 2, 'shortcut', true), intArg(a, 3, 'g', 1), numArg(a, 4, 'e', 0.5)),
});
registerModule({
  name: 'C3',
  pythonType: 'models.common.C3',
  argCount: [1, 4],
  channels: 'width-repeats-inside',
  build: (a) => new C3(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'n', 1), boolArg(a, 3, 'shortcut', true), intArg(a, 4, 'g', 1), numArg(a, 5, 'e', 0.5)),
});
registerModule({
  name: 'SPPF',
  pythonType: 'models.common.SPPF',
  argCount: [1, 2],
  channels: 'width',
  build: (a) => new SPPF(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 5)),
});
registerModule({
  name: 'SPP',
  pythonType: 'models.common.SPP',
  argCount: [1, 2],
  channels: 'width',
  build: (a) => {
    const k = a[2] ?? [5, 9, 13];
    if (!Array.isArray(k) || !k.every((x) => Number.isInteger(x))) throw new Error(`k must be a list of integers, got ${JSON.stringify(a[2])}`);
    return new SPP(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), k as number[]);
  },
});
registerModule({
  name: 'Focus',
  pythonType: 'models.common.Focus',
  argCount: [1, 6],
  channels: 'width',
  build: (a) => new Focus(intArg(a, 0, 'c1'), intArg(a, 1, 'c2'), intArg(a, 2, 'k', 1), intArg(a, 3, 's', 1), optionalInt(a, 4, 'p'), intArg(a, 5, 'g', 1), boolArg(a, 6, 'act', true)),
});
registerModule({
  name: 'Concat',
  pythonType: 'models.common.Concat',
  argCount: [0, 1],
  channels: 'concat',
  build: (a) => new Concat(intArg(a, 0, 'dimension', 1)),
});
registerModule({
  name: 'nn.Upsample',
  pythonType: 'torch.nn.modules.upsampling.Upsample',
  argCount: [1, 3],
  channels: 'same',
  build: (a) => {
    if (a[0] !== null && a[0] !== undefined) throw new Error(`nn.Upsample size must be None (use scale_factor), got ${JSON.stringify(a[0])}`);
    const mode = a[2] ?? 'nearest';
    if (mode !== 'nearest') throw new Error(`nn.Upsample mode '${String(mode)}' is not supported (only 'nearest')`);
    return new Upsample(numArg(a, 1, 'scale_factor', 2), 'nearest');
  },
});
registerModule({
  name: 'Detect',
  pythonType: 'models.yolo.Detect',
  argCount: [2, 2],
  channels: 'detect',
  build: (a) => {
    const anchors = a[1];
    if (!Array.isArray(anchors) || !anchors.every((r) => Array.isArray(r) && r.length % 2 === 0 && r.every((x) => typeof x === 'number'))) {
      throw new Error(`Detect anchors must be lists of (w, h) pairs, got ${JSON.stringify(anchors)}`);
    }
    return new Detect(intArg(a, 0, 'nc'), anchors as number[][], a[2] as number[]);
  },
});
registerModule({
  name: 'Conv_maxpool',
  pythonType: 'models.common.Conv_maxpool',
  argCount: [1, 1],
  channels: 'width',
  build: (a) => new ConvMaxpool(intArg(a, 0, 'c1'), intArg(a, 1, 'c2')),
});
registerModule({
  name: 'ShuffleNetV2_InvertedResidual',
  pythonType: 'models.common.ShuffleNetV2_InvertedResidual',
  argCount: [2, 2],
  channels: 'width',
  build: (a) => new ShuffleNetV2InvertedResidual(intArg(a, 0, 'inp'), intArg(a, 1, 'oup'), intArg(a, 2, 'stride')),
});
