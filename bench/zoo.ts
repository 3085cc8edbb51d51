// npm run bench:zoo — the improvement zoo beside plain yolov5s at 640, batch 1: parameters, GFLOPs (YOLOv5's thop
// rule) and eval latency of the fused model in libtorch and in onnxruntime-node (its own ONNX export), for yolov5s
// and every example YAML shipped in configs/models/{attention,necks,heads,backbone}/ (nc 80).
// Timing is interleaved: each round runs every entry once per runtime, in an order rotated every round, so machine
// load drifting during the run hits all entries alike; the median of BENCH_ZOO_RUNS (≥ 20) rounds after
// BENCH_ZOO_WARMUP rounds. Writes bench/results/zoo.json and prints the Markdown table the README carries.
// A benchmark, not a test: absolute numbers move with machine load; compare rows of one run.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OnnxModel } from '../src/deploy/onnx-model.ts';
import { exportOnnx } from '../src/export/export-onnx.ts';
import { getNumThreads, noGrad, setNumThreads, tidy, zeros } from '../src/tensor/index.ts';
import type { Tensor } from '../src/tensor/tensor.ts';
import type { DetectionModel } from '../src/yolo/detection-model.ts';
import { loadModel } from '../src/yolo/load-model.ts';
import { SHIPPED_CONFIG_DIR, SHIPPED_CONFIG_GROUPS } from '../src/yolo/model-config.ts';
import { summarize } from '../src/yolo/model-info.ts';
import { describeMachine } from './machine.ts';

const IMG = Number(process.env.BENCH_ZOO_IMG ?? 640);
const RUNS = Math.max(20, Number(process.env.BENCH_ZOO_RUNS ?? 20));
const WARMUP = Number(process.env.BENCH_ZOO_WARMUP ?? 3);
const threads = Number(process.env.BENCH_THREADS ?? getNumThreads());
setNumThreads(threads);
const only = process.argv.slice(2);

interface Entry {
  cfg: string;
  group: string;
  model: DetectionModel;
  input: Tensor;
  onnx: OnnxModel;
  torchTimes: number[];
  onnxTimes: number[];
  layers: number;
  parameters: number;
  gflops: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function zooConfigs(): Array<{ cfg: string; group: string }> {
  const out = [{ cfg: 'yolov5s.yaml', group: 'baseline' }];
  for (const group of SHIPPED_CONFIG_GROUPS) {
    let files: string[] = [];
    try {
      files = readdirSync(join(SHIPPED_CONFIG_DIR, group)).filter((f) => f.endsWith('.yaml')).sort();
    } catch {
      continue;
    }
    for (const f of files) if (only.length === 0 || only.includes(f)) out.push({ cfg: f, group });
  }
  return out;
}

async function prepare(cfg: string, group: string, dir: string): Promise<Entry> {
  const { model } = loadModel(cfg, { nc: 80 });
  const s = summarize(model, IMG);
  model.fuse().eval();
  const file = join(dir, cfg.replace(/\.yaml$/, '.onnx'));
  writeFileSync(file, exportOnnx(model, { imgsz: IMG, batch: 1 }).bytes);
  const onnx = await OnnxModel.load(file, { threads });
  return { cfg, group, model, input: zeros([1, model.inputChannels, IMG, IMG]), onnx, torchTimes: [], onnxTimes: [], layers: s.layers, parameters: s.parameters, gflops: s.gflops };
}

async function timeOnce(e: Entry, onnxInput: Float32Array): Promise<[number, number]> {
  let t0 = performance.now();
  noGrad(() => tidy(() => void e.model.forward(e.input)));
  const torchMs = performance.now() - t0;
  t0 = performance.now();
  await e.onnx.forward(onnxInput, [1, e.model.inputChannels, IMG, IMG]);
  return [torchMs, performance.now() - t0];
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-bench-zoo-'));
  const entries: Entry[] = [];
  try {
    for (const { cfg, group } of zooConfigs()) {
      process.stdout.write(`preparing ${cfg} … `);
      entries.push(await prepare(cfg, group, dir));
      console.log('ok');
    }
    const onnxInput = new Float32Array(3 * IMG * IMG);
    for (let round = 0; round < WARMUP + RUNS; round++) {
      const order = entries.map((_, i) => entries[(i + round) % entries.length]!);
      for (const e of order) {
        const [t, o] = await timeOnce(e, onnxInput);
        if (round >= WARMUP) {
          e.torchTimes.push(t);
          e.onnxTimes.push(o);
        }
      }
      process.stdout.write(`\rround ${round + 1}/${WARMUP + RUNS}`);
    }
    console.log('');
  } finally {
    for (const e of entries) {
      await e.onnx.dispose();
      e.input.dispose();
      e.model.dispose();
    }
    rmSync(dir, { recursive: true, force: true });
  }

  const base = entries[0]!;
  const baseTorch = median(base.torchTimes);
  const baseOnnx = median(base.onnxTimes);
  const rows = entries.map((e) => {
    const torchMs = median(e.torchTimes);
    const onnxMs = median(e.onnxTimes);
    return {
      model: e.cfg,
      group: e.group,
      layers: e.layers,
      parameters: e.parameters,
      gflops: Math.round(e.gflops * 10) / 10,
      paramsVsYolov5s: e.parameters / base.parameters,
      gflopsVsYolov5s: e.gflops / base.gflops,
      libtorchMs: Math.round(torchMs * 100) / 100,
      onnxruntimeMs: Math.round(onnxMs * 100) / 100,
      libtorchVsYolov5s: torchMs / baseTorch,
      onnxruntimeVsYolov5s: onnxMs / baseOnnx,
    };
  });
  const result = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    settings: { img: IMG, batch: 1, runs: RUNS, warmup: WARMUP, threads, fused: true, nc: 80, order: 'interleaved, rotated each round' },
    rows,
  };
  const out = fileURLToPath(new URL('./results/zoo.json', import.meta.url));
  mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 1)}\n`);
  console.log(markdownTable(rows));
  console.log(`\nwritten to ${out}`);
}

const pct = (r: number) => `${r >= 1 ? '+' : '−'}${Math.abs((r - 1) * 100).toFixed(1)} %`;

function markdownTable(rows: Array<{ model: string; parameters: number; gflops: number; paramsVsYolov5s: number; gflopsVsYolov5s: number; libtorchMs: number; onnxruntimeMs: number; libtorchVsYolov5s: number; onnxruntimeVsYolov5s: number }>): string {
  return [
    '| model | params | Δ params | GFLOPs | Δ GFLOPs | libtorch ms | × yolov5s | onnxruntime ms | × yolov5s |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${(r.parameters / 1e6).toFixed(2)} M | ${pct(r.paramsVsYolov5s)} | ${r.gflops.toFixed(1)} | ${pct(r.gflopsVsYolov5s)} | ${r.libtorchMs.toFixed(1)} | ${r.libtorchVsYolov5s.toFixed(2)} | ${r.onnxruntimeMs.toFixed(1)} | ${r.onnxruntimeVsYolov5s.toFixed(2)} |`,
    ),
  ].join('\n');
}

await main();
