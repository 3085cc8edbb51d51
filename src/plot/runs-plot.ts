// `tsyolo plot RUN RUN …`: several training runs on one figure. The runs' results.csv curves overlaid in YOLOv5's
// results.png layout (utils/plots.py plot_results: 2×5 panels titled by the column, 12×6 in at 200 dpi, '.' markers,
// line width 2), one colour per run and a legend of the runs below the panels; their all-classes PR curves on one
// chart when val saved them (PR_curve.csv); `compare`'s scatter when a compare.csv is given.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { Axes, Figure, autoLimits, drawFigureLegend, legendGridSize, type LegendEntry, type LineStyle, type Rect } from './chart.ts';
import { cycleColor } from './colors.ts';
import { type ComparePoint, fitText, parseComparisonCsv, plotComparisonChart } from './compare-chart.ts';
import { type PrCurveData, readPrCurveCsv } from './pr-curve-data.ts';
import { RESULTS_PANELS, parseResultsCsv, type ResultsTable } from './results-plot.ts';

/** One run to overlay: its legend name and its results.csv. */
export interface RunCurves {
  name: string;
  table: ResultsTable;
}

/** Which results.csv columns get a panel: shared by every run, YOLOv5's ten first in its order; the rest skipped. */
export function sharedPanels(tables: readonly ResultsTable[]): { panels: string[]; skipped: string[] } {
  const plottable = (c: string) => c !== 'epoch' && !c.startsWith('x/'); // plot_results leaves out the learning rates
  const all: string[] = [];
  for (const t of tables) for (const c of t.columns) if (plottable(c) && !all.includes(c)) all.push(c);
  const shared = all.filter((c) => tables.every((t) => t.columns.includes(c)));
  const standard: readonly string[] = RESULTS_PANELS;
  return {
    panels: [...standard.filter((c) => shared.includes(c)), ...shared.filter((c) => !standard.includes(c))],
    skipped: all.filter((c) => !shared.includes(c)),
  };
}

/**
 * A path label that fits `maxWidth`: whole when it does, else its leading folders dropped ('…/train/exp'), else
 * cut in the middle.
 */
export function fitPathLabel(label: string, maxWidth: number, measure: (s: string) => number): string {
  if (measure(label) <= maxWidth) return label;
  const parts = label.split('/');
  for (let i = 1; i < parts.length; i++) {
    const s = `…/${parts.slice(i).join('/')}`;
    if (measure(s) <= maxWidth) return s;
  }
  return fitText(label, maxWidth, measure);
}

function lineStyle(i: number, width = 2, markerSize?: number): LineStyle {
  return { color: cycleColor(i), width, markerSize, dash: i >= 10 ? 'dashed' : 'solid' };
}

/** Where plotRunsChart drew the legend and its labels (pixels), for callers and tests. */
export interface RunsChartLayout {
  width: number;
  height: number;
  panels: string[];
  skipped: string[];
  /** The legend's labels, in run order (the names, shortened only where they did not fit). */
  labels: string[];
  legend: Rect;
}

/**
 * The runs' results.csv columns overlaid: one panel per shared column (see sharedPanels), x = epoch, one colour per
 * run, the legend centred below the panels. 12×6 in at 200 dpi for YOLOv5's ten panels (2400×1200), SVG with `svg`.
 */
