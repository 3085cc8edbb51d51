// `compare --speed` on the shared engine: the same checkpoint listed twice gets libtorch and onnxruntime medians
// within 10 % of each other (issue #28: 26.3 ms listed first, 40.6 ms listed second, when entries were timed one
// after the other), and each latency carries its standard deviation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compareModels } from '../../src/ablation/compare.ts';
import { getNumThreads, setNumThreads } from '../../src/tensor/runtime.ts';

const checkpoint = fileURLToPath(new URL('../fixtures/v7/yolov3-tiny-mini.pt', import.meta.url)); // YOLOv5 v7.0's, 317 kB

test('compareModels --speed: the same checkpoint twice, medians within 10 % on both runtimes', async () => {
  // A few layers at 32 px: runs well under a millisecond, so few of them are cut by another process even on a busy
  // machine, and the median stays with the unhurried ones. One intra-op thread: with more, such a short run also
  // times waking a session's pool thread, which differs by a few % between two sessions (docs/speed.md).
  const threads = getNumThreads();
  setNumThreads(1);
  const rows = await compareModels([checkpoint, checkpoint], { img: 32, speed: { warmup: 20, runs: 300 } }).finally(() => setNumThreads(threads));
  assert.equal(rows.length, 2);
  const [a, b] = rows as [(typeof rows)[0], (typeof rows)[0]];
  for (const [name, x, y] of [
    ['libtorch', a.torchMs!, b.torchMs!],
    ['onnxruntime', a.onnxMs!, b.onnxMs!],
  ] as const) {
    assert.ok(x > 0 && y > 0, `${name}: ${x}, ${y}`);
    assert.ok(Math.abs(x - y) / Math.min(x, y) <= 0.1, `${name}: medians ${x} and ${y} ms differ by more than 10 %`);
  }
  for (const r of rows) assert.ok(r.torchStd! >= 0 && r.onnxStd! >= 0 && Number.isFinite(r.torchStd!) && Number.isFinite(r.onnxStd!));
});
