// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {..}}, then raw
// little-endian tensor bytes. Unlike pickles it cannot run code, so it is the project's weight format.

import { readFileSync } from 'node:fs';
import { readFailure, writeFileAtomic } from './atomic-write.ts';

import { DTYPE_BYTES, bytesOf, numel, typedArrayFromBytes, type DType, type HostTensor } from './host-tensor.ts';

const TO_SAFETENSORS: Record<DType, string> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_SAFETENSORS: Record<string, DType> = Object.fromEntries(
  Object.entries(TO_SAFETENSORS).map(([dtype, code]) => [code, dtype as DType]),
);

const METADATA_KEY = '__metadata__';
/** Same bound as the reference implementation: a header larger than this is treated as corrupt. */
const MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsFile {
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

type Fail = (problem: string) => never;
interface TensorSpan {
  name: string;
  begin: number;
  end: number;
}

/** Reads and validates a .safetensors file (or its bytes; `name` labels errors then). */
export function readSafetensors(pathOrBytes: string | Uint8Array, name?: string): SafetensorsFile {
  const source = name ?? (typeof pathOrBytes === 'string' ? pathOrBytes : '<bytes>');
  const bytes = typeof pathOrBytes === 'string' ? readFileBytes(pathOrBytes) : pathOrBytes;
  const fail: Fail = (problem) => {
    throw new Error(`${source}: invalid safetensors file: ${problem}`);
  };
  const { entries, data } = parseHeader(bytes, fail);
  const metadata = readMetadata(entries[METADATA_KEY], fail);
  const spans: TensorSpan[] = [];
  const tensors = new Map<string, HostTensor>();
  for (const [tensorName, info] of Object.entries(entries)) {
    if (tensorName === METADATA_KEY) continue;
    const { tensor, span } = readTensor(tensorName, info, data, fail);
    spans.push(span);
    tensors.set(tensorName, tensor);
  }
  checkCoverage(spans, data.length, fail);
  return { tensors, metadata };
}

function readFileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read safetensors file ${path}: ${readFailure(err)}`);
  }
}

/** The JSON header (an object) and the data bytes after it. */
function parseHeader(bytes: Uint8Array, fail: Fail): { entries: Record<string, unknown>; data: Uint8Array } {
  if (bytes.length < 8) fail(`only ${bytes.length} bytes, too short for the header length`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLength} exceeds ${MAX_HEADER_BYTES}`);
  const dataStart = 8 + Number(headerLength);
  if (dataStart > bytes.length) fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  return { entries: header as Record<string, unknown>, data: bytes.subarray(dataStart) };
}

