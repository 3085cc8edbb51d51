// Hyperparameter evolution's genes (YOLOv5 v7.0 train.py main(), --evolve): the meta table of mutation scales and
// limits, parent selection from the best rows of evolve.csv, the mutation and the limits/rounding after it — each
// step with the same random draws and float operations as v7.0's NumPy/Python code.
import { numpyArgsort, numpySum } from '../compat/numpy.ts';
import type { NumpyRandomState } from '../compat/numpy-random.ts';
import { pyFormat } from '../compat/python.ts';
import type { PythonRandom } from '../compat/python-random.ts';
import { fitness } from './fitness.ts';

/** One gene of the meta table: mutation scale (0: never mutated, 2: anchors), lower and upper limit. */
export interface Gene {
  /** Mutation gain, 0–1 (anchors: 2). */
  scale: number;
  /** Lower limit. */
  lower: number;
  /** Upper limit. */
  upper: number;
}

/**
 * train.py's `meta`, in its order (the order the limits are applied in; its length is the number of draws per
 * mutation). iou_t, fl_gamma, perspective and fliplr have scale 0: v7.0 keeps them as they are.
 */
export const EVOLVE_META: ReadonlyArray<readonly [string, Gene]> = (
  [
    ['lr0', 1, 1e-5, 1e-1],
    ['lrf', 1, 0.01, 1.0],
    ['momentum', 0.3, 0.6, 0.98],
    ['weight_decay', 1, 0.0, 0.001],
    ['warmup_epochs', 1, 0.0, 5.0],
    ['warmup_momentum', 1, 0.0, 0.95],
    ['warmup_bias_lr', 1, 0.0, 0.2],
    ['box', 1, 0.02, 0.2],
    ['cls', 1, 0.2, 4.0],
    ['cls_pw', 1, 0.5, 2.0],
    ['obj', 1, 0.2, 4.0],
    ['obj_pw', 1, 0.5, 2.0],
    ['iou_t', 0, 0.1, 0.7],
    ['anchor_t', 1, 2.0, 8.0],
    ['anchors', 2, 2.0, 10.0],
    ['fl_gamma', 0, 0.0, 2.0],
    ['hsv_h', 1, 0.0, 0.1],
    ['hsv_s', 1, 0.0, 0.9],
    ['hsv_v', 1, 0.0, 0.9],
    ['degrees', 1, 0.0, 45.0],
    ['translate', 1, 0.0, 0.9],
    ['scale', 1, 0.0, 0.9],
    ['shear', 1, 0.0, 10.0],
    ['perspective', 0, 0.0, 0.001],
    ['flipud', 1, 0.0, 1.0],
    ['fliplr', 0, 0.0, 1.0],
    ['mosaic', 1, 0.0, 1.0],
    ['mixup', 1, 0.0, 1.0],
    ['copy_paste', 1, 0.0, 1.0],
  ] as const
).map(([k, scale, lower, upper]) => [k, { scale, lower, upper }] as const);

/** The meta table of a run: v7.0 drops `anchors` with --noautoanchor (from the hyp dict too). */
export function evolveMeta(noautoanchor: boolean): Map<string, Gene> {
  return new Map(EVOLVE_META.filter(([k]) => !(noautoanchor && k === 'anchors')));
}

/** The seven result columns that precede the hyperparameters in evolve.csv (train.py's `keys`). */
export const EVOLVE_RESULT_KEYS = [
  'metrics/precision',
  'metrics/recall',
  'metrics/mAP_0.5',
  'metrics/mAP_0.5:0.95',
  'val/box_loss',
  'val/obj_loss',
  'val/cls_loss',
] as const;

/**
 * segment/train.py's evolve.csv result columns: utils/segment/metrics.py KEYS[4:16] (box and mask P, R, mAP50,
 * mAP50-95, then the four val losses). v7.0 as released passes all 19 KEYS and fails writing the row; these are the
 * columns of ultralytics' fix (#11109), which also reads the hyperparameters from column 12 on.
 */
export const SEGMENT_EVOLVE_RESULT_KEYS = [
  'metrics/precision(B)',
  'metrics/recall(B)',
  'metrics/mAP_0.5(B)',
  'metrics/mAP_0.5:0.95(B)',
  'metrics/precision(M)',
  'metrics/recall(M)',
  'metrics/mAP_0.5(M)',
  'metrics/mAP_0.5:0.95(M)',
  'val/box_loss',
  'val/seg_loss',
  'val/obj_loss',
  'val/cls_loss',
] as const;

/** utils/segment/metrics.py fitness() of a row: (x[:8] · [0, 0, 0.1, 0.9, 0, 0, 0.1, 0.9]) summed as NumPy sums 8 values. */
export function segmentRowFitness(row: ArrayLike<number>): number {
  const w = [0.0, 0.0, 0.1, 0.9, 0.0, 0.0, 0.1, 0.9];
  return numpySum(Float64Array.from(w, (wi, i) => row[i]! * wi));
}

/** What precedes the hyperparameters in an evolve.csv row, and a row's fitness over it. */
export interface EvolveResultColumns {
  /** Result column names, in order. */
  keys: readonly string[];
  /** Fitness of a row (parent selection, hyp_evolve.yaml's best row, evolve.png). */
  fitness: (row: ArrayLike<number>) => number;
}

