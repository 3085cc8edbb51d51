// Dispatch from a module to its ONNX emitter. Emitters live beside their classes (src/yolo/modules/, one file per
// block family) and are registered in src/yolo/registry.ts; a class without one is an error that names it.
import type { Module } from '../nn/module.ts';
import type { OnnxEmitter } from '../nn/onnx-emit.ts';
import { onnxEmitterOf, onnxMappedClassNames } from '../yolo/registry.ts';

export type { EmitContext, OnnxEmitter } from '../nn/onnx-emit.ts';
export { single } from '../nn/onnx-emit.ts';
export { registerOnnxEmitter } from '../yolo/registry.ts';

export function onnxEmitterFor(module: Module, scope: string): OnnxEmitter {
  const e = onnxEmitterOf(module);
  if (!e) {
    throw new Error(
      `ONNX export: module '${module.typeName}' at '${scope}' has no ONNX mapping (mapped classes: ${onnxMappedClassNames().join(', ')}); ` +
        `add one with registerOnnxEmitter() or registerBlockFamily()`,
    );
  }
  return e;
}
