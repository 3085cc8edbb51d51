// detect on video files through ffmpeg: a lossless video (FFV1 from PNG frames) gives per-frame labels equal to
// detect's labels for the same frames as PNG images; --vid-stride; the annotated .mp4; detector.stream(); bad input.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { loadDetector } from '../../src/onnx.ts';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const bin = here('../../bin/tsyolo.js');
const weights = here('../../web/sample-model.onnx'); // the demo's digits detector, fixed 320×320 input
const sample = here('../../web/sample.png'); // 320×232 digit scene
const work = mkdtempSync(join(tmpdir(), 'tsyolo-video-'));
const FRAMES = 4;
const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'detect', '--weights', weights, '--conf-thres', '0.3', ...args], { encoding: 'utf8' });

/** f1.png … f4.png (the sample shifted right by 0, 24, 48, 72 px) and their lossless video at 5 fps. */
const made = (async () => {
  const frames = join(work, 'frames');
  mkdirSync(frames);
  for (let k = 0; k < FRAMES; k++) {
    const shifted = await sharp(sample).extend({ left: k * 24, background: { r: 114, g: 114, b: 114 } }).raw().toBuffer({ resolveWithObject: true });
    await sharp(shifted.data, { raw: { width: shifted.info.width, height: shifted.info.height, channels: 3 } })
      .extract({ left: 0, top: 0, width: 320, height: 232 })
      .png()
      .toFile(join(frames, `f${k + 1}.png`));
  }
  const video = join(work, 'clip.mkv');
  execFileSync('ffmpeg', ['-v', 'error', '-framerate', '5', '-i', join(frames, 'f%d.png'), '-c:v', 'ffv1', '-pix_fmt', 'bgr0', video]);
  return { frames, video };
})();

const labels = (dir: string, name: string) => readFileSync(join(dir, 'labels', name), 'utf8');

test('a lossless video gives the same per-frame labels as its frames as images; annotated mp4 at the source fps', async () => {
  const { frames, video } = await made;
  const images = run('--source', frames, '--save-txt', '--save-conf', '--project', join(work, 'img'));
  assert.equal(images.status, 0, images.stderr);
  const clip = run('--source', video, '--save-txt', '--save-conf', '--project', join(work, 'vid'));
  assert.equal(clip.status, 0, clip.stderr);
  for (let k = 1; k <= FRAMES; k++) assert.match(clip.stdout, new RegExp(`video 1/1 \\(${k}/${FRAMES}\\) .*clip\\.mkv: 320x320 `));
  const imgOut = join(work, 'img', 'exp');
  const vidOut = join(work, 'vid', 'exp');
  const imageLabels = readdirSync(join(imgOut, 'labels')).sort();
  assert.ok(imageLabels.length >= 3, `the digits model finds digits in the frames (${imageLabels})`);
  assert.deepEqual(readdirSync(join(vidOut, 'labels')).sort(), imageLabels.map((f) => f.replace(/^f(\d+)/, 'clip_$1')));
  for (const f of imageLabels) assert.equal(labels(vidOut, f.replace(/^f(\d+)/, 'clip_$1')), labels(imgOut, f), f);

  assert.deepEqual(readdirSync(vidOut).sort(), ['clip.mp4', 'labels']);
  const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=width,height,avg_frame_rate,nb_read_frames,codec_name', '-of', 'json', join(vidOut, 'clip.mp4')], { encoding: 'utf8' })).streams[0];
  assert.deepEqual([probe.codec_name, probe.width, probe.height, probe.avg_frame_rate, Number(probe.nb_read_frames)], ['mpeg4', 320, 232, '5/1', FRAMES]);
});

test('--vid-stride 2 keeps frames 2 and 4 (the last of each pair), numbered 1 and 2', async () => {
  const { video } = await made;
  const imgOut = join(work, 'img', 'exp');
  const r = run('--source', video, '--vid-stride', '2', '--save-txt', '--save-conf', '--nosave', '--project', join(work, 'stride'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /video 1\/1 \(2\/2\) /);
  const out = join(work, 'stride', 'exp');
  assert.equal(labels(out, 'clip_1.txt'), labels(imgOut, 'f2.txt'));
  assert.equal(labels(out, 'clip_2.txt'), labels(imgOut, 'f4.txt'));
});

test('detector.stream(video) yields every frame with the detections of the same frame as an image', async () => {
  const { frames, video } = await made;
  const det = await loadDetector(weights, { conf: 0.3 });
  const seen: number[] = [];
  for await (const { frame, index, detections } of det.stream(video)) {
    seen.push(index);
    assert.deepEqual([frame.width, frame.height], [320, 232]);
    assert.deepEqual(detections, await det.detect(join(frames, `f${index + 1}.png`)), `frame ${index}`);
  }
  assert.deepEqual(seen, [0, 1, 2, 3]);
  await det.dispose();
});

test('an unreadable or 0-frame video or a missing ffmpeg is a clear error, before anything is written', async () => {
  const bad = join(work, 'bad');
  mkdirSync(bad);
  writeFileSync(join(bad, 'broken.mp4'), 'not a video');
  const r = run('--source', join(bad, 'broken.mp4'), '--project', join(work, 'badrun'));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /broken\.mp4: cannot read video/);
  assert.equal(existsSync(join(work, 'badrun')), false, 'the sources are checked before the run folder is made');
  // An AVI whose video stream holds no frame.
  const empty = join(bad, 'empty.avi');
  execFileSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=gray:s=64x48:r=5', '-frames:v', '0', '-c:v', 'mpeg4', empty]);
  const e = run('--source', empty, '--project', join(work, 'emptyrun'));
  assert.equal(e.status, 1);
  assert.match(e.stderr, /empty\.avi: the video has no frames/);
  assert.equal(existsSync(join(work, 'emptyrun')), false);
  const { video } = await made;
  const noFfmpeg = spawnSync(process.execPath, [bin, 'detect', '--weights', weights, '--source', video, '--project', join(work, 'noff')], { encoding: 'utf8', env: { ...process.env, PATH: '/nonexistent' } });
  assert.equal(noFfmpeg.status, 1);
  assert.match(noFfmpeg.stderr, /ffprobe is not installed, and video sources need it: apt-get install -y ffmpeg/);
});
