// The ablation table behind `tsyolo compare A B …`: each entry (a model YAML or a trained checkpoint) with its
// layers, parameters and GFLOPs, optionally its median latency ± std (fused libtorch eval and onnxruntime-node,
// batch 1, after warm-up, every entry interleaved: compare-speed.ts), written as compare.md, compare.csv and
// compare.png.
import { join } from 'node:path';
import { loadBackend } from '../deploy/load-backend.ts';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';
import { plotComparisonChart } from '../plot/compare-chart.ts';
import { getNumThreads } from '../tensor/runtime.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { loadModel } from '../yolo/load-model.ts';
import { summarize } from '../yolo/model-info.ts';
import { val } from '../val/val.ts';
import { measureEntryLatencies } from './compare-speed.ts';

export interface CompareRow {
  /** The entry as given (a YAML name or path, or a checkpoint). */
  model: string;
  layers: number;
  parameters: number;
  gflops: number;
  /** The entry's class count (a YAML's, or --nc's; a checkpoint's own). */
  nc?: number;
  /** Median ms per image, fused libtorch eval (with --speed). */
  torchMs?: number;
  /** Standard deviation of torchMs's runs. */
  torchStd?: number;
  /** Median ms per image, onnxruntime-node on the fused ONNX export (with --speed). */
  onnxMs?: number;
  /** Standard deviation of onnxMs's runs. */
  onnxStd?: number;
  /** A checkpoint's mAP on the dataset's val split (with --data; YAML entries are untrained and have none). */
  map50?: number;
  map?: number;
}

export interface CompareOptions {
  img: number;
  /** Measure latency: `warmup` rounds, then the median of `runs` rounds, every entry and runtime interleaved. */
  speed?: { warmup: number; runs: number };
  /** Validate each checkpoint on this dataset YAML's val split (val.py's defaults), plots under `valProject`. */
  data?: string;
  valProject?: string;
  /** Build every YAML entry with this many classes (checkpoints keep their own). */
  nc?: number;
  /** Warnings (entries with different class counts). */
  log?: (line: string) => void;
}

const isConfig = (entry: string) => /\.ya?ml$/i.test(entry);

/** One row per entry; latency (with `speed`) is measured on the fused models, all entries interleaved. */
export async function compareModels(entries: string[], o: CompareOptions): Promise<CompareRow[]> {
  const rows: CompareRow[] = [];
  const fused: DetectionModel[] = []; // kept for --speed, which times them together
  try {
    for (const entry of entries) {
      const { model } = loadModel(entry, { nc: o.nc });
      let kept = false;
      try {
        const s = summarize(model, o.img);
        rows.push({ model: entry, layers: s.layers, parameters: s.parameters, gflops: s.gflops, nc: model.nc });
        if (o.speed) {
          fused.push(model.fuse().eval());
          kept = true;
        }
      } finally {
        if (!kept) model.dispose();
      }
    }
    if (o.speed) {
      const latencies = await measureEntryLatencies(fused, o.img, { ...o.speed, threads: getNumThreads() });
      latencies.forEach((l, i) => Object.assign(rows[i]!, { torchMs: l.torch.median, torchStd: l.torch.std, onnxMs: l.onnx.median, onnxStd: l.onnx.std }));
    }
  } finally {
    for (const m of fused) m.dispose();
  }
  const warning = classCountWarning(rows, o.nc);
  if (warning) o.log?.(warning);
  if (o.data) {
    for (const row of rows) {
      if (isConfig(row.model)) continue;
      const backend = await loadBackend(row.model);
      try {
        const r = await val({ data: o.data, model: backend, weightsFile: row.model, imgsz: o.img, project: o.valProject, name: 'val', plots: false, log: () => {} });
        row.map50 = r.mAP50;
        row.map = r.mAP50_95;
      } finally {
        await backend.dispose();
      }
    }
  }
  return rows;
}

/**
 * Entries with different class counts also differ in their Detect heads' outputs (na·(5 + nc) per level), which a
 * block's Δparams/ΔGFLOPs would silently include: say so, and how to build the YAMLs alike.
 */
export function classCountWarning(rows: CompareRow[], nc?: number): string | undefined {
  if (new Set(rows.map((r) => r.nc)).size <= 1) return undefined;
  const counts = rows.map((r) => `${r.model}: ${r.nc}`).join(', ');
  const fix = nc === undefined ? 'add --nc N to build every YAML entry with N classes' : 'checkpoints keep the class count they were trained with';
  return `WARNING ⚠️ the entries have different class counts (${counts}): their Δparams and ΔGFLOPs include the Detect heads' class outputs, not only the blocks; ${fix}`;
}

