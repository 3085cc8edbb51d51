// NumPy .npy files (format 1.0–3.0), C order, little-endian numeric dtypes.
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic-write.ts';
import { type DType, type HostTensor, DTYPE_BYTES, bytesOf, numel, typedArrayFromBytes } from './host-tensor.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const DESCR_TO_DTYPE: Record<string, DType> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<f2': 'float16',
  '<i8': 'int64',
  '<i4': 'int32',
  '<i2': 'int16',
  '|i1': 'int8',
  '|u1': 'uint8',
  '|b1': 'bool',
};
const DTYPE_TO_DESCR: Partial<Record<DType, string>> = Object.fromEntries(
  Object.entries(DESCR_TO_DTYPE).map(([k, v]) => [v, k]),
);

export function parseNpy(bytes: Uint8Array, name = '<buffer>'): HostTensor {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new Error(`${name}: not a .npy file (bad magic)`);
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let start: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    headerLen = view.getUint32(8, true);
    start = 12;
  } else throw new Error(`${name}: unsupported .npy version ${major}`);
  if (start + headerLen > bytes.length) throw new Error(`${name}: truncated .npy header`);
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new Error(`${name}: malformed .npy header: ${header}`);
  if (fortran === 'True') throw new Error(`${name}: Fortran-ordered arrays are not supported`);
  const dtype = DESCR_TO_DTYPE[descr];
  if (!dtype) throw new Error(`${name}: unsupported .npy dtype '${descr}'`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  const count = numel(shape);
  const dataStart = start + headerLen;
  if (bytes.length - dataStart < count * DTYPE_BYTES[dtype]) throw new Error(`${name}: truncated .npy data`);
  const data = typedArrayFromBytes(dtype, bytes.subarray(dataStart), count);
  return { dtype, shape, data };
}

export function readNpyFile(path: string): HostTensor {
  return parseNpy(new Uint8Array(readFileSync(path)), path);
}

export function serializeNpy(t: HostTensor): Uint8Array {
  const descr = DTYPE_TO_DESCR[t.dtype];
  if (!descr) throw new Error(`.npy cannot hold dtype ${t.dtype}`);
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const body = bytesOf(t.data);
  const out = new Uint8Array(10 + header.length + body.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

export function writeNpyFile(path: string, t: HostTensor): void {
  writeFileAtomic(path, serializeNpy(t));
}
