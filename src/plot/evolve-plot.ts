// evolve.png from evolve.csv (YOLOv5 v7.0 utils/plots.py plot_evolve): one panel per hyperparameter in a 6×5 grid
// (10×12 in at 200 dpi), each generation's value against its fitness, coloured by hist2d's log point density on
// viridis, the best generation marked with a black '+', the best value in the title.
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { argmax, linspace } from '../compat/numpy.ts';
import { pyFormat } from '../compat/python.ts';
import { Axes, Figure, type Rect, autoLimits } from './chart.ts';
import { cssColor, linearColormap } from './colors.ts';
import { parseResultsCsv } from './results-plot.ts';

/** matplotlib's 'viridis' at 33 evenly spaced points. */
const viridis = linearColormap([
  '440154', '470d60', '48186a', '482374', '472d7b', '453781', '424086', '3e4989', '3b528b', '375b8d', '33638d',
  '2f6b8e', '2c728e', '297a8e', '26828e', '23898e', '21918c', '1f988b', '1fa088', '22a785', '28ae80', '32b67a',
  '3fbc73', '4ec36b', '5ec962', '70cf57', '84d44b', '98d83e', 'addc30', 'c2df23', 'd8e219', 'ece51b', 'fde725',
]);

/** np.searchsorted(edges, v, side='right'): how many edges are ≤ v. */
function searchRight(edges: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v < edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * utils/plots.py hist2d(x, y, n): log of the count of points sharing each point's cell of np.histogram2d over
 * n − 1 equal bins per axis between the minimum and maximum (the last bin closed on the right).
 */
export function hist2d(x: ArrayLike<number>, y: ArrayLike<number>, n = 100): Float64Array {
  const m = x.length;
  const bins = n - 1;
  const cell = (v: ArrayLike<number>): Int32Array => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < m; i++) {
      lo = Math.min(lo, v[i]!);
      hi = Math.max(hi, v[i]!);
    }
    const edges = linspace(lo, hi, n);
    // np.digitize − 1, clipped to the bins: the cell histogram2d counts the point in (a value on the last edge
    // falls in the last bin there, and is clipped into it here).
    return Int32Array.from({ length: m }, (_, i) => Math.min(Math.max(searchRight(edges, v[i]!) - 1, 0), bins - 1));
  };
  const cx = cell(x);
  const cy = cell(y);
  const counts = new Map<number, number>();
  for (let i = 0; i < m; i++) counts.set(cx[i]! * bins + cy[i]!, (counts.get(cx[i]! * bins + cy[i]!) ?? 0) + 1);
  return Float64Array.from({ length: m }, (_, i) => Math.log(counts.get(cx[i]! * bins + cy[i]!)!));
}

/**
 * The 6×5 panels with equal plot areas, as tight_layout leaves them: only the first column has y tick labels (every
 * panel shares the fitness axis), so its cells are wider by their width.
 */
function panelCells(fig: Figure, ylim: [number, number]): Rect[] {
  const grid = fig.cells(6, 5);
  const probe = { xlim: [0, 1] as const, ylim };
  const labels = new Axes(fig, grid[0]!, probe).plot.x - new Axes(fig, grid[0]!, { ...probe, yticks: 'none' }).plot.x;
  const left = grid[0]!.x;
  const width = (fig.width - 2 * left - labels) / 5;
  return grid.map((c, i) => {
    const col = i % 5;
    return col === 0 ? { ...c, x: left, width: width + labels } : { ...c, x: left + labels + col * width, width };
  });
}

/** evolve.csv's layout when it is not train.py's (segmentation's twelve result columns and its fitness). */
export interface EvolvePlotOptions {
  /** Result columns before the hyperparameters (default 7). */
  resultColumns?: number;
  /** A row's fitness (default 0.1·mAP@0.5 + 0.9·mAP@0.5:0.95 of columns 2 and 3). */
  fitness?: (row: ArrayLike<number>) => number;
}

/**
 * Draws evolve.png beside `csvPath` and returns its path with the lines v7.0 prints ("Best results from row j of
 * …:", each hyperparameter's best value, "Saved …").
 */
export async function plotEvolve(csvPath: string, o: EvolvePlotOptions = {}): Promise<{ path: string; lines: string[] }> {
  const table = parseResultsCsv(await readFile(csvPath, 'utf8'), csvPath);
  const rows = table.values[0]?.length ?? 0;
  if (rows === 0) throw new Error(`${csvPath}: no generations to plot`);
  const col = (j: number) => table.values[j]!;
  const nr = o.resultColumns ?? 7;
  const f = Float64Array.from({ length: rows }, (_, r) => (o.fitness ? o.fitness(table.values.map((c) => c[r]!)) : 0.0 * col(0)[r]! + 0.0 * col(1)[r]! + 0.1 * col(2)[r]! + 0.9 * col(3)[r]!));
  const j = argmax(f);
  const fmax = f[j]!;
  const lines = [`Best results from row ${j} of ${csvPath}:`];
  const fig = new Figure(10, 12, 200, 8); // plt.figure(figsize=(10, 12)), font size 8, savefig(dpi=200)
  const cells = panelCells(fig, autoLimits(f));
  const keys = table.columns.slice(nr);
  if (keys.length > cells.length) throw new Error(`${csvPath}: ${keys.length} hyperparameters do not fit evolve.png's 6×5 panels`);
  const ctx = fig.ctx;
  keys.forEach((k, i) => {
    const v = col(nr + i);
    const mu = v[j]!;
    const ax = new Axes(fig, cells[i]!, {
      xlim: autoLimits(v),
      ylim: autoLimits(f),
      title: `${k} = ${pyFormat('%.3g', mu)}`,
      titlePt: 9,
      ...(i % 5 !== 0 ? { yticks: 'none' as const } : {}),
    });
    // plt.scatter(v, f, c=hist2d(v, f, 20), cmap='viridis', alpha=.8, edgecolors='none'): 36 pt² discs, colours
    // normalised over c's range (all the same colour when c is flat).
    const c = hist2d(v, f, 20);
    const cmin = Math.min(...c);
    const cmax = Math.max(...c);
    const radius = fig.px(3);
    for (let r = 0; r < rows; r++) {
      ctx.fillStyle = cssColor(viridis(cmax > cmin ? (c[r]! - cmin) / (cmax - cmin) : 0), 0.8);
      ctx.beginPath();
      ctx.arc(ax.x(v[r]!), ax.y(f[r]!), radius, 0, 2 * Math.PI);
      ctx.fill();
    }
    // plt.plot(mu, f.max(), 'k+', markersize=15)
    const half = fig.px(15) / 2;
    const [px, py] = [ax.x(mu), ax.y(fmax)];
    ctx.strokeStyle = cssColor([0, 0, 0]);
    ctx.lineWidth = fig.px(1);
    ctx.beginPath();
    ctx.moveTo(px - half, py);
    ctx.lineTo(px + half, py);
    ctx.moveTo(px, py - half);
    ctx.lineTo(px, py + half);
    ctx.stroke();
    ax.finish();
    lines.push(`${pyFormat('%15s', k)}: ${pyFormat('%.3g', mu)}`);
  });
  const out = join(dirname(csvPath), `${basename(csvPath, extname(csvPath))}.png`);
  await fig.save(out);
  lines.push(`Saved ${out}`);
  return { path: out, lines };
}
