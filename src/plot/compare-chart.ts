// compare.png: `tsyolo compare`'s table as a labelled scatter — mAP50-95 (every entry validated) or GFLOPs against
// libtorch latency (with --speed), else mAP50-95 against GFLOPs or GFLOPs against parameters. Axes fit the data
// with a margin; each point carries the entry's short name (its run or model name), placed where it stays inside
// the plot and overlaps the fewest other labels and points. Also reads compare.csv back for `tsyolo plot`.
import { basename, extname } from 'node:path';
import { Axes, Figure, autoLimits, type Rect } from './chart.ts';
import { cycleColor } from './colors.ts';

/** What the scatter needs of a compare row (src/ablation/compare.ts's CompareRow has these fields). */
export interface ComparePoint {
  /** The entry as given (a YAML name or path, or a checkpoint). */
  model: string;
  parameters: number;
  gflops: number;
  torchMs?: number;
  onnxMs?: number;
  map50?: number;
  map?: number;
}

/** A drawn point label: its text and its box in figure pixels. */
export interface PlacedLabel {
  text: string;
  box: Rect;
}

/** What plotComparisonChart drew: the figure size, the plot area and every label's box (all in pixels). */
export interface ComparisonChartLayout {
  width: number;
  height: number;
  plot: Rect;
  /** Each entry's point, in row order. */
  points: Array<readonly [number, number]>;
  labels: PlacedLabel[];
}

const WEIGHT_STEMS = new Set(['best', 'last']);

/**
 * Short names for chart labels: a checkpoint `runs/train/NAME/weights/best.pt` is NAME, any other file its stem
 * (`configs/models/yolov5s-cbam.yaml` → yolov5s-cbam); names that would repeat take more of their path (NAME/best,
 * NAME/last) until they differ.
 */
export function shortModelNames(entries: readonly string[]): string[] {
  const parts = entries.map((e) => {
    const segs = e.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
    const last = segs.pop() ?? e;
    const stem = basename(last, extname(last)) || last;
    // [the words to show, most specific last]; weights/ folders say nothing
    return [...segs.filter((s) => s !== 'weights'), stem];
  });
  const start = parts.map((p, i) => {
    const stem = p[p.length - 1]!;
    const inWeights = /[\\/]weights[\\/][^\\/]+$/.test(entries[i]!);
    return inWeights && WEIGHT_STEMS.has(stem) && p.length >= 2 ? [p.length - 2, p.length - 1] : [p.length - 1, p.length];
  });
  const name = (i: number) => {
    const [from, to] = start[i]!;
    return parts[i]!.slice(from, to).join('/');
  };
  for (let round = 0; round < 16; round++) {
    const names = entries.map((_, i) => name(i));
    const dup = names.map((n, i) => names.indexOf(n) !== i || names.lastIndexOf(n) !== i);
    if (!dup.some(Boolean)) return names;
    let grew = false;
    dup.forEach((d, i) => {
      if (!d) return;
      const s = start[i]!;
      if (s[1] < parts[i]!.length) s[1]++; // NAME → NAME/best
      else if (s[0] > 0) s[0]--; // yolov5s → models/yolov5s
      else return;
      grew = true;
    });
    if (!grew) break;
  }
  return entries.map((_, i) => name(i));
}

