import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { bfloat16ToFloat, halfToFloat, numel, type HostTensor } from '../../src/io/host-tensor.ts';
import { readSafetensors, serializeSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;

function asNumbers(t: HostTensor): (number | string)[] {
  const n = numel(t.shape);
  const out: (number | string)[] = [];
  for (let i = 0; i < n; i++) {
    const v = t.data[i]!;
    if (t.dtype === 'int64') out.push(String(v));
    else if (t.dtype === 'float16') out.push(halfToFloat(v as number));
    else if (t.dtype === 'bfloat16') out.push(bfloat16ToFloat(v as number));
    else out.push(Number(v));
  }
  return out;
}

/** One tensor of every dtype; float16/bfloat16 given as raw bits computed by hand. */
function sampleTensors(): Map<string, HostTensor> {
  return new Map<string, HostTensor>([
    ['model.0.conv.weight', { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2, 0.5, 3.25, 0, -0.125]) }],
    // 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, smallest subnormal = 0x0001
    ['half', { dtype: 'float16', shape: [4], data: Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001]) }],
    // bfloat16 1.0 = 0x3f80, -3.140625 = 0xc049
    ['bf16', { dtype: 'bfloat16', shape: [2, 1], data: Uint16Array.from([0x3f80, 0xc049]) }],
    ['f64', { dtype: 'float64', shape: [2], data: Float64Array.from([Math.PI, -1e-300]) }],
    ['model.0.bn.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.from([-(2n ** 62n)]) }],
    ['i32', { dtype: 'int32', shape: [3], data: Int32Array.from([-(2 ** 31), 2 ** 31 - 1, 7]) }],
    ['i16', { dtype: 'int16', shape: [1], data: Int16Array.from([-32768]) }],
    ['i8', { dtype: 'int8', shape: [2], data: Int8Array.from([-128, 127]) }],
    ['u8', { dtype: 'uint8', shape: [3], data: Uint8Array.from([0, 255, 9]) }],
    ['mask', { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) }],
    ['empty', { dtype: 'float32', shape: [0, 5], data: new Float32Array(0) }],
  ]);
}

/** Builds a safetensors file from a header object (not via the code under test). */
function handMade(header: unknown, dataBytes: number, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

test('reads a file written by the official safetensors library (all dtypes, metadata)', () => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, 'reference_safetensors_expected.json'), 'utf8')) as {
    metadata: Record<string, string>;
    tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
  };
  const file = readSafetensors(join(FIXTURES, 'reference.safetensors'));
  assert.deepEqual(file.metadata, expected.metadata);
  assert.deepEqual([...file.tensors.keys()].sort(), Object.keys(expected.tensors).sort());
  for (const [name, e] of Object.entries(expected.tensors)) {
    const t = file.tensors.get(name)!;
    assert.equal(t.dtype, e.dtype, name);
    assert.deepEqual(t.shape, e.shape, name);
    assert.deepEqual(asNumbers(t), e.values, name);
  }
});

