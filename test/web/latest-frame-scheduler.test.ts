// The webcam's pacing without a browser: one step at a time, frames that arrive during a step are dropped (the next
// step takes the newest), fps and ms from the clock, errors stop it, stop() waits for the step in flight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FPS_WINDOW, LatestFrameScheduler } from '../../web/latest-frame-scheduler.ts';

/** A step the test finishes by hand; `frames` records which camera frame each step saw. */
function manualSteps() {
  const finishers: Array<(e?: Error) => void> = [];
  let camera = 0;
  const frames: number[] = [];
  const step = () =>
    new Promise<void>((resolve, reject) => {
      frames.push(camera);
      finishers.push((e) => (e ? reject(e) : resolve()));
    });
  return {
    step,
    frames,
    started: () => finishers.length,
    present: (s: LatestFrameScheduler) => {
      camera++;
      s.frameArrived();
    },
    finish: async (k: number, e?: Error) => {
      finishers[k]!(e);
      // Let the scheduler's continuation run.
      for (let i = 0; i < 5; i++) await Promise.resolve();
    },
  };
}

test('frames that arrive during a step are dropped and the next step takes the newest', async () => {
  const m = manualSteps();
  let clock = 0;
  const s = new LatestFrameScheduler(m.step, { onError: (e) => assert.fail(e), now: () => clock });
  m.present(s);
  assert.equal(m.started(), 1, 'the first frame starts a step at once');
  for (let k = 0; k < 5; k++) m.present(s);
  assert.equal(m.started(), 1, 'no second step while one is in flight');
  assert.deepEqual(s.stats.dropped, 4, 'frames 2–5 are already superseded by frame 6; frame 6 waits');
  clock = 40;
  await m.finish(0);
  assert.equal(m.started(), 2, 'the step that ends starts the next one on the newest frame');
  assert.deepEqual(m.frames, [1, 6]);
  assert.deepEqual({ ...s.stats, fps: 0 }, { arrived: 6, processed: 1, dropped: 4, fps: 0, frameMs: 40 });
  clock = 90;
  await m.finish(1);
  assert.equal(m.started(), 2, 'nothing new arrived: no step until the camera presents a frame');
  assert.equal(s.stats.frameMs, 50);
  assert.equal(s.stats.fps, 1000 / 50, 'two steps 50 ms apart');
  m.present(s);
  assert.deepEqual(m.frames, [1, 6, 7]);
  await m.finish(2);
  assert.deepEqual({ arrived: s.stats.arrived, processed: s.stats.processed, dropped: s.stats.dropped }, { arrived: 7, processed: 3, dropped: 4 });
  // The page was busy and the camera presented 3 frames at once: one step, on the newest, 2 dropped.
  s.frameArrived(3);
  assert.equal(m.started(), 4);
  await m.finish(3);
  assert.deepEqual({ arrived: s.stats.arrived, processed: s.stats.processed, dropped: s.stats.dropped }, { arrived: 10, processed: 4, dropped: 6 });
});

test('fps averages the last FPS_WINDOW steps; onStepDone sees the finished step counted', async () => {
  const m = manualSteps();
  let clock = 0;
  const seen: number[] = [];
  const s = new LatestFrameScheduler(m.step, { onError: (e) => assert.fail(e), onStepDone: (st) => seen.push(st.processed), now: () => clock });
  // 10 slow steps (100 ms) then FPS_WINDOW fast ones (20 ms): the slow ones leave the window.
  for (let k = 0; k < 10 + FPS_WINDOW; k++) {
    m.present(s);
    clock += k < 10 ? 100 : 20;
    await m.finish(k);
  }
  assert.deepEqual(seen, Array.from({ length: 10 + FPS_WINDOW }, (_, k) => k + 1));
  assert.ok(Math.abs(s.stats.fps - 50) < 1e-9, `fps ${s.stats.fps}`);
  assert.equal(s.stats.dropped, 0);
});

test('a step that throws stops the scheduler and reports the error once', async () => {
  const m = manualSteps();
  const errors: string[] = [];
  const s = new LatestFrameScheduler(m.step, { onError: (e) => errors.push(e.message) });
  m.present(s);
  m.present(s);
  await m.finish(0, new Error('model not loaded'));
  assert.deepEqual(errors, ['model not loaded']);
  assert.equal(s.running, false);
  m.present(s);
  assert.equal(m.started(), 1, 'no step after the error, not even for the frame that was waiting');
});

test('stop() waits for the step in flight and no step starts after it', async () => {
  const m = manualSteps();
  const s = new LatestFrameScheduler(m.step, { onError: (e) => assert.fail(e) });
  m.present(s);
  m.present(s);
  let stopped = false;
  const stopping = s.stop().then(() => (stopped = true));
  await Promise.resolve();
  assert.equal(stopped, false, 'stop() resolves only after the step in flight');
  await m.finish(0);
  await stopping;
  assert.equal(m.started(), 1, 'the waiting frame is not processed after stop');
  assert.equal(s.stats.processed, 1);
  assert.equal(s.stats.dropped, 1);
  m.present(s);
  assert.equal(m.started(), 1);
});
