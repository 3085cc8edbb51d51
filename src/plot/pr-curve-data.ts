// PR_curve.csv beside val's PR_curve.png: the all-classes curve of the plot (mean precision over the classes at
// each recall of the 1000-point grid) and its mAP@0.5, so `tsyolo plot` can overlay several runs' curves.
//
//   # all classes mAP@0.5 0.51234 (precision: mean over 3 classes)
//   recall,precision
//   0,1
//   0.001001,0.99821
//   …
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../io/atomic-write.ts';

type Numbers = ArrayLike<number>;

/** One run's all-classes PR curve as PR_curve.csv holds it. */
export interface PrCurveData {
  recall: Float64Array;
  precision: Float64Array;
  /** mAP@0.5 over the classes (the number PR_curve.png's bold line carries); NaN when the file has none. */
  map50: number;
}

const num = (v: number) => (Number.isFinite(v) ? String(Number(v.toPrecision(6))) : String(v));

/**
 * PR_curve.csv text from plot_pr_curve's inputs: `px` the recall grid, `py` nc×len(px) precision (row-major), `ap`
 * nc×10 (column 0 = AP@0.5).
 */
export function prCurveCsv(px: Numbers, py: Numbers, ap: Numbers): string {
  const n = px.length;
  const nc = n > 0 ? py.length / n : 0;
  if (!(nc >= 1 && Number.isInteger(nc)) || ap.length !== nc * 10) {
    throw new Error(`prCurveCsv: ${py.length} precision values and ${ap.length} AP values do not match ${n} recall points`);
  }
  let map50 = 0;
  for (let c = 0; c < nc; c++) map50 += ap[c * 10]! / nc;
  const lines = [`# all classes mAP@0.5 ${num(map50)} (precision: mean over ${nc} class${nc === 1 ? '' : 'es'})`, 'recall,precision'];
  for (let j = 0; j < n; j++) {
    let p = 0;
    for (let c = 0; c < nc; c++) p += py[c * n + j]! / nc;
    lines.push(`${num(px[j]!)},${num(p)}`);
  }
  return lines.join('\n') + '\n';
}

/** Writes PR_curve.csv (see prCurveCsv). */
export function writePrCurveCsv(path: string, px: Numbers, py: Numbers, ap: Numbers): void {
  writeFileAtomic(path, prCurveCsv(px, py, ap));
}

/** Parses PR_curve.csv; errors name the file and line. */
export function parsePrCurveCsv(text: string, source = 'PR_curve.csv'): PrCurveData {
  let map50 = NaN;
  const recall: number[] = [], precision: number[] = [];
  let header = false;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /mAP@0\.5\s+([-+0-9.eE]+|nan)/i.exec(line);
      if (m) map50 = Number(m[1]);
      return;
    }
    if (!header) {
      if (line.replace(/\s/g, '') !== 'recall,precision') throw new Error(`${source}:${i + 1}: expected the header 'recall,precision', got '${line}'`);
      header = true;
      return;
    }
    const cells = line.split(',');
    const [r, p] = cells.map((c) => Number(c.trim()));
    if (cells.length !== 2 || !Number.isFinite(r) || Number.isNaN(p)) throw new Error(`${source}:${i + 1}: expected 'recall,precision' numbers, got '${line}'`);
    recall.push(r!);
    precision.push(p!);
  });
  if (!header) throw new Error(`${source}: no 'recall,precision' header`);
  if (recall.length === 0) throw new Error(`${source}: no curve points`);
  return { recall: Float64Array.from(recall), precision: Float64Array.from(precision), map50 };
}

/** Reads and parses a PR_curve.csv file. */
export async function readPrCurveCsv(path: string): Promise<PrCurveData> {
  return parsePrCurveCsv(await readFile(path, 'utf8'), path);
}
