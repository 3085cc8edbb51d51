// npm run bench:model — eval forward latency of yolov5s-shufflenetv2 and yolov5s at 320 and 640 (batch 1),
// tsyolo (libtorch via the addon) beside the same architecture in plain PyTorch on the same libtorch, same threads;
// and yolov5s-ghost / v5Lite-s beside the model built by a YOLOv5 v7.0 / YOLOv5-Lite checkout's own code
// (YOLOV5_DIR / YOLOV5_LITE_DIR; rows are marked skipped when the variable is not set).
// Writes bench/results/model.json. A benchmark, not a test: numbers vary with machine load.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { getNumThreads, libtorchVersion, noGrad, rand, setNumThreads, tidy } from '../src/tensor/index.ts';
import { loadModel } from '../src/yolo/load-model.ts';
import { resolveConfigPath } from '../src/yolo/model-config.ts';

const threads = Number(process.env.BENCH_THREADS ?? 2);
const iters = Number(process.env.BENCH_ITERS ?? 10);
setNumThreads(threads);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function tsyoloMs(cfg: string, img: number): number {
  const { model } = loadModel(cfg);
  model.eval();
  const x = rand([1, 3, img, img]);
  const times: number[] = [];
  for (let k = 0; k < iters + 2; k++) {
    const t0 = performance.now();
    noGrad(() => tidy(() => void model.forward(x)));
    if (k >= 2) times.push(performance.now() - t0);
  }
  x.dispose();
  model.dispose();
  return median(times);
}

function pythonMs(script: string, args: string[]): number {
  const path = fileURLToPath(new URL(script, import.meta.url));
  const out = execFileSync('/usr/bin/python3', [path, ...args], { encoding: 'utf8' });
  return (JSON.parse(out.trim().split('\n').pop()!) as { median_ms: number }).median_ms;
}

/** The PyTorch side: this bench's plain re-implementation, or the model a reference checkout's own code builds. */
function torchMs(cfg: string, img: number, referenceDir?: string): number {
  const rest = [resolveConfigPath(cfg), String(img), String(threads), String(iters)];
  return referenceDir ? pythonMs('./model_reference.py', [referenceDir, ...rest]) : pythonMs('./model_torch.py', rest);
}

const MODELS: { cfg: string; referenceEnv?: string }[] = [
  { cfg: 'yolov5s-shufflenetv2.yaml' },
  { cfg: 'yolov5s.yaml' },
  { cfg: 'yolov5s-ghost.yaml', referenceEnv: 'YOLOV5_DIR' },
  { cfg: 'v5Lite-s.yaml', referenceEnv: 'YOLOV5_LITE_DIR' },
];

const results = [];
const skipped: string[] = [];
for (const { cfg, referenceEnv } of MODELS) {
  const referenceDir = referenceEnv ? process.env[referenceEnv] : undefined;
  if (referenceEnv && !referenceDir) {
    console.log(`${cfg.padEnd(28)} skipped: set ${referenceEnv} to a checkout whose models/yolo.py builds it`);
    skipped.push(`${cfg} (${referenceEnv} not set)`);
    continue;
  }
  for (const img of [320, 640]) {
    // Alternate the two twice and keep each side's best median: the machine is shared and noisy.
    const runs = { ours: [] as number[], theirs: [] as number[] };
    for (let round = 0; round < 2; round++) {
      runs.ours.push(tsyoloMs(cfg, img));
      runs.theirs.push(torchMs(cfg, img, referenceDir));
    }
    const ours = Math.min(...runs.ours);
    const theirs = Math.min(...runs.theirs);
    const row = { model: cfg, img, batch: 1, pytorchSide: referenceEnv ? `${referenceEnv}'s models/yolo.py` : 'bench/model_torch.py', tsyoloMs: +ours.toFixed(2), pytorchMs: +theirs.toFixed(2), ratio: +(ours / theirs).toFixed(3) };
    console.log(`${cfg.padEnd(28)} ${String(img).padStart(4)}  tsyolo ${row.tsyoloMs.toFixed(1).padStart(7)} ms  PyTorch ${row.pytorchMs.toFixed(1).padStart(7)} ms  ratio ${row.ratio}`);
    results.push(row);
  }
}
const report = {
  benchmark: 'model forward latency (eval, batch 1, median)',
  machine: { cpu: cpus()[0]?.model, cores: cpus().length, threads: getNumThreads(), node: process.version, libtorch: libtorchVersion() },
  iterations: iters,
  goal: 'ratio (tsyolo / PyTorch) ≤ 1.05',
  results,
  skipped,
};
mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
writeFileSync(fileURLToPath(new URL('./results/model.json', import.meta.url)), JSON.stringify(report, null, 2) + '\n');
console.log('wrote bench/results/model.json');
