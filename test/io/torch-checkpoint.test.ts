import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync, type Zippable } from 'fflate';

import { bfloat16ToFloat, halfToFloat, numel, type HostTensor } from '../../src/io/host-tensor.ts';
import { PyDict } from '../../src/io/pickle.ts';
import { loadTorchCheckpoint, readYoloCheckpoint } from '../../src/io/torch-checkpoint.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const fixture = (name: string) => join(FIXTURES, name);
const readJson = (name: string) => JSON.parse(readFileSync(fixture(name), 'utf8'));

interface TensorRef {
  shape: number[];
  dtype: string;
  sum: number;
  abs_sum: number;
  first: number | null;
  last: number | null;
}
interface ModelRef {
  state_dict_keys: string[];
  parameter_names: string[];
  parameter_numel: number;
  yaml: Record<string, unknown>;
  names: string[];
  stride: number[];
  tensors: Record<string, TensorRef>;
}
/** Made by PyTorch itself: test/fixtures/make_checkpoint_reference.py. */
const REFERENCE = readJson('checkpoint_reference.json') as Record<string, ModelRef>;
const SUMMARIES = readJson('summaries.json') as Record<string, { unfused: { parameters: number } }>;

function asNumbers(t: HostTensor): number[] {
  const n = numel(t.shape);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = t.data[i]!;
    out[i] = t.dtype === 'float16' ? halfToFloat(v as number) : t.dtype === 'bfloat16' ? bfloat16ToFloat(v as number) : Number(v);
  }
  return out;
}

for (const [stem, yamlName] of [
  ['yolov5n', 'yolov5n.yaml'],
  ['yolov5n-shufflenetv2', 'yolov5n-shufflenetv2.yaml'],
] as const) {
  test(`${stem}.pt: state_dict matches PyTorch's (keys in order, shapes, dtypes, sums)`, () => {
    const ref = REFERENCE[stem]!;
    const ckpt = readYoloCheckpoint(fixture(`${stem}.pt`));
    assert.equal(ckpt.source, 'model', "train.py checkpoints from these fixtures have ema = None");
    assert.deepEqual([...ckpt.stateDict.keys()], ref.state_dict_keys);
    assert.deepEqual([...ckpt.parameterNames].sort(), [...ref.parameter_names].sort());
    for (const [key, t] of ckpt.stateDict) {
      const r = ref.tensors[key]!;
      assert.deepEqual(t.shape, r.shape, key);
      assert.equal(t.dtype, r.dtype, key);
      assert.equal(t.data.length, numel(r.shape), key);
      const values = asNumbers(t);
      if (r.first !== null) assert.equal(values[0], r.first, `${key}[0]`);
      if (r.last !== null) assert.equal(values[values.length - 1], r.last, `${key}[-1]`);
      const sum = values.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - r.sum) <= 1e-6 * Math.max(r.abs_sum, 1e-12), `${key}: sum ${sum} vs ${r.sum}`);
    }
  });

  test(`${stem}.pt: parameter elements equal the summary's ${SUMMARIES[yamlName]!.unfused.parameters}`, () => {
    const ckpt = readYoloCheckpoint(fixture(`${stem}.pt`));
    let total = 0;
    for (const name of ckpt.parameterNames) total += numel(ckpt.stateDict.get(name)!.shape);
    assert.equal(total, SUMMARIES[yamlName]!.unfused.parameters);
    assert.equal(total, REFERENCE[stem]!.parameter_numel);
  });

  test(`${stem}.pt: yaml, names, nc, stride and training fields`, () => {
    const ckpt = readYoloCheckpoint(fixture(`${stem}.pt`));
    const ref = REFERENCE[stem]!;
    assert.deepEqual(ckpt.yaml, ref.yaml);
    assert.equal(ckpt.yaml?.['depth_multiple'], 0.33);
    assert.equal(ckpt.yaml?.['width_multiple'], 0.25);
    assert.deepEqual(ckpt.yaml?.['anchors'], [
      [10, 13, 16, 30, 33, 23],
      [30, 61, 62, 45, 59, 119],
      [116, 90, 156, 198, 373, 326],
    ]);
    const row0 = (ckpt.yaml?.['backbone'] as unknown[][])[0]!;
    assert.equal(row0[2], stem === 'yolov5n' ? 'Conv' : 'Conv_maxpool');
    assert.deepEqual(ckpt.names, ref.names);
    assert.equal(ckpt.names?.length, 80);
    assert.equal(ckpt.nc, 80);
    assert.deepEqual(ckpt.stride, [8, 16, 32]);
    assert.equal(ckpt.epoch, -1);
    assert.equal(ckpt.bestFitness, undefined, 'best_fitness is None in the fixture');
  });
}

