// `tsyolo train --evolve [N]`: YOLOv5 v7.0 train.py main()'s evolve branch. Each generation picks a parent from the
// best rows of evolve.csv, mutates it (evolve-meta.ts), trains once with v7.0's evolve settings (only the final
// epoch validated, no checkpoints: train-run.ts's `evolving` run) and appends its results (evolve-csv.ts); at the end
// evolve.png (src/plot/evolve-plot.ts). A later call with --resume (or --exist-ok) on the same folder continues its
// evolve.csv. With --nproc-per-node each generation trains on DDP ranks; this loop stays in the launching process.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { NumpyRandomState } from '../compat/numpy-random.ts';
import { PythonRandom } from '../compat/python-random.ts';
import { SHIPPED_HYP_DIR, loadHyp } from '../data/hyp.ts';
import { readRankEnvironment } from '../distributed/environment.ts';
import { plotEvolve } from '../plot/evolve-plot.ts';
import { incrementPath } from '../run/increment-path.ts';
import { readGivenOptions, resolveOptions } from '../run/option-table.ts';
import { readEvolveParents, recordGeneration } from './evolve-csv.ts';
import { DETECT_EVOLVE_COLUMNS, type ParentSelection, SEGMENT_EVOLVE_COLUMNS, constrainHyp, evolveMeta, mutateHyp, selectParent } from './evolve-meta.ts';
import type { TrainResult } from './trainer.ts';
import { TRAIN_OPTIONS } from './train-options.ts';
import type { TrainInput } from './train-run.ts';

/**
 * Environment variable that fixes evolution's random seed (tests, reproductions): an integer 0 … 2^32 − 1 read as
 * the clock v7.0 seeds NumPy's mutation draws from (the k-th mutation of a call uses seed + k) and as the seed of
 * Python's random for the call's first parent selection. Unset: the time in seconds, as v7.0.
 */
export const EVOLVE_SEED_VAR = 'TSYOLO_EVOLVE_SEED';

/** What evolve() hands back: the folder, its files and the best generation so far. */
export interface EvolveResult {
  /** The evolve folder (runs/evolve/exp{N}). */
  saveDir: string;
  /** evolve.csv: one row per generation (this call's appended to any earlier ones). */
  evolveCsv: string;
  /** hyp_evolve.yaml: the best generation's hyperparameters (use with --hyp). */
  hypEvolveYaml: string;
  /** evolve.png (null when no generation finished). */
  evolvePng: string | null;
  /** Generations trained in this call. */
  generations: number;
  /** Rows in evolve.csv now. */
  totalGenerations: number;
  /** Why the call ended: all generations done, or Ctrl-C during one (that generation is not recorded). */
  stoppedBy: 'completed' | 'interrupted';
  /** The best row of evolve.csv (null when it has none). */
  best: EvolveBest | null;
}

/** The best generation in evolve.csv. */
export interface EvolveBest {
  /** Its row, 0-based (hyp_evolve.yaml's "Best generation"). */
  row: number;
  /** Its fitness, 0.1·mAP@0.5 + 0.9·mAP@0.5:0.95 (segmentation: of boxes plus of masks). */
  fitness: number;
  /** Its hyperparameters, in evolve.csv's column order. */
  hyp: Record<string, number>;
}

/** What one generation's training gives the loop (train()'s result, or a stand-in in tests). */
export type GenerationResult = Pick<TrainResult, 'final' | 'valLosses' | 'stoppedBy' | 'finalMask' | 'segValLoss'>;

/** Seams of the loop: how a generation trains, the seed, the parent selection (v7.0: 'single'). */
export interface EvolveDeps {
  /** Trains one generation (default: train()). */
  trainGeneration?: (input: TrainInput) => Promise<GenerationResult>;
  /** A fixed seed (default: TSYOLO_EVOLVE_SEED, else the time in seconds). */
  seed?: number;
  /** 'single' (v7.0's choice) or 'weighted' (v7.0's other branch: the top rows averaged by fitness). */
  parent?: ParentSelection;
}

