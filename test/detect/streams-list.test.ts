// detect on a `.streams` list (YOLOv5's LoadStreams): two local MJPEG cameras on 127.0.0.1 read together, one log
// line per batch with `i: ` parts, per-stream labels and .mp4s; Ctrl-C finishes the videos; every source is checked
// before the run folder is made.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isStreamList, readStreamList } from '../../src/data/stream-list.ts';
import { loadDetector } from '../../src/onnx.ts';
import { mjpegServer } from './mjpeg-server.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const bin = here('../../bin/tsyolo.js');
const weights = here('../../web/sample-model.onnx'); // the demo's digits detector
const sample = here('../../web/sample.png'); // 320×232 digit scene
const work = mkdtempSync(join(tmpdir(), 'tsyolo-streams-'));

/** The CLI as a child process; `onLine` sees each stdout line as it comes (and may signal the child). */
function runCli(args: string[], onLine: (line: string, child: ReturnType<typeof spawn>) => void = () => {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [bin, ...args]);
    let stdout = '';
    let stderr = '';
    let partial = '';
    p.stdout.on('data', (d: Buffer) => {
      stdout += d;
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const l of lines) onLine(l, p);
    });
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

test('a .streams list reads its cameras together; Ctrl-C finishes each stream’s mp4 and exits 130', { timeout: 120_000 }, async () => {
  // 10 fps for up to 20 s each: far longer than the test needs, so it is Ctrl-C that ends the run.
  const [a, b] = await Promise.all([mjpegServer(sample, { frames: 200, path: '/front.mjpg' }), mjpegServer(sample, { frames: 200, path: '/back.mjpg' })]);
  const list = join(work, 'cams.streams');
  writeFileSync(list, `# two local cameras\n${a.url}\n${b.url}\n`);
  const project = join(work, 'run');
  try {
    let batches = 0;
    const r = await runCli(['detect', '--weights', weights, '--source', list, '--conf-thres', '0.3', '--save-txt', '--project', project], (line, child) => {
      if (/^0: 320x320 .*1: 320x320 .*ms$/.test(line) && ++batches === 3) child.kill('SIGINT');
    });
    assert.equal(r.status, 130, r.stderr);
    assert.match(r.stderr, /detect interrupted; results so far are in /);
    assert.match(r.stdout, new RegExp(`1/2: ${a.url.replace(/[.]/g, '\\.')}\\.\\.\\. Success \\(inf frames 320x232 at [\\d.]+ FPS\\)`));
    assert.match(r.stdout, new RegExp(`2/2: ${b.url.replace(/[.]/g, '\\.')}\\.\\.\\. Success`));
    // detect.py's line per batch: "0: 320x320 2 3s, 1: 320x320 2 3s, 12.0ms" — the same digits in both cameras.
    const lines = r.stdout.split('\n').filter((l) => /^0: /.test(l));
    assert.ok(lines.length >= 3, r.stdout);
    for (const l of lines) {
      const [, first, second] = /^0: 320x320 (.*), 1: 320x320 (.*), [\d.]+ms$/.exec(l) ?? [];
      assert.ok(first && first === second, l);
    }
    const out = join(project, 'exp');
    assert.deepEqual(readdirSync(out).sort(), ['back.mp4', 'front.mp4', 'labels'], 'finished videos under their final names, no partial files');
    const labels = readdirSync(join(out, 'labels'));
    for (let k = 1; k <= lines.length; k++) for (const stem of ['front', 'back']) assert.ok(labels.includes(`${stem}_${k}.txt`), `${stem}_${k}.txt in ${labels}`);
    for (const video of ['front.mp4', 'back.mp4']) {
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,avg_frame_rate,nb_read_frames', '-of', 'json', join(out, video)], { encoding: 'utf8' })).streams[0];
      assert.deepEqual([probe.width, probe.height, probe.avg_frame_rate, Number(probe.nb_read_frames)], [320, 232, '30/1', lines.length], video);
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('a list with a source that cannot be opened stops before the run folder is made, naming it', { timeout: 60_000 }, async () => {
  const good = await mjpegServer(sample, { frames: 5 });
  const dead = await mjpegServer(sample, { frames: 5, path: '/dead.mjpg' });
  await dead.close();
  const list = join(work, 'bad.streams');
  writeFileSync(list, `${good.url} ${dead.url}\n`);
  const project = join(work, 'badrun');
  try {
    const r = await runCli(['detect', '--weights', weights, '--source', list, '--project', project]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, new RegExp(`${dead.url.replace(/[.]/g, '\\.')}: cannot open stream`));
    assert.equal(existsSync(project), false, 'no run folder for a run that cannot start');
  } finally {
    await good.close();
  }
});

test('detector.stream(list) yields the latest frame of each stream in list order, then the drop error', { timeout: 60_000 }, async () => {
  const [a, b] = await Promise.all([mjpegServer(sample, { frames: 4 }), mjpegServer(sample, { frames: 4 })]);
  const list = join(work, 'lib.streams');
  writeFileSync(list, `${a.url}\n${b.url}\n`);
  const det = await loadDetector(weights, { conf: 0.3 });
  const want = await det.detect(sample);
  const order: number[] = [];
  try {
    await assert.rejects(async () => {
      for await (const { stream, detections } of det.stream(list, { reconnectDelaysMs: [50] })) {
        order.push(stream);
        assert.equal(detections.length, want.length);
      }
    }, /the stream dropped and 1 reconnect attempts failed/);
    assert.ok(order.length >= 2, `${order}`);
    assert.deepEqual(order, order.map((_, k) => k % 2), 'stream 0, stream 1, stream 0, …');
  } finally {
    await det.dispose();
    await Promise.all([a.close(), b.close()]);
  }
});

test('stream lists: .streams always, .txt only when every entry is a stream; empty lists are refused', () => {
  const file = (name: string, text: string) => {
    writeFileSync(join(work, name), text);
    return join(work, name);
  };
  assert.equal(isStreamList(file('x.streams', 'rtsp://cam/1\n')), true);
  assert.equal(isStreamList(file('cams.txt', 'rtsp://cam/1\n0\nhttp://127.0.0.1:8080/v.mjpg\n')), true);
  assert.equal(isStreamList(file('images.txt', 'a.jpg\nb.jpg\n')), false, 'a .txt of images stays an image list');
  assert.equal(isStreamList(join(work, 'missing.streams')), false);
  assert.deepEqual(readStreamList(file('y.streams', '# cameras\nrtsp://a/1  rtsp://b/2\n\n0\n')), ['rtsp://a/1', 'rtsp://b/2', '0']);
  assert.throws(() => readStreamList(file('empty.streams', '# nothing\n\n')), /empty\.streams: the stream list names no sources/);
});