test('yolov5n.pt: specific keys, shapes and dtypes', () => {
  const sd = readYoloCheckpoint(fixture('yolov5n.pt')).stateDict;
  assert.equal(sd.size, 349);
  const w = sd.get('model.0.conv.weight')!;
  assert.deepEqual([w.dtype, w.shape], ['float16', [16, 3, 6, 6]]);
  const nbt = sd.get('model.0.bn.num_batches_tracked')!;
  assert.deepEqual([nbt.dtype, nbt.shape], ['int64', []]);
  const anchors = sd.get('model.24.anchors')!;
  // model.half() casts buffers too; anchors are stored in grid units (P3 pixels / 8, exact in fp16).
  assert.deepEqual([anchors.dtype, anchors.shape], ['float16', [3, 3, 2]]);
  assert.deepEqual(asNumbers(anchors).slice(0, 6), [10 / 8, 13 / 8, 16 / 8, 30 / 8, 33 / 8, 23 / 8]);
  assert.deepEqual(asNumbers(anchors).slice(12), [116 / 32, 90 / 32, 156 / 32, 198 / 32, 373 / 32, 326 / 32]);
  assert.deepEqual(sd.get('model.24.m.0.weight')!.shape, [255, 64, 1, 1]);
  assert.deepEqual(sd.get('model.24.m.2.bias')!.shape, [255]);
  assert.deepEqual(sd.get('model.2.m.0.cv2.conv.weight')!.shape, [16, 16, 3, 3]);
});

test('yolov5n-shufflenetv2.pt: ShuffleNetV2 branch keys', () => {
  const ckpt = readYoloCheckpoint(fixture('yolov5n-shufflenetv2.pt'));
  const sd = ckpt.stateDict;
  assert.equal(sd.size, 341);
  assert.deepEqual(sd.get('model.1.branch1.0.weight')!.shape, REFERENCE['yolov5n-shufflenetv2']!.tensors['model.1.branch1.0.weight']!.shape);
  assert.ok(ckpt.parameterNames.has('model.1.branch1.0.weight'));
  assert.ok(ckpt.parameterNames.has('model.1.branch1.0.bias'));
  assert.ok(!ckpt.parameterNames.has('model.1.branch1.1.running_mean'));
  assert.ok(sd.has('model.22.anchors') && !ckpt.parameterNames.has('model.22.anchors'));
});

test('a deflate-recompressed checkpoint loads identically', () => {
  const original = readFileSync(fixture('yolov5n-shufflenetv2.pt'));
  const entries: Zippable = {};
  for (const [name, data] of Object.entries(unzipSync(original))) entries[name] = [data, { level: 6 }];
  const deflated = zipSync(entries);
  const a = readYoloCheckpoint(original, 'stored.pt').stateDict;
  const b = readYoloCheckpoint(deflated, 'deflated.pt').stateDict;
  assert.deepEqual([...b.keys()], [...a.keys()]);
  for (const [k, t] of a) assert.deepEqual(b.get(k), t, k);
});

test('tensors: strided views, offsets, stride-0 expands and every storage dtype read as PyTorch does', () => {
  const expected = readJson('tensor_checkpoints_expected.json') as Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
  const root = loadTorchCheckpoint(fixture('state_dict_plain.pt'));
  assert.ok(root instanceof PyDict);
  assert.deepEqual([...root.keys()], Object.keys(expected));
  for (const [key, e] of Object.entries(expected)) {
    const t = root.get(key) as HostTensor;
    assert.equal(t.dtype, e.dtype, key);
    assert.deepEqual(t.shape, e.shape, key);
    if (t.dtype === 'int64') assert.deepEqual(Array.from(t.data as BigInt64Array, String), e.values, key);
    else assert.deepEqual(asNumbers(t), e.values, key);
  }
  // Each tensor owns C-contiguous memory: the two views of one storage do not alias.
  const bias = root.get('conv.bias') as HostTensor;
  const weight = root.get('conv.weight') as HostTensor;
  assert.notEqual(bias.data.buffer, weight.data.buffer);
});

test('plain state_dict .pt files: at the root or under state_dict', () => {
  for (const file of ['state_dict_plain.pt', 'state_dict_wrapped.pt']) {
    const ckpt = readYoloCheckpoint(fixture(file));
    assert.equal(ckpt.source, 'state_dict', file);
    assert.equal(ckpt.stateDict.size, 15);
    assert.ok(ckpt.parameterNames.has('conv.weight'));
    assert.ok(!ckpt.parameterNames.has('bn.running_mean') && !ckpt.parameterNames.has('bn.num_batches_tracked'));
    assert.equal(ckpt.yaml, undefined);
  }
  const wrapped = readYoloCheckpoint(fixture('state_dict_wrapped.pt'));
  assert.equal(wrapped.epoch, 3);
  assert.equal(wrapped.bestFitness, 0.25);
});

