// PR_curve.png and the F1/P/R-confidence curves of YOLOv5's ap_per_class (utils/metrics.py plot_pr_curve,
// plot_mc_curve): thin per-class lines, a bold blue class-mean line whose legend carries the summary number.
import { Axes, Figure, type LegendEntry, type LineStyle } from './chart.ts';
import { cycleColor, type RGB } from './colors.ts';
import { formatFixed } from '../compat/python.ts';
import { smooth as boxFilterSmooth } from '../eval/ap.ts';

type Numbers = ArrayLike<number>;

const MEAN_BLUE: RGB = [0, 0, 255];
const GREY: RGB = [128, 128, 128];
/** YOLOv5 labels per-class lines only below this many classes; more are drawn grey and unlabelled. */
const MAX_LABELLED_CLASSES = 21;

/** YOLOv5's smooth() — the same filter ap_per_class uses to pick its operating point (one implementation). */
export { smooth as boxFilterSmooth } from '../eval/ap.ts';
function rowsOf(values: Numbers, rowLength: number, what: string): number {
  if (rowLength <= 0 || values.length % rowLength !== 0) {
    throw new Error(`${what}: ${values.length} values is not a whole number of rows of ${rowLength}`);
  }
  return values.length / rowLength;
}

/** Mean over the nc rows of an nc×n row-major array. */
function classMean(py: Numbers, nc: number, n: number): Float64Array {
  const mean = new Float64Array(n);
  for (let c = 0; c < nc; c++) for (let j = 0; j < n; j++) mean[j]! += py[c * n + j]! / nc;
  return mean;
}

function curveFigure(): Figure {
  return new Figure(9, 6, 250); // plt.subplots(figsize=(9, 6)), savefig(dpi=250)
}

function drawCurves(
  fig: Figure,
  px: Numbers,
  py: Numbers,
  nc: number,
  classLabels: readonly string[] | undefined,
  mean: Numbers,
  meanLabel: string,
  title: string,
  xlabel: string,
  ylabel: string,
): void {
  const n = px.length;
  const classStyles: LineStyle[] = [];
  for (let c = 0; c < nc; c++) classStyles.push({ color: classLabels ? cycleColor(c) : GREY, width: 1 });
  const meanStyle: LineStyle = { color: MEAN_BLUE, width: 3 };
  const legend: LegendEntry[] = [
    ...(classLabels ?? []).map((label, c) => ({ label, line: classStyles[c]! })),
    { label: meanLabel, line: meanStyle },
  ];
  const [cell] = fig.cells(1, 1);
  const ax = new Axes(fig, cell!, { xlim: [0, 1], ylim: [0, 1], title, xlabel, ylabel, legendOutside: legend });
  for (let c = 0; c < nc; c++) ax.line(px, Array.from({ length: n }, (_, j) => py[c * n + j]!), classStyles[c]!);
  ax.line(px, mean, meanStyle);
  ax.finish();
}

/** Legend of the PR mean line: "all classes 0.512 mAP@0.5" from the nc×10 AP table. */
export function prMeanLabel(ap: Numbers): string {
  const nc = ap.length / 10;
  let ap50 = 0;
  for (let c = 0; c < nc; c++) ap50 += ap[c * 10]! / nc;
  return `all classes ${formatFixed(ap50, 3)} mAP@0.5`;
}

/** Legend of a metric-confidence mean line: "all classes 0.61 at 0.372" (its maximum, first occurrence). */
export function mcMeanLabel(px: Numbers, smoothedMean: Numbers): string {
  let best = 0;
  for (let j = 1; j < smoothedMean.length; j++) if (smoothedMean[j]! > smoothedMean[best]!) best = j;
  return `all classes ${formatFixed(smoothedMean[best]!, 2)} at ${formatFixed(px[best]!, 3)}`;
}

function labelsFor(names: readonly string[], nc: number, perClass: (c: number) => string): string[] | undefined {
  if (!(names.length > 0 && names.length < MAX_LABELLED_CLASSES)) return undefined;
  return Array.from({ length: nc }, (_, c) => perClass(c));
}

/**
 * PR_curve.png: `px` = recall grid (1000 points), `py` = nc×len(px) precision at those recalls (row-major),
 * `ap` = nc×10 AP at IoU 0.5:0.95 (column 0 = AP@0.5), `names` = the names of those nc classes.
 */
export async function plotPrCurve(px: Numbers, py: Numbers, ap: Numbers, path: string, names: readonly string[] = []): Promise<void> {
  const nc = rowsOf(py, px.length, 'plotPrCurve py');
  if (rowsOf(ap, 10, 'plotPrCurve ap') !== nc) throw new Error(`plotPrCurve: ap has ${ap.length / 10} classes but py has ${nc}`);
  if (nc === 0) throw new Error('plotPrCurve: no classes to plot');
  const fig = curveFigure();
  const labels = labelsFor(names, nc, (c) => `${names[c] ?? c} ${formatFixed(ap[c * 10]!, 3)}`);
  drawCurves(fig, px, py, nc, labels, classMean(py, nc, px.length), prMeanLabel(ap), 'Precision-Recall Curve', 'Recall', 'Precision');
  await fig.save(path);
}

/**
 * F1_curve.png / P_curve.png / R_curve.png: `py` = nc×len(px) metric per confidence `px`. The bold line is
 * the class mean smoothed as YOLOv5 (f = 0.05), labelled with its maximum and the confidence where it occurs.
 */
export async function plotMcCurve(
  px: Numbers,
  py: Numbers,
  path: string,
  names: readonly string[] = [],
  xlabel = 'Confidence',
  ylabel = 'Metric',
): Promise<void> {
  const nc = rowsOf(py, px.length, 'plotMcCurve py');
  if (nc === 0) throw new Error('plotMcCurve: no classes to plot');
  // (an even tap count would add one value; px always has 1000 points, giving 51 taps)
  const mean = boxFilterSmooth(classMean(py, nc, px.length), 0.05).subarray(0, px.length);
  const fig = curveFigure();
  const labels = labelsFor(names, nc, (c) => `${names[c] ?? c}`);
  drawCurves(fig, px, py, nc, labels, mean, mcMeanLabel(px, mean), `${ylabel}-Confidence Curve`, xlabel, ylabel);
  await fig.save(path);
}
