// The first phase of a training run: options read and checked, --resume resolved to its checkpoint and options,
// the run folder made, hyp.yaml and opt.yaml written (YOLOv5's snake_case keys), the seed set.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { type Hyp, loadHyp, resolveHyp } from '../data/hyp.ts';
import { makeDirs, writeFileAtomic } from '../io/atomic-write.ts';
import { incrementPath } from '../run/increment-path.ts';
import { readGivenOptions, resolveOptions } from '../run/option-table.ts';
import { selectDevice } from '../run/select-device.ts';
import { manualSeed } from '../tensor/runtime.ts';
import { type ResumeData, readTrainCheckpoint } from './train-checkpoint.ts';
import { TRAIN_OPTIONS, type TrainOptions } from './train-options.ts';

export interface TrainHooks {
  log?: (line: string) => void;
  /** Progress output (default: stdout). */
  write?: (s: string) => void;
}

/** What train() accepts: any of the options (checked like the flags), the rest at their defaults. */
export type TrainInput = Partial<TrainOptions> & TrainHooks;

export interface TrainRun {
  opt: TrainOptions;
  /** The libtorch device ('cpu', 'cuda:0'). */
  device: string;
  /** The hyp file's values with label_smoothing set, before train.py's scaling (what hyp.yaml holds). */
  hyp: Hyp;
  /** The checkpoint being resumed, with its file. */
  resume: (ResumeData & { file: string }) | null;
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

function runFiles(saveDir: string): Pick<TrainRun, 'saveDir' | 'last' | 'best'> {
  const wdir = join(saveDir, 'weights');
  makeDirs(wdir);
  return { saveDir, last: join(wdir, 'last.safetensors'), best: join(wdir, 'best.safetensors') };
}

/** --resume: the interrupted run's own options (its folder, data, hyp, epochs) and its checkpoint. */
function resumeRun(given: Partial<TrainOptions>, hooks: Required<TrainHooks>): TrainRun {
  const file = typeof given.resume === 'string' ? given.resume : latestRun(given.project ?? TRAIN_OPTIONS.project.default);
  const ck = readTrainCheckpoint(file);
  const opt = resolveOptions(TRAIN_OPTIONS, { ...ck.state.opt, resume: file, existOk: true });
  hooks.log(`Resuming training from ${file} from epoch ${ck.state.epoch + 1} to ${opt.epochs} total epochs`);
  const saveDir = dirname(dirname(resolve(file)));
  return { opt, device: selectDevice(opt.device), hyp: resolveHyp(ck.state.hyp, file), resume: { ...ck, file }, ...runFiles(saveDir), ...hooks };
}

function newRun(input: TrainInput, hooks: Required<TrainHooks>): TrainRun {
  const opt = resolveOptions(TRAIN_OPTIONS, input);
  if (!opt.data) throw new Error('train needs --data (a dataset YAML)');
  const device = selectDevice(opt.device);
  const hyp = loadHyp(opt.hyp);
  hyp.label_smoothing = opt.labelSmoothing;
  const saveDir = incrementPath(opt.project, opt.name, opt.existOk);
  writeFileAtomic(join(saveDir, 'hyp.yaml'), toYaml(hyp));
  writeFileAtomic(join(saveDir, 'opt.yaml'), toYaml(optYaml(opt, hyp, saveDir)));
  return { opt, device, hyp, resume: null, ...runFiles(saveDir), ...hooks };
}

export function resolveRun(input: TrainInput): TrainRun {
  const hooks = { log: input.log ?? ((s: string) => console.log(s)), write: input.write ?? ((s: string) => void process.stdout.write(s)) };
  const given = readGivenOptions(TRAIN_OPTIONS, input);
  const run = given.resume ? resumeRun(given, hooks) : newRun(input, hooks);
  run.log(`hyperparameters: ${Object.entries(run.hyp).map(([k, v]) => `${k}=${v}`).join(', ')}`);
  manualSeed(run.opt.seed);
  return run;
}
