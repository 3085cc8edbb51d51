// npm run bench — runs every benchmark (engine, model, data, train, infer, video, and deploy when bench/deploy.ts exists),
// each in its own process, then writes bench/report.md: one table of tsyolo against its baselines and goals (plus
// bench:soak's, bench:train-e2e's and bench:ddp's rows when their JSON exists; they are run on their own), with
// the machine and the date. `--no-run` only re-renders the report from the JSON files already in bench/results.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { describeMachine, type MachineDescription } from './machine.ts';

const BENCHES = ['engine', 'model', 'data', 'train', 'infer', 'deploy', 'video'] as const;
type BenchName = (typeof BENCHES)[number];

const benchFile = (name: string) => fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
const resultFile = (name: string) => fileURLToPath(new URL(`./results/${name}.json`, import.meta.url));

interface Row {
  benchmark: string;
  measure: string;
  tsyolo: string;
  baseline: string;
  ratio: number | null;
  goal: string;
  met: boolean | null;
}

type Json = Record<string, any>;

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : String(v));
const goalRow = (ratio: number, goal: number, atMost: boolean) => ({ ratio, goal: `${atMost ? '≤' : '≥'} ${goal}`, met: atMost ? ratio <= goal : ratio >= goal });

function engineRows(j: Json): Row[] {
  return [
    { benchmark: 'engine', measure: 'per-op overhead, 1-element add', tsyolo: `${j.perOp.tsyoloNs} ns`, baseline: `${j.perOp.torchNs} ns`, ...goalRow(j.perOp.ratio, j.goals.perOpRatio, true) },
    { benchmark: 'engine', measure: 'small conv net fwd+bwd', tsyolo: `${j.convNet.tsyoloMs} ms`, baseline: `${j.convNet.torchMs} ms`, ...goalRow(j.convNet.ratio, j.goals.convNetRatio, true) },
  ];
}

function modelRows(j: Json): Row[] {
  const goal = Number(/([\d.]+)\s*$/.exec(String(j.goal))?.[1] ?? 1.05);
  return (j.results as Json[]).map((r) => ({
    benchmark: 'model',
    measure: `${r.model} eval forward @${r.img}, batch ${r.batch}`,
    tsyolo: `${fmt(r.tsyoloMs)} ms`,
    baseline: `${fmt(r.pytorchMs)} ms`,
    ...goalRow(r.ratio, goal, true),
  }));
}

/** The loader has no PyTorch baseline here: it is held against what training consumes (it must not starve it). */
function dataRows(j: Json, train: Json | null): Row[] {
  const consumer = train ? Math.max(...(train.results as Json[]).flatMap((r) => [r.tsyolo.imagesPerSecond, r.tsyoloChannelsLast?.imagesPerSecond ?? 0])) : null;
  return (j.results as Json[]).map((r) => {
    const ratio = consumer && r.img === train?.settings?.img ? Math.round((r.imagesPerSecond / consumer) * 100) / 100 : null;
    return {
      benchmark: 'data',
      measure: `loader @${r.img}, ${r.workers} workers${r.batch ? `, batch ${r.batch}` : ''}, cache ${r.cache}${r.pixels ? `, ${r.pixels} pixels` : ''}`,
      tsyolo: `${fmt(r.imagesPerSecond)} img/s`,
      baseline: ratio !== null ? `${fmt(consumer!)} img/s (fastest tsyolo training step)` : '—',
      ...(ratio !== null ? goalRow(ratio, 1, false) : { ratio: null, goal: '—', met: null }),
    };
  });
}

/** bench:data's per-image stage costs (one thread), one column per pixel backend. */
function dataStageLines(j: Json): string[] {
  const stages = j.stageMsPerImage as Record<string, Record<string, number>> | undefined;
  if (!stages || Object.keys(stages).length === 0) return [];
  const backends = Object.keys(stages);
  const names = Object.keys(stages[backends[0]!]!);
  return [
    '',
    `**Data loader stages** (bench:data, ms per image in one thread, ${j.dataset ?? 'digits @320'}):`,
    '',
    `| stage | ${backends.join(' | ')} |`,
    `|---|${backends.map(() => '---').join('|')}|`,
    ...names.map((n) => `| ${n} | ${backends.map((b) => fmt(stages[b]![n]!, 2)).join(' | ')} |`),
  ];
}

