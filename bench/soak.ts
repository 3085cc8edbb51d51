// npm run bench:soak — memory over a long training run (issue 13): trains yolov5n-shufflenetv2 on the bundled digit
// scenes for 12+ epochs in a child process while this process samples the child's RSS from /proc every 200 ms
// (the child's own timers cannot fire inside a long synchronous step). An epoch ends when its row lands in
// results.csv. Goal: the peak RSS over the last 3 epochs ≤ 1.10 × the peak over epochs 2–4 (1-based), i.e. memory
// levels off instead of growing by a fixed amount every epoch. The child also reports, at each epoch end, where
// the memory lives (JS heap, ArrayBuffers, live tensors, glibc's main heap vs other anonymous mappings).
// Writes bench/results/soak.json. A benchmark, not a test.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { generateDigits } from '../src/data/digits.ts';
import { liveTensorCount, setNumThreads } from '../src/tensor/index.ts';
import { train } from '../src/train/trainer.ts';
import { describeMachine } from './machine.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SETTINGS = {
  cfg: process.env.SOAK_CFG ?? 'yolov5n-shufflenetv2.yaml',
  trainImages: env('SOAK_TRAIN', 800),
  valImages: env('SOAK_VAL', 200),
  img: env('SOAK_IMG', 320),
  batch: env('SOAK_BATCH', 32),
  epochs: env('SOAK_EPOCHS', 12),
  workers: env('SOAK_WORKERS', 2),
  threads: env('BENCH_THREADS', 2),
  noval: process.env.SOAK_NOVAL === '1',
  cache: process.env.SOAK_CACHE === 'none' ? undefined : ('ram' as const),
};
const GOAL_RATIO = 1.1;
const SAMPLE_MS = 200;
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const MB = 1024 * 1024;

/** Where the child's memory is at one epoch end. */
interface EpochSnapshot {
  epoch: number;
  rssMb: number;
  jsHeapUsedMb: number;
  arrayBuffersMb: number;
  liveTensors: number;
  /** Resident part of glibc's main (brk) heap. */
  brkHeapMb: number;
  /** Resident anonymous mappings other than the brk heap: mmap'd blocks, thread arenas, V8 spaces, stacks. */
  otherAnonMb: number;
  anonMappings: number;
}

/** Resident kB of the brk heap and of the other anonymous mappings, from /proc/self/smaps. */
function residentByKind(): { brkHeapMb: number; otherAnonMb: number; anonMappings: number } {
  let heap = 0;
  let anon = 0;
  let anonMappings = 0;
  let kind: 'heap' | 'anon' | 'file' = 'file';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ (\d+)\s*(.*)$/.exec(line);
    if (header) {
      const name = header[2]!.trim();
      kind = name === '[heap]' ? 'heap' : name === '' && header[1] === '0' ? 'anon' : 'file';
      if (kind === 'anon') anonMappings++;
      continue;
    }
    if (line.startsWith('Rss:')) {
      const kb = Number(line.split(/\s+/)[1]);
      if (kind === 'heap') heap += kb;
      else if (kind === 'anon') anon += kb;
    }
  }
  return { brkHeapMb: round(heap / 1024, 1), otherAnonMb: round(anon / 1024, 1), anonMappings };
}

function resultsRows(csv: string): number {
  return existsSync(csv) ? Math.max(readFileSync(csv, 'utf8').trim().split('\n').length - 1, 0) : 0;
}

/** The child: train in-process, print one JSON snapshot line per finished epoch, then {"done":…}. */
async function child(dataYaml: string, project: string): Promise<void> {
  setNumThreads(SETTINGS.threads);
  const csv = join(project, 'soak', 'results.csv');
  let seen = 0;
  const snapshot = () => {
    const rows = resultsRows(csv);
    if (rows === seen) return;
    seen = rows;
    const m = process.memoryUsage();
    const s: EpochSnapshot = {
      epoch: rows,
      rssMb: round(m.rss / MB, 1),
      jsHeapUsedMb: round(m.heapUsed / MB, 1),
      arrayBuffersMb: round(m.arrayBuffers / MB, 1),
      liveTensors: liveTensorCount(),
      ...residentByKind(),
    };
    console.log(`SNAPSHOT ${JSON.stringify(s)}`);
  };
  const timer = setInterval(snapshot, 250);
  const t0 = performance.now();
  await train({
    data: dataYaml,
    cfg: SETTINGS.cfg,
    hyp: 'hyp.digits.yaml',
    epochs: SETTINGS.epochs,
    batchSize: SETTINGS.batch,
    imgsz: SETTINGS.img,
    workers: SETTINGS.workers,
    cache: SETTINGS.cache,
    noval: SETTINGS.noval,
    project,
    name: 'soak',
    existOk: true,
    seed: 0,
    noplots: true,
    log: () => {},
    write: () => {},
  });
  clearInterval(timer);
  snapshot();
  console.log(`DONE ${JSON.stringify({ seconds: round((performance.now() - t0) / 1000, 1) })}`);
}

