// npm run bench:ddp — what data-parallel training buys on this machine and what more machines would cost (#17):
//  1. training images/s of one process with 2 torch threads against `--nproc-per-node 2` (2 ranks × 1 thread), the
//     same run otherwise (digit scenes, --cache ram, no loader threads, no val/plots/AutoAnchor); an epoch's time is
//     its training phases (data wait + forward/backward + optimizer with the gradient all-reduce), epoch 0 dropped;
//  2. the all-reduce per optimizer step for each model's gradients (2 ranks over Gloo on 127.0.0.1, the trainer's
//     25 MB buckets), and what a ring all-reduce of that size would take over 1 and 10 Gbit/s links between machines.
// Writes bench/results/ddp.json. A benchmark, not a test; about 3–5 minutes on 2 cores.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { generateDigits } from '../src/data/digits.ts';
import { allreduceMean, launchRanks, ProcessGroup, readRankEnvironment, TCPStore } from '../src/distributed/index.ts';
import { setNumThreads, zeros, type Tensor } from '../src/tensor/index.ts';
import { train, type TrainResult } from '../src/train/trainer.ts';
import { DetectionModel } from '../src/yolo/detection-model.ts';
import { loadModelConfig } from '../src/yolo/model-config.ts';
import { describeMachine } from './machine.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SETTINGS = {
  cfg: process.env.DDP_CFG ?? 'yolov5n-shufflenetv2.yaml',
  trainImages: env('DDP_TRAIN', 96),
  img: env('DDP_IMG', 160),
  batch: env('DDP_BATCH', 16),
  epochs: env('DDP_EPOCHS', 3),
  allreduceModels: (process.env.DDP_ALLREDUCE_MODELS ?? 'yolov5n-shufflenetv2.yaml,yolov5s.yaml').split(','),
  allreduceSteps: env('DDP_ALLREDUCE_STEPS', 20),
};
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

// ------------------------------------------------------------------------------------------------ rank role

/** A rank of the all-reduce timing: every model's gradient-sized tensors, averaged `allreduceSteps` times. */
function allreduceRank(): void {
  const e = readRankEnvironment()!;
  setNumThreads(1);
  const store = new TCPStore({ host: e.masterAddr, port: e.masterPort, worldSize: e.worldSize, isMaster: e.rank === 0, timeoutMs: 120_000 });
  const group = new ProcessGroup(store, { rank: e.rank, worldSize: e.worldSize, timeoutMs: 120_000, deviceHost: '127.0.0.1' });
  const results = SETTINGS.allreduceModels.map((cfg) => {
    const model = new DetectionModel(loadModelConfig(cfg).config, { nc: 10 });
    const grads: Tensor[] = [...model.parameters()].map((p) => zeros(p.shape));
    const parameters = grads.reduce((s, g) => s + g.numel, 0);
    allreduceMean(group, grads); // warm-up: connections and buffers
    group.barrier();
    const ms: number[] = [];
    for (let k = 0; k < SETTINGS.allreduceSteps; k++) {
      const t0 = performance.now();
      allreduceMean(group, grads);
      ms.push(performance.now() - t0);
    }
    for (const g of grads) g.dispose();
    model.dispose();
    ms.sort((a, b) => a - b);
    return { model: cfg, parameters, megabytes: round((parameters * 4) / 1e6, 2), medianMs: round(ms[ms.length >> 1]!, 2), minMs: round(ms[0]!, 2) };
  });
  group.close();
  store.close();
  if (e.rank === 0) process.stdout.write(`${JSON.stringify(results)}\n`);
}

// ------------------------------------------------------------------------------------------------ launcher role

/** Images per second of the training phases, epochs after the first. */
function imagesPerSecond(r: TrainResult, images: number): { imagesPerSecond: number; epochSeconds: number[] } {
  const epochSeconds = r.phases.map((p) => p['data wait'] + p['forward+backward'] + p['optimizer+EMA']);
  const timed = epochSeconds.slice(1);
  const mean = timed.reduce((s, v) => s + v, 0) / timed.length;
  return { imagesPerSecond: round(images / mean, 2), epochSeconds: epochSeconds.map((s) => round(s, 2)) };
}

