// results.png from a run's results.csv (YOLOv5 utils/plots.py plot_results) and a generic line chart for
// comparing runs.
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Axes, Figure, autoLimits, type LegendEntry, type LineStyle } from './chart.ts';
import { argmax } from '../compat/numpy.ts';
import { pyFloatRepr, roundHalfEven } from '../compat/python.ts';
import { cycleColor, type RGB } from './colors.ts';

/** results.csv as columns: `columns[i]` is the trimmed header, `values[i]` its numbers, one per epoch. */
export interface ResultsTable {
  columns: string[];
  values: Float64Array[];
}

/**
 * Parses YOLOv5's results.csv: a header of `%20s` padded names and rows of `%20.5g` numbers, comma
 * separated (padding is trimmed; nan/inf are accepted as Python prints them).
 */
export function parseResultsCsv(text: string, source = 'results.csv'): ResultsTable {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new Error(`${source}: empty file, no header`);
  const columns = lines[0]!.split(',').map((s) => s.trim());
  const rows = lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== columns.length) {
      throw new Error(`${source}:${i + 2}: ${cells.length} values but the header has ${columns.length} columns`);
    }
    return cells.map((cell, j) => {
      const v = parsePythonNumber(cell.trim());
      if (v === undefined) throw new Error(`${source}:${i + 2}: column '${columns[j]}' value '${cell.trim()}' is not a number`);
      return v;
    });
  });
  return { columns, values: columns.map((_, j) => Float64Array.from(rows, (r) => r[j]!)) };
}

function parsePythonNumber(s: string): number | undefined {
  const lower = s.toLowerCase();
  if (lower === 'nan') return NaN;
  if (lower === 'inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return undefined;
  return Number(s);
}

/**
 * scipy.ndimage.gaussian_filter1d(y, sigma) with its defaults: kernel radius int(4·sigma + 0.5) and
 * 'reflect' edges (… c b a | a b c … x y z | z y x …).
 */
export function gaussianFilter1d(y: ArrayLike<number>, sigma: number, truncate = 4): Float64Array {
  const n = y.length;
  const radius = Math.floor(truncate * sigma + 0.5);
  const weights = new Float64Array(2 * radius + 1);
  let total = 0;
  for (let k = -radius; k <= radius; k++) total += weights[k + radius] = Math.exp((-0.5 * k * k) / (sigma * sigma));
  const out = new Float64Array(n);
  if (n === 0) return out;
  const reflect = (i: number): number => {
    const period = 2 * n;
    const m = ((i % period) + period) % period;
    return m < n ? m : period - 1 - m;
  };
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = -radius; k <= radius; k++) s += weights[k + radius]! * y[reflect(i + k)]!;
    out[i] = s / total;
  }
  return out;
}

/** The ten panels of results.png, in YOLOv5's order (two rows of five). */
export const RESULTS_PANELS = [
  'train/box_loss', 'train/obj_loss', 'train/cls_loss', 'metrics/precision', 'metrics/recall',
  'val/box_loss', 'val/obj_loss', 'val/cls_loss', 'metrics/mAP_0.5', 'metrics/mAP_0.5:0.95',
] as const;

/** Draws results.png next to `csvPath` (returns its path): each panel has the data and a smoothed dotted line. */
export async function plotResults(csvPath: string): Promise<string> {
  const table = parseResultsCsv(await readFile(csvPath, 'utf8'), csvPath);
  const column = (name: string): Float64Array => {
    const j = table.columns.indexOf(name);
    if (j < 0) throw new Error(`${csvPath}: no '${name}' column (have: ${table.columns.join(', ')})`);
    return table.values[j]!;
  };
  const epochs = column('epoch');
  const fig = new Figure(12, 6, 200); // plt.subplots(2, 5, figsize=(12, 6)), savefig(dpi=200)
  const cells = fig.cells(2, 5);
  const dataStyle: LineStyle = { color: cycleColor(0), width: 2, markerSize: 8 };
  const smoothStyle: LineStyle = { color: cycleColor(1), width: 2, dash: 'dotted' };
  const stem = basename(csvPath, extname(csvPath));
  RESULTS_PANELS.forEach((name, i) => {
    const y = column(name);
    const smooth = gaussianFilter1d(y, 3);
    const ax = new Axes(fig, cells[i]!, {
      xlim: autoLimits(epochs),
      ylim: autoLimits([...y, ...smooth]),
      title: name,
      titlePt: 12,
    });
    ax.line(epochs, y, dataStyle);
    ax.line(epochs, smooth, smoothStyle);
    ax.finish();
    if (i === 1) ax.legend([{ label: stem, line: dataStyle }, { label: 'smooth', line: smoothStyle }]);
  });
  const out = join(dirname(csvPath), 'results.png');
  await fig.save(out);
  return out;
}

/**
 * The sixteen panels of a segment run's results.png (v7.0 utils/segment/plots.py plot_results_with_masks), two rows
 * of eight: results.csv columns 1–6, 9, 10, 13–16, 7, 8, 11, 12 — the four train losses, P and R of boxes, P and R of
 * masks, the four val losses, then mAP50 and mAP50-95 of boxes and of masks.
 */
export const SEGMENT_RESULTS_PANEL_COLUMNS = [1, 2, 3, 4, 5, 6, 9, 10, 13, 14, 15, 16, 7, 8, 11, 12] as const;

