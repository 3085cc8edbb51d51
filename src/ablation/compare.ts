// The ablation table behind `tsyolo compare A B …`: each entry (a model YAML or a trained checkpoint) with its
// layers, parameters and GFLOPs, optionally its median latency (fused libtorch eval and onnxruntime-node, batch 1,
// after warm-up), written as compare.md, compare.csv and compare.png.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend } from '../deploy/load-backend.ts';
import { OnnxModel } from '../deploy/onnx-model.ts';
import { exportOnnx } from '../export/export-onnx.ts';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';
import { Axes, Figure } from '../plot/chart.ts';
import { cycleColor } from '../plot/colors.ts';
import { zeros } from '../tensor/create.ts';
import { getNumThreads, noGrad } from '../tensor/runtime.ts';
import { tidy } from '../tensor/scope.ts';
import type { DetectionModel } from '../yolo/detection-model.ts';
import { loadModel } from '../yolo/load-model.ts';
import { summarize } from '../yolo/model-info.ts';
import { val } from '../val/val.ts';

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
  /** Median ms per image, onnxruntime-node on the fused ONNX export (with --speed). */
  onnxMs?: number;
  /** A checkpoint's mAP on the dataset's val split (with --data; YAML entries are untrained and have none). */
  map50?: number;
  map?: number;
}

export interface CompareOptions {
  img: number;
  /** Measure latency: `warmup` runs, then the median of `runs`. */
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeTorch(model: DetectionModel, img: number, warmup: number, runs: number): number {
  const once = () => {
    const t0 = performance.now();
    noGrad(() => tidy(() => void model.forward(zeros([1, model.inputChannels, img, img]))));
    return performance.now() - t0;
  };
  for (let i = 0; i < warmup; i++) once();
  return median(Array.from({ length: runs }, once));
}

async function timeOnnx(model: DetectionModel, img: number, warmup: number, runs: number, threads: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'tsyolo-compare-'));
  try {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, exportOnnx(model, { imgsz: img, batch: 1 }).bytes);
    const onnx = await OnnxModel.load(file, { threads });
    const input = new Float32Array(model.inputChannels * img * img);
    const shape = [1, model.inputChannels, img, img];
    try {
      for (let i = 0; i < warmup; i++) await onnx.forward(input, shape);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await onnx.forward(input, shape);
        times.push(performance.now() - t0);
      }
      return median(times);
    } finally {
      await onnx.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One row per entry; latency (with `speed`) is measured on the fused model, one entry at a time. */
export async function compareModels(entries: string[], o: CompareOptions): Promise<CompareRow[]> {
  const rows: CompareRow[] = [];
  for (const entry of entries) {
    const { model } = loadModel(entry, { nc: o.nc });
    try {
      const s = summarize(model, o.img);
      const row: CompareRow = { model: entry, layers: s.layers, parameters: s.parameters, gflops: s.gflops, nc: model.nc };
      if (o.speed) {
        model.fuse().eval();
        row.torchMs = timeTorch(model, o.img, o.speed.warmup, o.speed.runs);
        row.onnxMs = await timeOnnx(model, o.img, o.speed.warmup, o.speed.runs, getNumThreads());
      }
      rows.push(row);
    } finally {
      model.dispose();
    }
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
    cols.push({ head: 'libtorch ms', cell: (r) => r.torchMs?.toFixed(1) ?? '' }, { head: 'onnxruntime ms', cell: (r) => r.onnxMs?.toFixed(1) ?? '' });
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
      (speed ? ` Latency: median ms per image, batch 1, fused model, after warm-up, ${threads} thread${threads === 1 ? '' : 's'} (libtorch and onnxruntime-node).` : ''),
    ...(new Set(rows.map((r) => r.nc)).size > 1 ? ['', `Class counts differ (${rows.map((r) => `${r.model}: ${r.nc}`).join(', ')}): Δ includes the Detect heads' class outputs.`] : []),
    '',
  ].join('\n');
}

export function comparisonCsv(rows: CompareRow[]): string {
  const speed = rows.some((r) => r.torchMs !== undefined);
  const maps = rows.some((r) => r.map50 !== undefined);
  const head = ['model', 'layers', 'parameters', 'gflops', ...(speed ? ['libtorch_ms', 'onnxruntime_ms'] : []), ...(maps ? ['map50', 'map50_95'] : [])];
  const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = rows.map((r) =>
    [
      quote(r.model),
      r.layers,
      r.parameters,
      r.gflops.toFixed(4),
      ...(speed ? [r.torchMs!.toFixed(3), r.onnxMs!.toFixed(3)] : []),
      ...(maps ? [r.map50?.toFixed(5) ?? '', r.map?.toFixed(5) ?? ''] : []),
    ].join(','),
  );
  return [head.join(','), ...lines].join('\n') + '\n';
}

/**
 * mAP50-95 (every entry validated) or GFLOPs against libtorch latency (with --speed), else against parameters; one
 * labelled point per model.
 */
export async function plotComparison(rows: CompareRow[], file: string): Promise<void> {
  const speed = rows.every((r) => r.torchMs !== undefined);
  const maps = rows.every((r) => r.map !== undefined);
  const xs = rows.map((r) => (speed ? r.torchMs! : r.parameters / 1e6));
  const ys = rows.map((r) => (maps ? r.map! : r.gflops));
  const fig = new Figure(8, 6, 100);
  const [cell] = fig.cells(1, 1);
  const pad = (lo: number, hi: number): [number, number] => (hi > lo ? [lo - (hi - lo) * 0.1, hi + (hi - lo) * 0.25] : [lo * 0.5, hi * 1.5 + 1]);
  const ax = new Axes(fig, cell!, {
    xlim: pad(Math.min(0, ...xs), Math.max(...xs)),
    ylim: pad(Math.min(0, ...ys), Math.max(...ys)),
    title: `${maps ? 'mAP50-95' : 'GFLOPs'} vs ${speed ? 'latency' : 'parameters'}`,
    xlabel: speed ? 'libtorch latency (ms, batch 1)' : 'parameters (M)',
    ylabel: maps ? 'mAP50-95' : 'GFLOPs',
    grid: true,
  });
  rows.forEach((r, i) => {
    ax.line([xs[i]!], [ys[i]!], { color: cycleColor(i), width: 0, markerSize: 12 });
    ax.textAt(` ${r.model}`, xs[i]!, ys[i]!, { align: 'left', baseline: 'bottom', pt: 9 });
  });
  ax.finish();
  await fig.save(file);
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
