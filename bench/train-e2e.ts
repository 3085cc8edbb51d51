// npm run bench:train-e2e — training end to end: one command line run through YOLOv5 v7.0's own train.py and through
// `tsyolo train`, alternating (A B A B), on the same digit scenes (written by tsyolo's generator as a YOLO dataset
// that both read; each side gets its own copy of the same files so neither reads the other's label cache).
// Per run: wall time of the whole command, the time of each epoch (from the moment each results.csv row appears:
// training plus that epoch's validation, the same boundary on both sides), the peak memory of the process tree
// (PyTorch's DataLoader workers are processes of their own), and for tsyolo its own per-phase split (the
// trainer's "Time per epoch" line). Then the loader alone (bench/data.ts, run as is) in images/s.
//
// YOLOv5: --yolov5-dir DIR or YOLOV5_DIR (a v7.0 checkout with the offline edits of the reference set-up). The
// checkout is copied to a scratch folder where the seed's ShuffleNetV2 blocks (bench/model_torch.py's statement of
// them) are registered, as the reference set-up describes; the checkout itself is not touched.
// Models: BENCH_E2E_MODELS=yolov5n-shufflenetv2 (or yolov5s) runs one, BENCH_E2E_LOADER=0 skips the loader; the
// figures not re-run stay from the previous file (each row has its date). BENCH_E2E_QUICK=1 checks the harness on 64
// scenes, 2 epochs, one run per side (figures meaningless). Writes bench/results/train-e2e.json.
// Threads: each side as it sets itself up. YOLOv5's utils/general.py sets OMP_NUM_THREADS to cpu_count − 1 (1 on a
// 2-core machine); tsyolo runs libtorch on one thread per physical core. BENCH_E2E_PYTORCH_THREADS=N adds a
// reference row where the scratch copy of YOLOv5 calls torch.set_num_threads(N) (its row's `variant` says so).
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { generateDigits } from '../src/data/digits.ts';
import { applyEngineEnvironment, cpuFlags, engineThreadCount } from '../src/native/engine-environment.ts';
import { describeMachine } from './machine.ts';
import { type TreeMemoryPeak, watchTreeMemory } from './process-tree-memory.ts';

const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
/** The environment both sides start from: taken before this process loads libtorch, which adds tsyolo's defaults. */
const GIVEN_ENV: NodeJS.ProcessEnv = { ...process.env };
const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(BENCH_DIR, '..');
const WORK = join(tmpdir(), 'tsyolo-bench-train-e2e');
/** Opt-in reference: YOLOv5 with this many torch threads instead of its own setting. */
const PYTORCH_THREADS = process.env.BENCH_E2E_PYTORCH_THREADS ? Number(process.env.BENCH_E2E_PYTORCH_THREADS) : undefined;
if (PYTORCH_THREADS !== undefined && !(Number.isInteger(PYTORCH_THREADS) && PYTORCH_THREADS > 0)) {
  throw new Error(`BENCH_E2E_PYTORCH_THREADS must be a positive integer, got '${process.env.BENCH_E2E_PYTORCH_THREADS}'`);
}
const VARIANT = PYTORCH_THREADS === undefined ? undefined : `YOLOv5 with torch.set_num_threads(${PYTORCH_THREADS})`;
/** PyTorch seconds per epoch ÷ tsyolo's (issue #26): 2× train.py as it sets itself up, 1.5× given tsyolo's threads. */
const GOAL_RATIO = PYTORCH_THREADS === undefined ? 2 : 1.5;
/**
 * Opt-in: more tsyolo sides, alternated with the others (P, T, T1, T2, P, T, T1, T2), to decide a default by
 * measurement — BENCH_E2E_TSYOLO_VARIANTS='{"bf16":{"args":["--amp","true"]},"avx2":{"env":{"ATEN_CPU_CAPABILITY":"avx2"}}}'.
 * Each gets its own summary and ratio in the row's `tsyoloVariants`.
 */
interface TsyoloVariant {
  args?: string[];
  env?: Record<string, string>;
}
const TSYOLO_VARIANTS: Record<string, TsyoloVariant> = process.env.BENCH_E2E_TSYOLO_VARIANTS ? JSON.parse(process.env.BENCH_E2E_TSYOLO_VARIANTS) : {};