export async function plotRunsChart(runs: readonly RunCurves[], file: string, options: { svg?: boolean } = {}): Promise<RunsChartLayout> {
  if (runs.length === 0) throw new Error(`plotRunsChart ${file}: no runs to plot`);
  for (const r of runs) if (!r.table.columns.includes('epoch')) throw new Error(`${r.name}: results.csv has no 'epoch' column`);
  const { panels, skipped } = sharedPanels(runs.map((r) => r.table));
  if (panels.length === 0) throw new Error(`no results.csv column is shared by every run (${runs.map((r) => r.name).join(', ')})`);
  const rows = panels.length <= 5 ? 1 : 2;
  const cols = Math.ceil(panels.length / rows);
  const fig = new Figure(Math.max(12, 2.4 * cols), rows === 2 ? 6 : 3.6, 200, 11, options.svg ?? false); // plt.subplots(2, 5, figsize=(12, 6)), dpi=200
  const pad = fig.px(4);
  const measure = (s: string) => fig.textWidth(s);
  const labels = runs.map((r) => fitPathLabel(r.name, (fig.width - 2 * pad) * 0.45, measure));
  const styles = runs.map((_, i) => lineStyle(i, 2, 8));
  const entries: LegendEntry[] = labels.map((label, i) => ({ label, line: styles[i]! }));
  let ncol = entries.length;
  while (ncol > 1 && legendGridSize(fig, entries, ncol).width > fig.width - 2 * pad) ncol--;
  const legendSize = legendGridSize(fig, entries, ncol);
  const legend: Rect = { x: (fig.width - legendSize.width) / 2, y: fig.height - pad - legendSize.height, width: legendSize.width, height: legendSize.height };
  const areaH = legend.y - pad - fig.px(4);
  const cellW = (fig.width - 2 * pad) / cols, cellH = areaH / rows;
  panels.forEach((name, k) => {
    const cell: Rect = { x: pad + (k % cols) * cellW, y: pad + Math.floor(k / cols) * cellH, width: cellW, height: cellH };
    const series = runs.map((r) => {
      const t = r.table;
      return { x: t.values[t.columns.indexOf('epoch')]!, y: t.values[t.columns.indexOf(name)]! };
    });
    const options = { xlim: autoLimits(series.flatMap((s) => Array.from(s.x))), ylim: autoLimits(series.flatMap((s) => Array.from(s.y))), title: name, titlePt: 12 };
    let ax = new Axes(fig, cell, options);
    // Wide tick labels push the plot right; a title centred over it may then pass the figure's edge: narrow the cell.
    const half = fig.textWidth(name, 12) / 2, centre = ax.plot.x + ax.plot.width / 2;
    const over = Math.max(0, centre + half - (fig.width - pad)), under = Math.max(0, pad - (centre - half));
    if (over > 0 || under > 0) ax = new Axes(fig, { ...cell, x: cell.x + 2 * under, width: cell.width - 2 * over - 2 * under }, options);
    series.forEach((s, i) => ax.line(s.x, s.y, styles[i]!));
    ax.finish();
  });
  drawFigureLegend(fig, entries, legend.x, legend.y, ncol);
  await fig.save(file);
  return { width: fig.width, height: fig.height, panels, skipped, labels, legend };
}

/** One run's all-classes PR curve with its legend name. */
export interface RunPrCurve {
  name: string;
  curve: PrCurveData;
}

/** The runs' all-classes PR curves on one chart, PR_curve.png's look (9×6 in at 250 dpi, legend right of the axes). */
export async function plotPrCurves(curves: readonly RunPrCurve[], file: string, options: { svg?: boolean } = {}): Promise<string[]> {
  if (curves.length === 0) throw new Error(`plotPrCurves ${file}: no curves to plot`);
  const fig = new Figure(9, 6, 250, 11, options.svg ?? false); // plot_pr_curve: figsize=(9, 6), dpi=250
  const measure = (s: string) => fig.textWidth(s);
  const labels = curves.map((c) => {
    const tail = Number.isFinite(c.curve.map50) ? ` ${c.curve.map50.toFixed(3)} mAP@0.5` : '';
    return fitPathLabel(c.name, fig.width * 0.42 - measure(tail), measure) + tail;
  });
  const styles = curves.map((_, i) => lineStyle(i, 2.5));
  const [cell] = fig.cells(1, 1);
  const ax = new Axes(fig, cell!, {
    xlim: [0, 1],
    ylim: [0, 1],
    title: 'Precision-Recall Curve',
    xlabel: 'Recall',
    ylabel: 'Precision',
    legendOutside: labels.map((label, i) => ({ label, line: styles[i]! })),
  });
  curves.forEach((c, i) => ax.line(c.curve.recall, c.curve.precision, styles[i]!));
  ax.finish();
  await fig.save(file);
  return labels;
}

/** Where `plotRuns` writes (a folder or `out`) and in which formats. */
export interface PlotRunsOptions {
  /** The folder for runs.png, PR_curve.png and compare.png (the CLI's runs/plot/exp{N}); ignored with `out`. */
  dir?: string;
  /** The main chart's file (.png or .svg): runs.png's place, or compare.png's when only a compare.csv is given;
   * the others go beside it as <stem>_PR_curve and <stem>_compare. */
  out?: string;
  /** Also write each chart as SVG. */
  svg?: boolean;
  log?: (line: string) => void;
}

/** What `tsyolo plot` read and wrote. */
export interface PlotRunsResult {
  files: string[];
  skippedColumns: string[];
}

type Input = { kind: 'run'; name: string; csv: string; dir: string } | { kind: 'compare'; name: string; csv: string };

