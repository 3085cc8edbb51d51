// npm run bench:infer — (a) end-to-end detect latency per image (JPEG decode, letterbox, forward, NMS) at 640,
// batch 1, for yolov5s-shufflenetv2 fused in eval mode: tsyolo's detect() beside the same pipeline in plain PyTorch
// (bench/infer_torch.py) with the same weights, same threads, in one run; (b) throughput of tsyolo's val() on a
// generated digits set. Writes bench/results/infer.json. A benchmark, not a test: figures move with machine load,
// so the sides alternate (tsyolo, PyTorch, PyTorch, tsyolo) and each keeps its median.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

import { generateDigits } from '../src/data/digits.ts';
import { detect } from '../src/detect/detect.ts';
import { writeNpyFile } from '../src/io/npy.ts';
import { manualSeed, setNumThreads, tidy } from '../src/tensor/index.ts';
import { libtorchBackend } from '../src/deploy/libtorch-backend.ts';
import { val } from '../src/val/val.ts';
import { loadModel } from '../src/yolo/load-model.ts';
import { resolveConfigPath } from '../src/yolo/model-config.ts';
import { describeMachine } from './machine.ts';

const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const MODEL = 'yolov5s-shufflenetv2.yaml';
const DETECT = { img: 640, images: Number(process.env.BENCH_IMAGES ?? 6), width: 1280, height: 720, rounds: 2, nc: 80 };
const VAL = { img: 320, images: Number(process.env.BENCH_VAL_IMAGES ?? 96), batch: 32, nc: 10 };
const GOAL_RATIO = 1.0; // tsyolo ms per image ÷ PyTorch ms per image

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Street-scene-sized JPEGs: a smooth gradient with a few flat rectangles (cheap to make, realistic to decode). */
async function writeImages(dir: string): Promise<void> {
  const { width: w, height: h } = DETECT;
  for (let i = 0; i < DETECT.images; i++) {
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 3;
        raw[o] = (x * 255) / w + i * 20;
        raw[o + 1] = (y * 255) / h;
        raw[o + 2] = ((x + y) >> 2) & 255;
      }
    }
    for (let k = 0; k < 4; k++) {
      const [x1, y1] = [((i * 197 + k * 331) % (w - 200)) | 0, ((i * 89 + k * 151) % (h - 200)) | 0];
      for (let y = y1; y < y1 + 160; y++) raw.fill(40 * k + 30, (y * w + x1) * 3, (y * w + x1 + 120) * 3);
    }
    await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(dir, `im${i}.jpg`));
  }
}

/** Mean ms per image of one pass of detect() over the folder; also the detection count per image. */
async function tsyoloPass(model: ReturnType<typeof loadModel>['model'], imagesDir: string, project: string): Promise<{ ms: number; detections: number[] }> {
  const t0 = performance.now();
  const r = await detect(libtorchBackend(model), { source: imagesDir, imgsz: DETECT.img, nosave: true, project, name: 'exp', existOk: true, log: () => {} });
  const ms = (performance.now() - t0) / r.images.length;
  return { ms, detections: r.images.map((im) => im.detections.length / 6) };
}

function torchRun(weightsDir: string, imagesDir: string): { ms_per_image: number[]; detections: number[] } {
  const script = fileURLToPath(new URL('./infer_torch.py', import.meta.url));
  const args = [script, resolveConfigPath(MODEL), weightsDir, imagesDir, DETECT.img, THREADS, DETECT.rounds].map(String);
  try {
    const out = execFileSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    const r = JSON.parse(out.trim().split('\n').pop()!) as { ms_per_image: number[]; detections: number[]; threads: number };
    if (r.threads !== THREADS) throw new Error(`it ran with ${r.threads} threads, not ${THREADS}`);
    return r;
  } catch (e) {
    throw new Error(`the PyTorch baseline (${PYTHON} ${script}) failed: ${(e as Error).message}`);
  }
}

