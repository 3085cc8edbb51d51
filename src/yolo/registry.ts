// The typed module registry: every name a model YAML may use, how parse_model infers its channels,
// and how to build it. Users add their own blocks with registerModule() (see README).
import type { Module } from '../nn/module.ts';

/** What parse_model knows when it reaches a layer. */
export interface ChannelContext {
  /** Output channels of every earlier layer (ch[i] = layer i; for layer 0, [input channels]). */
  ch: number[];
  /** The layer's `from` (-1, an index, or a list). */
  from: number | number[];
  /** Repeats after depth scaling. */
  n: number;
  /** Width multiple. */
  gw: number;
  /** Outputs of the Detect head (na·(nc+5)), never width-scaled. */
  no: number;
}

/** The rule that turns YAML args into constructor args and gives the layer's output channels. */
export type ChannelRule =
  /** c1 = ch[from], c2 = make_divisible(args[0]·gw, 8) unless it equals `no`; args → [c1, c2, ...rest]. */
  | 'width'
  /** As 'width', then the repeats go inside the block (args.insert(2, n), n = 1) — C3 and friends. */
  | 'width-repeats-inside'
  /** c2 = sum of the input channels (Concat). */
  | 'concat'
  /** Appends the input channels of each `from` layer (Detect); anchors given as a count are expanded. */
  | 'detect'
  /** c2 = ch[from]; args unchanged (Upsample and other shape-preserving layers). */
  | 'same'
  /** Anything else: return the constructor args and the output channels yourself. */
  | ((args: unknown[], ctx: ChannelContext) => { args: unknown[]; c2: number; n?: number });

export interface ModuleSpec {
  /** Name used in YAML files, e.g. 'C3' or 'nn.Upsample'. */
  name: string;
  /** Python path YOLOv5 prints in its layer table, e.g. 'models.common.C3'. */
  pythonType: string;
  /** Allowed number of YAML args [min, max]. */
  argCount: [number, number];
  channels: ChannelRule;
  /** Builds one instance from the resolved constructor args. */
  build(args: unknown[]): Module;
}

const registry = new Map<string, ModuleSpec>();

export function registerModule(spec: ModuleSpec): void {
  registry.set(spec.name, spec);
}

export function getModuleSpec(name: string): ModuleSpec | undefined {
  return registry.get(name);
}

export function registeredModuleNames(): string[] {
  return [...registry.keys()].sort();
}
