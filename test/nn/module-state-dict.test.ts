// Module trees must present exactly PyTorch's state_dict keys, order, shapes and parameter counts, since
// YOLOv5 checkpoints are loaded by key. Reference lists: printed by PyTorch 1.13 for the identical models.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import { BatchNorm2d, Conv2d, Hardswish, LeakyReLU, MaxPool2d, Module, ModuleList, SiLU, Sequential, Upsample } from '../../src/nn/index.ts';

/*
nn.Sequential(
  nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.SiLU(),
  nn.Sequential(nn.Conv2d(16, 16, 3, 1, 1, groups=16, bias=False), nn.BatchNorm2d(16), nn.Conv2d(16, 32, 1)),
  nn.MaxPool2d(2), nn.Upsample(scale_factor=2),
  nn.Sequential(nn.Sequential(nn.Conv2d(32, 8, 3, padding=1), nn.BatchNorm2d(8, eps=1e-3, momentum=0.03)), nn.LeakyReLU(0.1), nn.Hardswish()))
*/
function nested(): Sequential {
  return new Sequential(
    new Conv2d(3, 16, 3, { stride: 2, padding: 1, bias: false }),
    new BatchNorm2d(16),
    new SiLU(),
    new Sequential(new Conv2d(16, 16, 3, { padding: 1, groups: 16, bias: false }), new BatchNorm2d(16), new Conv2d(16, 32, 1)),
    new MaxPool2d(2),
    new Upsample(2),
    new Sequential(new Sequential(new Conv2d(32, 8, 3, { padding: 1 }), new BatchNorm2d(8, { eps: 1e-3, momentum: 0.03 })), new LeakyReLU(0.1), new Hardswish()),
  );
}
const NESTED_KEYS = [
  '0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked', '3.0.weight', '3.1.weight', '3.1.bias',
  '3.1.running_mean', '3.1.running_var', '3.1.num_batches_tracked', '3.2.weight', '3.2.bias', '6.0.0.weight', '6.0.0.bias', '6.0.1.weight',
  '6.0.1.bias', '6.0.1.running_mean', '6.0.1.running_var', '6.0.1.num_batches_tracked',
];
const NESTED_SHAPES = [
  [16, 3, 3, 3], [16], [16], [16], [16], [], [16, 1, 3, 3], [16], [16], [16], [16], [], [32, 16, 1, 1], [32], [8, 32, 3, 3], [8], [8], [8], [8], [8], [],
];
const NESTED_PARAMS = ['0.weight', '1.weight', '1.bias', '3.0.weight', '3.1.weight', '3.1.bias', '3.2.weight', '3.2.bias', '6.0.0.weight', '6.0.0.bias', '6.0.1.weight', '6.0.1.bias'];

/** A module with own buffers (one non-persistent), a ModuleList and registration order that differs from key order. */
class Head extends Module {
  constructor() {
    super();
    this.registerModule('stem', new Conv2d(3, 4, 1));
    this.registerModule('m', new ModuleList([new Conv2d(4, 6, 1), new Conv2d(4, 6, 1, { bias: false })]));
    this.registerBuffer('anchors', torch.zeros([3, 2]));
    this.registerBuffer('grid', torch.zeros([1]), false);
    this.registerModule('bn', new BatchNorm2d(4));
  }
  forward(x: torch.Tensor): torch.Tensor {
    return x;
  }
}
const HEAD_KEYS = ['anchors', 'stem.weight', 'stem.bias', 'm.0.weight', 'm.0.bias', 'm.1.weight', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked'];
const HEAD_BUFFERS = ['anchors', 'grid', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked'];

test('nested Sequential: state_dict keys, order and shapes, parameter names and count equal PyTorch', () => {
  const model = nested();
  const sd = model.stateDict();
  assert.deepEqual([...sd.keys()], NESTED_KEYS);
  assert.deepEqual([...sd.values()].map((t) => t.shape), NESTED_SHAPES);
  assert.equal(sd.get('1.num_batches_tracked')!.dtype, 'int64');
  assert.deepEqual([...model.namedParameters()].map(([n]) => n), NESTED_PARAMS);
  assert.equal(model.numParameters(), 3512);
  assert.deepEqual(torch.tidy(() => model.forward(torch.zeros([1, 3, 32, 32])).shape), [1, 8, 16, 16]);
  model.dispose();
});

test('own buffers come first, non-persistent buffers are left out, ModuleList children are numbered', () => {
  const head = new Head();
  assert.deepEqual([...head.stateDict().keys()], HEAD_KEYS);
  assert.deepEqual([...head.namedBuffers()].map(([n]) => n), HEAD_BUFFERS);
  assert.equal(head.numParameters(), 78);
  assert.deepEqual([...head.parameterKeys()], ['stem.weight', 'stem.bias', 'm.0.weight', 'm.0.bias', 'm.1.weight', 'bn.weight', 'bn.bias']);
  assert.ok([...head.parameters()].every((p) => p.requiresGrad));
  assert.throws(() => (head.getChild('m') as ModuleList).forward(), /ModuleList has no forward/);
  head.dispose();
});

test('train() / eval() reach every submodule', () => {
  const model = nested();
  assert.ok([...model.modules()].every((m) => m.training));
  model.eval();
  assert.ok([...model.modules()].every((m) => !m.training));
  assert.equal([...model.modules()].length, 16); // len(list(model.modules())) in PyTorch
  model.train();
  assert.ok([...model.modules()].every((m) => m.training));
  model.dispose();
});

test('loadStateDict copies values and converts dtype; errors name the missing, unexpected or mis-shaped key', () => {
  const a = nested();
  const b = nested();
  const sd = a.stateDict();
  b.loadStateDict(sd);
  for (const [k, t] of b.stateDict()) assert.deepEqual(t.tolist(), sd.get(k)!.tolist(), k);
  assert.equal(b.stateDict().get('0.weight')!.requiresGrad, true, 'parameters stay trainable after loading');

  torch.tidy(() => {
    const asDouble = new Map([...sd].map(([k, t]) => [k, t.to('float64')]));
    b.loadStateDict(asDouble);
    assert.equal(b.stateDict().get('0.weight')!.dtype, 'float32');

    const missing = new Map(sd);
    missing.delete('3.1.running_var');
    assert.throws(() => b.loadStateDict(missing), /missing keys: 3\.1\.running_var/);
    const unexpected = new Map(sd).set('9.weight', torch.zeros([1]));
    assert.throws(() => b.loadStateDict(unexpected), /unexpected keys: 9\.weight/);
    const result = b.loadStateDict(unexpected, false);
    assert.deepEqual(result, { missing: [], unexpected: ['9.weight'] });
    const badShape = new Map(sd).set('3.2.weight', torch.zeros([32, 16, 3, 3]));
    assert.throws(() => b.loadStateDict(badShape), /state_dict entry '3\.2\.weight' has shape \[32,16,3,3\], the model needs \[32,16,1,1\]/);
  });
  a.dispose();
  b.dispose();
});