/** Which columns the scatter plots for these rows. */
export function comparisonAxes(rows: readonly ComparePoint[]): { x: (r: ComparePoint) => number; y: (r: ComparePoint) => number; xlabel: string; ylabel: string; title: string } {
  const speed = rows.length > 0 && rows.every((r) => r.torchMs !== undefined && Number.isFinite(r.torchMs));
  const maps = rows.length > 0 && rows.every((r) => r.map !== undefined && Number.isFinite(r.map));
  const x = speed ? (r: ComparePoint) => r.torchMs! : maps ? (r: ComparePoint) => r.gflops : (r: ComparePoint) => r.parameters / 1e6;
  const xlabel = speed ? 'libtorch latency (ms, batch 1)' : maps ? 'GFLOPs' : 'parameters (M)';
  const ylabel = maps ? 'mAP50-95' : 'GFLOPs';
  const xname = speed ? 'latency' : maps ? 'GFLOPs' : 'parameters';
  return { x, y: maps ? (r) => r.map! : (r) => r.gflops, xlabel, ylabel, title: `${ylabel} vs ${xname}` };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Moves `r` the least distance that puts it inside `area` (it must be no larger). */
function clampInto(r: Rect, area: Rect): Rect {
  const x = Math.min(Math.max(r.x, area.x), area.x + area.width - r.width);
  const y = Math.min(Math.max(r.y, area.y), area.y + area.height - r.height);
  return { x, y, width: r.width, height: r.height };
}

/** `text` cut in the middle with '…' until `measure` says it is at most `maxWidth` wide. */
export function fitText(text: string, maxWidth: number, measure: (s: string) => number): string {
  if (measure(text) <= maxWidth) return text;
  for (let keep = text.length - 1; keep > 1; keep--) {
    const head = Math.ceil(keep / 2), tail = keep - head;
    const s = `${text.slice(0, head)}…${tail > 0 ? text.slice(text.length - tail) : ''}`;
    if (measure(s) <= maxWidth) return s;
  }
  return '…';
}

/**
 * Label boxes for points at pixel positions `pts`: each tries right, left, above and below its point (upper and
 * lower variants), moved inside `area` when it pokes out, and takes the candidate overlapping the fewest already
 * placed labels and markers (shifted ones pay for the distance moved).
 */
export function placeLabels(pts: ReadonlyArray<readonly [number, number]>, sizes: ReadonlyArray<{ width: number; height: number }>, area: Rect, gap: number, markerR: number): Rect[] {
  const placed: Rect[] = [];
  const markers: Rect[] = pts.map(([x, y]) => ({ x: x - markerR, y: y - markerR, width: 2 * markerR, height: 2 * markerR }));
  pts.forEach(([x, y], i) => {
    const { width: w, height: h } = sizes[i]!;
    const d = markerR + gap;
    const candidates: Rect[] = [
      { x: x + d, y: y - h, width: w, height: h }, // right, above the centre line
      { x: x + d, y: y - h / 2, width: w, height: h }, // right, centred
      { x: x + d, y, width: w, height: h }, // right, below
      { x: x - d - w, y: y - h, width: w, height: h }, // left
      { x: x - d - w, y: y - h / 2, width: w, height: h },
      { x: x - d - w, y, width: w, height: h },
      { x: x - w / 2, y: y - d - h, width: w, height: h }, // above
      { x: x - w / 2, y: y + d, width: w, height: h }, // below
    ];
    let best: Rect = clampInto(candidates[0]!, area);
    let bestScore = Infinity;
    for (const c of candidates) {
      const r = clampInto(c, area);
      const moved = Math.abs(r.x - c.x) + Math.abs(r.y - c.y);
      let score = moved * h;
      for (const p of placed) score += overlap(r, p) * 4;
      markers.forEach((m, j) => (score += overlap(r, m) * (j === i ? 8 : 4)));
      if (score < bestScore - 1e-9) {
        bestScore = score;
        best = r;
      }
    }
    placed.push(best);
  });
  return placed;
}

/**
 * compare.png (or .svg): 12×6 in at 200 dpi (2400×1200, YOLOv5's results.png size), one coloured point per entry
 * labelled with its short name inside the plot. Returns what it drew, in pixels.
 */
export async function plotComparisonChart(rows: readonly ComparePoint[], file: string, options: { svg?: boolean } = {}): Promise<ComparisonChartLayout> {
  if (rows.length === 0) throw new Error(`plotComparisonChart ${file}: no entries to plot`);
  const axes = comparisonAxes(rows);
  const xs = rows.map(axes.x), ys = rows.map(axes.y);
  const fig = new Figure(12, 6, 200, 11, options.svg ?? false);
  const [cell] = fig.cells(1, 1, 8);
  const ax = new Axes(fig, cell!, {
    xlim: autoLimits(xs, 0.12),
    ylim: autoLimits(ys, 0.12),
    title: axes.title,
    xlabel: axes.xlabel,
    ylabel: axes.ylabel,
  });
  ax.drawGrid();
  const pt = 11;
  const markerPt = 16;
  const markerR = fig.px(markerPt) / 4;
  const inset = fig.px(3);
  const area: Rect = { x: ax.plot.x + inset, y: ax.plot.y + inset, width: ax.plot.width - 2 * inset, height: ax.plot.height - 2 * inset };
  const measure = (s: string) => fig.textWidth(s, pt);
  const texts = shortModelNames(rows.map((r) => r.model)).map((s) => fitText(s, area.width * 0.45, measure));
  const lineH = fig.px(pt) * 1.25;
  const pts = rows.map((_, i) => [ax.x(xs[i]!), ax.y(ys[i]!)] as const);
  const boxes = placeLabels(pts, texts.map((t) => ({ width: measure(t), height: lineH })), area, fig.px(2), markerR);
  rows.forEach((_, i) => ax.line([xs[i]!], [ys[i]!], { color: cycleColor(i), width: 0, markerSize: markerPt }));
  const labels = texts.map((text, i) => {
    const box = boxes[i]!;
    fig.text(text, box.x, box.y + box.height / 2, { pt, align: 'left', baseline: 'middle' });
    return { text, box };
  });
  ax.finish();
  await fig.save(file);
  return { width: fig.width, height: fig.height, plot: ax.plot, points: pts, labels };
}

/**
 * compare.csv back into rows: columns found by name (model, parameters, gflops, libtorch_ms, onnxruntime_ms, map50,
 * map50_95; others ignored), quoted model names unquoted; empty cells are absent values.
 */
export function parseComparisonCsv(text: string, source = 'compare.csv'): ComparePoint[] {
  const records = parseCsvRecords(text);
  if (records.length === 0) throw new Error(`${source}: empty file`);
  const head = records[0]!.map((h) => h.trim());
  const col = (name: string) => head.indexOf(name);
  for (const need of ['model', 'parameters', 'gflops']) {
    if (col(need) < 0) throw new Error(`${source}: no '${need}' column (a compare.csv from tsyolo compare has: model, layers, parameters, gflops, …)`);
  }
  return records.slice(1).map((cells, i) => {
    const value = (name: string, required: boolean): number | undefined => {
      const j = col(name);
      const cell = j < 0 ? '' : (cells[j] ?? '').trim();
      if (cell === '') {
        if (required) throw new Error(`${source}:${i + 2}: no '${name}' value`);
        return undefined;
      }
      const v = Number(cell);
      if (!Number.isFinite(v)) throw new Error(`${source}:${i + 2}: column '${name}' value '${cell}' is not a number`);
      return v;
    };
    return {
      model: cells[col('model')] ?? '',
      parameters: value('parameters', true)!,
      gflops: value('gflops', true)!,
      torchMs: value('libtorch_ms', false),
      onnxMs: value('onnxruntime_ms', false),
      map50: value('map50', false),
      map: value('map50_95', false),
    };
  });
}

/** RFC 4180 records (quoted fields may hold commas, doubled quotes and newlines); blank lines are skipped. */
function parseCsvRecords(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [], cell = '', quoted = false;
  const endRow = () => {
    row.push(cell);
    if (!(row.length === 1 && row[0]!.trim() === '')) out.push(row);
    row = [];
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n') endRow();
    else if (ch !== '\r') cell += ch;
  }
  if (cell !== '' || row.length > 0) endRow();
  return out;
}