/**
 * The hyp file as --evolve mutates it: its keys in the file's order (evolve.csv's column order), `anchors: 3` added
 * when it has none (v7.0), dropped with --noautoanchor. Keys without a gene in the meta table are refused.
 */
export function readEvolveHyp(nameOrPath: string, noautoanchor: boolean): { file: string; hyp: Record<string, number> } {
  loadHyp(nameOrPath); // every check of a hyp file (missing keys, non-numbers) first
  const shipped = resolve(SHIPPED_HYP_DIR, basename(nameOrPath));
  const file = existsSync(nameOrPath) ? nameOrPath : shipped;
  const doc = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const meta = evolveMeta(false);
  const hyp: Record<string, number> = {};
  for (const [k, v] of Object.entries(doc)) {
    if (!meta.has(k)) {
      throw new Error(`${file}: '${k}' is not a hyperparameter --evolve mutates (YOLOv5 v7.0's meta table: ${[...meta.keys()].join(', ')}); evolve with a hyp file of those keys only (set '${k}' through its flag, e.g. --iou-loss or --label-smoothing)`);
    }
    hyp[k] = v as number;
  }
  if (!('anchors' in hyp)) hyp.anchors = 3;
  if (noautoanchor) delete hyp.anchors;
  return { file, hyp };
}

/** The seed the loop starts from: deps, then TSYOLO_EVOLVE_SEED (checked), else undefined (the clock). */
function fixedSeed(deps: EvolveDeps): number | undefined {
  if (deps.seed !== undefined) return deps.seed;
  const raw = process.env[EVOLVE_SEED_VAR];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new Error(`${EVOLVE_SEED_VAR} must be an integer 0 … 4294967295, got '${raw}'`);
  return n;
}

async function defaultTrainGeneration(input: TrainInput): Promise<GenerationResult> {
  const { train } = await import('./trainer.ts');
  return train(input);
}

/**
 * Hyperparameter evolution (train.py --evolve): `input.evolve` generations (default 300) in runs/evolve/exp{N}
 * (or --project/--name), each a training run of the mutated hyperparameters with the other options as given.
 */