interface ModelSetting {
  cfg: string;
  train: number;
  val: number;
  epochs: number;
  /** Why this row differs from the acceptance settings, if it does. */
  note?: string;
}

/** The acceptance row (issue #15) and a bounded yolov5s row. */
const MODELS: Record<string, ModelSetting> = {
  'yolov5n-shufflenetv2': { cfg: 'yolov5n-shufflenetv2.yaml', train: 800, val: 200, epochs: 3 },
  yolov5s: { cfg: 'yolov5s.yaml', train: 200, val: 50, epochs: 2, note: 'fewer scenes (200 train, 50 val) and 2 epochs keep the bench bounded: yolov5s is ~7× the compute' },
};
const COMMON_FLAGS = ['--img', '320', '--batch', '32', '--workers', '2', '--noplots', '--seed', '0'];

interface RunResult {
  wallS: number;
  /** Seconds from the start of the command to each results.csv row (one per epoch). */
  rowAtS: number[];
  memory: TreeMemoryPeak;
  /** tsyolo only: mean seconds per epoch of each phase, from its "Time per epoch" line. */
  phases?: Record<string, number>;
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function argValue(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

/** The YOLOv5 checkout, copied to a scratch folder with the seed's two blocks registered in its parse_model. */
function prepareYolov5(): string {
  const source = argValue('--yolov5-dir') ?? process.env.YOLOV5_DIR;
  if (!source) throw new Error('bench:train-e2e needs a YOLOv5 v7.0 checkout: pass --yolov5-dir DIR or set YOLOV5_DIR');
  const trainPy = join(source, 'train.py');
  if (!existsSync(trainPy)) throw new Error(`--yolov5-dir ${source}: no train.py there (a YOLOv5 v7.0 checkout is expected)`);
  const dir = join(WORK, 'yolov5');
  rmSync(dir, { recursive: true, force: true });
  cpSync(source, dir, { recursive: true, filter: (f) => !f.includes(`${source}/.git`) && !f.includes('/runs/') });
  const yolo = join(dir, 'models', 'yolo.py');
  const text = readFileSync(yolo, 'utf8');
  if (!text.includes('Conv_maxpool')) {
    const set = /if m in \{\s*Conv, /;
    if (!set.test(text)) throw new Error(`${yolo}: parse_model's module set not found (is this YOLOv5 v7.0?)`);
    writeFileSync(yolo, text.replace(set, (s) => `${s}Conv_maxpool, ShuffleNetV2_InvertedResidual, `));
    const common = join(dir, 'models', 'common.py');
    const blocks = '\n# bench:train-e2e: the seed\'s ShuffleNetV2 blocks, from tsyolo\'s bench/model_torch.py\nfrom model_torch import ConvMaxpool as Conv_maxpool, Shuffle as ShuffleNetV2_InvertedResidual  # noqa\n';
    writeFileSync(common, readFileSync(common, 'utf8') + blocks);
  }
  if (PYTORCH_THREADS !== undefined) {
    const general = join(dir, 'utils', 'general.py');
    writeFileSync(general, `${readFileSync(general, 'utf8')}\n# bench:train-e2e BENCH_E2E_PYTORCH_THREADS\ntorch.set_num_threads(${PYTORCH_THREADS})\n`);
  }
  return dir;
}

/** The digit scenes for one setting, generated once, then one identical copy per side. */
async function prepareData(s: ModelSetting): Promise<{ yolov5: string; tsyolo: string }> {
  const base = join(WORK, `digits-${s.train}-${s.val}`);
  await generateDigits({ out: join(base, 'source'), train: s.train, val: s.val, img: 320, seed: 0 });
  const out = { yolov5: '', tsyolo: '' };
  for (const side of ['yolov5', 'tsyolo'] as const) {
    const dir = join(base, side);
    rmSync(dir, { recursive: true, force: true });
    for (const sub of ['images', 'labels']) cpSync(join(base, 'source', sub), join(dir, sub), { recursive: true });
    const yaml = readFileSync(join(base, 'source', 'data.yaml'), 'utf8').replace(/^path: .*$/m, `path: ${JSON.stringify(dir)}`);
    writeFileSync(join(dir, 'data.yaml'), yaml);
    out[side] = join(dir, 'data.yaml');
  }
  return out;
}

function resultsRows(file: string): number {
  try {
    return Math.max(0, readFileSync(file, 'utf8').trim().split('\n').length - 1);
  } catch {
    return 0;
  }
}

/** Runs one side to completion: wall time, results.csv row times, tree memory peak, its log. */
function runSide(command: string, args: string[], env: NodeJS.ProcessEnv, runDir: string, logFile: string): Promise<RunResult & { log: string }> {
  rmSync(runDir, { recursive: true, force: true });
  const csv = join(runDir, 'results.csv');
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const memory = watchTreeMemory(child.pid!);
    const rowAtS: number[] = [];
    const poll = setInterval(() => {
      const n = resultsRows(csv);
      while (rowAtS.length < n) rowAtS.push((performance.now() - t0) / 1000);
    }, 100);
    let log = '';
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallS = (performance.now() - t0) / 1000;
      clearInterval(poll);
      const peak = memory.stop();
      writeFileSync(logFile, log);
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited with ${code}; its output is in ${logFile}`));
      resolvePromise({ wallS, rowAtS, memory: peak, log });
    });
  });
}

/** "Time per epoch (mean): data wait 1.0 s, forward+backward 2.0 s, …" → { 'data wait': 1, … }. */
function parsePhases(log: string): Record<string, number> | undefined {
  const line = /Time per epoch \(mean\): (.*)/.exec(log)?.[1];
  if (!line) return undefined;
  return Object.fromEntries(line.split(', ').map((part) => {
    const m = /^(.*) ([\d.]+) s$/.exec(part.trim());
    return [m?.[1] ?? part, Number(m?.[2])];
  }));
}

const QUICK = process.env.BENCH_E2E_QUICK === '1';

async function benchModel(name: string, setting: ModelSetting, yolov5Dir: string) {
  const s = QUICK ? { ...setting, train: 64, val: 16, epochs: 2, note: 'BENCH_E2E_QUICK: a harness check, not a measurement' } : setting;
  const data = await prepareData(s);
  const cfg = join(REPO, 'configs', 'models', s.cfg);
  const flags = (d: string) => ['--data', d, '--cfg', cfg, '--weights', '', '--epochs', String(s.epochs), ...COMMON_FLAGS, '--device', 'cpu', '--exist-ok'];
  const project = join(WORK, 'runs');
  const sides = {
    pytorch: async (k: number) => {
      const run = `yolov5-${name}-${k}`;
      const args = [join(yolov5Dir, 'train.py'), ...flags(data.yolov5), '--project', project, '--name', run];
      const env = { ...GIVEN_ENV, PYTHONPATH: BENCH_DIR };
      return runSide(PYTHON, args, env, join(project, run), join(WORK, `${run}.log`));
    },
    tsyolo: async (k: number) => {
      const run = `tsyolo-${name}-${k}`;
      const args = [join(REPO, 'bin', 'tsyolo.js'), 'train', ...flags(data.tsyolo), '--project', project, '--name', run];
      const r = await runSide(process.execPath, args, GIVEN_ENV, join(project, run), join(WORK, `${run}.log`));
      return { ...r, phases: parsePhases(r.log) };
    },
  };
  const variantSide = (v: string) => async (k: number) => {
    const run = `tsyolo-${v}-${name}-${k}`;
    const args = [join(REPO, 'bin', 'tsyolo.js'), 'train', ...flags(data.tsyolo), ...(TSYOLO_VARIANTS[v]!.args ?? []), '--project', project, '--name', run];
    const r = await runSide(process.execPath, args, { ...GIVEN_ENV, ...TSYOLO_VARIANTS[v]!.env }, join(project, run), join(WORK, `${run}.log`));
    return { ...r, phases: parsePhases(r.log) };
  };
  const allSides: Record<string, (k: number) => Promise<RunResult & { log: string }>> = { ...sides };
  for (const v of Object.keys(TSYOLO_VARIANTS)) allSides[`variant:${v}`] = variantSide(v);
  const runs: Record<string, RunResult[]> = Object.fromEntries(Object.keys(allSides).map((k) => [k, []]));
  const round1 = Object.keys(allSides);
  const order = QUICK ? round1 : [...round1, ...round1];
  for (const [k, side] of order.entries()) {
    const { log: _log, ...r } = await allSides[side]!(k);
    if (r.rowAtS.length !== s.epochs) throw new Error(`${side} ${name}: ${r.rowAtS.length} results.csv rows seen for ${s.epochs} epochs`);
    runs[side]!.push(r);
    console.log(`  ${name} ${side}: ${r.wallS.toFixed(1)} s, epochs end at ${r.rowAtS.map((t) => t.toFixed(1)).join(', ')} s, peak ${r.memory.rssMb} MB RSS / ${r.memory.pssMb} MB PSS over ${r.memory.processes} processes${r.phases ? `, phases ${JSON.stringify(r.phases)}` : ''}`);
  }
  const summary = (rs: RunResult[]) => {
    // Epochs after the first: the first also holds start-up (imports, dataset scan, AutoAnchor, worker start).
    const epochS = median(rs.flatMap((r) => r.rowAtS.slice(1).map((t, i) => t - r.rowAtS[i]!)));
    return {
      wallS: rs.map((r) => round(r.wallS, 1)),
      medianWallS: round(median(rs.map((r) => r.wallS)), 1),
      firstEpochEndS: rs.map((r) => round(r.rowAtS[0]!, 1)),
      medianEpochS: round(epochS, 2),
      peakRssMb: Math.max(...rs.map((r) => r.memory.rssMb)),
      peakPssMb: Math.max(...rs.map((r) => r.memory.pssMb)),
      processes: Math.max(...rs.map((r) => r.memory.processes)),
    };
  };
  const pytorch = summary(runs.pytorch!);
  const tsyolo = summary(runs.tsyolo!);
  const phasesOf = (rs: RunResult[]) => {
    const phaseNames = Object.keys(rs[0]?.phases ?? {});
    return Object.fromEntries(phaseNames.map((p) => [p, round(median(rs.map((r) => r.phases?.[p] ?? NaN)), 2)]));
  };
  const phases = phasesOf(runs.tsyolo!);
  const tsyoloVariants = Object.fromEntries(
    Object.keys(TSYOLO_VARIANTS).map((v) => {
      const sum = summary(runs[`variant:${v}`]!);
      return [v, { ...TSYOLO_VARIANTS[v], ...sum, phasesPerEpochS: phasesOf(runs[`variant:${v}`]!), ratio: round(pytorch.medianEpochS / sum.medianEpochS, 3), memoryRatio: round(sum.peakPssMb / pytorch.peakPssMb, 3) }];
    }),
  );
  const row = {
    model: s.cfg,
    ...(VARIANT ? { variant: VARIANT } : {}),
    trainImages: s.train,
    valImages: s.val,
    epochs: s.epochs,
    ...(s.note ? { note: s.note } : {}),
    pytorch,
    tsyolo,
    tsyoloPhasesPerEpochS: phases,
    ratio: round(pytorch.medianEpochS / tsyolo.medianEpochS, 3),
    goal: GOAL_RATIO,
    ratioWall: round(pytorch.medianWallS / tsyolo.medianWallS, 3),
    memoryRatio: round(tsyolo.peakPssMb / pytorch.peakPssMb, 3),
    ...(Object.keys(tsyoloVariants).length > 0 ? { tsyoloVariants } : {}),
  };
  console.log(`${s.cfg}: per epoch PyTorch ${pytorch.medianEpochS} s, tsyolo ${tsyolo.medianEpochS} s → ${row.ratio}× (whole command ${row.ratioWall}×); peak PSS ${pytorch.peakPssMb} / ${tsyolo.peakPssMb} MB`);
  return row;
}

/** torch.get_num_threads() once YOLOv5's utils/general.py has set its environment, as train.py runs. */
function pytorchThreads(yolov5Dir: string): number | string {
  const r = spawnSync(PYTHON, ['-c', 'import torch, utils.general; print(torch.get_num_threads())'], { cwd: yolov5Dir, env: { ...GIVEN_ENV, PYTHONPATH: BENCH_DIR }, encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim().split('\n').pop()) : `unknown (${r.stderr.trim().split('\n').pop()})`;
}

/** The loader alone: bench/data.ts as it is (its own images and cache modes), its rows copied here. */
function loaderAlone(): unknown {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(BENCH_DIR, 'data.ts')], { cwd: REPO, stdio: 'inherit' });
  if (r.status !== 0) return { error: `bench/data.ts exited with ${r.status ?? r.signal}` };
  return JSON.parse(readFileSync(join(BENCH_DIR, 'results', 'data.json'), 'utf8'));
}

async function main(): Promise<void> {
  const only = process.env.BENCH_E2E_MODELS?.split(',').map((m) => m.trim().replace(/\.yaml$/, ''));
  const names = only ?? Object.keys(MODELS);
  for (const n of names) if (!MODELS[n]) throw new Error(`BENCH_E2E_MODELS: unknown model '${n}' (known: ${Object.keys(MODELS).join(', ')})`);
  mkdirSync(WORK, { recursive: true });
  const yolov5Dir = prepareYolov5();
  const loadStart = loadavg().map((v) => round(v, 2));
  console.log(`train-e2e: ${names.join(', ')}; flags ${COMMON_FLAGS.join(' ')}; YOLOv5 from ${yolov5Dir}; work folder ${WORK}`);
  const out = join(BENCH_DIR, 'results', 'train-e2e.json');
  // A partial run (one model, or no loader) keeps the other figures of the previous file, each with its date.
  const previous = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as { results?: Array<{ model: string }>; loader?: unknown }) : {};
  const rows: Array<{ model: string; variant?: string; date?: string }> = [];
  for (const n of names) rows.push({ ...(await benchModel(n, MODELS[n]!, yolov5Dir)), date: new Date().toISOString() });
  for (const old of (previous.results ?? []) as Array<{ model: string; variant?: string }>) {
    if (!rows.some((r) => r.model === old.model && r.variant === old.variant)) rows.push(old);
  }
  rows.sort((a, b) => Object.values(MODELS).findIndex((m) => m.cfg === a.model) - Object.values(MODELS).findIndex((m) => m.cfg === b.model));
  const loader = process.env.BENCH_E2E_LOADER === '0' ? previous.loader : loaderAlone();
  const result = {
    benchmark: 'training end to end: YOLOv5 v7.0 train.py vs tsyolo train, same command line and data, CPU',
    machine: describeMachine(PYTHON),
    settings: {
      flags: `--weights '' --device cpu ${COMMON_FLAGS.join(' ')} --epochs N`,
      data: 'tsyolo digit scenes (generateDigits, seed 0, 320 px), one copy per side',
      order: 'PyTorch, tsyolo, PyTorch, tsyolo (one process tree each)',
      epochTime: 'seconds between consecutive results.csv rows (training + that epoch\'s validation), median over the epochs after the first of both runs',
      memory: 'peak over the run of the summed RSS of the process and all its children (/proc/PID/status, every 250 ms) and of their summed PSS (smaps_rollup, every 5 s: reading it walks the page tables, ~70 ms for a tsyolo process, and every 250 ms it slowed tsyolo\'s epoch by ~18 %)',
      // What tsyolo's engine sets before libtorch loads on this machine (src/native/engine-environment.ts), over the
      // environment both sides were given.
      tsyoloEngineEnvironment: applyEngineEnvironment({ ...GIVEN_ENV }, cpuFlags()),
      threads: {
        tsyolo: engineThreadCount({ ...GIVEN_ENV }) ?? `OMP_NUM_THREADS/MKL_NUM_THREADS as given`,
        pytorch: pytorchThreads(yolov5Dir),
        meaning: 'torch intra-op threads each side runs its training step with, as each sets itself up',
      },
      givenEnvironment: Object.fromEntries(['ATEN_CPU_CAPABILITY', 'OMP_NUM_THREADS', 'OMP_WAIT_POLICY', 'GOMP_SPINCOUNT'].map((k) => [k, GIVEN_ENV[k] ?? null])),
    },
    loadAverage: { start: loadStart, end: loadavg().map((v) => round(v, 2)) },
    goal: { ratio: GOAL_RATIO, meaning: 'PyTorch s/epoch ÷ tsyolo s/epoch ≥ goal for yolov5n-shufflenetv2 (each row has its own: 2 against train.py as it sets itself up, 1.5 given tsyolo\'s threads); tsyolo peak memory ≤ PyTorch\'s' },
    results: rows,
    loader,
    date: new Date().toISOString(),
  };
  mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`written to ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
