// A tensor that lives in JavaScript memory: what file readers produce and writers take.
// It has no dependency on the native engine, so I/O code can be used (and tested) without libtorch.

/** Element types, named as PyTorch's dtypes. */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'int16'
  | 'int8'
  | 'uint8'
  | 'bool';

/** The typed array holding a HostTensor's elements for its dtype. */
export type HostData =
  | Float32Array
  | Float64Array
  | Uint16Array // float16 and bfloat16 raw bits
  | BigInt64Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array; // uint8 and bool

/** A tensor in JavaScript memory (file readers and writers, NMS on the host, ONNX outputs). */
export interface HostTensor {
  /** Element type. */
  dtype: DType;
  /** Sizes of each dimension. */
  shape: number[];
  /** Row-major (C-contiguous) elements; length = product of shape. */
  data: HostData;
}

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Views `bytes` (copied to an aligned buffer when needed) as the typed array for `dtype`. */
export function typedArrayFromBytes(dtype: DType, bytes: Uint8Array, count: number): HostData {
  const size = DTYPE_BYTES[dtype];
  const needed = count * size;
  if (bytes.byteLength < needed) {
    throw new Error(`expected ${needed} bytes for ${count} ${dtype} elements, got ${bytes.byteLength}`);
  }
  let buf = bytes.buffer;
  let off = bytes.byteOffset;
  if (off % size !== 0) {
    const copy = new Uint8Array(needed);
    copy.set(bytes.subarray(0, needed));
    buf = copy.buffer;
    off = 0;
  }
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf, off, count);
    case 'float64':
      return new Float64Array(buf, off, count);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buf, off, count);
    case 'int64':
      return new BigInt64Array(buf, off, count);
    case 'int32':
      return new Int32Array(buf, off, count);
    case 'int16':
      return new Int16Array(buf, off, count);
    case 'int8':
      return new Int8Array(buf, off, count);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf, off, count);
  }
}

/** The bytes of a typed array (little-endian, as on every platform Node runs on here). */
export function bytesOf(data: HostData): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** float16 bits → number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** bfloat16 bits → number. */
export function bfloat16ToFloat(h: number): number {
  const b = new Float32Array(new Uint32Array([h << 16]).buffer);
  return b[0]!;
}

/** Any host tensor's elements as float32 (float16/bfloat16 decoded, integers converted). */
export function toFloat32(t: HostTensor): Float32Array {
  const n = numel(t.shape);
  const out = new Float32Array(n);
  const d = t.data;
  if (t.dtype === 'float16') for (let i = 0; i < n; i++) out[i] = halfToFloat((d as Uint16Array)[i]!);
  else if (t.dtype === 'bfloat16') for (let i = 0; i < n; i++) out[i] = bfloat16ToFloat((d as Uint16Array)[i]!);
  else if (t.dtype === 'int64') for (let i = 0; i < n; i++) out[i] = Number((d as BigInt64Array)[i]!);
  else for (let i = 0; i < n; i++) out[i] = (d as Float32Array)[i]!;
  return out;
}
