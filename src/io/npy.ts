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
  let header: string;
  try {
    header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(bytes.subarray(start, start + headerLen));
  } catch {
    throw new Error(`${name}: malformed .npy header (not valid text)`);
  }
  const { descr, fortranOrder, shape } = parseHeaderDict(header, name);
  if (fortranOrder) throw new Error(`${name}: Fortran-ordered arrays are not supported`);
  const dtype = DESCR_TO_DTYPE[descr];
  if (!dtype) throw new Error(`${name}: unsupported .npy dtype '${descr}'`);
  const count = numel(shape);
  const dataStart = start + headerLen;
  const expected = count * DTYPE_BYTES[dtype];
  // Exact: bytes inserted or lost anywhere would otherwise shift every value after them silently.
  if (bytes.length - dataStart !== expected) {
    throw new Error(`${name}: .npy data is ${bytes.length - dataStart} bytes, but ${descr} (${shape.join(', ')}) needs ${expected}`);
  }
  const data = typedArrayFromBytes(dtype, bytes.subarray(dataStart), count);
  return { dtype, shape, data };
}

/**
 * The header as NumPy writes it: a Python dict literal with exactly the keys 'descr', 'fortran_order' and 'shape',
 * padded with spaces and ended by a newline. Anything else means the header was damaged (or bytes were inserted).
 */
function parseHeaderDict(header: string, name: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  const bad = (why: string): never => {
    throw new Error(`${name}: malformed .npy header (${why}): ${JSON.stringify(header.slice(0, 120))}`);
  };
  if (!header.endsWith('\n')) bad('it does not end with a newline');
  const dict = /^\{(.*)\}[ ]*\n$/s.exec(header)?.[1] ?? bad('not a dict padded with spaces');
  const item = /\s*'(\w+)'\s*:\s*('[^'\\]*'|True|False|\(\s*(?:\d+\s*,\s*)*(?:\d+\s*)?\))\s*(?:,|$)/y;
  const values = new Map<string, string>();
  while (item.lastIndex < dict.length && !/^\s*$/.test(dict.slice(item.lastIndex))) {
    const m = item.exec(dict) ?? bad(`unexpected text at ${JSON.stringify(dict.slice(item.lastIndex, item.lastIndex + 20))}`);
    if (values.has(m[1]!)) bad(`'${m[1]}' appears twice`);
    values.set(m[1]!, m[2]!);
  }
  const keys = [...values.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') bad(`keys are ${keys || 'none'}, expected descr, fortran_order, shape`);
  const descr = values.get('descr')!;
  const fortran = values.get('fortran_order')!;
  const shapeText = values.get('shape')!;
  if (!descr.startsWith("'")) bad("'descr' is not a string");
  if (fortran !== 'True' && fortran !== 'False') bad("'fortran_order' is not True or False");
  if (!shapeText.startsWith('(')) bad("'shape' is not a tuple");
  const dims = shapeText.slice(1, -1).split(',').map((d) => d.trim());
  // Python: (3) is the int 3, not a tuple; one dimension needs the trailing comma, and () is a scalar.
  if (dims.length === 1 && dims[0] !== '') bad("a one-dimensional 'shape' needs a trailing comma, as in (3,)");
  if (dims[dims.length - 1] === '' && dims.length > 1) dims.pop();
  const shape = dims.filter((d) => d !== '').map(Number);
  if (shape.some((d) => !Number.isSafeInteger(d))) bad("'shape' has a dimension too large");
  return { descr: descr.slice(1, -1), fortranOrder: fortran === 'True', shape };
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
