// PhaseTimer: the trainer's per-epoch split of wall time into phases.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { PhaseTimer } from '../../src/train/phase-timer.ts';

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('time() and timeAsync() add each call to its phase of the current epoch', async () => {
  const t = new PhaseTimer();
  t.startEpoch();
  t.time('forward+backward', () => busy(20));
  t.time('forward+backward', () => busy(20));
  await t.timeAsync('data wait', () => sleep(30));
  t.startEpoch();
  t.time('val', () => busy(10));
  assert.equal(t.epochs.length, 2);
  const [e0, e1] = t.epochs;
  assert.ok(e0!['forward+backward'] >= 0.04 && e0!['forward+backward'] < 1, `two 20 ms calls: ${e0!['forward+backward']} s`);
  assert.ok(e0!['data wait'] >= 0.025 && e0!['data wait'] < 1, `a 30 ms wait: ${e0!['data wait']} s`);
  assert.equal(e0!.val, 0);
  assert.equal(e1!['forward+backward'], 0, 'a new epoch starts from zero');
  assert.ok(e1!.val >= 0.01);
  const mean = t.mean();
  assert.ok(Math.abs(mean['forward+backward'] - e0!['forward+backward'] / 2) < 1e-12);
  assert.match(t.format(), /^data wait [\d.]+ s, forward\+backward [\d.]+ s, optimizer\+EMA 0\.00 s, val [\d.]+ s$/);
});

test('a phase that throws is still counted, and the error passes through', () => {
  const t = new PhaseTimer();
  t.startEpoch();
  assert.throws(() => t.time('optimizer+EMA', () => {
    busy(10);
    throw new Error('boom');
  }), /boom/);
  assert.ok(t.epochs[0]!['optimizer+EMA'] >= 0.01);
});

test('before any epoch nothing is recorded and the means are zero', () => {
  const t = new PhaseTimer();
  assert.equal(t.time('val', () => 7), 7);
  assert.deepEqual(t.epochs, []);
  assert.equal(t.mean().val, 0);
});
