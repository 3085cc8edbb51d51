// A module's state_dict survives the trip engine → HostTensor → safetensors bytes/file → HostTensor → engine,
// bit-exactly, and a fresh model that loads it computes the same outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { HostTensor } from '../../src/io/host-tensor.ts';
import { readSafetensors, serializeSafetensors, writeSafetensors } from '../../src/io/safetensors.ts';
import * as torch from '../../src/tensor/index.ts';
import { BatchNorm2d, Conv2d, SiLU, Sequential } from '../../src/nn/index.ts';

function net(): Sequential {
  return new Sequential(
    new Conv2d(3, 8, 3, { padding: 1, bias: false }),
    new BatchNorm2d(8, { eps: 1e-3, momentum: 0.03 }),
    new SiLU(),
    new Conv2d(8, 8, 3, { padding: 1, groups: 8 }),
    new BatchNorm2d(8),
  );
}

function trainedNet(): Sequential {
  torch.manualSeed(11);
  const model = net();
  // A few training-mode forwards move the BN running statistics away from their initial values.
  torch.tidy(() => {
    for (let i = 0; i < 3; i++) model.forward(torch.randn([2, 3, 8, 8]).mul(2).add(1));
  });
  return model.eval();
}

const hostStateDict = (m: Sequential) => new Map<string, HostTensor>([...m.stateDict()].map(([k, t]) => [k, t.toHost()]));

test('state_dict → safetensors bytes → loadStateDict: identical tensors and identical outputs', () => {
  const source = trainedNet();
  const bytes = serializeSafetensors(hostStateDict(source), { format: 'pt' });
  const { tensors, metadata } = readSafetensors(bytes);
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual([...tensors.keys()], [...source.stateDict().keys()]);
  assert.equal(tensors.get('1.num_batches_tracked')!.dtype, 'int64');
  assert.deepEqual([...tensors.get('1.num_batches_tracked')!.data], [3n]);

  torch.manualSeed(99); // a differently initialised copy
  const target = net().eval();
  torch.tidy(() => {
    const loaded = new Map([...tensors].map(([k, h]) => [k, torch.fromHost(h)]));
    target.loadStateDict(loaded);
    for (const [k, t] of target.stateDict()) assert.deepEqual([...t.toTypedArray()], [...source.stateDict().get(k)!.toTypedArray()], k);
    const x = torch.randn([1, 3, 8, 8]);
    assert.deepEqual([...target.forward(x).toTypedArray()], [...source.forward(x).toTypedArray()]);
  });
  source.dispose();
  target.dispose();
});

test('the same round trip through a file on disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-sd-'));
  try {
    const source = trainedNet();
    const file = join(dir, 'net.safetensors');
    writeSafetensors(file, hostStateDict(source));
    const target = net().eval();
    torch.tidy(() => {
      target.loadStateDict(new Map([...readSafetensors(file).tensors].map(([k, h]) => [k, torch.fromHost(h)])));
      const x = torch.randn([2, 3, 8, 8]);
      assert.deepEqual([...target.forward(x).toTypedArray()], [...source.forward(x).toTypedArray()]);
    });
    source.dispose();
    target.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('float16 storage: half-precision weights load into a float32 model as the rounded values', () => {
  const source = trainedNet();
  const halves = new Map([...source.stateDict()].map(([k, t]) => [k, t.dtype === 'float32' ? torch.tidy(() => t.half().toHost()) : t.toHost()]));
  const { tensors } = readSafetensors(serializeSafetensors(halves));
  assert.equal(tensors.get('0.weight')!.dtype, 'float16');
  const target = net();
  torch.tidy(() => {
    target.loadStateDict(new Map([...tensors].map(([k, h]) => [k, torch.fromHost(h)])));
    const w = target.stateDict().get('0.weight')!;
    assert.equal(w.dtype, 'float32');
    const rounded = torch.tidy(() => source.stateDict().get('0.weight')!.half().float().toTypedArray());
    assert.deepEqual([...w.toTypedArray()], [...rounded]);
  });
  source.dispose();
  target.dispose();
});
