// Reads PyTorch checkpoints (torch.save's zip format) without Python or libtorch: the zip holds
// `<prefix>/data.pkl` (the object graph) and `<prefix>/data/<key>` (raw little-endian storages).
// Tensors are rebuilt from (storage, offset, size, stride) as C-contiguous HostTensors, and pickled
// nn.Modules stay inert records from which the state_dict is assembled the way PyTorch does it.

import { readFileSync } from 'node:fs';
import { readFailure } from './atomic-write.ts';

import { DTYPE_BYTES, numel, toFloat32, typedArrayFromBytes, type DType, type HostTensor } from './host-tensor.ts';
import { PyClassRef, PyDict, PyObject, describeValue, numpyArrayScalar, toPlain, unpickle, type Reconstructor } from './pickle.ts';
import { looksLikeZip, readZip, type ZipArchive } from './zip-reader.ts';

/** torch.<X>Storage class names → element type. */
const STORAGE_DTYPES: Record<string, DType> = {
  HalfStorage: 'float16',
  FloatStorage: 'float32',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** torch.<dtype> objects that may appear as plain values (e.g. in metadata). */
const TORCH_DTYPE_NAMES: Record<string, DType> = {
  float16: 'float16',
  half: 'float16',
  float32: 'float32',
  float: 'float32',
  bfloat16: 'bfloat16',
  float64: 'float64',
  double: 'float64',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

/** A storage type named in a pickle (the marker torch's persistent ids carry). */
class StorageType {
  constructor(readonly dtype: DType) {}
}

/** The raw bytes of one `data/<key>` entry, shared by every tensor viewing it. */
interface TorchStorage {
  key: string;
  dtype: DType;
  bytes: Uint8Array;
  numel: number;
}

/**
 * Classes whose pickled instances are kept as inert PyObjects: YOLOv5's own modules, torch.nn modules,
 * and the few plain-data classes YOLOv5 checkpoints hold (training options, paths).
 */
export function isYoloInertClass(module: string, name: string): boolean {
  const inModule = (prefix: string) => module === prefix || module.startsWith(prefix + '.');
  if (inModule('models') || inModule('utils') || module === '__main__') return true;
  if (inModule('torch.nn.modules') || module === 'torch.nn.parameter') return true;
  if (module === 'argparse' && name === 'Namespace') return true;
  if (module === 'pathlib' && /^(Pure)?(Posix|Windows)?Path$/.test(name)) return true;
  // timm's stochastic depth (FasterNet blocks and others use it): timm ≥ 0.9 and the older timm.models.layers path.
  if ((module === 'timm.layers.drop' || module === 'timm.models.layers.drop') && name === 'DropPath') return true;
  return false;
}

export interface TorchLoadOptions {
  /** Decides which classes may appear (as inert data). Default: isYoloInertClass. */
  isInertClass?: (module: string, name: string) => boolean;
}

/**
 * Loads a torch.save zip checkpoint and returns its root object: PyDict for dicts, PyObject for
 * pickled class instances, HostTensor for tensors, arrays for lists/tuples.
 * `name` is used in error messages when `pathOrBytes` is a buffer.
 */
export function loadTorchCheckpoint(pathOrBytes: string | Uint8Array, name?: string, options: TorchLoadOptions = {}): unknown {
  const source = name ?? (typeof pathOrBytes === 'string' ? pathOrBytes : '<bytes>');
  const bytes = typeof pathOrBytes === 'string' ? readCheckpointFile(pathOrBytes) : pathOrBytes;
  if (!looksLikeZip(bytes)) {
    if (bytes.length >= 2 && bytes[0] === 0x80 && bytes[1]! <= 5) {
      throw new Error(
        `${source}: this is a legacy (pre-1.6, non-zip) torch.save file, which is not supported; ` +
          're-save it with torch.save(obj, path) in torch >= 1.6',
      );
    }
    throw new Error(`${source}: not a PyTorch checkpoint (expected a torch.save zip archive)`);
  }
  const zip = readZip(bytes, source);
  const pklName = zip.names().find((n) => /^[^/]+\/data\.pkl$/.test(n)) ?? (zip.has('data.pkl') ? 'data.pkl' : undefined);
  if (!pklName) throw new Error(`${source}: zip archive has no data.pkl, so it is not a torch.save checkpoint`);
  const prefix = pklName.slice(0, -'data.pkl'.length);
  // torch >= 2.1 records the writer's byte order; storages are read as little-endian.
  if (zip.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little') throw new Error(`${source}: storages are ${order}-endian; only little-endian checkpoints are supported`);
  }

  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: unknown) => loadStorage(zip, prefix, pid, storages, source);
  return unpickle(zip.read(pklName), {
    source,
    reconstructors: torchReconstructors(),
    constants: torchConstants(),
    isInertClass: options.isInertClass ?? isYoloInertClass,
    persistentLoad,
  });
}

function readCheckpointFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read checkpoint ${path}: ${readFailure(err)}`);
  }
}

/** Resolves ('storage', storage_type, key, location, numel) to the bytes of `<prefix>data/<key>`. */
function loadStorage(
  zip: ZipArchive,
  prefix: string,
  pid: unknown,
  cache: Map<string, TorchStorage>,
  source: string,
): TorchStorage {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
    throw new Error(`${source}: unsupported persistent id ${describeValue(pid)} (expected a torch storage)`);
  }
  const [, type, key, , count] = pid as [string, unknown, unknown, unknown, unknown];
  if (!(type instanceof StorageType)) throw new Error(`${source}: storage ${describeValue(key)} has no storage type`);
  if (typeof key !== 'string' || !/^[\w.-]+$/.test(key)) throw new Error(`${source}: bad storage key ${describeValue(key)}`);
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new Error(`${source}: storage '${key}' has a bad element count ${describeValue(count)}`);
  }
  const cached = cache.get(key);
  if (cached) return cached;
  const entry = `${prefix}data/${key}`;
  if (!zip.has(entry)) throw new Error(`${source}: storage '${key}' is missing from the archive (no ${entry})`);
  const bytes = zip.read(entry);
  const needed = count * DTYPE_BYTES[type.dtype];
  // torch.save writes exactly numel × element size; any other length means a damaged or spliced archive.
  if (bytes.length !== needed) {
    throw new Error(`${source}: storage '${key}' holds ${bytes.length} bytes, but ${count} ${type.dtype} need ${needed}`);
  }
  const storage: TorchStorage = { key, dtype: type.dtype, bytes, numel: count };
  cache.set(key, storage);
  return storage;
}

function torchReconstructors(): Map<string, Reconstructor> {
  const table = new Map<string, Reconstructor>();
  table.set('torch._utils._rebuild_tensor_v2', (args) => rebuildTensor(args));
  // Parameters are plain tensors here; which names are parameters comes from the modules' _parameters.
  table.set('torch._utils._rebuild_parameter', (args) => expectTensor(args[0], 'parameter data'));
  table.set('torch._utils._rebuild_parameter_with_state', (args) => expectTensor(args[0], 'parameter data'));
  table.set('torch.Size', (args) => (Array.isArray(args[0]) ? [...args[0]] : []));
  table.set('torch.device', (args) => args.map(String).join(':'));
  // v7.0's Segment keeps `self.detect = Detect.forward`, pickled as getattr(models.yolo.Detect, 'forward'); blocks that
  // pick their forward at build time (`self.forward = self.forward_split_cat`) pickle a bound method as
  // getattr(<the module instance>, 'forward_split_cat'). Only an attribute of an allowlisted (inert) class or of an
  // instance of one is accepted, and it stays a name: nothing is looked up or called.
  table.set('builtins.getattr', (args) => {
    const [owner, name] = args;
    if (args.length !== 2 || !(owner instanceof PyClassRef || owner instanceof PyObject) || typeof name !== 'string' || !/^[A-Za-z_]\w*$/.test(name)) {
      throw new Error(`getattr is only read as a name for an attribute of a model class or module, got getattr(${args.map(describeValue).join(', ')})`);
    }
    return { attribute: `${owner.module}.${owner.name}.${name}` };
  });
  return table;
}

/** Globals that are values, not calls: storage types (in persistent ids) and torch dtypes. */
function torchConstants(): Map<string, unknown> {
  const table = new Map<string, unknown>();
  for (const [cls, dtype] of Object.entries(STORAGE_DTYPES)) table.set(`torch.${cls}`, new StorageType(dtype));
  for (const [name, dtype] of Object.entries(TORCH_DTYPE_NAMES)) table.set(`torch.${name}`, dtype);
  return table;
}

function expectTensor(v: unknown, what: string): HostTensor {
  if (!isHostTensor(v)) throw new Error(`${what} is ${describeValue(v)}, not a tensor`);
  return v;
}

export function isHostTensor(v: unknown): v is HostTensor {
  return typeof v === 'object' && v !== null && 'dtype' in v && 'shape' in v && 'data' in v && ArrayBuffer.isView((v as HostTensor).data);
}

/** _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
function rebuildTensor(args: unknown[]): HostTensor {
  const [storage, offset, size, stride] = args as [TorchStorage, unknown, unknown, unknown];
  if (typeof storage !== 'object' || storage === null || !(storage.bytes instanceof Uint8Array)) {
    throw new Error(`tensor storage is ${describeValue(storage)}`);
  }
  const shape = intList(size, 'size');
  const strides = intList(stride, 'stride');
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw new Error(`bad storage offset ${describeValue(offset)}`);
  if (strides.length !== shape.length) throw new Error(`size ${JSON.stringify(shape)} and stride ${JSON.stringify(strides)} differ in rank`);
  const count = numel(shape);
  const elemBytes = DTYPE_BYTES[storage.dtype];
  if (count === 0) return { dtype: storage.dtype, shape, data: typedArrayFromBytes(storage.dtype, new Uint8Array(0), 0) };

  let lastIndex = offset;
  for (let d = 0; d < shape.length; d++) lastIndex += (shape[d]! - 1) * strides[d]!;
  if (strides.some((s) => s < 0) || lastIndex >= storage.numel) {
    throw new Error(
      `tensor of shape [${shape}] (offset ${offset}, stride [${strides}]) reaches past storage '${storage.key}' of ${storage.numel} elements`,
    );
  }
  const out = new Uint8Array(count * elemBytes);
  if (isContiguous(shape, strides)) {
    out.set(storage.bytes.subarray(offset * elemBytes, (offset + count) * elemBytes));
  } else {
    gatherStrided(storage.bytes, out, elemBytes, offset, shape, strides);
  }
  return { dtype: storage.dtype, shape, data: typedArrayFromBytes(storage.dtype, out, count) };
}

function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isInteger(x) || x < 0)) {
    throw new Error(`bad tensor ${what} ${describeValue(v)}`);
  }
  return v as number[];
}

function isContiguous(shape: number[], strides: number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

/** Copies a strided view element by element into row-major order. */
function gatherStrided(src: Uint8Array, dst: Uint8Array, elemBytes: number, offset: number, shape: number[], strides: number[]): void {
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  const count = numel(shape);
  let srcElem = offset;
  for (let i = 0; i < count; i++) {
    dst.set(src.subarray(srcElem * elemBytes, (srcElem + 1) * elemBytes), i * elemBytes);
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      srcElem += strides[d]!;
      if (index[d]! < shape[d]!) break;
      srcElem -= strides[d]! * shape[d]!;
      index[d] = 0;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// state_dict from pickled nn.Modules

export interface ModuleStateDict {
  stateDict: Map<string, HostTensor>;
  parameterNames: Set<string>;
}

/**
 * What `module.state_dict()` returns for a pickled (inert) nn.Module: each module's parameters,
 * then its persistent buffers, then its children in registration order; None entries skipped.
 */
export function moduleStateDict(module: PyObject, prefix = ''): ModuleStateDict {
  const result: ModuleStateDict = { stateDict: new Map(), parameterNames: new Set() };
  collectModule(module, prefix, result, 0);
  return result;
}

function collectModule(module: PyObject, prefix: string, out: ModuleStateDict, depth: number): void {
  if (depth > 100) throw new Error(`module tree is nested too deeply at '${prefix}'`);
  const params = module.attr('_parameters');
  const buffers = module.attr('_buffers');
  const children = module.attr('_modules');
  if (!(params instanceof PyDict) || !(buffers instanceof PyDict) || !(children instanceof PyDict)) {
    throw new Error(`'${prefix || '<root>'}' (${module.fullName}) is not a pickled torch.nn.Module`);
  }
  const nonPersistent = module.attr('_non_persistent_buffers_set');
  const skip = nonPersistent instanceof Set ? nonPersistent : new Set<unknown>();

  for (const [name, value] of params.entries()) {
    if (value === null) continue;
    const key = prefix + String(name);
    out.stateDict.set(key, expectTensor(value, `parameter '${key}'`));
    out.parameterNames.add(key);
  }
  for (const [name, value] of buffers.entries()) {
    if (value === null || skip.has(name)) continue;
    const key = prefix + String(name);
    out.stateDict.set(key, expectTensor(value, `buffer '${key}'`));
  }
  for (const [name, child] of children.entries()) {
    if (child === null) continue;
    if (!(child instanceof PyObject)) throw new Error(`submodule '${prefix}${String(name)}' is ${describeValue(child)}`);
    collectModule(child, `${prefix}${String(name)}.`, out, depth + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// YOLOv5 checkpoints

export interface YoloCheckpoint {
  /** PyTorch state_dict keys (model.0.conv.weight, model.24.anchors, …) → tensors in the stored dtype. */
  stateDict: Map<string, HostTensor>;
  /** The keys that are nn.Parameters (the rest are buffers). */
  parameterNames: Set<string>;
  /** The model's YAML dict (nc, depth_multiple, width_multiple, anchors, backbone, head), when stored. */
  yaml?: Record<string, unknown>;
  names?: string[];
  nc?: number;
  stride?: number[];
  epoch?: number;
  bestFitness?: number;
  /** Where the weights came from: ckpt['ema'], ckpt['model'] (or a bare pickled model), or a state_dict. */
  source: 'ema' | 'model' | 'state_dict';
}

/** Buffer names that a bare state_dict cannot mark itself; everything else there counts as a parameter. */
const KNOWN_BUFFER_SUFFIXES = ['running_mean', 'running_var', 'num_batches_tracked', 'anchors', 'anchor_grid'];

/**
 * Reads a YOLOv5 `.pt`: a train.py checkpoint dict (uses `ema` when not None, else `model`), a bare
 * pickled model, or a plain state_dict (at the root, or under 'model' / 'state_dict').
 */
export function readYoloCheckpoint(pathOrBytes: string | Uint8Array, name?: string): YoloCheckpoint {
  const source = name ?? (typeof pathOrBytes === 'string' ? pathOrBytes : '<bytes>');
  const root = loadTorchCheckpoint(pathOrBytes, source);

  if (root instanceof PyObject) return fromModel(root, 'model', undefined, source);
  if (!(root instanceof PyDict)) throw new Error(`${source}: checkpoint root is ${describeValue(root)}, not a dict or model`);

  const ema = root.get('ema');
  const model = root.get('model');
  if (ema instanceof PyObject) return fromModel(ema, 'ema', root, source);
  if (model instanceof PyObject) return fromModel(model, 'model', root, source);
  for (const candidate of [root, model, root.get('state_dict')]) {
    if (candidate instanceof PyDict && isTensorDict(candidate)) return fromStateDict(candidate, root, source);
  }
  throw new Error(
    `${source}: no YOLOv5 model found (expected 'ema' or 'model' holding a pickled model, or a state_dict of tensors)`,
  );
}

function isTensorDict(d: PyDict): boolean {
  if (d.size === 0) return false;
  for (const [k, v] of d.entries()) if (typeof k !== 'string' || !isHostTensor(v)) return false;
  return true;
}

function fromStateDict(d: PyDict, root: PyDict, source: string): YoloCheckpoint {
  const stateDict = new Map<string, HostTensor>();
  const parameterNames = new Set<string>();
  for (const [k, v] of d.entries()) {
    const key = k as string;
    stateDict.set(key, v as HostTensor);
    if (!KNOWN_BUFFER_SUFFIXES.some((s) => key === s || key.endsWith('.' + s))) parameterNames.add(key);
  }
  return { stateDict, parameterNames, ...trainingInfo(root, source), source: 'state_dict' };
}

function fromModel(model: PyObject, from: 'ema' | 'model', root: PyDict | undefined, source: string): YoloCheckpoint {
  let sd: ModuleStateDict;
  try {
    sd = moduleStateDict(model);
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`, { cause: err });
  }
  const result: YoloCheckpoint = { ...sd, ...(root ? trainingInfo(root, source) : {}), source: from };

  const yaml = model.attr('yaml');
  if (yaml instanceof PyDict) result.yaml = toPlain(yaml) as Record<string, unknown>;
  const names = namesList(model.attr('names'), source);
  if (names) result.names = names;
  const nc = model.attr('nc') ?? result.yaml?.['nc'];
  if (typeof nc === 'number') result.nc = nc;
  const stride = model.attr('stride');
  if (isHostTensor(stride)) result.stride = Array.from(toFloat32(stride));
  return result;
}