/** NumPy's round(np.float64, digits): x·10^d rounded half to even, divided back (not Python's exact rounding). */
function numpyRound(x: number, digits: number): number {
  const f = 10 ** digits;
  return roundHalfEven(x * f) / f;
}

/** One panel of a segment run's results.png. */
export interface SegmentResultsPanel {
  /** results.csv column index. */
  column: number;
  /** Title: the column's name, a line break, its value at the best epoch (NumPy's round to 5 digits, as str()). */
  title: string;
  /** The red star: (best row index, the column's value there). */
  star: [number, number];
}

/**
 * The panels of plot_results_with_masks (best=True) for a segment results.csv: the best row is the one maximising
 * 0.1·mAP50 + 0.9·mAP50-95 of boxes plus the same of masks (NumPy's argmax: the first of equals, NaN first).
 */
export function segmentResultsPanels(table: ResultsTable, source = 'results.csv'): { best: number; panels: SegmentResultsPanel[] } {
  if (table.columns.length < 17) throw new Error(`${source}: ${table.columns.length} columns, a segment results.csv has 20 (epoch, 4 train losses, 8 box and mask metrics, 4 val losses, 3 lrs)`);
  const col = (j: number) => table.values[j]!;
  const rows = col(0).length;
  if (rows === 0) throw new Error(`${source}: no epochs to plot`);
  const best = argmax(Float64Array.from({ length: rows }, (_, r) => 0.9 * col(8)[r]! + 0.1 * col(7)[r]! + 0.9 * col(12)[r]! + 0.1 * col(11)[r]!));
  const panels = SEGMENT_RESULTS_PANEL_COLUMNS.map((j) => {
    const v = col(j)[best]!;
    return { column: j, title: `${table.columns[j]}\n${pyFloatRepr(numpyRound(v, 5))}`, star: [best, v] as [number, number] };
  });
  return { best, panels };
}

/**
 * results.png of a segment run (v7.0's plot_results_with_masks, best=True): 2×8 panels (18×6 in at 200 dpi) of
 * segmentResultsPanels, each the column's data line (no smoothing) with a red star at the best epoch; the second
 * panel has the legend (the csv's stem, `best:<row>`). Returns the path written beside `csvPath` and the legend.
 */
export async function plotResultsWithMasks(csvPath: string): Promise<{ path: string; legend: string[]; panels: SegmentResultsPanel[] }> {
  const table = parseResultsCsv(await readFile(csvPath, 'utf8'), csvPath);
  const { best, panels } = segmentResultsPanels(table, csvPath);
  const epochs = table.values[0]!;
  const fig = new Figure(18, 6, 200);
  const cells = fig.cells(2, 8);
  const dataStyle: LineStyle = { color: cycleColor(0), width: 2, markerSize: 2 };
  const red: RGB = [255, 0, 0];
  const legend = [basename(csvPath, extname(csvPath)), `best:${best}`];
  panels.forEach((panel, i) => {
    const y = table.values[panel.column]!;
    const finite = [...y].filter(Number.isFinite);
    const ax = new Axes(fig, cells[i]!, { xlim: autoLimits([...epochs, best]), ylim: autoLimits(finite.length ? finite : [0]), title: panel.title });
    ax.line(epochs, y, dataStyle);
    // v7.0 puts the star at x = the row index (the epoch itself unless the csv starts later, e.g. after a resume).
    ax.star(panel.star[0], panel.star[1], red);
    ax.finish();
    if (i === 1) ax.legend([{ label: legend[0]!, line: dataStyle }, { label: legend[1]!, star: red }]);
  });
  const path = join(dirname(csvPath), 'results.png');
  await fig.save(path);
  return { path, legend, panels };
}

export interface LineSeries {
  name: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: RGB;
  dash?: 'solid' | 'dotted' | 'dashed';
}

export interface PlotLinesOptions {
  series: readonly LineSeries[];
  title?: string;
  xlabel?: string;
  ylabel?: string;
  /** .png or .jpg */
  path: string;
  /** Figure size in inches and resolution (default 8×5 in at 150 dpi). */
  widthIn?: number;
  heightIn?: number;
  dpi?: number;
  /** Fixed y range; default fits the data with 5 % margins. */
  ylim?: readonly [number, number];
}

/** A line chart of several named series with a legend and light grid (e.g. two runs' mAP per epoch). */
export async function plotLines(options: PlotLinesOptions): Promise<void> {
  const { series } = options;
  if (series.length === 0) throw new Error(`plotLines ${options.path}: no series to plot`);
  const fig = new Figure(options.widthIn ?? 8, options.heightIn ?? 5, options.dpi ?? 150);
  const [cell] = fig.cells(1, 1);
  const xs = series.flatMap((s) => Array.from(s.x));
  const ys = series.flatMap((s) => Array.from(s.y));
  const ax = new Axes(fig, cell!, {
    xlim: autoLimits(xs),
    ylim: options.ylim ?? autoLimits(ys),
    title: options.title,
    xlabel: options.xlabel,
    ylabel: options.ylabel,
  });
  ax.drawGrid();
  const legend: LegendEntry[] = series.map((s, i) => {
    const style: LineStyle = { color: s.color ?? cycleColor(i), width: 2, dash: s.dash };
    ax.line(s.x, s.y, style);
    return { label: s.name, line: style };
  });
  ax.finish();
  ax.legend(legend, 'best');
  await fig.save(options.path);
}
