// npm run bench:video — detect's throughput on a video against the same frames as PNG images: the bench makes
// BENCH_VIDEO_FRAMES frames of a digit scene (moving, so every frame differs), encodes them with ffmpeg (MPEG-4, as
// detect writes), then times detect() on the folder of PNGs and on the video, alternating, same model and --img.
// Rows: the demo's digits model exported to ONNX (onnxruntime-node) without and with saving annotated output, and
// the same model exported with NMS inside. Writes bench/results/video.json. A benchmark, not a test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { OnnxModel } from '../src/deploy/onnx-model.ts';
import { detect } from '../src/detect/detect.ts';
import { exportOnnx } from '../src/export/export-onnx.ts';
import { loadModel } from '../src/yolo/load-model.ts';
import { describeMachine } from './machine.ts';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const frames = Number(process.env.BENCH_VIDEO_FRAMES ?? 60);
const repeats = Number(process.env.BENCH_VIDEO_REPEATS ?? 3);
const img = 320;
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'tsyolo-bench-video-'));

/** Frames f0001.png …: the 320×232 sample scene sliding right by 2 px a frame, and their 30 fps MPEG-4 video. */
async function makeSource(): Promise<{ folder: string; video: string }> {
  const folder = join(work, 'frames');
  mkdirSync(folder);
  const sample = here('../web/sample.png');
  for (let k = 0; k < frames; k++) {
    const shift = (k * 2) % 64;
    const wide = await sharp(sample).extend({ left: shift, background: { r: 114, g: 114, b: 114 } }).raw().toBuffer({ resolveWithObject: true });
    await sharp(wide.data, { raw: { width: wide.info.width, height: wide.info.height, channels: 3 } })
      .extract({ left: 0, top: 0, width: 320, height: 232 })
      .png()
      .toFile(join(folder, `f${String(k + 1).padStart(4, '0')}.png`));
  }
  const video = join(work, 'clip.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-framerate', '30', '-i', join(folder, 'f%04d.png'), '-c:v', 'mpeg4', '-q:v', '2', '-pix_fmt', 'yuv420p', video]);
  return { folder, video };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface Row {
  measure: string;
  videoFps: number;
  imagesFps: number;
  /** video fps ÷ images fps (higher is better). */
  ratio: number;
  videoNmsMsPerFrame: number;
  imagesNmsMsPerFrame: number;
}

const { folder, video } = await makeSource();
const { model } = loadModel(here('../test/fixtures/digits-n-shufflenetv2.safetensors')); // the demo's trained model
model.fuse().eval();
const plainFile = join(work, 'digits.onnx');
const nmsFile = join(work, 'digits-nms.onnx');
writeFileSync(plainFile, exportOnnx(model, { imgsz: img }).bytes);
writeFileSync(nmsFile, exportOnnx(model, { imgsz: img, nms: { confThres: 0.25, iouThres: 0.45, maxDet: 100, agnostic: false } }).bytes);
model.dispose();

const cases = [
  { measure: `detect fps, digits ONNX @${img}, --nosave`, file: plainFile, nosave: true },
  { measure: `detect fps, digits ONNX @${img}, annotated output saved (.mp4 vs .png files)`, file: plainFile, nosave: false },
  { measure: `detect fps, digits ONNX with NMS inside @${img}, --nosave`, file: nmsFile, nosave: true },
];
const rows: Row[] = [];
for (const c of cases) {
  const backend = await OnnxModel.load(c.file, { threads });
  const times: Record<'video' | 'images', { s: number[]; nmsMs: number[] }> = { video: { s: [], nmsMs: [] }, images: { s: [], nmsMs: [] } };
  const project = join(work, 'runs');
  // One warm-up of each, then alternate so machine load falls on both sides alike.
  for (let k = 0; k < repeats + 1; k++) {
    for (const side of k % 2 ? (['images', 'video'] as const) : (['video', 'images'] as const)) {
      const t0 = performance.now();
      const r = await detect(backend, { source: side === 'video' ? video : folder, imgsz: img, nosave: c.nosave, project, name: side, existOk: true, log: () => {} });
      const s = (performance.now() - t0) / 1000;
      if (r.images.length !== frames) throw new Error(`${side}: detect saw ${r.images.length} frames, expected ${frames}`);
      if (k > 0) {
        times[side].s.push(s);
        times[side].nmsMs.push(r.speedMs.nms);
      }
    }
  }
  await backend.dispose();
  rmSync(project, { recursive: true, force: true });
  const videoFps = frames / median(times.video.s);
  const imagesFps = frames / median(times.images.s);
  const row = { measure: c.measure, videoFps, imagesFps, ratio: videoFps / imagesFps, videoNmsMsPerFrame: median(times.video.nmsMs), imagesNmsMsPerFrame: median(times.images.nmsMs) };
  rows.push(row);
  console.log(`${c.measure}: video ${videoFps.toFixed(1)} fps, images ${imagesFps.toFixed(1)} fps (${row.ratio.toFixed(2)}×), NMS ${row.videoNmsMsPerFrame.toFixed(2)} ms/frame`);
}

const result = {
  description: `detect() wall time over ${frames} frames (320×232, 30 fps MPEG-4 from the same PNGs) as a video vs as a folder of PNG images, median of ${repeats} after a warm-up; fps = frames ÷ seconds, including probe/decoder start-up`,
  settings: { frames, img, threads, repeats, model: 'test/fixtures/digits-n-shufflenetv2.safetensors exported to ONNX (onnxruntime-node)' },
  goal: { ratio: 1, text: 'video fps ≥ images fps (ffmpeg decodes in its own process while the model runs)' },
  rows,
  loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
  date: new Date().toISOString(),
  machine: { ...describeMachine(), threads },
};
const outDir = here('./results/');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'video.json'), JSON.stringify(result, null, 2) + '\n');
console.log(`written ${join(outDir, 'video.json')}`);
rmSync(work, { recursive: true, force: true });