function trainingInfo(root: PyDict, source: string): Pick<YoloCheckpoint, 'epoch' | 'bestFitness'> {
  const info: Pick<YoloCheckpoint, 'epoch' | 'bestFitness'> = {};
  const epoch = root.get('epoch');
  if (typeof epoch === 'number') info.epoch = epoch;
  const fitness = root.get('best_fitness');
  if (typeof fitness === 'number') info.bestFitness = fitness;
  else if (isHostTensor(fitness) && numel(fitness.shape) === 1) info.bestFitness = toFloat32(fitness)[0]!;
  else if (typeof numpyArrayScalar(fitness) === 'number') info.bestFitness = numpyArrayScalar(fitness) as number;
  else if (fitness !== null && fitness !== undefined) {
    throw new Error(`${source}: best_fitness is ${describeValue(fitness)}, not a number`);
  }
  return info;
}

/** model.names is a list of class names, or (newer) a dict {index: name}. */
function namesList(v: unknown, source: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  if (v instanceof PyDict) {
    const pairs = [...v.entries()].map(([k, name]) => {
      if (typeof k !== 'number' || typeof name !== 'string') throw new Error(`${source}: bad class-name entry in model.names`);
      return [k, name] as const;
    });
    pairs.sort((a, b) => a[0] - b[0]);
    if (pairs.some(([k], i) => k !== i)) throw new Error(`${source}: model.names keys are not 0..${pairs.length - 1}`);
    return pairs.map(([, name]) => name);
  }
  throw new Error(`${source}: model.names is ${describeValue(v)}, not a list of strings`);
}