async function detectLatency(work: string) {
  const imagesDir = join(work, 'images');
  const weightsDir = join(work, 'weights');
  mkdirSync(imagesDir, { recursive: true });
  mkdirSync(weightsDir, { recursive: true });
  await writeImages(imagesDir);
  const { model } = loadModel(MODEL, { nc: DETECT.nc });
  // The PyTorch side loads these exact (unfused) weights, so both must find the same boxes.
  for (const [k, t] of model.stateDict()) tidy(() => writeNpyFile(join(weightsDir, `${k}.npy`), t.detach().toHost()));
  writeNpyFile(join(weightsDir, 'nc.npy'), { dtype: 'int64', shape: [], data: BigInt64Array.of(BigInt(DETECT.nc)) });
  model.fuse();
  model.eval();
  const project = join(work, 'runs');
  const warm = await tsyoloPass(model, imagesDir, project);
  const ours: number[] = [];
  const theirs: number[] = [];
  let torchDetections: number[] = [];
  const runOurs = async () => {
    for (let r = 0; r < DETECT.rounds; r++) ours.push((await tsyoloPass(model, imagesDir, project)).ms);
  };
  const runTheirs = () => {
    const r = torchRun(weightsDir, imagesDir);
    theirs.push(...r.ms_per_image);
    torchDetections = r.detections;
  };
  await runOurs();
  runTheirs();
  runTheirs();
  await runOurs();
  model.dispose();
  const tsyoloMs = median(ours);
  const torchMs = median(theirs);
  return {
    model: `${MODEL} (fused, eval, nc ${DETECT.nc})`,
    img: DETECT.img,
    batch: 1,
    images: `${DETECT.images} JPEGs ${DETECT.width}×${DETECT.height}`,
    tsyoloMsPerImage: round(tsyoloMs, 1),
    pytorchMsPerImage: round(torchMs, 1),
    ratio: round(tsyoloMs / torchMs, 3),
    detectionsPerImage: { tsyolo: warm.detections, pytorch: torchDetections },
    samples: { tsyolo: ours.map((v) => round(v, 1)), pytorch: theirs.map((v) => round(v, 1)) },
  };
}

async function valThroughput(work: string) {
  const digits = await generateDigits({ out: join(work, 'digits'), train: 0, val: VAL.images, img: VAL.img, seed: 0 });
  const { model } = loadModel(MODEL, { nc: VAL.nc });
  model.fuse();
  model.eval();
  const run = async () => {
    const t0 = performance.now();
    await val({ data: digits.yamlPath, model: libtorchBackend(model), imgsz: VAL.img, batchSize: VAL.batch, plots: false, log: () => {} });
    return (performance.now() - t0) / 1000;
  };
  await run(); // warm-up: loader workers, label cache, allocator
  const seconds = Math.min(await run(), await run());
  model.dispose();
  return { model: `${MODEL} (fused, eval, nc ${VAL.nc})`, img: VAL.img, batch: VAL.batch, images: VAL.images, seconds: round(seconds, 2), imagesPerSecond: round(VAL.images / seconds, 2) };
}

export async function main(): Promise<void> {
  setNumThreads(THREADS);
  manualSeed(0);
  const work = mkdtempSync(join(tmpdir(), 'tsyolo-bench-infer-'));
  try {
    console.log(`infer benchmark: ${MODEL} detect @${DETECT.img} over ${DETECT.images} images × ${DETECT.rounds} rounds per run; val @${VAL.img} on ${VAL.images} digits images; ${THREADS} threads`);
    const detectResult = await detectLatency(work);
    console.log(`detect: tsyolo ${detectResult.tsyoloMsPerImage} ms/image, PyTorch ${detectResult.pytorchMsPerImage} ms/image → ratio ${detectResult.ratio} (goal ≤ ${GOAL_RATIO}); detections tsyolo [${detectResult.detectionsPerImage.tsyolo.join(', ')}], PyTorch [${detectResult.detectionsPerImage.pytorch.join(', ')}]`);
    const valResult = await valThroughput(work);
    console.log(`val: ${valResult.imagesPerSecond} images/s (${valResult.images} images in ${valResult.seconds} s)`);
    const result = {
      benchmark: 'end-to-end detect latency per image and val throughput, CPU',
      machine: describeMachine(PYTHON),
      settings: { threads: THREADS, detect: DETECT, val: VAL, order: 'tsyolo, torch, torch, tsyolo' },
      loadAverage: loadavg().map((v) => round(v, 2)),
      goal: { ratio: GOAL_RATIO, meaning: 'tsyolo ms per image ÷ PyTorch ms per image ≤ goal' },
      detect: detectResult,
      val: valResult,
      date: new Date().toISOString(),
    };
    mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
    const out = fileURLToPath(new URL('./results/infer.json', import.meta.url));
    writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`written to ${out}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