function readMetadata(rawMetadata: unknown, fail: Fail): Record<string, string> {
  const metadata: Record<string, string> = {};
  if (rawMetadata === undefined) return metadata;
  if (typeof rawMetadata !== 'object' || rawMetadata === null || Array.isArray(rawMetadata)) fail('__metadata__ is not an object');
  for (const [k, v] of Object.entries(rawMetadata as Record<string, unknown>)) {
    if (typeof v !== 'string') fail(`__metadata__ value for '${k}' is not a string`);
    Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return metadata;
}

/** One header entry checked against the format (dtype, shape, offsets within the data, bytes = dtype × shape). */
function readTensor(tensorName: string, info: unknown, data: Uint8Array, fail: Fail): { tensor: HostTensor; span: TensorSpan } {
  const where = `tensor '${tensorName}'`;
  if (typeof info !== 'object' || info === null) fail(`${where} has no description`);
  const { dtype: code, shape, data_offsets: offsets } = info as Record<string, unknown>;
  const dtype = typeof code === 'string' ? FROM_SAFETENSORS[code] : undefined;
  if (!dtype) fail(`${where} has unsupported dtype ${JSON.stringify(code)}`);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    fail(`${where} has a bad shape ${JSON.stringify(shape)}`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    offsets.some((o) => !Number.isSafeInteger(o) || o < 0) ||
    offsets[0] > offsets[1]
  ) {
    fail(`${where} has bad data_offsets ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > data.length) fail(`${where} data_offsets [${begin}, ${end}] run past the ${data.length} data bytes`);
  const count = numel(shape as number[]);
  const expected = count * DTYPE_BYTES[dtype!];
  if (end - begin !== expected) {
    fail(`${where} spans ${end - begin} bytes, but ${dtype} [${(shape as number[]).join(', ')}] needs ${expected}`);
  }
  // Copied (not a Buffer view), so every tensor owns aligned memory independent of the file buffer.
  const own = new Uint8Array(data.subarray(begin, end));
  const tensor = { dtype: dtype!, shape: [...(shape as number[])], data: typedArrayFromBytes(dtype!, own, count) };
  return { tensor, span: { name: tensorName, begin, end } };
}

// The format requires the tensors to tile the data exactly: sorted by offset, each starting where the previous
// ends, the last ending at the end of the file. A gap or trailing bytes means bytes were inserted or lost.
function checkCoverage(spans: TensorSpan[], dataLength: number, fail: Fail): void {
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const [i, span] of spans.entries()) {
    if (span.begin < covered) fail(`tensors '${spans[i - 1]!.name}' and '${span.name}' overlap`);
    if (span.begin > covered) fail(`${span.begin - covered} bytes before tensor '${span.name}' belong to no tensor (data_offsets must be contiguous)`);
    covered = span.end;
  }
  if (covered !== dataLength) fail(`the tensors cover ${covered} of the ${dataLength} data bytes (${dataLength - covered} bytes belong to no tensor)`);
}

/**
 * A metadata value that holds JSON (tsyolo stores the model YAML, names, stride, opt and hyp so), checked by `is`
 * (`expected` describes it); undefined when the key is absent. Errors name the file and the key.
 */
export function metadataJson<T>(file: SafetensorsFile, key: string, source: string, is: (v: unknown) => v is T, expected: string): T | undefined {
  const text = file.metadata[key];
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: metadata '${key}' is not valid JSON (${(err as Error).message})`);
  }
  if (!is(value)) throw new Error(`${source}: metadata '${key}' must be ${expected}, got ${text.slice(0, 80)}`);
  return value;
}

/** Checks for metadataJson: the shapes tsyolo's metadata values take. */
export const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
export const isNumberList = (v: unknown): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x));
export const isJsonObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Encodes tensors (in iteration order) and string metadata as safetensors bytes. */
export function serializeSafetensors(
  tensors: ReadonlyMap<string, HostTensor> | Record<string, HostTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const list: [string, HostTensor][] =
    tensors instanceof Map ? [...(tensors as ReadonlyMap<string, HostTensor>)] : Object.entries(tensors as Record<string, HostTensor>);
  const header: Record<string, unknown> = {};
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new Error(`safetensors metadata '${k}' must be a string, got ${typeof v}`);
    meta[k] = v;
  }
  if (Object.keys(meta).length > 0) header[METADATA_KEY] = meta;

  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of list) {
    if (name === METADATA_KEY) throw new Error(`'${METADATA_KEY}' cannot be used as a tensor name`);
    const code = TO_SAFETENSORS[t.dtype];
    if (!code) throw new Error(`tensor '${name}' has unsupported dtype '${t.dtype}'`);
    const count = numel(t.shape);
    const raw = bytesOf(t.data);
    const size = count * DTYPE_BYTES[t.dtype];
    if (raw.byteLength !== size) {
      throw new Error(`tensor '${name}' has ${raw.byteLength} data bytes, but ${t.dtype} [${t.shape.join(', ')}] needs ${size}`);
    }
    Object.defineProperty(header, name, {
      value: { dtype: code, shape: [...t.shape], data_offsets: [offset, offset + size] },
      enumerable: true,
      writable: true,
      configurable: true,
    });
    chunks.push(raw);
    offset += size;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8; // keeps the data section 8-byte aligned
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + padded);
  let at = 8 + padded;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** Writes a .safetensors file atomically (temp file + fsync + rename). */
export function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, HostTensor> | Record<string, HostTensor>,
  metadata: Record<string, string> = {},
): void {
  writeFileAtomic(path, serializeSafetensors(tensors, metadata), { fsync: true });
}
