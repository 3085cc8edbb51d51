// The block registry: every name a model YAML may use (how parse_model infers its channels, how to build it) and
// the ONNX emitter of every module class. It starts with the built-in families (blocks.ts); users add their own
// blocks with registerBlockFamily() or registerModule() + registerOnnxEmitter() (see README).
import type { Module } from '../nn/module.ts';
import type { OnnxEmitter } from '../nn/onnx-emit.ts';
import type { BlockFamily, ModuleSpec } from './block.ts';
import { builtinBlockFamilies } from './blocks.ts';

export type { BlockFamily, BuildContext, ChannelContext, ChannelRule, EmitterEntry, ModuleSpec } from './block.ts';
export { emitterEntry } from './block.ts';

type ModuleClass<M extends Module> = abstract new (...args: never[]) => M;

const specs = new Map<string, ModuleSpec>();
const emitters = new Map<ModuleClass<Module>, OnnxEmitter>();

export function registerModule(spec: ModuleSpec): void {
  specs.set(spec.name, spec);
}

/** Registers (or replaces) the emitter for exactly this class; subclasses need their own. */
export function registerOnnxEmitter<M extends Module>(cls: ModuleClass<M>, emitter: OnnxEmitter<M>): void {
  emitters.set(cls, emitter as OnnxEmitter);
}

/** A family's YAML names and ONNX emitters, all at once. */
export function registerBlockFamily(family: BlockFamily): void {
  for (const spec of family.modules) registerModule(spec);
  for (const { cls, emit } of family.onnx) registerOnnxEmitter(cls, emit);
}

for (const family of builtinBlockFamilies) registerBlockFamily(family);

export function getModuleSpec(name: string): ModuleSpec | undefined {
  return specs.get(name);
}

const builtinNames = new Set(builtinBlockFamilies.flatMap((f) => f.modules.map((m) => m.name)));

/** Every registered YAML spec (sorted by name) with its origin: the spec's own, YOLOv5 v7.0 for built-ins, else user. */
export function registeredModuleSpecs(): Array<ModuleSpec & { origin: NonNullable<ModuleSpec['origin']> }> {
  return [...specs.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => ({ ...s, origin: s.origin ?? (builtinNames.has(s.name) ? 'YOLOv5 v7.0' : 'user') }));
}

export function registeredModuleNames(): string[] {
  return [...specs.keys()].sort();
}

/** The emitter registered for the module's exact class, if any. */
export function onnxEmitterOf(module: Module): OnnxEmitter | undefined {
  return emitters.get(module.constructor as ModuleClass<Module>);
}

export function onnxMappedClassNames(): string[] {
  return [...emitters.keys()].map((c) => c.name).sort();
}