function change(x: number, base: number): string {
  const pct = ((x - base) / base) * 100;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(1)}%`;
}

interface Column {
  head: string;
  cell: (r: CompareRow, base: CompareRow) => string;
}

function columns(rows: CompareRow[], img: number): Column[] {
  const cols: Column[] = [
    { head: 'layers', cell: (r) => String(r.layers) },
    { head: 'parameters', cell: (r) => String(r.parameters) },
    { head: `GFLOPs@${img}`, cell: (r) => r.gflops.toFixed(1) },
    { head: 'Δparams', cell: (r, b) => (r === b ? '' : change(r.parameters, b.parameters)) },
    { head: 'ΔGFLOPs', cell: (r, b) => (r === b ? '' : change(r.gflops, b.gflops)) },
  ];
  if (rows.some((r) => r.torchMs !== undefined)) {
    const ms = (m?: number, sd?: number) => (m === undefined ? '' : `${m.toFixed(1)} ± ${(sd ?? 0).toFixed(1)}`);
    cols.push({ head: 'libtorch ms', cell: (r) => ms(r.torchMs, r.torchStd) }, { head: 'onnxruntime ms', cell: (r) => ms(r.onnxMs, r.onnxStd) });
  }
  if (rows.some((r) => r.map50 !== undefined)) {
    cols.push({ head: 'mAP50', cell: (r) => r.map50?.toFixed(3) ?? '' }, { head: 'mAP50-95', cell: (r) => r.map?.toFixed(3) ?? '' });
  }
  return cols;
}

/** The console table: the seed's headline format, latency columns appended with --speed. */
export function formatComparison(rows: CompareRow[], img: number): string {
  const base = rows[0]!;
  const cols = columns(rows, img);
  const width = Math.max(32, ...rows.map((r) => r.model.length + 2));
  const widths = cols.map((c) => Math.max(c.head === 'parameters' ? 13 : c.head.startsWith('GFLOPs') ? 12 : c.head.startsWith('Δ') ? 10 : 8, c.head.length + 2));
  const lines = [`${'Model'.padEnd(width)}${cols.map((c, i) => c.head.padStart(widths[i]!)).join('')}`];
  for (const r of rows) lines.push(`${r.model.padEnd(width)}${cols.map((c, i) => c.cell(r, base).padStart(widths[i]!)).join('')}`);
  return lines.join('\n');
}

export function comparisonMarkdown(rows: CompareRow[], img: number, threads: number): string {
  const base = rows[0]!;
  const cols = columns(rows, img);
  const speed = rows.some((r) => r.torchMs !== undefined);
  return [
    `| model | ${cols.map((c) => c.head).join(' | ')} |`,
    `|---|${cols.map(() => '---:').join('|')}|`,
    ...rows.map((r) => `| ${r.model} | ${cols.map((c) => c.cell(r, base)).join(' | ')} |`),
    '',
    `GFLOPs at ${img}×${img} by thop's rules; Δ against the first row.` +
      (speed
        ? ` Latency: median ± standard deviation, ms per image (the model's forward pass), batch 1, fused model, synthetic pixels, after warm-up, every entry and runtime interleaved round-robin, ${threads} thread${threads === 1 ? '' : 's'} (libtorch and onnxruntime-node).`
        : ''),
    ...(new Set(rows.map((r) => r.nc)).size > 1 ? ['', `Class counts differ (${rows.map((r) => `${r.model}: ${r.nc}`).join(', ')}): Δ includes the Detect heads' class outputs.`] : []),
    '',
  ].join('\n');
}

export function comparisonCsv(rows: CompareRow[]): string {
  const speed = rows.some((r) => r.torchMs !== undefined);
  const maps = rows.some((r) => r.map50 !== undefined);
  const head = ['model', 'layers', 'parameters', 'gflops', ...(speed ? ['libtorch_ms', 'onnxruntime_ms', 'libtorch_ms_std', 'onnxruntime_ms_std'] : []), ...(maps ? ['map50', 'map50_95'] : [])];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = rows.map((r) =>
    [
      quote(r.model),
      r.layers,
      r.parameters,
      r.gflops.toFixed(4),
      ...(speed ? [r.torchMs!.toFixed(3), r.onnxMs!.toFixed(3), (r.torchStd ?? 0).toFixed(3), (r.onnxStd ?? 0).toFixed(3)] : []),
      ...(maps ? [r.map50?.toFixed(5) ?? '', r.map?.toFixed(5) ?? ''] : []),
    ].join(','),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}

/**
 * compare.png: mAP50-95 (every entry validated) or GFLOPs against libtorch latency (with --speed), else against
 * GFLOPs / parameters; one point per model labelled with its short name (src/plot/compare-chart.ts).
 */
export async function plotComparison(rows: CompareRow[], file: string): Promise<void> {
  await plotComparisonChart(rows, file);
}

/** compare.md, compare.csv and compare.png in `dir`, each written atomically. */
export async function writeComparison(dir: string, rows: CompareRow[], img: number, threads: number): Promise<string[]> {
  makeDirs(dir);
  const files = [join(dir, 'compare.md'), join(dir, 'compare.csv'), join(dir, 'compare.png')];
  writeFileAtomic(files[0]!, comparisonMarkdown(rows, img, threads));
  writeFileAtomic(files[1]!, comparisonCsv(rows));
  await plotComparison(rows, files[2]!);
  return files;
}
