// The block registry: every name a model YAML may use (how parse_model infers its channels, how to build it) and
// the ONNX emitter of every module class. It starts with the built-in families (blocks.ts); users add their own
// blocks with registerBlockFamily() or registerModule() + registerOnnxEmitter() (docs/models.md#adding-a-block).
import type { Module } from '../nn/module.ts';
import type { OnnxEmitter } from '../nn/onnx-emit.ts';
import type { BlockFamily, ModuleSpec } from './block.ts';
import { builtinBlockFamilies } from './blocks.ts';

export type { BlockFamily, BuildContext, ChannelContext, ChannelRule, EmitterEntry, ModuleSpec } from './block.ts';
export { emitterEntry } from './block.ts';

type ModuleClass<M extends Module> = abstract new (...args: never[]) => M;

const specs = new Map<string, ModuleSpec>();
const emitters = new Map<ModuleClass<Module>, OnnxEmitter>();
/** Counts registrations made through the public functions (the plugin loader checks that a plugin added something). */
let revision = 0;

/** `replace: true` lets a registration take the place of a built-in block or an earlier registration of the same name or class. */
export interface RegisterOptions {
  /** Replace an existing block of the same name or class instead of refusing. */
  replace?: boolean;
}

for (const family of builtinBlockFamilies) {
  for (const spec of family.modules) specs.set(spec.name, spec);
  for (const { cls, emit } of family.onnx) emitters.set(cls, emit);
}
const builtinNames = new Set(builtinBlockFamilies.flatMap((f) => f.modules.map((m) => m.name)));
const builtinSpecs = new Set(builtinBlockFamilies.flatMap((f) => f.modules));
const builtinClasses = new Set<ModuleClass<Module>>(builtinBlockFamilies.flatMap((f) => f.onnx.map((e) => e.cls)));

function refuseSpec(fn: string, spec: ModuleSpec, o: RegisterOptions): void {
  if (o.replace || !specs.has(spec.name)) return;
  const what = builtinNames.has(spec.name) ? `is a built-in block (${specs.get(spec.name)!.pythonType})` : 'is already registered';
  throw new Error(`${fn}: '${spec.name}' ${what}; pass { replace: true } to replace it, or give your block another name`);
}

function refuseEmitter(fn: string, cls: ModuleClass<Module>, o: RegisterOptions): void {
  if (o.replace || !emitters.has(cls)) return;
  const what = builtinClasses.has(cls) ? 'has a built-in ONNX emitter' : 'already has an ONNX emitter';
  throw new Error(`${fn}: class ${cls.name} ${what}; pass { replace: true } to replace it`);
}

/** Adds a YAML name. Refuses a name that is built in or already registered unless `{ replace: true }`. */
export function registerModule(spec: ModuleSpec, options: RegisterOptions = {}): void {
  refuseSpec('registerModule', spec, options);
  specs.set(spec.name, spec);
  revision++;
}

/** The emitter for exactly this class (subclasses need their own). Refuses a class that has one unless `{ replace: true }`. */
export function registerOnnxEmitter<M extends Module>(cls: ModuleClass<M>, emitter: OnnxEmitter<M>, options: RegisterOptions = {}): void {
  refuseEmitter('registerOnnxEmitter', cls, options);
  emitters.set(cls, emitter as OnnxEmitter);
  revision++;
}

/** A family's YAML names and ONNX emitters, all at once: nothing is registered when one of them is refused. */
export function registerBlockFamily(family: BlockFamily, options: RegisterOptions = {}): void {
  const fn = `registerBlockFamily('${family.name}')`;
  for (const spec of family.modules) refuseSpec(fn, spec, options);
  for (const { cls } of family.onnx) refuseEmitter(fn, cls, options);
  for (const spec of family.modules) specs.set(spec.name, spec);
  for (const { cls, emit } of family.onnx) emitters.set(cls, emit);
  if (family.modules.length + family.onnx.length > 0) revision++;
}

/** Changes whenever a block or emitter is registered (not for the built-ins). */
export function registryRevision(): number {
  return revision;
}

export function getModuleSpec(name: string): ModuleSpec | undefined {
  return specs.get(name);
}

/** Every registered YAML spec (sorted by name) with its origin: the spec's own, YOLOv5 v7.0 for built-ins, else user. */
export function registeredModuleSpecs(): Array<ModuleSpec & { origin: NonNullable<ModuleSpec['origin']> }> {
  return [...specs.values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((s) => ({ ...s, origin: s.origin ?? (builtinSpecs.has(s) ? 'YOLOv5 v7.0' : 'user') }));
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
