// The first phase of a training run: options read and checked, --resume resolved to its checkpoint and options,
// the run folder made, hyp.yaml and opt.yaml written (YOLOv5's snake_case keys), the seed set.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { type Hyp, loadHyp, resolveHyp } from '../data/hyp.ts';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';
import { discardRunFolder, incrementPath } from '../run/increment-path.ts';
import { readGivenOptions, resolveOptions } from '../run/option-table.ts';
import { manualSeed } from '../tensor/runtime.ts';
import { checkResumeModel } from './resume-check.ts';
import { type ResumeData, readTrainCheckpoint } from './train-checkpoint.ts';
import type { TrainDistributed } from './train-distributed.ts';
import { TRAIN_OPTIONS, type TrainOptions } from './train-options.ts';
import type { SegmentTaskInput } from './segment-train.ts';

/** Where train() reports: log lines, progress output, the run folder once known. */
export interface TrainHooks {
  /** Receives each log line (default: console.log). */
  log?: (line: string) => void;
  /** Progress output (default: stdout). */
  write?: (s: string) => void;
  /** Called once the run folder is known (before the first epoch). */
  onRunFolder?: (files: { saveDir: string; last: string; best: string }) => void;
}

/** One generation of `--evolve`, as src/train/evolve.ts runs it (it reaches DDP ranks with the other options). */
export interface EvolveGenerationInput {
  /**
   * The generation's hyperparameters: train with these in the evolve folder (--project/--name, reused), writing
   * no weights/, hyp.yaml, opt.yaml or TensorBoard files and no checkpoints (v7.0's train() under opt.evolve).
   */
  evolveHyp?: Readonly<Record<string, number>>;
}

/** What train() accepts: any of the options (checked like the flags), the rest at their defaults. */
export type TrainInput = Partial<TrainOptions> & TrainHooks & EvolveGenerationInput & SegmentTaskInput;

export interface TrainRun {
  opt: TrainOptions;
  /** The libtorch device ('cpu', 'cuda:0'). */
  device: string;
  /** The hyp file's values with label_smoothing set, before train.py's scaling (what hyp.yaml holds). */
  hyp: Hyp;
  /** The checkpoint being resumed, with its file. */
  resume: (ResumeData & { file: string }) | null;
  /** A generation of --evolve: no weights folder, checkpoints, hyp.yaml, opt.yaml or TensorBoard files. */
  evolving: boolean;
  saveDir: string;
  last: string;
  best: string;
  log: (line: string) => void;
  write: (s: string) => void;
}

/** Newest <project>/*\/weights/last.safetensors (YOLOv5's get_latest_run). */
function latestRun(project: string): string {
  let best: { file: string; mtime: number } | null = null;
  if (existsSync(project)) {
    for (const d of readdirSync(project)) {
      const f = join(project, d, 'weights', 'last.safetensors');
      if (existsSync(f)) {
        const mtime = statSync(f).mtimeMs;
        if (!best || mtime > best.mtime) best = { file: f, mtime };
      }
    }
  }
  if (!best) throw new Error(`--resume: no weights/last.safetensors found under ${project}`);
  return best.file;
}

/** camelCase option names → YOLOv5's opt.yaml keys (batchSize → batch_size). */
export function optYaml(opt: TrainOptions, hyp: Hyp, saveDir: string): Record<string, unknown> {
  const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const entries = Object.entries({ ...opt, resume: Boolean(opt.resume) }).filter(([, v]) => v !== undefined);
  return { ...Object.fromEntries(entries.map(([k, v]) => [snake(k), k === 'hyp' ? { ...hyp } : v])), save_dir: saveDir };
}

/** The run's files; only the master (the process that writes them) makes the folder (none under --evolve). */
function runFiles(saveDir: string, dist: TrainDistributed, evolving = false): Pick<TrainRun, 'saveDir' | 'last' | 'best'> {
  const wdir = join(saveDir, 'weights');
  if (dist.isMaster && !evolving) makeDirs(wdir);
  return { saveDir, last: join(wdir, 'last.safetensors'), best: join(wdir, 'best.safetensors') };
}

type Hooks = Pick<TrainRun, 'log' | 'write'>;

/** YOLOv5 DDP: --batch is the total over all ranks, so it must split evenly. */
function checkBatchSplit(opt: TrainOptions, dist: TrainDistributed): void {
  if (opt.batchSize % dist.worldSize !== 0) {
    throw new Error(`--batch ${opt.batchSize} must be a multiple of the ${dist.worldSize} ranks (WORLD_SIZE): it is the total, split across ranks`);
  }
}