function trainRows(j: Json): Row[] {
  const goal = j.goal.ratio as number;
  const s = j.settings;
  return (j.results as Json[]).flatMap((r) => [
    {
      benchmark: 'train',
      measure: `${r.model} train step @${s.img}, batch ${s.batch} (NCHW)`,
      tsyolo: `${fmt(r.tsyolo.imagesPerSecond, 2)} img/s, ${r.tsyolo.peakRssMb} MB`,
      baseline: `${fmt(r.pytorch.imagesPerSecond, 2)} img/s, ${r.pytorch.peakRssMb} MB`,
      ...goalRow(r.ratio, goal, false),
    },
    {
      benchmark: 'train',
      measure: `${r.model} train step, tsyolo channels_last`,
      tsyolo: `${fmt(r.tsyoloChannelsLast.imagesPerSecond, 2)} img/s, ${r.tsyoloChannelsLast.peakRssMb} MB`,
      baseline: `${fmt(r.pytorch.imagesPerSecond, 2)} img/s (NCHW)`,
      ...goalRow(r.ratioChannelsLast, goal, false),
    },
  ]);
}

function inferRows(j: Json): Row[] {
  const d = j.detect;
  return [
    { benchmark: 'infer', measure: `detect end to end @${d.img}, ${d.model}`, tsyolo: `${fmt(d.tsyoloMsPerImage)} ms/img`, baseline: `${fmt(d.pytorchMsPerImage)} ms/img`, ...goalRow(d.ratio, j.goal.ratio, true) },
    { benchmark: 'infer', measure: `val() @${j.val.img}, batch ${j.val.batch}, ${j.val.images} digits images`, tsyolo: `${fmt(j.val.imagesPerSecond)} img/s`, baseline: '—', ratio: null, goal: '—', met: null },
  ];
}

/** deploy.json as bench/deploy.ts writes it: onnxruntime-node against libtorch (tsyolo's own engine). */
function deployRows(j: Json): Row[] {
  const goal = Number(/([\d.]+)\s*×/.exec(String(j.goal))?.[1] ?? NaN);
  return (j.rows as Json[]).map((r) => ({
    benchmark: 'deploy',
    measure: `${r.model} forward @${r.img}, batch 1: onnxruntime-node vs tsyolo libtorch${typeof r.browserMs === 'number' ? ` (browser wasm ${fmt(r.browserMs)} ms)` : ''}`,
    tsyolo: `${fmt(r.onnxruntimeMs)} ms`,
    baseline: `${fmt(r.libtorchMs)} ms (libtorch)`,
    ...(Number.isFinite(goal) ? goalRow(Math.round(r.ratio * 1000) / 1000, goal, true) : { ratio: Math.round(r.ratio * 1000) / 1000, goal: '—', met: null }),
  }));
}

/** video.json as bench/video.ts writes it: detect on a video against the same frames as PNG images. */
function videoRows(j: Json): Row[] {
  return (j.rows as Json[]).map((r) => ({
    benchmark: 'video',
    measure: `${r.measure}, ${j.settings.frames} frames`,
    tsyolo: `${fmt(r.videoFps)} fps (video)`,
    baseline: `${fmt(r.imagesFps)} fps (same frames as PNGs)`,
    // A speed-up (video fps ÷ images fps): higher is better.
    ...goalRow(Math.round(r.ratio * 1000) / 1000, j.goal.ratio, false),
  }));
}

/** bench:soak (reported when its JSON exists; `npm run bench` does not run it: it trains for 12+ epochs). */
function soakRows(j: Json): Row[] {
  const { results: r, settings: s } = j;
  return [
    {
      benchmark: 'soak',
      measure: `${s.cfg} train RSS over ${s.epochs} epochs (${s.trainImages} scenes @${s.img}, batch ${s.batch}): peak of the last 3 epochs vs epochs 2–4`,
      tsyolo: `${r.peakLast3Mb} MB`,
      baseline: `${r.peakEpochs2to4Mb} MB (epochs 2–4)`,
      ...goalRow(r.ratio, j.goal.ratio, true),
    },
  ];
}

/** bench:train-e2e (reported when its JSON exists; run on its own: it needs a YOLOv5 checkout and ~20 minutes). */
function trainE2eRows(j: Json): Row[] {
  const rows: Row[] = [];
  for (const r of j.results as Json[]) {
    const goal = (r.goal ?? j.goal.ratio) as number;
    const scope = `${r.trainImages} scenes @320, batch 32, 2 workers, ${r.epochs} epochs${r.note ? `; ${r.note}` : ''}; load average ${j.loadAverage?.start?.[0] ?? '?'} at the start`;
    const phases = Object.entries(r.tsyoloPhasesPerEpochS ?? {}).map(([p, s]) => `${p} ${fmt(s as number)}`).join(', ');
    rows.push(
      {
        benchmark: 'train-e2e',
        measure: `${r.model} s/epoch, train.py${r.variant ? ` (${r.variant})` : ' as it sets itself up'} vs tsyolo train (${scope}; tsyolo phases: ${phases} s)`,
        tsyolo: `${fmt(r.tsyolo.medianEpochS)} s`,
        baseline: `${fmt(r.pytorch.medianEpochS)} s`,
        // The ratio here is a speed-up (baseline ÷ tsyolo), held against the issue's goal.
        ...(r.model.startsWith('yolov5n-shufflenetv2') ? goalRow(r.ratio, goal, false) : { ratio: r.ratio, goal: '—', met: null }),
      },
      {
        benchmark: 'train-e2e',
        measure: `${r.model} whole command (wall) and peak memory of the process tree (PSS; RSS ${r.tsyolo.peakRssMb} vs ${r.pytorch.peakRssMb} MB)`,
        tsyolo: `${fmt(r.tsyolo.medianWallS)} s, ${r.tsyolo.peakPssMb} MB`,
        baseline: `${fmt(r.pytorch.medianWallS)} s, ${r.pytorch.peakPssMb} MB`,
        ...goalRow(r.memoryRatio, 1, true),
      },
    );
  }
  return rows;
}

