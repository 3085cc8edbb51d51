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

test('releaseFreeMemory hands freed tensor memory back to the OS (the addon keeps it resident until then)', () => {
  const MB = 2 ** 20;
  const before = process.memoryUsage.rss();
  // 1 MiB blocks: below the addon's 32 MiB mmap threshold, so they live in malloc's heap, not in their own mappings.
  const blocks = Array.from({ length: 200 }, () => torch.ones([256, 1024]));
  const filled = process.memoryUsage.rss();
  for (const b of blocks) b.dispose();
  const freed = process.memoryUsage.rss();
  assert.ok(filled - before > 150 * MB, `200 MiB of tensors are resident (RSS +${((filled - before) / MB).toFixed(0)} MB)`);
  assert.ok(freed - before > 150 * MB, `the 512 MiB trim threshold keeps them resident after dispose (+${((freed - before) / MB).toFixed(0)} MB)`);
  assert.equal(torch.releaseFreeMemory(), true);
  const trimmed = process.memoryUsage.rss();
  assert.ok(freed - trimmed > 150 * MB, `RSS ${(freed / MB).toFixed(0)} → ${(trimmed / MB).toFixed(0)} MB`);
});