/** --resume: the interrupted run's own options (its folder, data, hyp, epochs) and its checkpoint. */
function resumeRun(given: Partial<TrainOptions>, hooks: Hooks, dist: TrainDistributed): TrainRun {
  // Every rank resumes the checkpoint the master found.
  const file = typeof given.resume === 'string' ? given.resume : dist.shareText('resume', () => latestRun(given.project ?? TRAIN_OPTIONS.project.default));
  const ck = readTrainCheckpoint(file);
  // Before anything in the run folder is touched: a checkpoint of another model is refused.
  checkResumeModel(file, ck.state);
  const opt = resolveOptions(TRAIN_OPTIONS, { ...ck.state.opt, resume: file, existOk: true });
  checkBatchSplit(opt, dist);
  hooks.log(`Resuming training from ${file} from epoch ${ck.state.epoch + 1} to ${opt.epochs} total epochs`);
  const saveDir = dirname(dirname(resolve(file)));
  return { opt, device: dist.device(opt.device), hyp: resolveHyp(ck.state.hyp, file), resume: { ...ck, file }, evolving: false, ...runFiles(saveDir, dist), ...hooks };
}

function newRun(input: TrainInput, hooks: Hooks, dist: TrainDistributed): TrainRun {
  const opt = resolveOptions(TRAIN_OPTIONS, input);
  if (!opt.data) throw new Error('train needs --data (a dataset YAML)');
  checkBatchSplit(opt, dist);
  const device = dist.device(opt.device);
  const evolving = input.evolveHyp !== undefined;
  const hyp = evolving ? resolveHyp(input.evolveHyp, `${opt.hyp} (evolved)`) : loadHyp(opt.hyp);
  hyp.label_smoothing = opt.labelSmoothing;
  if (opt.iouLoss) hyp.iou_loss = opt.iouLoss;
  if (hyp.iou_loss === 'wiou' && hyp.iou_focal) throw new Error(`--iou-loss wiou: ${opt.hyp} sets iou_focal, which WIoU does not support`);
  // One run folder for all ranks: the master makes it (exp, exp2, …) and tells the others.
  const saveDir = dist.shareText('saveDir', () => {
    // --evolve: every generation trains in the one evolve folder, which holds only the evolution's files.
    if (evolving) return incrementPath(opt.project, opt.name, true);
    const dir = incrementPath(opt.project, opt.name, opt.existOk);
    writeFileAtomic(join(dir, 'hyp.yaml'), toYaml(hyp));
    writeFileAtomic(join(dir, 'opt.yaml'), toYaml(optYaml(opt, hyp, dir)));
    return dir;
  });
  return { opt, device, hyp, resume: null, evolving, ...runFiles(saveDir, dist, evolving), ...hooks };
}

/**
 * A new run whose set-up failed (a model YAML that does not build, data that does not load) leaves no run folder:
 * the master removes it when this run made it (incrementPath; never an earlier run's folder reused with --exist-ok,
 * never a resumed one) and it holds only what set-up wrote (hyp.yaml, opt.yaml, labels.jpg, an empty weights/).
 */
export function discardUnusedRunFolder(run: TrainRun, dist: TrainDistributed): void {
  if (run.resume || !dist.isMaster) return;
  discardRunFolder(run.saveDir, ['hyp.yaml', 'opt.yaml', 'labels.jpg']);
}

export function resolveRun(input: TrainInput, dist: TrainDistributed): TrainRun {
  // Ranks other than the master print nothing (YOLOv5 logs on rank 0 only); their errors still end the run.
  const quiet = () => {};
  const hooks: Hooks = dist.isMaster
    ? { log: input.log ?? ((s: string) => console.log(s)), write: input.write ?? ((s: string) => void process.stdout.write(s)) }
    : { log: quiet, write: quiet };
  const given = readGivenOptions(TRAIN_OPTIONS, input);
  const run = given.resume ? resumeRun(given, hooks, dist) : newRun(input, hooks, dist);
  input.onRunFolder?.({ saveDir: run.saveDir, last: run.last, best: run.best });
  run.log(`hyperparameters: ${Object.entries(run.hyp).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  manualSeed(run.opt.seed);
  return run;
}
