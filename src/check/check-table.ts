// The table `tsyolo modules --check` prints, a row at a time as each check finishes, then the failures (one line
// each, naming the YAML or block and the step), the remarks and the blocks that need a YAML.
import { CHECK_OPSETS, CHECK_TOLERANCE, type CheckCell, type CheckRow, rowFailed } from './module-check.ts';

interface Column {
  head: string;
  width: number;
  cell: (r: CheckRow) => string;
}

const mark = (c: CheckCell) => (c === null ? '-' : c.ok ? (c.note ? 'ok*' : 'ok') : 'FAIL');

function columns(nameWidth: number): Column[] {
  return [
    { head: 'YAML / block', width: Math.max(12, nameWidth), cell: (r) => r.target },
    { head: 'build', width: 5, cell: (r) => (r.needsYaml ? 'needs a YAML' : mark(r.build)) },
    { head: 'train', width: 5, cell: (r) => (r.needsYaml ? '' : mark(r.train)) },
    { head: 'fuse', width: 4, cell: (r) => (r.needsYaml ? '' : mark(r.fuse)) },
    ...CHECK_OPSETS.map((v) => ({ head: `onnx ${v}`, width: 7, cell: (r: CheckRow) => (r.needsYaml ? '' : mark(r.onnx[v] ?? null)) })),
    { head: 'max diff', width: 8, cell: (r) => (r.maxDiff === undefined ? '' : r.maxDiff === 0 ? '0' : r.maxDiff.toExponential(1)) },
    { head: 'GFLOPs', width: 7, cell: (r) => (r.gflopsError !== undefined ? 'FAIL' : r.gflops === undefined ? '' : r.gflops.toFixed(1)) },
    { head: 'uncounted', width: 9, cell: (r) => r.uncounted.join(', ') },
  ];
}

export class CheckTable {
  readonly #cols: Column[];
  constructor(targets: string[]) {
    this.#cols = columns(Math.max(0, ...targets.map((t) => t.length)));
  }
  #line(cells: string[]): string {
    // "needs a YAML" spans the numeric columns.
    return cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(this.#cols[i]!.width)))
      .join('  ')
      .trimEnd();
  }
  header(): string {
    return this.#line(this.#cols.map((c) => c.head));
  }
  row(r: CheckRow): string {
    if (r.needsYaml) return this.#line([r.target.padEnd(this.#cols[0]!.width), 'needs a YAML']);
    return this.#line(this.#cols.map((c) => c.cell(r)));
  }
}

/** The steps of a row that failed, each with its error. */
export function failures(r: CheckRow): Array<{ step: string; error: string }> {
  const steps: Array<[string, CheckCell]> = [['build', r.build], ['train', r.train], ['fuse', r.fuse], ...CHECK_OPSETS.map((v): [string, CheckCell] => [`onnx ${v}`, r.onnx[v] ?? null])];
  const failed = steps.flatMap(([step, c]) => (c !== null && !c.ok ? [{ step, error: c.error }] : []));
  return r.gflopsError === undefined ? failed : [...failed, { step: 'GFLOPs', error: r.gflopsError }];
}

/** What follows the table: failures, remarks, blocks needing a YAML, a legend line and the summary. */
export function checkReport(rows: CheckRow[]): string[] {
  const lines: string[] = [''];
  for (const r of rows) for (const f of failures(r)) lines.push(`FAIL ${r.target}: ${f.step}: ${f.error}`);
  for (const r of rows) for (const n of r.notes) lines.push(`note ${r.target}: ${n}`);
  for (const r of rows) if (r.needsYaml) lines.push(`needs a YAML ${r.target}: ${r.needsYaml}; check it inside a model with --cfg`);
  lines.push(
    'train: forward, loss and backward in training mode under use_deterministic_algorithms(True), every gradient finite (ok*: an op without a deterministic kernel, run again with warn_only)',
    `fuse, onnx 12/17: outputs equal libtorch's within ${CHECK_TOLERANCE} (max diff: the largest ONNX difference, relative to the output's scale); GFLOPs at 640 by thop's rules; ` +
      'uncounted: layers with parameters thop has no rule for (left out of GFLOPs, as in YOLOv5)',
  );
  const failed = rows.filter(rowFailed);
  const unchecked = rows.filter((r) => r.needsYaml);
  lines.push(`${rows.length - failed.length - unchecked.length} passed, ${failed.length} failed${unchecked.length ? `, ${unchecked.length} need a YAML` : ''}`);
  return lines;
}