async function trainRun(data: string, project: string, name: string, extra: Record<string, unknown>): Promise<TrainResult> {
  return train({
    data, cfg: SETTINGS.cfg, imgsz: SETTINGS.img, batchSize: SETTINGS.batch, epochs: SETTINGS.epochs, hyp: 'hyp.digits.yaml',
    workers: 0, cache: 'ram', noval: true, noplots: true, noautoanchor: true, project, name, log: () => {}, write: () => {}, ...extra,
  });
}

async function main(): Promise<void> {
  const base = mkdtempSync(join(tmpdir(), 'tsyolo-bench-ddp-'));
  try {
    const digits = await generateDigits({ out: join(base, 'digits'), train: SETTINGS.trainImages, val: 8, img: SETTINGS.img, seed: 3 });
    const project = join(base, 'runs');
    const load0 = loadavg()[0];

    console.log(`1 process × 2 threads: ${SETTINGS.cfg} @${SETTINGS.img}, batch ${SETTINGS.batch}, ${SETTINGS.trainImages} images, ${SETTINGS.epochs} epochs`);
    setNumThreads(2);
    const single = imagesPerSecond(await trainRun(digits.yamlPath, project, 'single', {}), SETTINGS.trainImages);
    console.log(`  ${single.imagesPerSecond} img/s (epochs ${single.epochSeconds.join(', ')} s)`);

    console.log('2 ranks × 1 thread (--nproc-per-node 2)');
    const port = 29400 + Math.floor(Math.random() * 500);
    const ddp = imagesPerSecond(await trainRun(digits.yamlPath, project, 'ddp', { nprocPerNode: 2, masterPort: port }), SETTINGS.trainImages);
    console.log(`  ${ddp.imagesPerSecond} img/s (epochs ${ddp.epochSeconds.join(', ')} s)`);

    console.log(`all-reduce of the gradients, 2 ranks on 127.0.0.1, ${SETTINGS.allreduceSteps} steps`);
    let out = '';
    await launchRanks({
      nprocPerNode: 2, nnodes: 1, nodeRank: 0, masterAddr: '127.0.0.1', masterPort: port + 1,
      command: [process.execPath, '--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url)],
      env: { BENCH_DDP_ROLE: 'allreduce' },
      onStdout: (_rank, text) => (out += text),
    });
    const allreduce = (JSON.parse(out.trim().split('\n').pop()!) as Array<{ model: string; parameters: number; megabytes: number; medianMs: number; minMs: number }>).map((r) => {
      // A ring all-reduce sends and receives 2·(W−1)/W of the buffer per rank; W = 2 here, → 1 for many machines.
      const ringSeconds = (gbit: number, w: number) => round(((2 * (w - 1)) / w) * ((r.megabytes * 8) / (gbit * 1000)) * 1000, 1);
      return { ...r, estimatedMs: { '1Gbit_2machines': ringSeconds(1, 2), '1Gbit_8machines': ringSeconds(1, 8), '10Gbit_8machines': ringSeconds(10, 8) } };
    });
    for (const r of allreduce) console.log(`  ${r.model}: ${r.megabytes} MB of gradients, median ${r.medianMs} ms per step (1 Gbit/s, 8 machines: ~${r.estimatedMs['1Gbit_8machines']} ms)`);

    const result = {
      settings: { ...SETTINGS, cache: 'ram', workers: 0, phases: 'data wait + forward+backward + optimizer+EMA (with the all-reduce), epoch 0 dropped' },
      single: { ranks: 1, threadsPerRank: 2, ...single },
      ddp: { ranks: 2, threadsPerRank: 1, ...ddp },
      speedup: round(ddp.imagesPerSecond / single.imagesPerSecond, 3),
      allreduce,
      loadAverage: { before: round(load0!, 2), after: round(loadavg()[0]!, 2) },
      machine: describeMachine(),
      date: new Date().toISOString(),
    };
    mkdirSync(fileURLToPath(new URL('./results/', import.meta.url)), { recursive: true });
    writeFileSync(fileURLToPath(new URL('./results/ddp.json', import.meta.url)), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`2 ranks ÷ 1 process: ${result.speedup}× → bench/results/ddp.json`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

if (process.env.BENCH_DDP_ROLE === 'allreduce') allreduceRank();
else await main();
