// parse_model exactly as YOLOv5 v7.0: depth/width multiples, channel inference, from-lists, the save list.
// Each YAML row goes through the same named steps: find its spec, resolve its args, scale its repeats, infer its
// channels, build it.
import { SiLU } from '../nn/activation.ts';
import { Sequential } from '../nn/containers.ts';
import type { Module } from '../nn/module.ts';
import { roundHalfEven } from '../compat/python.ts';
import { type BuildContext, type ChannelContext, type ChannelRule, chAt, detectChannels, makeDivisible, type ModuleSpec } from './block.ts';
import type { LayerRow, ModelConfig } from './model-config.ts';
import { Conv } from './modules/common/conv.ts';
import { BottleneckCSP } from './modules/common/csp.ts';
import { getModuleSpec, registeredModuleNames } from './registry.ts';
import { parseActivation } from './yaml-activation.ts';

/** What parse_model records per layer (its table row). */
export interface LayerInfo {
  /** Layer index. */
  i: number;
  /** Where its input comes from (-1 = previous layer). */
  f: number | number[];
  /** Repeats after depth scaling (the table's `n`). */
  n: number;
  /** YOLOv5's printed type, e.g. 'models.common.C3'. */
  type: string;
  /** Parameter count. */
  np: number;
  /** Constructor arguments after channel inference (the table's `arguments`). */
  args: unknown[];
  /** Output channels. */
  c2: number;
}

export interface ParsedModel {
  layers: Module[];
  info: LayerInfo[];
  /** Layers whose outputs later layers read (absolute indices, sorted). */
  save: number[];
}

export { makeDivisible } from './block.ts';

/** What every row shares: the multiples, the Detect output count and the model's activation. */
interface ModelHeader {
  gd: number;
  gw: number;
  no: number;
  build: BuildContext;
  /** Built as YOLOv5-Lite's v5.0-based parse_model builds: every Conv with its own SiLU. */
  lite: boolean;
}

/** True when the config uses a YOLOv5-Lite block: it is then built as YOLOv5-Lite's v5.0-based parse_model does. */
export function isLiteConfig(cfg: ModelConfig): boolean {
  return [...cfg.backbone, ...cfg.head].some((row) => getModuleSpec(row[2])?.origin === 'YOLOv5-Lite');
}

/**
 * YOLOv5 v5.0's (so YOLOv5-Lite's) activations: every Conv has its own nn.SiLU(), each counted in model.modules(),
 * and BottleneckCSP's csp part uses nn.LeakyReLU(0.1) where v7.0 writes nn.SiLU().
 */
function useV50Activations(layer: Module): void {
  for (const m of layer.modules()) {
    if (m instanceof Conv && m.act instanceof SiLU) (m as { act: Module }).act = m.registerModule('act', new SiLU());
    if (m instanceof BottleneckCSP) m.useV50Activation();
  }
}

function readHeader(cfg: ModelConfig, file: string): ModelHeader {
  const lite = isLiteConfig(cfg);
  if (lite && cfg.activation) throw new Error(`${file}: 'activation' is a YOLOv5 v7.0 key, which YOLOv5-Lite configs (built by its v5.0 parse_model) do not take`);
  const anchors = cfg.anchors;
  const na = Array.isArray(anchors) ? Math.floor(anchors[0]!.length / 2) : anchors;
  return {
    gd: cfg.depth_multiple,
    gw: cfg.width_multiple,
    no: na * (cfg.nc + 5),
    build: { act: cfg.activation ? parseActivation(cfg.activation, file) : new SiLU() },
    lite,
  };
}

/** The row's registered spec, after checking its argument count and its `from` indices. */
function specForRow([f, , mName, rawArgs]: LayerRow, i: number, where: string): ModuleSpec {
  const spec = getModuleSpec(mName);
  if (!spec) throw new Error(`${where}: unknown module '${mName}' (known: ${registeredModuleNames().join(', ')}; add your own with registerModule(), or load it with --plugin: docs/plugins.md)`);
  const [minArgs, maxArgs] = spec.argCount;
  if (rawArgs.length < minArgs || rawArgs.length > maxArgs) {
    const want = minArgs === maxArgs ? `${minArgs}` : `${minArgs} to ${maxArgs}`;
    throw new Error(`${where}: takes ${want} argument${maxArgs === 1 ? '' : 's'}, got ${rawArgs.length} (${JSON.stringify(rawArgs)})`);
  }
  for (const x of [f].flat()) {
    if (x !== -1 && (x < -i || x >= i) && !(i === 0 && x === -1)) {
      throw new Error(`${where}: from index ${x} refers to a layer that does not exist (layer ${i} can read -1 or earlier layers 0..${i - 1})`);
    }
  }
  return spec;
}