function rssKb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const work = fileURLToPath(new URL('../.tsyolo/soak/', import.meta.url));
  const dataDir = join(work, `digits-${SETTINGS.trainImages}-${SETTINGS.valImages}-${SETTINGS.img}`);
  const project = join(work, 'runs');
  rmSync(project, { recursive: true, force: true });
  const data = await generateDigits({ out: dataDir, train: SETTINGS.trainImages, val: SETTINGS.valImages, img: SETTINGS.img, seed: 0, log: () => {} });
  console.log(`soak benchmark: ${SETTINGS.cfg}, ${SETTINGS.trainImages} scenes @${SETTINGS.img}, batch ${SETTINGS.batch}, ${SETTINGS.epochs} epochs, ${SETTINGS.workers} workers`);

  const self = fileURLToPath(import.meta.url);
  const proc = spawn(process.execPath, ['--import', 'tsx', self, '--child', data.yamlPath, project], { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
  const csv = join(project, 'soak', 'results.csv');
  const peaks: number[] = []; // peak RSS (MB) while epoch k (0-based) ran
  const snapshots: EpochSnapshot[] = [];
  let done: { seconds: number } | null = null;
  let tEpoch = performance.now();
  const epochSeconds: number[] = [];
  const sampler = setInterval(() => {
    const kb = rssKb(proc.pid!);
    if (kb === null) return;
    const epoch = resultsRows(csv);
    while (peaks.length <= epoch) peaks.push(0);
    peaks[epoch] = Math.max(peaks[epoch]!, kb / 1024);
  }, SAMPLE_MS);
  let buffered = '';
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('SNAPSHOT ')) {
        const s = JSON.parse(line.slice(9)) as EpochSnapshot;
        snapshots.push(s);
        epochSeconds.push(round((performance.now() - tEpoch) / 1000, 1));
        tEpoch = performance.now();
        const peak = peaks[s.epoch - 1] ?? 0;
        console.log(
          `  epoch ${s.epoch}: peak RSS ${peak.toFixed(0)} MB, at end ${s.rssMb} MB (brk heap ${s.brkHeapMb}, other anon ${s.otherAnonMb} in ${s.anonMappings} maps, JS heap ${s.jsHeapUsedMb}, ArrayBuffers ${s.arrayBuffersMb}, ${s.liveTensors} tensors), ${epochSeconds.at(-1)} s`,
        );
      } else if (line.startsWith('DONE ')) done = JSON.parse(line.slice(5));
      else if (line.trim()) console.log(line);
    }
  });
  const code: number = await new Promise((resolve) => proc.on('close', (c) => resolve(c ?? 1)));
  clearInterval(sampler);
  if (code !== 0 || !done) throw new Error(`the training child exited with ${code}`);

  const epochPeaks = peaks.slice(0, SETTINGS.epochs).map((v) => round(v, 0));
  if (epochPeaks.length < 7) throw new Error(`bench:soak needs 7+ epochs to compare epochs 2–4 with the last 3 (got ${epochPeaks.length})`);
  const early = Math.max(...epochPeaks.slice(1, 4));
  const late = Math.max(...epochPeaks.slice(-3));
  const ratio = round(late / early, 3);
  const result = {
    benchmark: 'RSS per epoch over a long training run (peak while each epoch ran, sampled every 200 ms)',
    machine: describeMachine(process.env.BENCH_PYTHON ?? '/usr/bin/python3'),
    settings: { ...SETTINGS, sampleMs: SAMPLE_MS, allocatorEnv: { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? null } },
    loadAverage: loadavg().map((v) => round(v, 2)),
    goal: { ratio: GOAL_RATIO, meaning: 'peak RSS over the last 3 epochs ÷ peak over epochs 2–4 ≤ goal' },
    results: {
      epochPeakRssMb: epochPeaks,
      peakEpochs2to4Mb: early,
      peakLast3Mb: late,
      ratio,
      met: ratio <= GOAL_RATIO,
      growthMbPerEpoch: round((epochPeaks.at(-1)! - epochPeaks[1]!) / (epochPeaks.length - 2), 1),
      epochSeconds,
      totalSeconds: (done as { seconds: number }).seconds,
      epochEnd: snapshots,
    },
    date: new Date().toISOString(),
  };
  console.log(`peak RSS epochs 2–4 ${early} MB, last 3 ${late} MB → ratio ${ratio} (goal ≤ ${GOAL_RATIO}: ${ratio <= GOAL_RATIO ? 'met' : 'NOT met'})`);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  const out = join(dir, process.env.SOAK_OUT ?? 'soak.json');
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${out}`);
}

const childAt = process.argv.indexOf('--child');
if (childAt >= 0) await child(process.argv[childAt + 1]!, process.argv[childAt + 2]!);
else await main();