function classify(path: string): Input {
  const name = path.replace(/[\\/]+$/, '') || path;
  if (!existsSync(path)) throw new Error(`${name}: no such folder or file`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'results.csv'))) return { kind: 'run', name, csv: join(path, 'results.csv'), dir: path };
    if (existsSync(join(path, 'compare.csv'))) return { kind: 'compare', name, csv: join(path, 'compare.csv') };
    throw new Error(`${name}: no results.csv in this folder (a training run's folder, e.g. runs/train/exp, or tsyolo compare's with compare.csv)`);
  }
  if (basename(path) === 'results.csv') return { kind: 'run', name: dirname(path), csv: path, dir: dirname(path) };
  if (extname(path).toLowerCase() === '.csv') return { kind: 'compare', name, csv: path };
  throw new Error(`${name}: not a run folder, results.csv or compare.csv`);
}

/**
 * The `tsyolo plot` command's work: each input is a run folder (its results.csv, and PR_curve.csv when val wrote
 * one), a results.csv, or a compare.csv (or compare's folder). Writes runs.png (the runs' curves), PR_curve.png (when
 * any run has PR_curve.csv) and compare.png (when a compare.csv was given), each also as .svg with `svg`.
 */
export async function plotRuns(inputs: readonly string[], o: PlotRunsOptions): Promise<PlotRunsResult> {
  if (inputs.length === 0) throw new Error('plot: name at least one run folder (e.g. runs/train/exp)');
  const log = o.log ?? (() => {});
  const items = inputs.map(classify);
  const runs = items.filter((i): i is Extract<Input, { kind: 'run' }> => i.kind === 'run');
  const tables = await Promise.all(
    items.filter((i) => i.kind === 'compare').map(async (i) => parseComparisonCsv(await readFile(i.csv, 'utf8'), i.csv)),
  );
  const comparePoints: ComparePoint[] = tables.flat();
  const runCurves: RunCurves[] = await Promise.all(runs.map(async (r) => ({ name: r.name, table: parseResultsCsv(await readFile(r.csv, 'utf8'), r.csv) })));

  // Output names: runs.png, PR_curve.png, compare.png in the folder, or --out and files beside it.
  let target: (chart: 'runs' | 'PR_curve' | 'compare', ext: string) => string;
  let formats: string[];
  if (o.out !== undefined) {
    const ext = extname(o.out).toLowerCase();
    if (ext !== '.png' && ext !== '.svg') throw new Error(`--out ${o.out}: the file must end in .png or .svg`);
    formats = ext === '.svg' ? ['.svg'] : o.svg ? ['.png', '.svg'] : ['.png'];
    const main = runCurves.length > 0 ? 'runs' : 'compare';
    const stem = join(dirname(o.out), basename(o.out, extname(o.out)));
    target = (chart, e) => (chart === main ? `${stem}${e}` : `${stem}_${chart}${e}`);
  } else {
    if (o.dir === undefined) throw new Error('plotRuns: give dir or out');
    const dir = o.dir;
    formats = o.svg ? ['.png', '.svg'] : ['.png'];
    target = (chart, e) => join(dir, `${chart}${e}`);
  }

  const files: string[] = [];
  let skippedColumns: string[] = [];
  if (runCurves.length > 0) {
    for (const e of formats) {
      const layout = await plotRunsChart(runCurves, target('runs', e), { svg: e === '.svg' });
      skippedColumns = layout.skipped;
      files.push(target('runs', e));
    }
    if (skippedColumns.length > 0) {
      const where = skippedColumns.map((c) => `${c} (in ${runCurves.filter((r) => r.table.columns.includes(c)).map((r) => r.name).join(', ')})`);
      log(`not in every run's results.csv, skipped: ${where.join('; ')}`);
    }
    const pr: RunPrCurve[] = [];
    const without: string[] = [];
    for (const r of runs) {
      const f = join(r.dir, 'PR_curve.csv');
      if (existsSync(f)) pr.push({ name: r.name, curve: await readPrCurveCsv(f) });
      else without.push(r.name);
    }
    if (pr.length > 0) {
      for (const e of formats) {
        await plotPrCurves(pr, target('PR_curve', e), { svg: e === '.svg' });
        files.push(target('PR_curve', e));
      }
      if (without.length > 0) log(`no PR_curve.csv in ${without.join(', ')} (val and train write it beside PR_curve.png): not in the PR chart`);
    }
  }
  if (comparePoints.length > 0) {
    for (const e of formats) {
      await plotComparisonChart(comparePoints, target('compare', e), { svg: e === '.svg' });
      files.push(target('compare', e));
    }
  }
  return { files, skippedColumns };
}
