// What a block family declares, side by side with its classes: the YAML specs (name, channel rule, builder) and
// the ONNX emitter of each class. src/yolo/blocks.ts lists the built-in families; users add theirs with
// registerBlockFamily() (or registerModule() for a YAML spec alone).
import type { Module } from '../nn/module.ts';
import type { OnnxEmitter } from '../nn/onnx-emit.ts';

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

/** ch[idx] with Python's negative indexing (the channels of a `from` layer). */
export function chAt(ch: number[], idx: number): number {
  const v = ch[idx < 0 ? ch.length + idx : idx];
  if (v === undefined) throw new Error(`from index ${idx} does not exist`);
  return v;
}

/** ceil(x / divisor) · divisor (YOLOv5 make_divisible). */
export function makeDivisible(x: number, divisor: number): number {
  return Math.ceil(x / divisor) * divisor;
}

/** The 'detect' rule: the input channels of each `from` layer appended; anchors given as a count expanded. */
export function detectChannels(args: unknown[], ctx: ChannelContext): { args: unknown[]; c2: number; n: number } {
  const froms = [ctx.from].flat();
  const out = [...args, froms.map((x) => chAt(ctx.ch, x))];
  if (typeof out[1] === 'number') {
    const count = out[1];
    out[1] = froms.map(() => Array.from({ length: count * 2 }, (_, k) => k));
  }
  return { args: out, c2: ctx.no, n: ctx.n };
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
  | ((args: unknown[], ctx: ChannelContext) => {
    /** The constructor args. */
    args: unknown[];
    /** The layer's output channels. */
    c2: number;
    /** Repeats folded into the args (the table then shows 1). */
    n?: number;
  });

/** What a builder gets besides its args: the model-wide choices parse_model makes from the YAML. */
export interface BuildContext {
  /** The YAML `activation:` (default nn.SiLU()), one instance shared by every Conv of the model like YOLOv5's
   * Conv.default_act, so PyTorch's module count ("layers") counts it once. */
  act: Module;
}

/** A block YAML can name: its names, argument count, channel rule and builder. */
export interface ModuleSpec {
  /** Name used in YAML files, e.g. 'C3' or 'nn.Upsample'. */
  name: string;
  /** Python path YOLOv5 prints in its layer table, e.g. 'models.common.C3'. */
  pythonType: string;
  /** Allowed number of YAML args [min, max]. */
  argCount: [number, number];
  /** How parse_model computes its output channels and constructor args. */
  channels: ChannelRule;
  /**
   * Where the block comes from (default: YOLOv5 v7.0 for the built-in families). A config using any 'YOLOv5-Lite'
   * block is built the way YOLOv5-Lite's v5.0-based parse_model builds it (see parse-model.ts).
   */
  origin?: 'YOLOv5 v7.0' | 'seed' | 'YOLOv5-Lite' | 'YOLOAir' | 'authors' | 'user';
  /** The improvement zoo's blocks: the reference code parity is checked against, and the paper (docs/MODULES.md). */
  source?: {
    /** The reference repository (owner/name). */
    repo: string;
    /** The file in it. */
    path: string;
    /** The paper, when there is one. */
    paper?: string;
  };
  /** For `tsyolo modules` and docs/MODULES.md: the YAML row's args (parse_model adds the input channels) and what the block is for. */
  doc?: {
    /** The YAML row's args. */
    args: string;
    /** What the block is for, in a line. */
    purpose: string;
    /** A reference-code behaviour tsyolo reproduces on purpose (listed in docs/MODULES.md). */
    quirk?: string;
  };
  /** Builds one instance from the resolved constructor args. */
  build(args: unknown[], ctx: BuildContext): Module;
}

type ModuleClass<M extends Module> = abstract new (...args: never[]) => M;

/** One class and the ONNX nodes it becomes (exactly this class: a subclass needs its own entry). */
export interface EmitterEntry {
  /** The module class. */
  cls: ModuleClass<Module>;
  /** Its ONNX emitter. */
  emit: OnnxEmitter;
}

/** Pairs a class with its emitter (typed to that class) for a BlockFamily's `onnx` list. */
export function emitterEntry<M extends Module>(cls: ModuleClass<M>, emit: OnnxEmitter<M>): EmitterEntry {
  return { cls, emit: emit as OnnxEmitter };
}

/** A family of blocks (one source file): what YAML may name, and how each of its classes exports to ONNX. */
export interface BlockFamily {
  /** Short name of the family, e.g. 'ghost' or 'transformer'. */
  name: string;
  /** The YAML names it adds. */
  modules: ModuleSpec[];
  /** The ONNX emitters of its classes. */
  onnx: EmitterEntry[];
}
