// Corrupt weight and array files are refused with an error naming the file — never loaded with shifted or
// reinterpreted values (issue: 6 inserted bytes gave an all-NaN model, an F32→I32 edit reinterpreted the bits).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { unzipSync, zipSync, type Zippable } from 'fflate';
import type { HostTensor } from '../../src/io/host-tensor.ts';
import { parseNpy, serializeNpy } from '../../src/io/npy.ts';
import { readSafetensors, serializeSafetensors } from '../../src/io/safetensors.ts';
import { loadTorchCheckpoint } from '../../src/io/torch-checkpoint.ts';
import { readTrainCheckpoint } from '../../src/train/train-checkpoint.ts';
import { loadModel } from '../../src/yolo/load-model.ts';

const weightsFixture = fileURLToPath(new URL('../fixtures/digits-n-shufflenetv2.safetensors', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-corrupt-'));
after(() => rmSync(work, { recursive: true, force: true }));

function insertBytes(bytes: Uint8Array, at: number, inserted: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length + inserted.length);
  out.set(bytes.subarray(0, at));
  out.set(inserted, at);
  out.set(bytes.subarray(at), at + inserted.length);
  return out;
}

const dataStartOf = (st: Uint8Array) => 8 + Number(new DataView(st.buffer, st.byteOffset).getBigUint64(0, true));

/** Rewrites the weights fixture with `edit` applied to its metadata. */
function withMetadata(name: string, edit: (m: Record<string, string>) => void): string {
  const { tensors, metadata } = readSafetensors(weightsFixture);
  edit(metadata);
  const file = join(work, name);
  writeFileSync(file, serializeSafetensors(tensors, metadata));
  return file;
}

test('6 bytes inserted into a safetensors file\'s data: refused, naming the file (detect/val would see all-NaN outputs)', () => {
  const bytes = new Uint8Array(readFileSync(weightsFixture));
  const file = join(work, 'inserted.safetensors');
  writeFileSync(file, insertBytes(bytes, dataStartOf(bytes) + 1000, Uint8Array.of(1, 2, 3, 4, 5, 6)));
  assert.throws(() => readSafetensors(file), (e: Error) => e.message.startsWith(`${file}: invalid safetensors file: `) && /6 bytes belong to no tensor/.test(e.message));
  assert.throws(() => loadModel(file), (e: Error) => e.message.includes(file) && /belong to no tensor/.test(e.message));
});

test('a dtype edited from F32 to I32 in the header: the weights are refused, not reinterpreted', () => {
  const bytes = new Uint8Array(readFileSync(weightsFixture));
  const header = new TextDecoder().decode(bytes.subarray(8, dataStartOf(bytes)));
  const at = header.indexOf('"dtype":"F32"');
  assert.ok(at > 0, 'the fixture stores F32 tensors');
  const edited = bytes.slice();
  edited.set(new TextEncoder().encode('"dtype":"I32"'), 8 + at);
  const file = join(work, 'dtype-edited.safetensors');
  writeFileSync(file, edited);
  const name = /"([^"]+)":\{"dtype":"I32"/.exec(new TextDecoder().decode(edited.subarray(8, dataStartOf(edited))))![1]!;
  assert.equal(readSafetensors(file).tensors.get(name)!.dtype, 'int32', 'format-valid: the file itself cannot tell');
  assert.throws(() => loadModel(file), { message: `${file}: state_dict entry '${name}' is int32, the model needs float32` });
});

