// The files of hyperparameter evolution, in YOLOv5 v7.0's formats (utils/general.py print_mutation): evolve.csv
// (one row per generation: the seven results, then the hyperparameters; "%20s," headers and "%20.5g," values),
// hyp_evolve.yaml (the best row's hyperparameters under a comment header) and the lines printed per generation.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { argmax } from '../compat/numpy.ts';
import { pyFloatRepr, pyFormat } from '../compat/python.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { parseResultsCsv } from '../plot/results-plot.ts';
import { DETECT_EVOLVE_COLUMNS, type EvolveResultColumns } from './evolve-meta.ts';

/** evolve.csv read back: its trimmed column names and its rows (each 7 results + the hyperparameters). */
export interface EvolveTable {
  /** Column names, padding trimmed. */
  columns: string[];
  /** One row per generation, in file order. */
  rows: Float64Array[];
}

/** Reads evolve.csv (np.loadtxt / pandas.read_csv of v7.0's file); errors name the file. */
export function readEvolveCsv(file: string): EvolveTable {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read: ${(e as Error).message}`);
  }
  const table = parseResultsCsv(text, file);
  const rows = table.values[0] ? Array.from({ length: table.values[0].length }, (_, i) => Float64Array.from(table.values, (col) => col[i]!)) : [];
  return { columns: table.columns, rows };
}

/**
 * evolve.csv of this run: refused (naming the file) when its columns are not the seven results followed by
 * `hypKeys` in that order — a table written for another hyp set would mutate the wrong columns — or when it has no
 * rows. `what` says where the keys come from, for the message.
 */
export function readEvolveParents(file: string, hypKeys: readonly string[], what: string, columns: EvolveResultColumns = DETECT_EVOLVE_COLUMNS): EvolveTable {
  const table = readEvolveCsv(file);
  const want = [...columns.keys, ...hypKeys];
  if (table.columns.join(',') !== want.join(',')) {
    const missing = want.filter((k) => !table.columns.includes(k));
    const extra = table.columns.filter((k) => !want.includes(k));
    const diff = [missing.length ? `missing ${missing.join(', ')}` : '', extra.length ? `not in this run: ${extra.join(', ')}` : ''].filter(Boolean).join('; ') || 'the same names in another order';
    throw new Error(`${file}: its columns are from a different hyperparameter set than ${what} (${diff}); continue it with the hyp file it was evolved from, or evolve into a new folder (another --name)`);
  }
  if (table.rows.length === 0) throw new Error(`${file}: has a header but no rows; delete it to start the evolution afresh`);
  return table;
}

/** One generation appended: the header first when the file is new (print_mutation's "Log to evolve.csv"). */
export function appendEvolveRow(file: string, results: readonly number[], hyp: Readonly<Record<string, number>>, columns: EvolveResultColumns = DETECT_EVOLVE_COLUMNS): void {
  const keys = [...columns.keys, ...Object.keys(hyp)];
  const vals = [...results, ...Object.values(hyp)];
  if (results.length !== columns.keys.length) throw new Error(`evolve.csv needs ${columns.keys.length} results, got ${results.length}`);
  const header = existsSync(file) ? readFileSync(file, 'utf8') : `${keys.map((k) => pyFormat('%20s,', k)).join('').replace(/,$/, '')}\n`;
  const row = vals.map((v) => pyFormat('%20.5g,', v)).join('').replace(/,$/, '');
  // Rewritten whole (it is small), so an interrupted write never leaves half a row for the next call to read.
  writeFileAtomic(file, `${header}${row}\n`, { fsync: true });
}

/** PyYAML's safe_dump of a float: repr() in lower case, '.0' added before an exponent without a point (1.0e-05). */
function yamlFloat(x: number): string {
  if (Number.isNaN(x)) return '.nan';
  if (!Number.isFinite(x)) return x > 0 ? '.inf' : '-.inf';
  const r = pyFloatRepr(x).toLowerCase();
  return !r.includes('.') && r.includes('e') ? r.replace('e', '.0e') : r;
}

/**
 * hyp_evolve.yaml from evolve.csv as it now stands: the best row by fitness (the first of equals), its index and the
 * last one, its results, then its hyperparameters as YAML. (For segmentation, ultralytics' code keeps detection's
 * seven columns and box fitness here, so five result columns land among the hyperparameters; tsyolo writes the twelve
 * results in the header and picks the best row by segment fitness, so the file works as --hyp.)
 */
export function hypEvolveYaml(table: EvolveTable, columns: EvolveResultColumns = DETECT_EVOLVE_COLUMNS): string {
  const n = columns.keys.length;
  const i = argmax(table.rows.map(columns.fitness));
  const best = table.rows[i]!;
  const head = columns.keys.map((k) => pyFormat('%20s', k)).join(', ');
  const results = Array.from(best.subarray(0, n), (x) => pyFormat('%20.5g', x)).join(', ');
  const body = table.columns.slice(n).map((k, j) => `${k}: ${yamlFloat(best[n + j]!)}\n`).join('');
  return `# YOLOv5 Hyperparameter Evolution Results\n# Best generation: ${i}\n# Last generation: ${table.rows.length - 1}\n# ${head}\n# ${results}\n\n${body}`;
}

/**
 * print_mutation: appends the generation to `dir`/evolve.csv, rewrites `dir`/hyp_evolve.yaml, and returns the
 * lines v7.0 prints ("evolve: N generations finished, current result:", the keys, the values, a blank line).
 */
export function recordGeneration(dir: string, results: readonly number[], hyp: Readonly<Record<string, number>>, columns: EvolveResultColumns = DETECT_EVOLVE_COLUMNS): { lines: string; generations: number } {
  const csv = join(dir, 'evolve.csv');
  appendEvolveRow(csv, results, hyp, columns);
  const table = readEvolveCsv(csv);
  writeFileAtomic(join(dir, 'hyp_evolve.yaml'), hypEvolveYaml(table, columns));
  const prefix = 'evolve: ';
  const keys = [...columns.keys, ...Object.keys(hyp)].map((k) => pyFormat('%20s', k)).join(', ');
  const vals = [...results, ...Object.values(hyp)].map((v) => pyFormat('%20.5g', v)).join(', ');
  const generations = table.rows.length;
  return { lines: `${prefix}${generations} generations finished, current result:\n${prefix}${keys}\n${prefix}${vals}\n\n`, generations };
}