test('round trip of every dtype with metadata, and the byte layout the format prescribes', () => {
  const tensors = sampleTensors();
  const metadata = { format: 'pt', epoch: '12', names: '["person","bicycle"]' };
  const bytes = serializeSafetensors(tensors, metadata);

  const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  assert.equal(headerLength % 8, 0, 'header padded to a multiple of 8');
  const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
  assert.match(headerText, /^\{.*\} *$/);
  const header = JSON.parse(headerText) as Record<string, { dtype: string; shape: number[]; data_offsets: number[] }>;
  assert.deepEqual(header['__metadata__'], metadata);
  assert.deepEqual(header['model.0.conv.weight'], { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  assert.deepEqual(header['half'], { dtype: 'F16', shape: [4], data_offsets: [24, 32] });
  assert.deepEqual(header['bf16'], { dtype: 'BF16', shape: [2, 1], data_offsets: [32, 36] });
  assert.equal(header['model.0.bn.num_batches_tracked']!.dtype, 'I64');
  assert.equal(header['mask']!.dtype, 'BOOL');
  // Total = 24 + 8 + 4 + 16 + 8 + 12 + 2 + 2 + 3 + 3 + 0 bytes of data.
  assert.equal(bytes.length, 8 + headerLength + 82);
  // float16 1.0 is bytes 00 3c, little-endian, right after the 24 float32 bytes.
  assert.deepEqual([...bytes.subarray(8 + headerLength + 24, 8 + headerLength + 26)], [0x00, 0x3c]);

  const back = readSafetensors(bytes, 'roundtrip');
  assert.deepEqual(back.metadata, metadata);
  assert.deepEqual([...back.tensors.keys()], [...tensors.keys()]);
  for (const [name, t] of tensors) assert.deepEqual(back.tensors.get(name), t, name);
  assert.equal(halfToFloat((back.tensors.get('half')!.data as Uint16Array)[2]!), 65504);
  assert.equal(bfloat16ToFloat((back.tensors.get('bf16')!.data as Uint16Array)[1]!), -3.140625);
});

test('writeSafetensors writes atomically and leaves no temporary file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-st-'));
  try {
    const path = join(dir, 'w.safetensors');
    writeSafetensors(path, sampleTensors(), { a: 'b' });
    writeSafetensors(path, new Map([['x', { dtype: 'float32', shape: [1], data: Float32Array.from([4]) } as HostTensor]]));
    assert.deepEqual(readdirSync(dir), ['w.safetensors']);
    const back = readSafetensors(path);
    assert.deepEqual([...back.tensors.keys()], ['x']);
    assert.deepEqual(back.metadata, {});
    assert.throws(
      () => writeSafetensors(join(dir, 'missing-dir', 'x.safetensors'), sampleTensors()),
      /cannot write .*missing-dir.*: no such folder \(ENOENT\)/,
    );
    assert.equal(existsSync(join(dir, 'missing-dir')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serialize refuses inconsistent tensors and the reserved name', () => {
  assert.throws(
    () => serializeSafetensors(new Map([['t', { dtype: 'float32', shape: [3], data: new Float32Array(2) } as HostTensor]])),
    /tensor 't' has 8 data bytes, but float32 \[3\] needs 12/,
  );
  assert.throws(
    () => serializeSafetensors({ __metadata__: { dtype: 'uint8', shape: [1], data: new Uint8Array(1) } }),
    /'__metadata__' cannot be used as a tensor name/,
  );
});

test('corrupt files are refused with errors naming the file', () => {
  const f32 = (offsets: number[], shape = [2]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const cases: [string, Uint8Array, RegExp][] = [
    ['short', new Uint8Array(5), /only 5 bytes/],
    ['huge header', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true); return b; })(), /header length 1099511627776 exceeds/],
    ['header past end', (() => { const b = handMade({}, 0); new DataView(b.buffer).setBigUint64(0, 100n, true); return b; })(), /runs past the end/],
    ['bad json', handMade(null, 0, '{"a": '), /not valid UTF-8 JSON/],
    ['array header', handMade([], 0), /header is not a JSON object/],
    ['bad dtype', handMade({ t: { dtype: 'F8', shape: [1], data_offsets: [0, 1] } }, 1), /tensor 't' has unsupported dtype "F8"/],
    ['bad shape', handMade({ t: f32([0, 8], [-2]) }, 8), /bad shape/],
    ['offsets out of range', handMade({ t: f32([0, 8]) }, 4), /run past the 4 data bytes/],
    ['size mismatch', handMade({ t: f32([0, 4]) }, 8), /spans 4 bytes, but float32 \[2\] needs 8/],
    ['reversed offsets', handMade({ t: f32([8, 0]) }, 8), /bad data_offsets/],
    ['overlap', handMade({ a: f32([0, 8]), b: f32([4, 12]) }, 12), /tensors 'a' and 'b' overlap/],
    ['metadata not string', handMade({ __metadata__: { n: 1 } }, 0), /__metadata__ value for 'n' is not a string/],
  ];
  for (const [label, bytes, pattern] of cases) {
    assert.throws(() => readSafetensors(bytes, `${label}.safetensors`), (err: Error) => {
      assert.ok(err.message.startsWith(`${label}.safetensors: invalid safetensors file: `), err.message);
      assert.match(err.message, pattern);
      return true;
    });
  }
  assert.throws(() => readSafetensors('/nonexistent/x.safetensors'), /cannot read safetensors file \/nonexistent\/x\.safetensors/);
});