/** A results layout report.ts does not know: every object with a numeric `ratio` becomes a row. */
/** bench:ddp (reported when its JSON exists; run on its own: it trains twice and starts rank processes). */
function ddpRows(j: Json): Row[] {
  const s = j.settings;
  const rows: Row[] = [
    {
      benchmark: 'ddp',
      measure: `${s.cfg} training @${s.img}, batch ${s.batch} total: 2 ranks × 1 thread vs 1 process × 2 threads`,
      tsyolo: `${fmt(j.ddp.imagesPerSecond)} img/s`,
      baseline: `${fmt(j.single.imagesPerSecond)} img/s`,
      ratio: j.speedup,
      goal: '—',
      met: null,
    },
  ];
  for (const r of j.allreduce as Json[]) {
    rows.push({
      benchmark: 'ddp',
      measure: `all-reduce of ${r.model}'s gradients (${r.megabytes} MB) per step, 2 ranks on 127.0.0.1`,
      tsyolo: `${fmt(r.medianMs)} ms`,
      baseline: `~${r.estimatedMs['1Gbit_8machines']} ms (ring, 8 machines on 1 Gbit/s, estimate)`,
      ratio: null,
      goal: '—',
      met: null,
    });
  }
  return rows;
}

function genericRows(name: string, j: Json): Row[] {
  const rows: Row[] = [];
  const fileGoal = typeof j.goal === 'object' && j.goal ? j.goal : null;
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') {
      const o = v as Json;
      if (typeof o.ratio === 'number') {
        const label = o.model ?? o.name ?? o.measure ?? o.runtime ?? path;
        const goal = typeof o.goal === 'number' ? o.goal : typeof fileGoal?.ratio === 'number' ? fileGoal.ratio : null;
        rows.push({ benchmark: name, measure: String(label), tsyolo: '', baseline: '', ratio: Math.round(o.ratio * 1000) / 1000, goal: goal !== null ? String(goal) : (o.goal ?? '—'), met: typeof o.met === 'boolean' ? o.met : null });
      }
      for (const [k, x] of Object.entries(o)) if (k !== 'machine' && k !== 'goal') walk(x, path ? `${path}.${k}` : k);
    }
  };
  walk(j, '');
  return rows;
}

function zooRows(j: Json): Row[] {
  const s = j.settings as Json;
  return (j.rows as Json[]).slice(1).map((r) => ({
    benchmark: 'zoo',
    measure: `${r.model} vs yolov5s.yaml @${s.img}, batch 1, fused: libtorch latency (onnxruntime ${Number(r.onnxruntimeVsYolov5s).toFixed(2)}×; params ${(Number(r.parameters) / 1e6).toFixed(2)} M, ${r.gflops} GFLOPs)`,
    tsyolo: `${r.libtorchMs} ms`,
    baseline: `${(j.rows as Json[])[0]!.libtorchMs} ms`,
    ratio: Math.round(Number(r.libtorchVsYolov5s) * 1000) / 1000,
    goal: '—',
    met: null,
  }));
}

/** Benchmarks `npm run bench` does not run (too long, or they need more than this machine), reported when present. */
const RUN_ON_THEIR_OWN: Array<[string, (j: Json) => Row[]]> = [
  ['train-e2e', trainE2eRows],
  ['soak', soakRows],
  ['ddp', ddpRows],
  ['zoo', zooRows],
];

function readResult(name: BenchName): Json | null {
  const file = resultFile(name);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Json;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}