test('bad JSON in safetensors metadata: an error naming the file and the key, not a raw SyntaxError', () => {
  const names = withMetadata('bad-names.safetensors', (m) => (m.names = "['0', '1'"));
  assert.throws(() => loadModel(names), (e: Error) => e.constructor === Error && e.message.startsWith(`${names}: metadata 'names' is not valid JSON (`));
  const yaml = withMetadata('bad-yaml.safetensors', (m) => (m.yaml = '{"nc": 10,'));
  assert.throws(() => loadModel(yaml), (e: Error) => e.constructor === Error && e.message.startsWith(`${yaml}: metadata 'yaml' is not valid JSON (`));
  const stride = withMetadata('bad-stride.safetensors', (m) => (m.stride = '{"a": 1}'));
  assert.throws(() => loadModel(stride), { message: `${stride}: metadata 'stride' must be a JSON list of numbers, got {"a": 1}` });
  const opt = withMetadata('bad-opt.safetensors', (m) => Object.assign(m, { epoch: '3', opt: '{epochs: 3}' }));
  assert.throws(() => readTrainCheckpoint(opt), (e: Error) => e.message.startsWith(`${opt}: metadata 'opt' is not valid JSON (`));
});

test('.npy: bytes inserted into the header or the data are refused instead of shifting the values', () => {
  const t: HostTensor = { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) };
  const good = serializeNpy(t);
  assert.deepEqual([...(parseNpy(good, 'good.npy').data as Float32Array)], [1, 2, 3, 4, 5, 6]);
  const six = new TextEncoder().encode('abcdef');
  const headerLen = new DataView(good.buffer).getUint16(8, true);
  for (const at of [12, 30, 10 + headerLen - 3]) {
    assert.throws(() => parseNpy(insertBytes(good, at, six), 'header.npy'), /^Error: header\.npy: malformed \.npy header|^header\.npy: malformed \.npy header/, `inserted at ${at}`);
  }
  assert.throws(() => parseNpy(insertBytes(good, 10 + headerLen + 4, six), 'data.npy'), { message: 'data.npy: .npy data is 30 bytes, but <f4 (2, 3) needs 24' });
  assert.throws(() => parseNpy(good.subarray(0, good.length - 1), 'short.npy'), /short\.npy: \.npy data is 23 bytes/);
  // Header edits that keep its length: a one-element shape without its comma is an int in Python, not a tuple.
  const edit = (from: string, to: string) => {
    assert.equal(from.length, to.length);
    const header = new TextDecoder('latin1').decode(good.subarray(10, 10 + headerLen));
    const out = good.slice();
    out.set(new TextEncoder().encode(to), 10 + header.indexOf(from));
    return out;
  };
  assert.throws(() => parseNpy(edit("'shape': (2, 3)", "'shape': (6)   "), 'int-shape.npy'), /int-shape\.npy: malformed \.npy header \(a one-dimensional 'shape' needs a trailing comma/);
  assert.throws(() => parseNpy(edit("'descr'", "'dexcr'"), 'key.npy'), /key\.npy: malformed \.npy header \(keys are dexcr,fortran_order,shape/);
  assert.throws(() => parseNpy(edit("'fortran_order': False", "'fortran_order': Fals "), 'bool.npy'), /bool\.npy: malformed \.npy header/);
});

test('a checkpoint copied whole still loads (the checks refuse damage, not valid files)', () => {
  const file = join(work, 'copy.safetensors');
  copyFileSync(weightsFixture, file);
  const { model } = loadModel(file);
  assert.equal(model.nc, 10);
  model.dispose();
});

test('.pt: a storage longer than its tensors need (a spliced archive) is refused like a short one', () => {
  const entries = unzipSync(readFileSync(fileURLToPath(new URL('../fixtures/state_dict_plain.pt', import.meta.url))));
  const storageName = Object.keys(entries).find((n) => n.endsWith('/data/0'))!;
  const original = entries[storageName]!;
  const longer = new Uint8Array(original.length + 6);
  longer.set(original);
  entries[storageName] = longer;
  const damaged: Zippable = {};
  for (const [name, data] of Object.entries(entries)) damaged[name] = [data, { level: 0 }];
  assert.throws(() => loadTorchCheckpoint(zipSync(damaged), 'long-storage.pt'), new RegExp(`^Error: long-storage\\.pt: storage '0' holds ${original.length + 6} bytes, but`));
});
