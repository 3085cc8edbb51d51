// ModelEMA against hand computation of YOLOv5's rule: v ← d·v + (1 − d)·model_v, d = 0.9999·(1 − exp(−updates/2000)),
// for every floating-point state_dict entry (BatchNorm running statistics included, num_batches_tracked not).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { BatchNorm2d } from '../../src/nn/batchnorm2d.ts';
import * as torch from '../../src/tensor/index.ts';
import { ModelEMA } from '../../src/train/ema.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { assertClose } from '../engine/assert-close.ts';

const model = new DetectionModel(loadModelConfig('yolov5n.yaml').config, { nc: 2 });
const bnName = [...model.namedModules()].find(([, m]) => m instanceof BatchNorm2d)![0];
const keys = { w: 'model.0.conv.weight', mean: `${bnName}.running_mean`, v: `${bnName}.running_var`, nbt: `${bnName}.num_batches_tracked`, bias: 'model.24.m.0.bias' };
const host = (m: DetectionModel, k: string) => m.stateDict().get(k)!.toFloat32Array();

test('decay ramps as 0.9999·(1 − exp(−x/2000))', () => {
  const ema = new ModelEMA(model);
  assert.equal(ema.decay(1), 0.9999 * (1 - Math.exp(-1 / 2000)));
  assert.equal(ema.decay(2000), 0.9999 * (1 - Math.exp(-1)));
  assert.ok(Math.abs(ema.decay(1e6) - 0.9999) < 1e-12);
  assert.equal(new ModelEMA(model, { updates: 500 }).updates, 500);
});

test('the copy starts equal, in eval mode, without gradients, and is independent of the model', () => {
  const ema = new ModelEMA(model);
  assert.notEqual(ema.ema, model);
  assert.equal(ema.ema.training, false);
  assert.ok([...ema.ema.parameters()].every((p) => !p.requiresGrad));
  for (const [k, t] of model.stateDict()) assert.deepEqual(ema.ema.stateDict().get(k)!.toTypedArray(), t.toTypedArray(), k);
  assert.notEqual(ema.ema.stateDict().get(keys.w), model.stateDict().get(keys.w));
  assert.deepEqual(ema.ema.stride, model.stride);
  const bn = [...ema.ema.modules()].find((m) => m instanceof BatchNorm2d) as BatchNorm2d;
  assert.equal(bn.eps, 1e-3);
  assert.equal(bn.momentum, 0.03);
});

test('update() averages weights and BN statistics with the ramped decay; integer buffers stay', () => {
  const ema = new ModelEMA(model);
  const e0 = Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, host(ema.ema, k)]));
  const nbt0 = ema.ema.stateDict().get(keys.nbt)!.item();
  // Move the model: new weights and BN statistics.
  torch.noGrad(() =>
    torch.tidy(() => {
      const sd = model.stateDict();
      sd.get(keys.w)!.add_(0.5);
      sd.get(keys.mean)!.fill_(2);
      sd.get(keys.v)!.fill_(3);
      sd.get(keys.bias)!.mul_(-1);
      sd.get(keys.nbt)!.fill_(7);
    }),
  );
  const m = Object.fromEntries(Object.entries(keys).map(([n, k]) => [n, host(model, k)]));
  ema.update(model);
  assert.equal(ema.updates, 1);
  const d1 = 0.9999 * (1 - Math.exp(-1 / 2000));
  for (const n of ['w', 'mean', 'v', 'bias']) {
    const expected = e0[n]!.map((v, i) => d1 * v + (1 - d1) * m[n]![i]!);
    assertClose(host(ema.ema, keys[n as keyof typeof keys]), expected, 1e-6, n);
  }
  assert.equal(ema.ema.stateDict().get(keys.nbt)!.item(), nbt0);

  const e1 = host(ema.ema, keys.mean);
  ema.update(model);
  assert.equal(ema.updates, 2);
  const d2 = 0.9999 * (1 - Math.exp(-2 / 2000));
  assertClose(host(ema.ema, keys.mean), e1.map((v) => d2 * v + (1 - d2) * 2), 1e-6, 'second update');
});

test('updateAttr copies names and stride', () => {
  const ema = new ModelEMA(model);
  model.names = ['cat', 'dog'];
  ema.updateAttr(model);
  assert.deepEqual(ema.ema.names, ['cat', 'dog']);
});
