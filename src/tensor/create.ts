// Tensor factories, named as in PyTorch (torch.zeros, torch.arange, …).
import { type HostData, type HostTensor, numel } from '../io/host-tensor.ts';
import { native } from '../native/binding.ts';
import { type DType, type Device, dtypeCode } from './dtype.ts';
import { type Scalar, Tensor } from './tensor.ts';

/** Options of the tensor factories. */
export interface TensorOptions {
  /** Element type (default float32; integer data keeps its type where PyTorch would). */
  dtype?: DType;
  /** Where the tensor is made (default 'cpu'). */
  device?: Device;
  /** Record operations for autograd (a leaf that gets .grad). */
  requiresGrad?: boolean;
}

function make(h: number, opts: TensorOptions): Tensor {
  const t = new Tensor(h);
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

const dt = (o: TensorOptions, fallback: DType = 'float32') => dtypeCode(o.dtype ?? fallback);
const dev = (o: TensorOptions) => o.device ?? 'cpu';

/** torch.empty: a tensor of `shape` with uninitialised values. */
export function empty(shape: number[], opts: TensorOptions = {}): Tensor {
  return make(native.empty(shape, dt(opts), dev(opts)), opts);
}
/** torch.zeros: a tensor of `shape` filled with 0. */
export function zeros(shape: number[], opts: TensorOptions = {}): Tensor {
  return make(native.zeros(shape, dt(opts), dev(opts)), opts);
}
/** torch.ones: a tensor of `shape` filled with 1. */
export function ones(shape: number[], opts: TensorOptions = {}): Tensor {
  return make(native.ones(shape, dt(opts), dev(opts)), opts);
}
/** torch.full: a tensor of `shape` filled with `value`. */
export function full(shape: number[], value: Scalar, opts: TensorOptions = {}): Tensor {
  return make(native.full(shape, value, dt(opts), dev(opts)), opts);
}
/** torch.arange(start, end, step); integer arguments give int64 like PyTorch unless a dtype is given. */
export function arange(start: number, end?: number, step = 1, opts: TensorOptions = {}): Tensor {
  if (end === undefined) [start, end] = [0, start];
  const integral = [start, end, step].every(Number.isInteger);
  return make(native.arange(start, end, step, dt(opts, integral ? 'int64' : 'float32'), dev(opts)), opts);
}
/** torch.linspace: `steps` evenly spaced values from start to end inclusive. */
export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  return make(native.linspace(start, end, steps, dt(opts), dev(opts)), opts);
}
/** torch.rand: uniform values in [0, 1) (the engine's seeded generator). */
export function rand(shape: number[], opts: TensorOptions = {}): Tensor {
  return make(native.rand(shape, dt(opts), dev(opts)), opts);
}
/** torch.randn: standard normal values (the engine's seeded generator). */
export function randn(shape: number[], opts: TensorOptions = {}): Tensor {
  return make(native.randn(shape, dt(opts), dev(opts)), opts);
}
/** torch.randint: integers in [low, high) (int64 unless a dtype is given). */
export function randint(low: number, high: number, shape: number[], opts: TensorOptions = {}): Tensor {
  return make(native.randint(low, high, shape, dt(opts, 'int64'), dev(opts)), opts);
}
/** torch.randperm: a random permutation of 0..n−1 (int64). */
export function randperm(n: number, opts: TensorOptions = {}): Tensor {
  return make(native.randperm(n, dt(opts, 'int64'), dev(opts)), opts);
}
/** Zeros of `t`'s shape, dtype and device. */
export function zerosLike(t: Tensor): Tensor {
  return new Tensor(native.zerosLike(t.handle));
}
/** Ones of `t`'s shape, dtype and device. */
export function onesLike(t: Tensor): Tensor {
  return new Tensor(native.onesLike(t.handle));
}
/** `value` in `t`'s shape, dtype and device. */
export function fullLike(t: Tensor, value: Scalar): Tensor {
  return new Tensor(native.fullLike(t.handle, value));
}

const DEFAULT_DTYPE_OF: [new (...a: never[]) => HostData, DType][] = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [BigInt64Array, 'int64'],
  [Int32Array, 'int32'],
  [Int16Array, 'int16'],
  [Int8Array, 'int8'],
  [Uint8Array, 'uint8'],
];

/**
 * A new CPU tensor copied from a typed array or nested number arrays (torch.tensor).
 * Plain numbers become float32 unless `dtype` says otherwise.
 */
export function tensor(data: HostData | number[] | number[][] | number[][][] | number, opts: TensorOptions & { shape?: number[] } = {}): Tensor {
  let typed: HostData;
  let shape: number[];
  let dtype: DType;
  if (typeof data === 'number' || Array.isArray(data)) {
    const flat = typeof data === 'number' ? [data] : (data as unknown[]).flat(Infinity as 1) as number[];
    shape = opts.shape ?? (typeof data === 'number' ? [] : inferShape(data));
    dtype = opts.dtype ?? 'float32';
    typed = toTyped(flat, dtype);
  } else {
    typed = data;
    shape = opts.shape ?? [data.length];
    const inferred = DEFAULT_DTYPE_OF.find(([C]) => data instanceof C)?.[1];
    if (!inferred && !opts.dtype) throw new Error('tensor(): pass dtype for Uint16Array data (float16 or bfloat16)');
    dtype = opts.dtype ?? inferred!;
  }
  if (numel(shape) !== typed.length) throw new Error(`tensor(): ${typed.length} values do not fill shape [${shape.join(', ')}]`);
  let t = new Tensor(native.fromBuffer(typed, shape, dtypeCode(dtype)));
  if (opts.device && opts.device !== 'cpu') {
    const moved = t.to(opts.device);
    t.dispose();
    t = moved;
  }
  if (opts.requiresGrad) t.requiresGrad_(true);
  return t;
}

/** A tensor from host data (a copy of `h.data`, its dtype and shape). */
export function fromHost(h: HostTensor, opts: Omit<TensorOptions, 'dtype'> = {}): Tensor {
  return tensor(h.data, { ...opts, shape: h.shape, dtype: h.dtype });
}

function inferShape(a: unknown): number[] {
  const shape: number[] = [];
  let cur = a;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function toTyped(values: number[], dtype: DType): HostData {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(values, (v) => BigInt(Math.trunc(v)));
    case 'int32':
      return Int32Array.from(values);
    case 'int16':
      return Int16Array.from(values);
    case 'int8':
      return Int8Array.from(values);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values, (v) => (dtype === 'bool' ? (v ? 1 : 0) : v));
    default:
      throw new Error(`tensor(): build ${dtype} tensors from float32 data and .to('${dtype}')`);
  }
}

/** torch.cat: joins tensors along an existing dimension. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  return new Tensor(native.cat(tensors.map((t) => t.handle), dim));
}
/** torch.stack: joins tensors along a new dimension. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  return new Tensor(native.stack(tensors.map((t) => t.handle), dim));
}
/** torch.where: elements of `a` where `condition` is true, else of `b` (broadcasting). */
export function where(condition: Tensor, a: Tensor, b: Tensor): Tensor {
  return new Tensor(native.where(condition.handle, a.handle, b.handle));
}
