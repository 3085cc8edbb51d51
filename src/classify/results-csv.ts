// results.csv as v7.0's GenericLogger.log_metrics writes it: a header of '%23s,' columns (epoch first) when the
// file is new, then one '%23.5g,' row per epoch.
import { appendFileSync, existsSync } from 'node:fs';
import { pyFormat } from '../compat/python.ts';

/** Appends one epoch's metrics (in the given key order) to `file`, writing the header first when it is new. */
export function appendResultsRow(file: string, epoch: number, metrics: Record<string, number>): void {
  const keys = Object.keys(metrics);
  const header = existsSync(file) ? '' : `${['epoch', ...keys].map((k) => pyFormat('%23s', k)).join(',')}\n`;
  const row = [epoch, ...keys.map((k) => metrics[k]!)].map((v) => pyFormat('%23.5g', v)).join(',');
  appendFileSync(file, `${header}${row}\n`);
}
