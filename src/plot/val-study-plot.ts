// study.png from `val --task study`'s study*.txt files (YOLOv5 v7.0 utils/plots.py plot_val_study): per file,
// inference ms/img against mAP@0.5:0.95 × 100 from the second size up to the best mAP's, beside the EfficientDet
// reference curve, on v7.0's fixed COCO axes (0–57 ms, AP 25–55).
import { readFileSync, readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { Axes, Figure, type LegendEntry, type LineStyle } from './chart.ts';
import { cycleColor } from './colors.ts';

/** A study txt's columns as np.loadtxt(f, dtype=np.float32, usecols=[0, 1, 2, 3, 7, 8, 9], ndmin=2).T reads them. */
export function readStudyTxt(file: string): Float32Array[] {
  const rows = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l, i) => {
      const cells = l.split(/\s+/);
      if (cells.length < 10) throw new Error(`${file}:${i + 1}: expected 10 numbers, got '${l}'`);
      return cells.map((c) => (/^[+-]?nan$/i.test(c) ? NaN : /^[+-]?inf$/i.test(c) ? (c.startsWith('-') ? -Infinity : Infinity) : Number(c)));
    });
  return [0, 1, 2, 3, 7, 8, 9].map((c) => Float32Array.from(rows, (r) => r[c]!));
}

/**
 * plot_val_study's curve of one file: (inference ms, mAP50-95 × 100) of sizes 1 … argmax(mAP50-95) (`y[5, 1:j]`,
 * `y[3, 1:j] * 1E2`, j = argmax + 1): the first size is never drawn, nor those after the best mAP.
 */
export function studyCurve(y: readonly Float32Array[]): { xs: number[]; ys: number[] } {
  const map = y[3]!;
  let j = 0;
  for (let k = 1; k < map.length; k++) if (map[k]! > map[j]!) j = k;
  return { xs: Array.from(y[5]!.subarray(1, j + 1)), ys: Array.from(map.subarray(1, j + 1), (v) => Math.fround(v * 1e2)) };
}

/** matplotlib's '.-' at linewidth 2, markersize 8. */
const DOT_LINE = { width: 2, markerSize: 8 } as const;

/**
 * plot_val_study(dir): draws `dir/study.png` (8×4 in at 300 dpi) from every `study*.txt` in `dir`, sorted by name;
 * returns its path.
 */
export async function plotValStudy(dir: string): Promise<string> {
  const files = readdirSync(dir)
    .filter((f) => f.startsWith('study') && f.endsWith('.txt'))
    .sort();
  const fig = new Figure(8, 4, 300);
  const [cell] = fig.cells(1, 1);
  const ax = new Axes(fig, cell!, {
    xlim: [0, 57],
    ylim: [25, 55],
    xlabel: 'GPU Speed (ms/img)',
    ylabel: 'COCO AP val',
    // np.arange(20, 60, 5): 20 falls below the limits.
    yticks: { values: [25, 30, 35, 40, 45, 50, 55], labels: ['25', '30', '35', '40', '45', '50', '55'] },
  });
  ax.drawGrid(0.2);
  const legend: LegendEntry[] = [];
  files.forEach((f, i) => {
    const { xs, ys } = studyCurve(readStudyTxt(join(dir, f)));
    const style: LineStyle = { color: cycleColor(i), ...DOT_LINE };
    ax.line(xs, ys, style);
    legend.push({ label: basename(f, extname(f)).replaceAll('study_coco_', '').replaceAll('yolo', 'YOLO'), line: style });
  });
  const effDet: LineStyle = { color: [0, 0, 0], alpha: 0.25, ...DOT_LINE };
  ax.line([209, 140, 97, 58, 35, 18].map((v) => 1e3 / v), [34.6, 40.5, 43.0, 47.5, 49.7, 51.5], effDet);
  legend.push({ label: 'EfficientDet', line: effDet });
  ax.finish();
  ax.legend(legend, 'lower right');
  const out = join(dir, 'study.png');
  await fig.save(out);
  return out;
}
