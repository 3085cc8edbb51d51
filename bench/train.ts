// npm run bench:train — training throughput (images/s) of one full YOLOv5 step on the CPU: forward, ComputeLoss,
// backward, clip_grad_norm(10), Nesterov SGD over smart_optimizer's three groups, EMA update. tsyolo beside the same
// step in plain PyTorch (bench/train_torch.py, NCHW as YOLOv5 trains), on the same fixed synthetic batches and the
// same thread count, for yolov5n-shufflenetv2 and yolov5s (nc 10, 320, batch 32). A tsyolo variant with the
// input and every 4-d parameter in channels_last is measured too (libtorch's depthwise conv is far faster there).
// Each side runs in its own process (so peak RSS is per side), in the order A B C C B A to spread machine load.
// Writes bench/results/train.json. A benchmark, not a test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { readNpyFile, writeNpyFile } from '../src/io/npy.ts';
import { fromHost, manualSeed, noGrad, setNumThreads, tidy, type Tensor } from '../src/tensor/index.ts';
import { clipGradNorm } from '../src/train/clip-grad.ts';
import { ModelEMA } from '../src/train/ema.ts';
import { ComputeLoss } from '../src/train/loss.ts';
import { smartOptimizer } from '../src/train/optimizer.ts';
import { loadModel } from '../src/yolo/load-model.ts';
import { resolveConfigPath } from '../src/yolo/model-config.ts';
import { describeMachine } from './machine.ts';

const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const SETTINGS = {
  nc: 10,
  img: 320,
  batch: Number(process.env.BENCH_BATCH ?? 32),
  /** Distinct synthetic batches the steps cycle through. */
  batches: 2,
  warmup: 1,
  steps: Number(process.env.BENCH_STEPS ?? 2),
};
const MODELS = (process.env.BENCH_MODELS ?? 'yolov5n-shufflenetv2.yaml,yolov5s.yaml').split(',');
const GOAL_RATIO = 1.0; // tsyolo images/s ÷ PyTorch images/s
type Variant = 'nchw' | 'channels_last';

interface SideResult {
  stepMs: number[];
  maxRssMb: number;
}

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Random pixels and 2–6 random boxes per image, from a fixed LCG so every run trains on the same batches. */
function writeSyntheticBatches(dir: string): void {
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const { batch, img, nc } = SETTINGS;
  for (let k = 0; k < SETTINGS.batches; k++) {
    const pixels = new Uint8Array(batch * 3 * img * img);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (rand() * 256) | 0;
    const rows: number[] = [];
    for (let b = 0; b < batch; b++) {
      const n = 2 + ((rand() * 5) | 0);
      for (let t = 0; t < n; t++) {
        const w = 0.04 + rand() * 0.4;
        const h = 0.04 + rand() * 0.4;
        rows.push(b, (rand() * nc) | 0, w / 2 + rand() * (1 - w), h / 2 + rand() * (1 - h), w, h);
      }
    }
    writeNpyFile(join(dir, `images_${k}.npy`), { dtype: 'uint8', shape: [batch, 3, img, img], data: pixels });
    writeNpyFile(join(dir, `targets_${k}.npy`), { dtype: 'float32', shape: [rows.length / 6, 6], data: Float32Array.from(rows) });
  }
}


/** One tsyolo side: build, warm up, time the steps; runs in a child process (see main). */
function tsyoloWorker(cfg: string, dir: string, variant: Variant): SideResult {
  setNumThreads(THREADS);
  manualSeed(0);
  const { nc, img } = SETTINGS;
  const { model } = loadModel(cfg, { nc });
  model.train();
  if (variant === 'channels_last') model.toChannelsLast();
  const batches: { images: Tensor; targets: Tensor }[] = [];
  for (let k = 0; k < SETTINGS.batches; k++) {
    batches.push({ images: fromHost(readNpyFile(join(dir, `images_${k}.npy`))), targets: fromHost(readNpyFile(join(dir, `targets_${k}.npy`))) });
  }
  const bs = batches[0]!.images.shape[0]!;
  const nbs = 64;
  const accumulate = Math.max(Math.round(nbs / bs), 1);
  // hyp.scratch-low with train.py's scaling for 3 layers, nc classes and img pixels.
  const hyp = { box: 0.05, obj: 1.0 * (img / 640) ** 2, cls: (0.5 * nc) / 80, cls_pw: 1.0, obj_pw: 1.0, anchor_t: 4.0, fl_gamma: 0.0 };
  const computeLoss = new ComputeLoss(model, hyp);
  const optimizer = smartOptimizer(model, 'SGD', 0.01, 0.937, (0.0005 * bs * accumulate) / nbs);
  const ema = new ModelEMA(model);
  const params = [...model.parameters()];
  const stepMs: number[] = [];
  for (let s = 0; s < SETTINGS.warmup + SETTINGS.steps; s++) {
    const { images, targets } = batches[s % batches.length]!;
    const t0 = performance.now();
    const lossValue = tidy(() => {
      let x = images.float().div(255);
      if (variant === 'channels_last') x = x.contiguous('channels_last');
      const l = computeLoss.compute(model.forward(x) as Tensor[], targets);
      l.loss.backward();
      return l.loss.item();
    });
    clipGradNorm(params, 10.0);
    optimizer.step();
    optimizer.zeroGrad();
    ema.update(model);
    if (s >= SETTINGS.warmup) stepMs.push(performance.now() - t0);
    if (!Number.isFinite(lossValue)) throw new Error(`tsyolo ${cfg}: loss is ${lossValue} at step ${s}`);
  }
  return { stepMs, maxRssMb: process.resourceUsage().maxRSS / 1024 };
}

