// A user block registered from TypeScript is usable in a YAML like the built-in ones (docs/models.md's example).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Module } from '../../src/nn/module.ts';
import { zeros, noGrad, type Tensor } from '../../src/tensor/index.ts';
import { Conv } from '../../src/yolo/modules/common/conv.ts';
import { loadModel } from '../../src/yolo/load-model.ts';
import { registerModule } from '../../src/yolo/registry.ts';

class DoubleConv extends Module {
  readonly a: Conv;
  readonly b: Conv;
  constructor(c1: number, c2: number) {
    super();
    this.a = this.registerModule('a', new Conv(c1, c2, 3));
    this.b = this.registerModule('b', new Conv(c2, c2, 3));
  }
  forward(x: Tensor): Tensor {
    return this.b.forward(this.a.forward(x));
  }
}

test('registerModule: a custom block gets channels, table row and state_dict keys', () => {
  registerModule({
    name: 'DoubleConv',
    pythonType: 'models.custom.DoubleConv',
    argCount: [1, 1],
    channels: 'width',
    build: ([c1, c2]) => new DoubleConv(c1 as number, c2 as number),
  });
  const file = join(mkdtempSync(join(tmpdir(), 'tsyolo-reg-')), 'custom.yaml');
  writeFileSync(
    file,
    'nc: 3\ndepth_multiple: 1.0\nwidth_multiple: 0.5\nanchors:\n  - [10,13, 16,30, 33,23]\n' +
      'backbone:\n  [[-1, 1, Conv, [32, 3, 2]], [-1, 1, DoubleConv, [64]], [-1, 1, Conv, [64, 3, 2]]]\n' +
      'head:\n  [[[2], 1, Detect, [nc, anchors]]]\n',
  );
  const { model } = loadModel(file);
  const row = model.layerInfo[1]!;
  assert.equal(row.type, 'models.custom.DoubleConv');
  assert.deepEqual(row.args, [16, 32]); // c1 inferred from layer 0, c2 = make_divisible(64 × 0.5, 8)
  assert.ok(model.stateDict().has('model.1.a.conv.weight'));
  assert.deepEqual(model.stride, [4]);
  model.eval();
  const y = noGrad(() => model.forward(zeros([1, 3, 64, 64])) as Tensor);
  assert.deepEqual(y.shape, [1, 3 * 16 * 16, 8]);
});