test('hostile checkpoints are refused before anything could run', () => {
  const marker = '/tmp/tsyolo-hostile-marker'; // what the payloads would create (make_hostile_checkpoints.py)
  rmSync(marker, { force: true });
  assert.throws(() => readYoloCheckpoint(fixture('hostile_posix_system.pt')), {
    message: `refusing to load ${fixture('hostile_posix_system.pt')}: pickle asks for global 'posix.system', which is not on the allowlist`,
  });
  assert.throws(() => loadTorchCheckpoint(fixture('hostile_builtins_eval.pt'), 'hostile_builtins_eval.pt'), {
    message: "refusing to load hostile_builtins_eval.pt: pickle asks for global 'builtins.eval', which is not on the allowlist",
  });
  assert.equal(existsSync(marker), false);
});

test('truncated, random, legacy and data.pkl-less files give clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-ckpt-'));
  try {
    const full = readFileSync(fixture('yolov5n-shufflenetv2.pt'));
    const truncated = join(dir, 'truncated.pt');
    writeFileSync(truncated, full.subarray(0, Math.floor(full.length / 2)));
    assert.throws(() => readYoloCheckpoint(truncated), new RegExp(`^Error: ${truncated}: .*truncated`));

    const random = join(dir, 'random.pt');
    writeFileSync(random, Uint8Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) & 0xff));
    assert.throws(() => readYoloCheckpoint(random), new RegExp(`^Error: ${random}: not a PyTorch checkpoint`));

    const noPickle = join(dir, 'nopickle.pt');
    writeFileSync(noPickle, zipSync({ 'archive/version': [new TextEncoder().encode('3\n'), { level: 0 }] }));
    assert.throws(() => readYoloCheckpoint(noPickle), new RegExp(`^Error: ${noPickle}: zip archive has no data.pkl`));

    assert.throws(() => readYoloCheckpoint(fixture('legacy_format.pt'), 'legacy_format.pt'), /^Error: legacy_format\.pt: .*legacy \(pre-1\.6/);
    assert.throws(() => readYoloCheckpoint(join(dir, 'missing.pt')), /cannot read checkpoint .*missing\.pt/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("uses ckpt['ema'] when set: state_dict order, skipped None/non-persistent entries, dict names, numpy fitness", () => {
  const expected = readJson('ema_checkpoint_expected.json') as {
    keys: string[];
    parameter_names: string[];
    tensors: Record<string, { dtype: string; shape: number[]; values: (number | string)[] }>;
  };
  const ckpt = readYoloCheckpoint(fixture('ema_checkpoint.pt'));
  assert.equal(ckpt.source, 'ema');
  assert.deepEqual([...ckpt.stateDict.keys()], expected.keys);
  assert.deepEqual([...ckpt.parameterNames], expected.parameter_names);
  for (const [key, e] of Object.entries(expected.tensors)) {
    const t = ckpt.stateDict.get(key)!;
    assert.deepEqual([t.dtype, t.shape], [e.dtype, e.shape], key);
    if (t.dtype === 'int64') assert.deepEqual(Array.from(t.data as BigInt64Array, String), e.values, key);
    else assert.deepEqual(asNumbers(t), e.values, key);
  }
  assert.equal(String((ckpt.stateDict.get('model.0.bn.num_batches_tracked')!.data as BigInt64Array)[0]), '11');
  assert.deepEqual(ckpt.names, ['cat', 'dog']);
  assert.equal(ckpt.nc, 2);
  assert.deepEqual(ckpt.stride, [8]);
  assert.equal(ckpt.epoch, 5);
  assert.equal(ckpt.bestFitness, 0.4375);
});

test('a storage shorter than its declared size is refused', () => {
  const entries = unzipSync(readFileSync(fixture('state_dict_plain.pt')));
  const storageName = Object.keys(entries).find((n) => n.endsWith('/data/0'))!;
  entries[storageName] = entries[storageName]!.subarray(0, 4);
  const damaged: Zippable = {};
  for (const [name, data] of Object.entries(entries)) damaged[name] = [data, { level: 0 }];
  assert.throws(() => loadTorchCheckpoint(zipSync(damaged), 'short-storage.pt'), /^Error: short-storage\.pt: storage '0' holds 4 bytes, but/);
});
