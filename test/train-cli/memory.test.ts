// Memory over a run of many steps: the engine's live tensor count is the same at the start of every epoch after
// the first (the optimizer's momentum buffers appear on the first step), RSS stays flat, and train() frees its
// model, EMA and optimizer when it returns.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { liveTensorCount } from '../../src/tensor/runtime.ts';
import { train } from '../../src/train/trainer.ts';
import { makeDigits } from './harness.ts';

let base = '';
let data = '';

before(async () => ({ base, data } = await makeDigits('memory')));
after(() => rmSync(base, { recursive: true, force: true }));

test('RSS and live tensors stay flat across epochs; train() frees its tensors', async (t) => {
  const EPOCHS = 8;
  const atEpochStart: { rss: number; live: number }[] = [];
  const liveBefore = liveTensorCount();
  const t0 = performance.now();
  const r = await train({
    data,
    cfg: 'yolov5n-shufflenetv2.yaml',
    hyp: 'hyp.digits.yaml',
    imgsz: 96,
    batchSize: 4, // 4 steps per epoch, 32 in all, each with an optimizer step during warmup
    epochs: EPOCHS,
    workers: 0,
    project: join(base, 'runs', 'train'),
    noplots: true,
    log: () => {},
    write: (s) => {
      if (s.includes('GPU_mem')) atEpochStart.push({ rss: process.memoryUsage().rss, live: liveTensorCount() });
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const rssEnd = process.memoryUsage().rss;
  assert.equal(r.stoppedBy, 'completed');
  assert.equal(atEpochStart.length, EPOCHS);

  const live = atEpochStart.map((m) => m.live);
  assert.ok(live.slice(1).every((n) => n === live[1]), `live tensors at each epoch start: ${live.join(' ')}`);
  const mb = (b: number) => b / 1e6;
  const growth = mb(Math.max(rssEnd, ...atEpochStart.slice(2).map((m) => m.rss)) - atEpochStart[2]!.rss);
  const report = `RSS MB at epoch starts ${atEpochStart.map((m) => mb(m.rss).toFixed(0)).join(' ')}, end ${mb(rssEnd).toFixed(0)}; live ${live.join(' ')}; ${seconds.toFixed(1)} s`;
  assert.ok(growth < 60, `RSS rose ${growth.toFixed(1)} MB above its epoch-2 level (${report})`);

  // Only the detection grids cached by the disposed models may wait for GC (2 tensors per level per model).
  const leftover = liveTensorCount() - liveBefore;
  assert.ok(leftover <= 32, `${leftover} tensors still alive after train() returned (${report})`);
  t.diagnostic(`memory: ${report}; ${leftover} tensors left after train()`);
});
