// The timing engine's schedule and bookkeeping (src/speed/interleave.ts) on fake backends, and its statistics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend, ModelOutput } from '../../src/deploy/backend.ts';
import { interleavedSchedule, measureInterleaved } from '../../src/speed/interleave.ts';
import { median, sampleStats } from '../../src/speed/stats.ts';

test('interleavedSchedule: every subject once per round, seeded, never the same subject twice in a row', () => {
  for (const n of [1, 2, 3, 5]) {
    const schedule = interleavedSchedule(n, 200, 7);
    assert.equal(schedule.length, 200);
    for (const order of schedule) assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    const flat = schedule.flat();
    if (n > 1) for (let i = 1; i < flat.length; i++) assert.notEqual(flat[i], flat[i - 1], `subject ${flat[i]} twice in a row at ${i}`);
    assert.deepEqual(interleavedSchedule(n, 200, 7), schedule, 'same seed, same schedule');
  }
  // Two subjects can only alternate; three or more get shuffled rounds: each subject is first in some rounds and
  // last in others, and follows each of the others.
  assert.deepEqual(interleavedSchedule(2, 3, 1).flat().join(''), interleavedSchedule(2, 3, 1)[0]!.join('').repeat(3));
  const flat = interleavedSchedule(4, 400, 0).flat();
  const follows = new Map<string, number>();
  for (let i = 1; i < flat.length; i++) follows.set(`${flat[i - 1]}>${flat[i]}`, (follows.get(`${flat[i - 1]}>${flat[i]}`) ?? 0) + 1);
  assert.equal(follows.size, 12, 'every ordered pair of different subjects occurs');
  for (const [pair, count] of follows) assert.ok(count > 80 && count < 190, `${pair} occurs ${count} times of ~133`);
});

function fakeBackend(name: string, calls: string[], preprocessMs: number): Backend {
  return {
    names: ['a'],
    nc: 1,
    stride: 32,
    fixedInputHW: null,
    async forward(input, shape): Promise<ModelOutput> {
      calls.push(name);
      assert.equal(input.length, shape.reduce((a, b) => a * b, 1));
      const t = performance.now();
      while (performance.now() - t < preprocessMs + 0.2); // the "work" of this fake runtime
      // Two images, one confident box each, one overlapping duplicate for NMS to drop.
      const rows = [
        [10, 10, 4, 4, 0.9, 1],
        [10, 10, 4, 4, 0.8, 1],
      ];
      const data = new Float32Array([...rows.flat(), ...rows.flat()]);
      return { data, shape: [2, 2, 6], preprocessMs };
    },
    dispose() {},
  };
}

test('measureInterleaved: warm-up rounds untimed, then one sample per round per subject, stages split', async () => {
  const calls: string[] = [];
  const input = new Uint8Array(2 * 3 * 8 * 8);
  const subjects = ['A', 'B', 'C'].map((n) => ({ backend: fakeBackend(n, calls, 0.3), input, shape: [2, 3, 8, 8] as const }));
  const rounds: number[] = [];
  const samples = await measureInterleaved(subjects, { warmup: 2, runs: 6, seed: 3, onRound: (done) => rounds.push(done) });
  assert.equal(calls.length, 3 * 8);
  assert.deepEqual(calls.join(''), interleavedSchedule(3, 8, 3).flat().map((i) => 'ABC'[i]).join(''));
  assert.deepEqual(rounds, [1, 2, 3, 4, 5, 6]);
  for (const s of samples) {
    for (const key of ['total', 'preprocess', 'inference', 'nms'] as const) assert.equal(s[key].length, 6, key);
    for (let i = 0; i < 6; i++) {
      assert.equal(s.preprocess[i], 0.3, "pre-process is the backend's own measure");
      assert.ok(s.inference[i]! >= 0.19, `inference ${s.inference[i]}`);
      assert.ok(s.nms[i]! >= 0);
      assert.ok(Math.abs(s.total[i]! - s.preprocess[i]! - s.inference[i]! - s.nms[i]!) < 1e-9, 'total = pre + inference + NMS');
    }
  }
  await assert.rejects(measureInterleaved(subjects, { warmup: 0, runs: 0 }), /runs must be a positive integer/);
});

test('sampleStats: median, mean and sample standard deviation', () => {
  assert.deepEqual(sampleStats([4, 1, 3, 2]), { median: 2.5, mean: 2.5, std: Math.sqrt(5 / 3), n: 4 });
  assert.deepEqual(sampleStats([7]), { median: 7, mean: 7, std: 0, n: 1 });
  assert.equal(median([5, 1, 100]), 5);
  assert.ok(Number.isNaN(median([])));
});
