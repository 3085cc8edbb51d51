// labels.jpg (YOLOv5 utils/plots.py plot_labels): class histogram, box-shape overlay, and 2D histograms of
// box centres (x, y) and sizes (width, height), on a 2×2 grid.
import { createCanvas } from '@napi-rs/canvas';
import { Axes, Figure, autoLimits, type Rect } from './chart.ts';
import { classColor, cssColor, linearColormap } from './colors.ts';

/** Seaborn's bivariate-histogram ramp for matplotlib's first colour: light blue for few, dark blue for many. */
const histColormap = linearColormap(['b4cfe9', '7fa9d4', '4b80b8', '26558c']);

/** YOLOv5 draws at most this many boxes in the shape overlay. */
const MAX_OVERLAY_BOXES = 1000;

export interface Histogram2d {
  counts: Float64Array; // bins×bins, counts[i * bins + j] for x bin i and y bin j
  xEdges: Float64Array;
  yEdges: Float64Array;
  bins: number;
}

/** numpy.histogram2d over the data range with `bins` equal bins per axis (last bin closed on the right). */
export function histogram2d(x: ArrayLike<number>, y: ArrayLike<number>, bins: number): Histogram2d {
  const edges = (v: ArrayLike<number>): Float64Array => {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < v.length; i++) {
      lo = Math.min(lo, v[i]!);
      hi = Math.max(hi, v[i]!);
    }
    if (lo === Infinity) [lo, hi] = [0, 1];
    if (lo === hi) [lo, hi] = [lo - 0.5, hi + 0.5]; // numpy's widening of a zero-width range
    return Float64Array.from({ length: bins + 1 }, (_, k) => lo + ((hi - lo) * k) / bins);
  };
  const xEdges = edges(x), yEdges = edges(y);
  const binOf = (v: number, e: Float64Array): number => {
    const f = ((v - e[0]!) / (e[bins]! - e[0]!)) * bins;
    return Math.min(bins - 1, Math.max(0, Math.floor(f)));
  };
  const counts = new Float64Array(bins * bins);
  for (let k = 0; k < x.length; k++) counts[binOf(x[k]!, xEdges) * bins + binOf(y[k]!, yEdges)]!++;
  return { counts, xEdges, yEdges, bins };
}

/**
 * Seaborn's `pmax`: the count at which the colour map saturates, chosen so the cells above it hold
 * (1 − pmax) of all observations.
 */
export function saturationCount(counts: ArrayLike<number>, pmax: number): number {
  const sorted = Array.from(counts).sort((a, b) => b - a);
  const total = sorted.reduce((s, v) => s + v, 0);
  if (total === 0) return 1;
  let cumulative = 0;
  for (const v of sorted) {
    cumulative += v;
    if (cumulative / total >= 1 - pmax) return Math.max(v, 1e-12);
  }
  return sorted[sorted.length - 1]!;
}

function drawHistogram2d(fig: Figure, cell: Rect, x: Float64Array, y: Float64Array, xlabel: string, ylabel: string): void {
  const h = histogram2d(x, y, 50);
  const vmax = saturationCount(h.counts, 0.9);
  const ax = new Axes(fig, cell, {
    xlim: [h.xEdges[0]!, h.xEdges[h.bins]!],
    ylim: [h.yEdges[0]!, h.yEdges[h.bins]!],
    xlabel,
    ylabel,
    noFrame: true,
  });
  for (let i = 0; i < h.bins; i++) {
    for (let j = 0; j < h.bins; j++) {
      const c = h.counts[i * h.bins + j]!;
      if (c > 0) ax.fillRect(h.xEdges[i]!, h.yEdges[j]!, h.xEdges[i + 1]!, h.yEdges[j + 1]!, histColormap(Math.min(1, c / vmax)));
    }
  }
  ax.finish();
}

/**
 * labels.jpg from n label rows of (cls, cx, cy, w, h), boxes normalised to 0..1. `names` label the histogram
 * bars when there are fewer than 30.
 */
export async function plotLabels(labels: Float32Array | Float64Array, names: readonly string[], path: string): Promise<void> {
  if (labels.length % 5 !== 0) throw new Error(`plotLabels: ${labels.length} values is not a list of (cls, x, y, w, h) rows`);
  const n = labels.length / 5;
  if (n === 0) throw new Error(`plotLabels ${path}: no labels to plot`);
  const column = (k: number): Float64Array => Float64Array.from({ length: n }, (_, i) => labels[i * 5 + k]!);
  const cls = column(0), x = column(1), y = column(2), w = column(3), h = column(4);
  let nc = 0;
  for (const c of cls) {
    if (!Number.isInteger(c) || c < 0) throw new Error(`plotLabels: class id ${c} is not a non-negative integer`);
    nc = Math.max(nc, c + 1);
  }

  const fig = new Figure(8, 8, 200); // plt.subplots(2, 2, figsize=(8, 8)), savefig(dpi=200)
  const cells = fig.cells(2, 2);

  // Instances per class, bars in the class colours.
  const counts = new Float64Array(nc);
  for (const c of cls) counts[c]!++;
  const showNames = names.length > 0 && names.length < 30;
  const ax0 = new Axes(fig, cells[0]!, {
    xlim: autoLimits([-0.5, nc - 0.5]),
    ylim: [0, Math.max(...counts) * 1.05],
    ylabel: 'instances',
    xlabel: showNames ? undefined : 'classes',
    xticks: showNames ? { values: names.map((_, i) => i), labels: names, vertical: true, pt: 10 } : undefined,
    noFrame: true,
  });
  counts.forEach((count, i) => ax0.fillRect(i - 0.4, 0, i + 0.4, count, classColor(i)));
  ax0.finish();

  // Box shapes: up to 1000 boxes centred on one 2000×2000 white image.
  const side = 2000;
  const overlay = createCanvas(side, side);
  const octx = overlay.getContext('2d');
  octx.fillStyle = '#ffffff';
  octx.fillRect(0, 0, side, side);
  octx.lineWidth = 1;
  for (let i = 0; i < Math.min(n, MAX_OVERLAY_BOXES); i++) {
    octx.strokeStyle = cssColor(classColor(cls[i]!));
    const bw = w[i]! * side, bh = h[i]! * side;
    octx.strokeRect(Math.round(side / 2 - bw / 2) + 0.5, Math.round(side / 2 - bh / 2) + 0.5, Math.round(bw), Math.round(bh));
  }
  const ax1 = new Axes(fig, cells[1]!, {
    xlim: [0, side],
    ylim: [0, side],
    yDown: true,
    equalAspect: true,
    xticks: 'none',
    yticks: 'none',
    noFrame: true,
  });
  ax1.image(overlay, 0, 0, side, side);

  drawHistogram2d(fig, cells[2]!, x, y, 'x', 'y');
  drawHistogram2d(fig, cells[3]!, w, h, 'width', 'height');
  await fig.save(path);
}
