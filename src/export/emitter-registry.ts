// Which ONNX nodes each module class becomes. Emitters live in the export layer, keyed by the module's exact
// class, so the model code stays free of ONNX; a class without an emitter is an error that names it.
import type { Module } from '../nn/module.ts';
import type { GraphBuilder } from './onnx-graph.ts';

export interface EmitContext {
  readonly graph: GraphBuilder;
  readonly opset: number;
  /** Batch and image size are symbolic: shape-dependent constants must be computed in the graph. */
  readonly dynamic: boolean;
  /** Input image [height, width] (multiples of the largest stride) that static shapes are built for. */
  readonly imageSize: readonly [number, number];
  /** Emits `module` (dispatching on its class) on the named input value(s); returns its output value name. */
  emit(module: Module, input: string | string[], scope: string): string;
}

/** Writes the nodes of one module: its input value name(s) in, its output value name out. */
export type OnnxEmitter<M extends Module = Module> = (module: M, input: string | string[], ctx: EmitContext, scope: string) => string;

type ModuleClass<M extends Module> = abstract new (...args: never[]) => M;

const emitters = new Map<ModuleClass<Module>, OnnxEmitter>();

/** Registers (or replaces) the emitter for exactly this class; subclasses need their own. */
export function registerOnnxEmitter<M extends Module>(cls: ModuleClass<M>, emitter: OnnxEmitter<M>): void {
  emitters.set(cls, emitter as OnnxEmitter);
}

export function onnxEmitterFor(module: Module, scope: string): OnnxEmitter {
  const e = emitters.get(module.constructor as ModuleClass<Module>);
  if (!e) {
    const known = [...emitters.keys()].map((c) => c.name).sort().join(', ');
    throw new Error(
      `ONNX export: module '${module.typeName}' at '${scope}' has no ONNX mapping (mapped classes: ${known}); ` +
        `add one with registerOnnxEmitter()`,
    );
  }
  return e;
}

/** The single input of a one-input module. */
export function single(input: string | string[], what: string): string {
  if (typeof input === 'string') return input;
  if (input.length === 1) return input[0]!;
  throw new Error(`ONNX export: ${what} takes one input, got ${input.length}`);
}