function runBench(name: BenchName): boolean {
  console.log(`\n=== bench:${name} ===`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', benchFile(name)], { stdio: 'inherit' });
  if (r.status !== 0) console.error(`bench:${name} failed (exit ${r.status ?? r.signal}); its previous results, if any, are reported`);
  return r.status === 0;
}

function machineLine(m: MachineDescription): string {
  return `${m.cpuModel}${m.cpuFlags?.length ? ` (${m.cpuFlags.join(' ')})` : ''}, ${m.cores} logical CPUs, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node}, libtorch ${m.libtorch}, Python torch ${m.pythonTorch ?? 'none'}; ${m.threads} threads per side; CUDA ${m.cudaAvailable ? 'available' : 'not available'}`;
}

export function render(failed: BenchName[] = []): string {
  const results = Object.fromEntries(BENCHES.map((b) => [b, readResult(b)])) as Record<BenchName, Json | null>;
  const rows: Row[] = [];
  const missing: string[] = [];
  for (const b of BENCHES) {
    const j = results[b];
    if (!j) {
      if (b !== 'deploy' || existsSync(benchFile('deploy'))) missing.push(b);
      continue;
    }
    try {
      if (b === 'engine') rows.push(...engineRows(j));
      else if (b === 'model') rows.push(...modelRows(j));
      else if (b === 'data') rows.push(...dataRows(j, results.train));
      else if (b === 'train') rows.push(...trainRows(j));
      else if (b === 'infer') rows.push(...inferRows(j));
      else if (b === 'video') rows.push(...videoRows(j));
      else rows.push(...(Array.isArray(j.rows) && j.rows.every((r: Json) => 'onnxruntimeMs' in r) ? deployRows(j) : genericRows(b, j)));
    } catch (e) {
      throw new Error(`bench/results/${b}.json does not have the layout report.ts expects: ${(e as Error).message}`);
    }
  }
  for (const [name, toRows] of RUN_ON_THEIR_OWN) {
    if (!existsSync(resultFile(name))) continue;
    try {
      rows.push(...toRows(JSON.parse(readFileSync(resultFile(name), 'utf8')) as Json));
    } catch (e) {
      throw new Error(`bench/results/${name}.json does not have the layout report.ts expects: ${(e as Error).message}`);
    }
  }
  const machine = (BENCHES.map((b) => results[b]?.machine).find((m) => m && typeof m === 'object' && 'cpuModel' in m) as MachineDescription | undefined) ?? describeMachine();
  const dates = BENCHES.filter((b) => results[b]).map((b) => `${b} ${String(results[b]!.date ?? statSync(resultFile(b)).mtime.toISOString()).slice(0, 16).replace('T', ' ')}`);
  const loads = BENCHES.filter((b) => Array.isArray(results[b]?.loadAverage)).map((b) => `${b} ${(results[b]!.loadAverage as number[])[0]}`);

  const lines = [
    '# tsyolo benchmarks',
    '',
    `Rendered ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`npm run bench\` (\`node --import tsx bench/report.ts --no-run\` re-renders).`,
    '',
    `**Machine:** ${machineLine(machine)}.`,
    '',
    `**Runs (UTC):** ${dates.join('; ')}.${loads.length ? ` 1-min load average at the end: ${loads.join(', ')}.` : ''}`,
    '',
    'Ratios are tsyolo ÷ baseline (times: lower is better; throughputs: higher is better). The baseline is the same',
    'work in plain PyTorch on the same libtorch with the same thread count, unless the row says otherwise. Figures',
    'move with machine load: each benchmark alternates the sides, but treat differences under ~20% as noise.',
    '',
    '| benchmark | measure | tsyolo | baseline | ratio | goal | met |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.benchmark} | ${r.measure} | ${r.tsyolo} | ${r.baseline} | ${r.ratio ?? '—'} | ${r.goal} | ${r.met === null ? '—' : r.met ? 'yes' : '**no**'} |`),
  ];
  if (results.data) lines.push(...dataStageLines(results.data));
  if (missing.length || failed.length) {
    lines.push('');
    if (missing.length) lines.push(`No results for: ${missing.join(', ')}.`);
    if (failed.length) lines.push(`Failed in this run (older results shown where present): ${failed.join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The report's hand-written sections (each `## ` heading to the end: bench:train-e2e's write-up, the measurement
 * notes), kept across re-renders; the rendered part above them has no `## ` heading of its own.
 */
function handWrittenSections(file: string): string {
  if (!existsSync(file)) return '';
  const text = readFileSync(file, 'utf8');
  const at = text.search(/^## /m);
  return at < 0 ? '' : `\n${text.slice(at)}`;
}

function main(): void {
  const failed: BenchName[] = [];
  if (!process.argv.includes('--no-run')) {
    for (const b of BENCHES) {
      if (b === 'deploy' && !existsSync(benchFile('deploy'))) continue;
      if (!runBench(b)) failed.push(b);
    }
  }
  const out = fileURLToPath(new URL('./report.md', import.meta.url));
  writeFileSync(out, render(failed) + handWrittenSections(out));
  console.log(`\nwritten to ${out}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
