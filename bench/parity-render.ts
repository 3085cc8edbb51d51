// What the three training-quality pages share (training-parity.ts, -classify.ts, -segment.ts): a results.csv
// column by name, one PNG per compared column with both runs' curves, and the per-epoch table rows.
import { type parseResultsCsv, plotLines } from '../src/plot/results-plot.ts';

/** A parsed results.csv. */
export type ResultsTable = ReturnType<typeof parseResultsCsv>;
/** [results.csv column, short name used in the PNG's file name and y label]. */
export type Panel = [string, string];

/** The values of `name` in a results table; a missing column is an error naming it. */
export function column(t: ResultsTable, name: string): number[] {
  const i = t.columns.indexOf(name);
  if (i < 0) throw new Error(`column ${name} missing`);
  return Array.from(t.values[i]!);
}

/** One PNG per panel at `${prefix}-${short}.png`: PyTorch's curve solid, tsyolo's dashed. */
export async function plotPanels(ref: ResultsTable, ours: ResultsTable, panels: readonly Panel[], prefix: string, oursName = 'tsyolo'): Promise<void> {
  for (const [name, short] of panels) {
    await plotLines({
      series: [
        { name: 'PyTorch YOLOv5 v7.0', x: column(ref, 'epoch'), y: column(ref, name) },
        { name: oursName, x: column(ours, 'epoch'), y: column(ours, name), dash: 'dashed' },
      ],
      title: name,
      xlabel: 'epoch',
      ylabel: short,
      path: `${prefix}-${short}.png`,
    });
  }
}

/** 4 significant digits, as the pages print every value. */
export const fmt = (v: number): string => v.toPrecision(4);

/** Epochs both runs have. */
export function sharedEpochs(ref: ResultsTable, ours: ResultsTable): number {
  return Math.min(column(ref, 'epoch').length, column(ours, 'epoch').length);
}

/** Markdown table rows `| epoch | PyTorch | tsyolo | …|` over the shared epochs, two cells per panel. */
export function epochRows(ref: ResultsTable, ours: ResultsTable, panels: readonly Panel[]): string[] {
  const n = sharedEpochs(ref, ours);
  const rows: string[] = [];
  for (let e = 0; e < n; e++) rows.push(`| ${e} | ${panels.flatMap(([c]) => [fmt(column(ref, c)[e]!), fmt(column(ours, c)[e]!)]).join(' | ')} |`);
  return rows;
}
