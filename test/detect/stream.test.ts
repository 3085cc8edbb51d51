// detect on a live source: a local HTTP MJPEG stream served by the test on 127.0.0.1 (a bounded number of frames),
// read through ffmpeg with the latest-frame policy; a source that cannot be opened is a clear error.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadDetector } from '../../src/onnx.ts';
import { mjpegServer as serve } from './mjpeg-server.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const bin = here('../../bin/tsyolo.js');
const weights = here('../../web/sample-model.onnx');
const sample = here('../../web/sample.png');
const FRAMES = 6;
const mjpegServer = () => serve(sample, { frames: FRAMES });

/** Runs the CLI without blocking the event loop (the MJPEG server lives in this process). */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('an HTTP MJPEG stream that drops: per-frame log, labels and a finished 30 fps mp4 kept; reconnects with back-off, then a clear error', { timeout: 120_000 }, async () => {
  const { url, close, reopen } = await mjpegServer();
  const project = mkdtempSync(join(tmpdir(), 'tsyolo-stream-'));
  try {
    const r = await runCli(['detect', '--weights', weights, '--source', url, '--conf-thres', '0.3', '--save-txt', '--project', project]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`${url.replace(/[.]/g, '\\.')}: the stream dropped and 4 reconnect attempts failed`));
    const warnings = r.stdout.split('\n').filter((l) => /WARNING ⚠️ .*stream unresponsive .*reconnecting in [\d.]+s \(attempt \d\/4\)/.test(l));
    assert.equal(warnings.length, 4, r.stdout);
    const lines = r.stdout.split('\n').filter((l) => /^0: 320x320 /.test(l));
    assert.ok(lines.length >= 1 && lines.length <= FRAMES, r.stdout);
    const out = join(project, 'exp');
    assert.deepEqual(readdirSync(out).sort(), ['cam.mp4', 'labels']);
    assert.ok(readdirSync(join(out, 'labels')).includes('cam_1.txt'));
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,avg_frame_rate,nb_read_frames', '-of', 'json', join(out, 'cam.mp4')], { encoding: 'utf8' })).streams[0];
    assert.deepEqual([probe.width, probe.height, probe.avg_frame_rate, Number(probe.nb_read_frames)], [320, 232, '30/1', lines.length]);

    const det = await loadDetector(weights, { conf: 0.3 });
    const want = await det.detect(sample);
    const indices: number[] = [];
    // Probe + first connection, then one reconnect that delivers again (resetting the back-off), then none.
    reopen(3);
    await assert.rejects(async () => {
      for await (const { index, detections } of det.stream(url, { reconnectDelaysMs: [50, 100] })) {
        indices.push(index);
        // JPEG frames of the same picture: the same digits, boxes within a pixel or two.
        assert.equal(detections.length, want.length, `frame ${index}`);
      }
    }, /the stream dropped and 2 reconnect attempts failed/);
    assert.ok(indices.length > 1 && indices.some((i) => i >= FRAMES), `frames from both connections ${indices}`);
    assert.ok(indices.length >= 1 && indices.every((v, k) => k === 0 || v > indices[k - 1]!), `increasing frame indices ${indices}`);
    await det.dispose();
  } finally {
    await close();
  }
});

test('a stream that cannot be opened is an error naming it', { timeout: 60_000 }, async () => {
  const { url, close } = await mjpegServer();
  await close(); // nothing listens there any more
  const r = await runCli(['detect', '--weights', weights, '--source', url, '--project', mkdtempSync(join(tmpdir(), 'tsyolo-stream-'))]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`${url.replace(/[.]/g, '\\.')}: cannot open stream`));
});