function runTsyolo(cfg: string, dir: string, variant: Variant): SideResult {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--worker', cfg, dir, variant], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as SideResult;
}

function runTorch(cfg: string, dir: string): SideResult {
  const script = fileURLToPath(new URL('./train_torch.py', import.meta.url));
  const { nc, img, warmup, steps } = SETTINGS;
  const args = [script, resolveConfigPath(cfg), dir, nc, img, THREADS, warmup, steps].map(String);
  let out: string;
  try {
    out = execFileSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  } catch (e) {
    throw new Error(`the PyTorch baseline (${PYTHON} ${script}) failed: ${(e as Error).message}`);
  }
  const r = JSON.parse(out.trim().split('\n').pop()!) as { step_ms: number[]; max_rss_mb: number; threads: number };
  if (r.threads !== THREADS) throw new Error(`the PyTorch baseline ran with ${r.threads} threads, not ${THREADS}`);
  return { stepMs: r.step_ms, maxRssMb: r.max_rss_mb };
}

export function main(): void {
  setNumThreads(THREADS);
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-bench-train-'));
  const rows = [];
  try {
    writeSyntheticBatches(dir);
    console.log(`train benchmark: ${MODELS.join(', ')}; nc ${SETTINGS.nc}, ${SETTINGS.img}px, batch ${SETTINGS.batch}, ${SETTINGS.warmup} warm-up + ${SETTINGS.steps} timed steps per run, ${THREADS} threads`);
    for (const cfg of MODELS) {
      const runs: Record<'tsyolo' | 'tsyoloChannelsLast' | 'torch', SideResult[]> = { tsyolo: [], tsyoloChannelsLast: [], torch: [] };
      const sides = {
        tsyolo: () => runTsyolo(cfg, dir, 'nchw'),
        tsyoloChannelsLast: () => runTsyolo(cfg, dir, 'channels_last'),
        torch: () => runTorch(cfg, dir),
      };
      const order = ['tsyolo', 'torch', 'tsyoloChannelsLast', 'tsyoloChannelsLast', 'torch', 'tsyolo'] as const;
      for (const side of order) {
        const r = sides[side]();
        runs[side].push(r);
        console.log(`  ${cfg} ${side}: steps ${r.stepMs.map((v) => v.toFixed(0)).join(', ')} ms, peak RSS ${r.maxRssMb.toFixed(0)} MB`);
      }
      const summary = (rs: SideResult[]) => {
        const ms = median(rs.flatMap((r) => r.stepMs));
        return { stepMs: round(ms, 1), imagesPerSecond: round((SETTINGS.batch * 1000) / ms, 2), peakRssMb: round(Math.max(...rs.map((r) => r.maxRssMb)), 0) };
      };
      const tsyolo = summary(runs.tsyolo);
      const tsyoloChannelsLast = summary(runs.tsyoloChannelsLast);
      const torch = summary(runs.torch);
      const row = {
        model: cfg,
        tsyolo,
        tsyoloChannelsLast,
        pytorch: torch,
        ratio: round(tsyolo.imagesPerSecond / torch.imagesPerSecond, 3),
        ratioChannelsLast: round(tsyoloChannelsLast.imagesPerSecond / torch.imagesPerSecond, 3),
      };
      console.log(
        `${cfg}: tsyolo ${tsyolo.imagesPerSecond} img/s (channels_last ${tsyoloChannelsLast.imagesPerSecond}), PyTorch ${torch.imagesPerSecond} img/s → ratio ${row.ratio} (channels_last ${row.ratioChannelsLast}); peak RSS ${tsyolo.peakRssMb} / ${tsyoloChannelsLast.peakRssMb} / ${torch.peakRssMb} MB`,
      );
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const result = {
    benchmark: 'training images/s of one full step (forward, loss, backward, clip, SGD, EMA), CPU',
    machine: describeMachine(PYTHON),
    settings: { ...SETTINGS, threads: THREADS, order: 'tsyolo, torch, tsyolo channels_last ×2, torch, tsyolo (one process each)' },
    loadAverage: loadavg().map((v) => round(v, 2)),
    goal: { ratio: GOAL_RATIO, meaning: 'tsyolo images/s ÷ PyTorch images/s ≥ goal' },
    results: rows,
    date: new Date().toISOString(),
  };
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  const out = fileURLToPath(new URL('./results/train.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${out}`);
}

const workerAt = process.argv.indexOf('--worker');
if (workerAt >= 0) {
  const [cfg, dir, variant] = process.argv.slice(workerAt + 1);
  if (!cfg || !dir || (variant !== 'nchw' && variant !== 'channels_last')) throw new Error('usage: train.ts --worker CONFIG BATCH_DIR nchw|channels_last');
  console.log(JSON.stringify(tsyoloWorker(cfg, dir, variant)));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main();
}
