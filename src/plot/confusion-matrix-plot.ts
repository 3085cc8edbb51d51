// confusion_matrix.png as YOLOv5's ConfusionMatrix.plot: a column-normalised (nc+1)² heat map, rows =
// predicted, columns = true, last row/column = background, cells below 0.005 left blank.
import { Axes, Figure, drawColorbar } from './chart.ts';
import { blues, luma } from './colors.ts';
import { formatFixed } from '../compat/python.ts';

/** Cells under this are not drawn or annotated (they would print as 0.00). */
const BLANK_BELOW = 0.005;

/**
 * Divides every column of the n×n row-major `matrix` by its sum (+1e-9, as YOLOv5), so non-empty columns sum
 * to 1 and empty columns stay 0.
 */
export function normalizeColumns(matrix: ArrayLike<number>, n: number): Float64Array {
  if (matrix.length !== n * n) throw new Error(`normalizeColumns: ${matrix.length} values is not a ${n}x${n} matrix`);
  const out = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    let sum = 0;
    for (let r = 0; r < n; r++) sum += matrix[r * n + c]!;
    for (let r = 0; r < n; r++) out[r * n + c] = matrix[r * n + c]! / (sum + 1e-9);
  }
  return out;
}

/**
 * Heat map of `matrix` ((nc+1)×(nc+1) row-major, rows predicted, columns true). Tick labels are `names` +
 * 'background' when there is one name per class (and fewer than 99); numbers are printed when nc < 30.
 */
export async function plotConfusionMatrix(
  matrix: Float64Array | ArrayLike<number>,
  nc: number,
  names: readonly string[],
  path: string,
  normalize = true,
): Promise<void> {
  const n = nc + 1;
  if (!Number.isInteger(nc) || nc < 1) throw new Error(`plotConfusionMatrix: bad class count ${nc}`);
  if (matrix.length !== n * n) throw new Error(`plotConfusionMatrix: ${matrix.length} values is not a ${n}x${n} matrix`);
  const values = normalize ? normalizeColumns(matrix, n) : Float64Array.from(matrix);
  let vmax = 0;
  for (const v of values) if (v >= BLANK_BELOW && v > vmax) vmax = v;
  if (vmax === 0) vmax = 1;

  const fig = new Figure(12, 9, 250); // figsize=(12, 9), dpi=250
  const tickPt = nc < 50 ? fig.fontPt * (10 / 11) : fig.fontPt * 0.8;
  const useNames = names.length > 0 && names.length < 99 && names.length === nc;
  const labels = useNames ? [...names, 'background'] : autoIndexLabels(n);
  const shown = labels.map((label, i) => ({ label, at: i + 0.5 })).filter((t) => t.label !== '');
  const ticks = { values: shown.map((t) => t.at), labels: shown.map((t) => t.label), pt: tickPt };

  const [cell] = fig.cells(1, 1);
  const barWidth = fig.width * 0.09;
  const plotCell = { ...cell!, width: cell!.width - barWidth };
  const ax = new Axes(fig, plotCell, {
    xlim: [0, n],
    ylim: [0, n],
    yDown: true,
    equalAspect: true,
    noFrame: true,
    title: 'Confusion Matrix',
    xlabel: 'True',
    ylabel: 'Predicted',
    xticks: { ...ticks, vertical: true },
    yticks: ticks,
  });
  const annotate = nc < 30;
  const annotPt = 8;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const v = values[r * n + c]!;
      if (!(v >= BLANK_BELOW)) continue;
      const color = blues(v / vmax);
      ax.fillRect(c, r, c + 1, r + 1, color);
      if (annotate) {
        // seaborn writes dark text on light cells and white on dark ones
        ax.textAt(formatFixed(v, 2), c + 0.5, r + 0.5, {
          pt: annotPt,
          align: 'center',
          baseline: 'middle',
          color: luma(color) > 105 ? [38, 38, 38] : [255, 255, 255],
        });
      }
    }
  }
  ax.finish();
  const p = ax.plot;
  drawColorbar(
    fig,
    { x: p.x + p.width + fig.px(12), y: p.y, width: barWidth * 0.4, height: p.height },
    blues,
    0,
    vmax,
  );
  await fig.save(path);
}

/** Without names seaborn numbers the cells, thinning the labels when there are many. */
function autoIndexLabels(n: number): string[] {
  const every = Math.max(1, Math.ceil(n / 40));
  return Array.from({ length: n }, (_, i) => (i % every === 0 ? String(i) : ''));
}
