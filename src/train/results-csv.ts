// results.csv in YOLOv5's exact layout: "%20s," headers and "%20.5g," values, one row per epoch.
import { existsSync, readFileSync } from 'node:fs';
import { pyFormat } from '../compat/python.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';

export const RESULTS_COLUMNS = [
  'train/box_loss',
  'train/obj_loss',
  'train/cls_loss',
  'metrics/precision',
  'metrics/recall',
  'metrics/mAP_0.5',
  'metrics/mAP_0.5:0.95',
  'val/box_loss',
  'val/obj_loss',
  'val/cls_loss',
  'x/lr0',
  'x/lr1',
  'x/lr2',
] as const;

export function appendResultsRow(file: string, epoch: number, values: readonly number[]): void {
  if (values.length !== RESULTS_COLUMNS.length) throw new Error(`results.csv needs ${RESULTS_COLUMNS.length} values, got ${values.length}`);
  // Rewritten whole (it is small) so that a full disk never leaves half a row.
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : `${['epoch', ...RESULTS_COLUMNS].map((k) => pyFormat('%20s,', k)).join('').replace(/,$/, '')}\n`;
  const row = [epoch, ...values].map((v) => pyFormat('%20.5g,', v)).join('');
  writeFileAtomic(file, `${existing}${row.replace(/,$/, '')}\n`, { fsync: true });
}

/** Removes rows after `epoch` (a resume after a crash between a row and its checkpoint must not repeat them). */
export function dropResultsAfter(file: string, epoch: number): void {
  if (!existsSync(file)) return;
  const [header, ...rows] = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const kept = rows.filter((r) => Number(r.split(',')[0]) <= epoch);
  if (kept.length === rows.length) return;
  writeFileAtomic(file, [header, ...kept].map((l) => `${l}\n`).join(''), { fsync: true });
}
