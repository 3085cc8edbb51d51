// Optimizers against torch.optim 1.13 (values in fixtures/train_reference.json, made by make_train_reference.py),
// and YOLOv5's smart_optimizer groups on a real model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import * as torch from '../../src/tensor/index.ts';
import { Adam, AdamW, type Optimizer, SGD, parameterGroups, smartOptimizer } from '../../src/train/optimizer.ts';
import { DetectionModel } from '../../src/yolo/detection-model.ts';
import { loadModelConfig } from '../../src/yolo/model-config.ts';
import { assertClose } from '../engine/assert-close.ts';

const REF = JSON.parse(readFileSync(new URL('../fixtures/train_reference.json', import.meta.url), 'utf8'));

// The same formulas as make_train_reference.py.
const initial = () => [
  torch.tensor(Float32Array.from({ length: 6 }, (_, i) => Math.sin(0.3 * i + 0.1)), { shape: [2, 3], requiresGrad: true }),
  torch.tensor(Float32Array.from({ length: 4 }, (_, i) => Math.cos(0.7 * i)), { requiresGrad: true }),
  torch.tensor(Float32Array.from({ length: 3 }, (_, i) => 0.5 - 0.2 * i), { requiresGrad: true }),
];
const gradsAt = (step: number) => [
  torch.tensor(Float32Array.from({ length: 6 }, (_, i) => Math.cos(0.5 * i + step)), { shape: [2, 3] }),
  torch.tensor(Float32Array.from({ length: 4 }, (_, i) => 0.3 * Math.sin(i - step))),
  torch.tensor(Float32Array.from({ length: 3 }, (_, i) => 0.1 * (i + 1) * (step + 1))),
];

/** Sets p.grad by backpropagating sum(p·g). */
function setGrads(params: torch.Tensor[], step: number): void {
  torch.tidy(() => {
    const g = gradsAt(step);
    params.reduce((acc: torch.Tensor | null, p, i) => (acc ? acc.add(p.mul(g[i]!).sum()) : p.mul(g[i]!).sum()), null)!.backward();
  });
}

function build(kind: 'sgd' | 'adam' | 'adamw', p: torch.Tensor[]): Optimizer {
  const o =
    kind === 'sgd'
      ? new SGD([p[2]!], { lr: 0.1, momentum: 0.937, nesterov: true })
      : kind === 'adam'
        ? new Adam([p[2]!], { lr: 0.01, betas: [0.937, 0.999] })
        : new AdamW([p[2]!], { lr: 0.01, betas: [0.937, 0.999], weightDecay: 0.0 });
  o.addParamGroup({ params: [p[0]!], weightDecay: 0.05 });
  o.addParamGroup({ params: [p[1]!], weightDecay: 0.0 });
  return o;
}

function runSteps(o: Optimizer, p: torch.Tensor[], from: number, to: number): void {
  for (let step = from; step < to; step++) {
    o.zeroGrad();
    setGrads(p, step);
    if (step === 2) {
      for (const g of o.paramGroups) {
        g.lr *= 0.5;
        if (g.momentum !== undefined) g.momentum = 0.85;
      }
    }
    o.step();
  }
}

for (const kind of ['sgd', 'adam', 'adamw'] as const) {
  test(`${kind}: three steps with weight decay and an lr change equal torch.optim (1e-6)`, () => {
    const p = initial();
    const o = build(kind, p);
    runSteps(o, p, 0, 3);
    p.forEach((t, i) => assertClose(t.toFloat32Array(), REF[kind][i], 1e-6, `${kind} param ${i}`));
    o.dispose();
  });

  test(`${kind}: stateDict() after two steps, loaded into a fresh optimizer, continues identically`, () => {
    const p = initial();
    const o = build(kind, p);
    runSteps(o, p, 0, 2);
    const saved = o.stateDict();
    assert.ok(saved.has('param_groups.1.weight_decay'));
    assert.ok(kind === 'sgd' ? saved.has('state.0.momentum_buffer') : saved.has('state.0.exp_avg_sq') && saved.get('state.0.step')!.data[0] === 2);
    const fresh = build(kind, p);
    fresh.loadStateDict(saved);
    runSteps(fresh, p, 2, 3);
    p.forEach((t, i) => assertClose(t.toFloat32Array(), REF[kind][i], 1e-6, `${kind} resumed param ${i}`));
    const other = kind === 'sgd' ? new Adam(initial(), { lr: 0.1 }) : new SGD(initial(), { lr: 0.1, momentum: 0.9 });
    other.addParamGroup({ params: initial() });
    other.addParamGroup({ params: initial() });
    assert.throws(() => other.loadStateDict(saved), /saved by another optimizer/);
    o.dispose();
    fresh.dispose();
  });
}

test('parameters without a gradient are skipped; zeroGrad(false) zeroes in place', () => {
  const p = initial();
  const o = new SGD(p, { lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
  const before = p[1]!.toFloat32Array();
  torch.tidy(() => p[0]!.sum().backward());
  o.step();
  assert.deepEqual(p[1]!.toFloat32Array(), before);
  o.zeroGrad(false);
  assert.deepEqual(Array.from(p[0]!.grad!.toFloat32Array()), [0, 0, 0, 0, 0, 0]);
  o.zeroGrad();
  assert.equal(p[0]!.grad, null);
  assert.throws(() => o.addParamGroup({ params: [p[0]!] }), /more than one parameter group/);
  assert.throws(() => new SGD(p, { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum/);
});

test('smart_optimizer on yolov5s.yaml: 57 BN weights, 60 decayed weights, 60 biases, as YOLOv5 prints', () => {
  const model = new DetectionModel(loadModelConfig('yolov5s.yaml').config, { yamlFile: 'yolov5s.yaml' });
  const lines: string[] = [];
  const o = smartOptimizer(model, 'SGD', 0.01, 0.937, 0.0005, (l) => lines.push(l));
  assert.deepEqual(lines, ['optimizer: SGD(lr=0.01) with parameter groups 57 weight(decay=0.0), 60 weight(decay=0.0005), 60 bias']);
  assert.deepEqual(o.paramGroups.map((g) => g.params.length), [60, 60, 57]);
  assert.deepEqual(o.paramGroups.map((g) => g.weightDecay), [0, 0.0005, 0]);
  assert.deepEqual(o.paramGroups.map((g) => [g.lr, g.initialLr, g.momentum, g.nesterov]), Array(3).fill([0.01, 0.01, 0.937, true]));
  const { weights, normWeights, biases } = parameterGroups(model);
  assert.equal(weights.length + normWeights.length + biases.length, [...model.parameters()].length);

  const adam = smartOptimizer(model, 'Adam', 0.001, 0.937, 0.0005);
  assert.deepEqual(adam.paramGroups.map((g) => [g.betas, g.weightDecay, g.momentum]), [[[0.937, 0.999], 0, undefined], [[0.937, 0.999], 0.0005, undefined], [[0.937, 0.999], 0, undefined]]);
  assert.equal(smartOptimizer(model, 'AdamW').name, 'AdamW');
  assert.throws(() => smartOptimizer(model, 'RMSProp' as never), /Optimizer RMSProp not implemented/);
  model.dispose();
});