export async function evolve(input: TrainInput, deps: EvolveDeps = {}): Promise<EvolveResult> {
  if (readRankEnvironment()) {
    throw new Error('--evolve is not compatible with YOLOv5 Multi-GPU DDP training started per rank; run it in one process and give --nproc-per-node: each generation then trains on the ranks');
  }
  const log = input.log ?? ((s: string) => console.log(s));
  const given = readGivenOptions(TRAIN_OPTIONS, input);
  if ((given.nnodes ?? 1) > 1) throw new Error('--evolve runs from one machine: --nnodes must be 1 (--nproc-per-node ranks train each generation)');
  const opt = resolveOptions(TRAIN_OPTIONS, input);
  const generations = given.evolve ?? 300;
  const { file: hypFile, hyp: base } = readEvolveHyp(opt.hyp, opt.noautoanchor);
  const keys = Object.keys(base);
  // segment/train.py (input.segment): twelve result columns and the box + mask fitness.
  const columns = input.segment ? SEGMENT_EVOLVE_COLUMNS : DETECT_EVOLVE_COLUMNS;
  const meta = evolveMeta(opt.noautoanchor);
  // v7.0: the default project becomes runs/evolve; --resume is what reuses the folder (exist_ok). tsyolo also
  // lets --exist-ok do it, which v7.0 overrides.
  const project = given.project === undefined || given.project === TRAIN_OPTIONS.project.default ? 'runs/evolve' : given.project;
  const saveDir = incrementPath(project, opt.name, Boolean(opt.resume) || opt.existOk);
  const csv = join(saveDir, 'evolve.csv');
  const yamlFile = join(saveDir, 'hyp_evolve.yaml');
  // A table from another hyp set is refused before anything trains.
  if (existsSync(csv)) log(`evolve: continuing ${csv} (${readEvolveParents(csv, keys, hypFile, columns).rows.length} generations)`);

  const seed = fixedSeed(deps);
  let clockReads = 0;
  // v7.0 seeds NumPy with int(time.time()) before each mutation.
  const clock = () => (seed !== undefined ? (seed + clockReads++) % 2 ** 32 : Math.floor(Date.now() / 1000) % 2 ** 32);
  const firstPySeed = seed ?? Math.floor(Date.now() / 1000);
  const trainGeneration = deps.trainGeneration ?? defaultTrainGeneration;
  const { log: _log, evolveHyp: _h, ...trainInput } = input;
  let trained = 0;
  let stoppedBy: EvolveResult['stoppedBy'] = 'completed';
  for (let g = 0; g < generations; g++) {
    let hyp: Record<string, number> = { ...base };
    if (existsSync(csv)) {
      const table = readEvolveParents(csv, keys, hypFile, columns);
      // Python's random as v7.0 leaves it: its train() reseeds it (init_seeds(opt.seed + 1 + RANK), RANK −1 without
      // DDP) and nothing in the main process draws from it before the next selection; before the first training
      // of a call it is whatever the process holds (here the fixed or clock seed).
      const random = new PythonRandom(trained > 0 ? opt.seed : firstPySeed);
      const parent = selectParent(table.rows, deps.parent ?? 'single', random, columns.fitness);
      hyp = mutateHyp(parent, keys, meta, new NumpyRandomState(clock()), columns.keys.length).hyp;
    }
    constrainHyp(hyp, meta);
    const r = await trainGeneration({
      ...trainInput,
      evolve: generations,
      evolveHyp: { ...hyp },
      project: dirname(saveDir),
      name: basename(saveDir),
      existOk: true,
      resume: false,
      noval: true,
      nosave: true,
      log,
    });
    if (r.stoppedBy === 'interrupted') {
      stoppedBy = 'interrupted';
      log(`evolve: generation ${g + 1}/${generations} interrupted and not recorded; continue with the same command and --resume`);
      break;
    }
    trained++;
    const box = [r.final.P, r.final.R, r.final.mAP50, r.final.mAP50_95];
    let results = [...box, ...r.valLosses];
    if (input.segment) {
      // segment/val.py's results: box, mask, then the val losses in ComputeLoss order (box, seg, obj, cls).
      const m = r.finalMask;
      if (!m || r.segValLoss === undefined) throw new Error('evolve: a segmentation generation returned no mask metrics');
      const [vbox, vobj, vcls] = r.valLosses;
      results = [...box, m.P, m.R, m.mAP50, m.mAP50_95, vbox, r.segValLoss, vobj, vcls];
    }
    log(recordGeneration(saveDir, results, hyp, columns).lines);
  }
  let evolvePng: string | null = null;
  let best: EvolveBest | null = null;
  let total = 0;
  if (existsSync(csv)) {
    const table = readEvolveParents(csv, keys, hypFile, columns);
    total = table.rows.length;
    const f = table.rows.map(columns.fitness);
    const row = f.indexOf(Math.max(...f));
    best = { row, fitness: f[row]!, hyp: Object.fromEntries(keys.map((k, j) => [k, table.rows[row]![columns.keys.length + j]!])) };
    const plot = await plotEvolve(csv, { resultColumns: columns.keys.length, fitness: columns.fitness });
    evolvePng = plot.path;
    for (const line of plot.lines) log(line);
  }
  if (stoppedBy === 'completed') {
    log(`Hyperparameter evolution finished ${generations} generations\nResults saved to ${saveDir}\nUsage example: $ tsyolo train --hyp ${yamlFile}`);
  }
  return { saveDir, evolveCsv: csv, hypEvolveYaml: yamlFile, evolvePng, generations: trained, totalGenerations: total, stoppedBy, best };
}