/** train.py's evolve.csv: seven results, fitness 0.1·mAP50 + 0.9·mAP50-95. */
export const DETECT_EVOLVE_COLUMNS: EvolveResultColumns = { keys: EVOLVE_RESULT_KEYS, fitness: rowFitness };

/** segment/train.py's evolve.csv (as fixed after v7.0): twelve results, fitness over box and mask mAPs. */
export const SEGMENT_EVOLVE_COLUMNS: EvolveResultColumns = { keys: SEGMENT_EVOLVE_RESULT_KEYS, fitness: segmentRowFitness };

/** How the parent of a mutation is made: v7.0 uses 'single' (its `parent = 'single'`). */
export type ParentSelection = 'single' | 'weighted';

/** utils/metrics.py fitness() of an evolve.csv row: 0.1·mAP@0.5 + 0.9·mAP@0.5:0.95 (P and R weigh nothing). */
export function rowFitness(row: ArrayLike<number>): number {
  return fitness({ P: row[0]!, R: row[1]!, mAP50: row[2]!, mAP50_95: row[3]! });
}

/**
 * The parent row: the best min(5, n) rows by fitness (NumPy's argsort of −fitness), weights fitness − min + 1e-6;
 * 'single' (or one row) picks one with random.choices, 'weighted' averages them with those weights.
 */
export function selectParent(rows: readonly Float64Array[], how: ParentSelection, random: PythonRandom, fitnessOf: (row: ArrayLike<number>) => number = rowFitness): Float64Array {
  if (rows.length === 0) throw new Error('selectParent: no rows to select from');
  const n = Math.min(5, rows.length);
  const order = numpyArgsort(rows.map((r) => -fitnessOf(r)));
  const top = Array.from(order.subarray(0, n), (i) => rows[i]!);
  const f = top.map(fitnessOf);
  const fmin = Math.min(...f);
  const w = f.map((x) => x - fmin + 1e-6);
  if (how === 'single' || n === 1) return top[random.choices(Array.from({ length: n }, (_, i) => i), 1, w)[0]!]!;
  const cols = top[0]!.length;
  const out = new Float64Array(cols);
  let wsum = 0;
  for (let i = 0; i < n; i++) wsum += w[i]!;
  for (let j = 0; j < cols; j++) {
    let s = top[0]![j]! * w[0]!;
    for (let i = 1; i < n; i++) s += top[i]![j]! * w[i]!;
    out[j] = s / wsum;
  }
  return out;
}

/** Mutation probability and sigma (train.py's mp, s). */
const MUTATION_PROBABILITY = 0.8;
const SIGMA = 0.2;

/**
 * v7.0's mutation: per gene, in the hyp dict's key order, v = clip(gain·[random < 0.8]·randn·random()·0.2 + 1,
 * 0.3, 3.0), drawn again until some v ≠ 1; each hyperparameter becomes the parent's value (column `results` + i,
 * 7 for detection, 12 for segmentation) times v. `keys` must be the meta table's keys (in the hyp file's order).
 * Returns the factors and the new values.
 */
export function mutateHyp(parent: ArrayLike<number>, keys: readonly string[], meta: ReadonlyMap<string, Gene>, np: NumpyRandomState, results = 7): { v: Float64Array; hyp: Record<string, number> } {
  const g = keys.map((k) => {
    const gene = meta.get(k);
    if (!gene) throw new Error(`evolve: hyperparameter '${k}' has no mutation scale in the meta table`);
    return gene.scale;
  });
  const ng = meta.size;
  if (g.length !== ng) throw new Error(`evolve: ${g.length} hyperparameters for ${ng} genes: the hyp keys must be the meta table's`);
  if (parent.length !== results + ng) throw new Error(`evolve: a parent row of ${parent.length} values for ${results} results + ${ng} genes`);
  let v = new Float64Array(ng).fill(1);
  while (v.every((x) => x === 1)) {
    const r = np.randomSample(ng);
    const z = np.randn(ng);
    const u = np.double();
    v = Float64Array.from(g, (gain, i) => Math.min(Math.max(gain * (r[i]! < MUTATION_PROBABILITY ? 1 : 0) * z[i]! * u * SIGMA + 1, 0.3), 3.0));
  }
  const hyp: Record<string, number> = {};
  keys.forEach((k, i) => (hyp[k] = parent[i + results]! * v[i]!));
  return { v, hyp };
}

/** Python's round(x, digits) for a float: the exact value rounded half-even at that decimal, read back. */
export function pyRound(x: number, digits: number): number {
  if (!Number.isFinite(x)) return x;
  return Number(pyFormat(`%.${digits}f`, x));
}

/** v7.0's limits: for each gene in meta order, max with the lower limit, min with the upper, round to 5 decimals. */
export function constrainHyp(hyp: Record<string, number>, meta: ReadonlyMap<string, Gene>): Record<string, number> {
  for (const [k, gene] of meta) {
    const v = hyp[k];
    if (v === undefined) throw new Error(`evolve: hyperparameter '${k}' is missing`);
    hyp[k] = pyRound(Math.min(Math.max(v, gene.lower), gene.upper), 5);
  }
  return hyp;
}
