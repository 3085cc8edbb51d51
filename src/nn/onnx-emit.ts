// The small ONNX graph-building interface a module's emitter writes against. It lives this low so that a block
// (src/yolo) can keep its ONNX form beside its forward() without importing the export layer: src/export implements
// OnnxGraph (GraphBuilder, protobuf encoding) and drives the walk; blocks only describe their own nodes.
import type { Module } from './module.ts';

/** An ONNX node attribute's value: one of AttributeProto's int, ints, float, floats or string. */
export type AttributeValue =
  | {
      /** An INT attribute. */
      int: number;
    }
  | {
      /** An INTS attribute. */
      ints: readonly number[];
    }
  | {
      /** A FLOAT attribute. */
      float: number;
    }
  | {
      /** A FLOATS attribute. */
      floats: readonly number[];
    }
  | {
      /** A STRING attribute. */
      string: string;
    };

/** Attribute value makers for OnnxGraph.node(): `{ kernel_shape: attr.ints([3, 3]) }`. */
export const attr = {
  /** An INT attribute. */
  int: (v: number): AttributeValue => ({ int: v }),
  /** An INTS attribute. */
  ints: (v: readonly number[]): AttributeValue => ({ ints: v }),
  /** A FLOAT attribute. */
  float: (v: number): AttributeValue => ({ float: v }),
  /** A FLOATS attribute. */
  floats: (v: readonly number[]): AttributeValue => ({ floats: v }),
  /** A STRING attribute. */
  string: (v: string): AttributeValue => ({ string: v }),
};

/** Adds nodes and constants to the graph being exported; every method returns the value name(s) to read. */
export interface OnnxGraph {
  /** Adds an `opType` node (named under `scope`) on the input value names; returns its one output's name. */
  node(opType: string, inputs: readonly string[], scope: string, attrs?: Record<string, AttributeValue>): string;
  /** Adds a node with `outputs` outputs (Split, TopK, …); returns their names. */
  nodeN(opType: string, inputs: readonly string[], outputs: number, scope: string, attrs?: Record<string, AttributeValue>): string[];
  /** Gives the last node's output a graph output's name. */
  renameLastOutput(from: string, to: string): void;
  /** A float32 weight (stored as float16 when exporting with --half). */
  weight(name: string, dims: readonly number[], values: Float32Array): string;
  /** A float32 constant kept at full precision (grids, anchors, scales). */
  floatConstant(name: string, dims: readonly number[], values: readonly number[] | Float32Array): string;
  /** A 1-D int64 constant (shapes, axes, split sizes, indices). */
  int64Constant(name: string, values: readonly number[]): string;
  /** A 0-d int64 constant. */
  int64Scalar(name: string, value: number): string;
}

/** What an emitter gets besides its module: the graph, the export's settings, and emit() for child modules. */
export interface EmitContext {
  /** The graph being written. */
  readonly graph: OnnxGraph;
  /** The ONNX opset exported (12–17): emitters pick the node forms it allows. */
  readonly opset: number;
  /** Batch and image size are symbolic: shape-dependent constants must be computed in the graph. */
  readonly dynamic: boolean;
  /** Input image [height, width] (multiples of the largest stride) that static shapes are built for. */
  readonly imageSize: readonly [number, number];
  /** Emits a child module (dispatching on its class) on the named input value(s); returns its output value name. */
  emit(module: Module, input: string | string[], scope: string): string;
}

/** Writes the nodes of one module: its input value name(s) in, its output value name out. */
export type OnnxEmitter<M extends Module = Module> = (module: M, input: string | string[], ctx: EmitContext, scope: string) => string;

/** The single input of a one-input module. */
export function single(input: string | string[], what: string): string {
  if (typeof input === 'string') return input;
  if (input.length === 1) return input[0]!;
  throw new Error(`ONNX export: ${what} takes one input, got ${input.length}`);
}

/** `Split` along `axis` into `sizes` (opset 13 moved the sizes from an attribute to an input). */
export function splitNode(ctx: EmitContext, x: string, sizes: readonly number[], axis: number, scope: string): string[] {
  const g = ctx.graph;
  return ctx.opset >= 13
    ? g.nodeN('Split', [x, g.int64Constant(`${scope}.split`, sizes)], sizes.length, scope, { axis: attr.int(axis) })
    : g.nodeN('Split', [x], sizes.length, scope, { axis: attr.int(axis), split: attr.ints(sizes) });
}

/** `Concat` on the channel axis, the join most blocks end with. */
export function concatChannels(ctx: EmitContext, xs: readonly string[], scope: string): string {
  return ctx.graph.node('Concat', xs, scope, { axis: attr.int(1) });
}

/** A Reduce* node over `axes` (ReduceSum takes its axes as an input from opset 13, the others from opset 18). */
export function reduceNode(
  ctx: EmitContext,
  op: 'ReduceMean' | 'ReduceMax' | 'ReduceSum' | 'ReduceMin',
  x: string,
  axes: readonly number[],
  keepdims: boolean,
  scope: string,
): string {
  const g = ctx.graph;
  const axesAsInput = op === 'ReduceSum' ? ctx.opset >= 13 : ctx.opset >= 18;
  return axesAsInput
    ? g.node(op, [x, g.int64Constant(`${scope}.axes`, axes)], scope, { keepdims: attr.int(keepdims ? 1 : 0) })
    : g.node(op, [x], scope, { axes: attr.ints(axes), keepdims: attr.int(keepdims ? 1 : 0) });
}

/** softmax along `axis` for any rank: Softmax itself from opset 13 (before that it flattens to 2-d), else exp(x − max) / Σ. */
export function softmaxNode(ctx: EmitContext, x: string, axis: number, scope: string): string {
  const g = ctx.graph;
  if (ctx.opset >= 13 || axis === -1) return g.node('Softmax', [x], scope, { axis: attr.int(axis) });
  const shifted = g.node('Sub', [x, reduceNode(ctx, 'ReduceMax', x, [axis], true, scope)], scope);
  const e = g.node('Exp', [shifted], scope);
  return g.node('Div', [e, reduceNode(ctx, 'ReduceSum', e, [axis], true, scope)], scope);
}
