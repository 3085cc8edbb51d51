// Training-loop memory: thousands of forward/backward/update steps inside tidy() must not leak native tensors
// or grow the process. This is what keeps long trainings alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as torch from '../../src/tensor/index.ts';
import { BatchNorm2d, Conv2d, SiLU, Sequential } from '../../src/nn/index.ts';

const STEPS = 2000;
const WARMUP = 200;
const LR = 0.01;

test(`${STEPS} forward/backward/SGD steps: RSS grows < 50 MB after warm-up and liveTensorCount returns to its start`, () => {
  torch.manualSeed(0);
  const start = torch.liveTensorCount();
  const model = new Sequential(
    new Conv2d(3, 8, 3, { padding: 1 }),
    new BatchNorm2d(8),
    new SiLU(),
    new Conv2d(8, 8, 3, { padding: 1, groups: 8, bias: false }),
    new BatchNorm2d(8),
    new SiLU(),
  );
  const params = [...model.parameters()];
  const x = torch.randn([2, 3, 16, 16]);
  let firstLoss = NaN;
  let lastLoss = NaN;
  let rssAfterWarmup = 0;
  for (let step = 0; step < STEPS; step++) {
    if (step === WARMUP) rssAfterWarmup = process.memoryUsage.rss();
    const loss = torch.tidy(() => {
      const l = model.forward(x).sub(0.5).pow(2).mean();
      l.backward();
      torch.noGrad(() => {
        for (const p of params) {
          p.add_(p.grad!, -LR);
          p.clearGrad();
        }
      });
      return l.item();
    });
    if (step === 0) firstLoss = loss;
    lastLoss = loss;
  }
  const growthMb = (process.memoryUsage.rss() - rssAfterWarmup) / 2 ** 20;
  assert.ok(lastLoss < firstLoss, `the updates train the net (loss ${firstLoss} → ${lastLoss})`);
  assert.ok(growthMb < 50, `RSS grew ${growthMb.toFixed(1)} MB after warm-up`);
  x.dispose();
  model.dispose();
  assert.equal(torch.liveTensorCount(), start);
});
