// parse_model exactly as YOLOv5 v7.0: depth/width multiples, channel inference, from-lists, the save list.
import { Sequential } from '../nn/containers.ts';
import type { Module } from '../nn/module.ts';
import { LeakyReLU, ReLU, SiLU, Hardswish } from '../nn/activation.ts';
import { roundHalfEven } from '../compat/python.ts';
import './builtin-modules.ts';
import { Conv } from './modules/conv.ts';
import type { ModelConfig } from './model-config.ts';
import { type ChannelContext, getModuleSpec, registeredModuleNames } from './registry.ts';

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

export function makeDivisible(x: number, divisor: number): number {
  return Math.ceil(x / divisor) * divisor;
}

/** Python-style negative indexing into the channel list. */
function chAt(ch: number[], idx: number): number {
  const v = ch[idx < 0 ? ch.length + idx : idx];
  if (v === undefined) throw new Error(`from index ${idx} does not exist`);
  return v;
}

/** The YAML `activation:` values YOLOv5 users write, parsed without eval. */
export function parseActivation(text: string): Module {
  const m = /^nn\.(\w+)\(\s*([-\d.eE]*)\s*\)$/.exec(text.trim());
  if (!m) throw new Error(`activation '${text}' is not understood (use nn.SiLU(), nn.ReLU(), nn.LeakyReLU(0.1) or nn.Hardswish())`);
  const [, name, arg] = m;
  if (name === 'SiLU') return new SiLU();
  if (name === 'ReLU') return new ReLU();
  if (name === 'Hardswish') return new Hardswish();
  if (name === 'LeakyReLU') return new LeakyReLU(arg ? Number(arg) : 0.01);
  throw new Error(`activation '${text}' is not supported`);
}

/** YAML strings that YOLOv5 eval()s: None, nc, anchors; anything else stays a string. */
function resolveArg(a: unknown, cfg: ModelConfig): unknown {
  if (a === 'None') return null;
  if (a === 'nc') return cfg.nc;
  if (a === 'anchors') return cfg.anchors;
  if (a === 'True') return true;
  if (a === 'False') return false;
  return a;
}

export function parseModel(cfg: ModelConfig, inputChannels: number, file = '<model>'): ParsedModel {
  const gd = cfg.depth_multiple;
  const gw = cfg.width_multiple;
  if (cfg.activation) Conv.defaultAct = parseActivation(cfg.activation);
  else if (!(Conv.defaultAct instanceof SiLU)) Conv.defaultAct = new SiLU();
  const anchors = cfg.anchors;
  const na = Array.isArray(anchors) ? Math.floor(anchors[0]!.length / 2) : anchors;
  const no = na * (cfg.nc + 5);

  const rows = [...cfg.backbone, ...cfg.head];
  const layers: Module[] = [];
  const info: LayerInfo[] = [];
  const save: number[] = [];
  let ch = [inputChannels];

  rows.forEach(([f, nYaml, mName, rawArgs], i) => {
    const where = `${file}: layer ${i} (${mName})`;
    const spec = getModuleSpec(mName);
    if (!spec) throw new Error(`${where}: unknown module '${mName}' (known: ${registeredModuleNames().join(', ')}; add your own with registerModule())`);
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
    let args = rawArgs.map((a) => resolveArg(a, cfg));
    let n = nYaml > 1 ? Math.max(roundHalfEven(nYaml * gd), 1) : nYaml;
    const nScaled = n;
    const ctx: ChannelContext = { ch, from: f, n, gw, no };
    let c2: number;
    const rule = spec.channels;
    try {
      if (rule === 'width' || rule === 'width-repeats-inside') {
        const c1 = chAt(ch, f as number);
        c2 = args[0] as number;
        if (typeof c2 !== 'number') throw new Error(`first argument (output channels) must be a number, got ${JSON.stringify(args[0])}`);
        if (c2 !== no) c2 = makeDivisible(c2 * gw, 8);
        args = [c1, c2, ...args.slice(1)];
        if (rule === 'width-repeats-inside') {
          args.splice(2, 0, n);
          n = 1;
        }
      } else if (rule === 'concat') {
        c2 = [f].flat().reduce((s, x) => s + chAt(ch, x), 0);
      } else if (rule === 'detect') {
        const froms = [f].flat();
        args.push(froms.map((x) => chAt(ch, x)));
        if (typeof args[1] === 'number') {
          const count = args[1] as number;
          args[1] = froms.map(() => Array.from({ length: count * 2 }, (_, k) => k));
        }
        c2 = no;
      } else if (rule === 'same') {
        c2 = chAt(ch, f as number);
      } else {
        const r = rule(args, ctx);
        args = r.args;
        c2 = r.c2;
        if (r.n !== undefined) n = r.n;
      }
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }

    let module: Module;
    try {
      module = n > 1 ? new Sequential(...Array.from({ length: n }, () => spec.build(args))) : spec.build(args);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    const np = module.numParameters();
    info.push({ i, f, n: nScaled, type: spec.pythonType, np, args, c2 });
    layers.push(module);
    for (const x of [f].flat()) if (x !== -1) save.push(((x % i) + i) % i);
    if (i === 0) ch = [];
    ch.push(c2);
  });
  return { layers, info, save: [...new Set(save)].sort((a, b) => a - b) };
}