/** YAML strings that YOLOv5 eval()s: None, nc, anchors, True, False; anything else stays a string. */
function resolveArg(a: unknown, cfg: ModelConfig): unknown {
  if (a === 'None') return null;
  if (a === 'nc') return cfg.nc;
  if (a === 'anchors') return cfg.anchors;
  if (a === 'True') return true;
  if (a === 'False') return false;
  return a;
}

/** n = max(round(n · depth_multiple), 1) for repeated rows. */
function scaleRepeats(n: number, gd: number): number {
  return n > 1 ? Math.max(roundHalfEven(n * gd), 1) : n;
}

interface Channels {
  args: unknown[];
  c2: number;
  n: number;
}

function widthRule(args: unknown[], ctx: ChannelContext, repeatsInside: boolean): Channels {
  const c1 = chAt(ctx.ch, ctx.from as number);
  let c2 = args[0];
  if (typeof c2 !== 'number') throw new Error(`first argument (output channels) must be a number, got ${JSON.stringify(args[0])}`);
  if (c2 !== ctx.no) c2 = makeDivisible(c2 * ctx.gw, 8);
  const out = [c1, c2, ...args.slice(1)];
  if (!repeatsInside) return { args: out, c2: c2 as number, n: ctx.n };
  out.splice(2, 0, ctx.n);
  return { args: out, c2: c2 as number, n: 1 };
}

/** Applies the spec's channel rule: constructor args, output channels and the repeats left outside the block. */
function inferChannels(rule: ChannelRule, args: unknown[], ctx: ChannelContext): Channels {
  if (rule === 'width' || rule === 'width-repeats-inside') return widthRule(args, ctx, rule === 'width-repeats-inside');
  if (rule === 'concat') return { args, c2: [ctx.from].flat().reduce((s, x) => s + chAt(ctx.ch, x), 0), n: ctx.n };
  if (rule === 'detect') return detectChannels(args, ctx);
  if (rule === 'same') return { args, c2: chAt(ctx.ch, ctx.from as number), n: ctx.n };
  const r = rule(args, ctx);
  return { args: r.args, c2: r.c2, n: r.n ?? ctx.n };
}

/** One instance, or n of them in a Sequential (YOLOv5's `nn.Sequential(*(m(*args) for _ in range(n)))`). */
function buildLayer(spec: ModuleSpec, args: unknown[], n: number, build: BuildContext): Module {
  return n > 1 ? new Sequential(...Array.from({ length: n }, () => spec.build(args, build))) : spec.build(args, build);
}

/** Runs `step`, prefixing any error with the file, layer and module. */
function atLayer<T>(where: string, step: () => T): T {
  try {
    return step();
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** One YAML row after channel inference: what to build, before anything is allocated. */
export interface PlannedLayer {
  i: number;
  f: number | number[];
  spec: ModuleSpec;
  /** Constructor arguments. */
  args: unknown[];
  c2: number;
  /** Instances to stack in a Sequential (1 when the repeats went inside the block). */
  n: number;
  /** Repeats after depth scaling (the table's `n`). */
  nScaled: number;
  where: string;
}

/** parse_model's channel pass alone: every row's spec, constructor args and output channels, nothing built. */
export function planModel(cfg: ModelConfig, inputChannels: number, file = '<model>'): PlannedLayer[] {
  const header = readHeader(cfg, file);
  let ch = [inputChannels];
  return [...cfg.backbone, ...cfg.head].map((row, i) => {
    const [f, nYaml, mName, rawArgs] = row;
    const where = `${file}: layer ${i} (${mName})`;
    const spec = specForRow(row, i, where);
    const nScaled = scaleRepeats(nYaml, header.gd);
    const ctx: ChannelContext = { ch, from: f, n: nScaled, gw: header.gw, no: header.no };
    const { args, c2, n } = atLayer(where, () =>
      inferChannels(
        spec.channels,
        rawArgs.map((a) => resolveArg(a, cfg)),
        ctx,
      ),
    );
    if (!Number.isInteger(c2) || c2 <= 0) throw new Error(`${where}: output channels must be a positive integer, got ${c2} (args ${JSON.stringify(rawArgs)})`);
    if (i === 0) ch = [];
    ch.push(c2);
    return { i, f, spec, args, c2, n, nScaled, where };
  });
}

export function parseModel(cfg: ModelConfig, inputChannels: number, file = '<model>'): ParsedModel {
  const header = readHeader(cfg, file);
  const layers: Module[] = [];
  const info: LayerInfo[] = [];
  const save: number[] = [];
  for (const { i, f, spec, args, c2, n, nScaled, where } of planModel(cfg, inputChannels, file)) {
    const module = atLayer(where, () => buildLayer(spec, args, n, header.build));
    if (header.lite) useV50Activations(module);
    info.push({ i, f, n: nScaled, type: spec.pythonType, np: module.numParameters(), args, c2 });
    layers.push(module);
    for (const x of [f].flat()) if (x !== -1) save.push(((x % i) + i) % i);
  }
  return { layers, info, save: [...new Set(save)].sort((a, b) => a - b) };
}
