// --resume continues a run in the folder its checkpoint sits in (<run>/weights/last.safetensors): refuse a checkpoint
// whose model is not that run's, before anything there (results.csv, opt.yaml) is touched. YOLOv5 v7.0 has no such
// check; a foreign checkpoint copied into a run folder would otherwise mix the two models' rows in results.csv.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readSafetensors } from '../io/safetensors.ts';
import type { TrainState } from './train-checkpoint.ts';

/** The checkpoints a run writes beside each other. */
const RUN_CHECKPOINTS = ['last.safetensors', 'best.safetensors'];
/** The options that choose a run's model (opt.yaml's keys, the checkpoint's TrainOptions names). */
const MODEL_OPTIONS = ['cfg', 'weights'] as const;

/** JSON with object keys sorted: two YAML mappings compare equal whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * The top-level keys in which two model YAMLs (as checkpoints store them: nc and anchors already overridden) differ;
 * `ch` absent counts as 3, DetectionModel's default. Empty: the same architecture.
 */
export function modelYamlDifferences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const value = (y: Record<string, unknown>, k: string) => canonical(k === 'ch' ? (y.ch ?? 3) : y[k]);
  return keys.filter((k) => value(a, k) !== value(b, k));
}

function asMapping(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** The model YAML a checkpoint's metadata stores (`yaml`), or null. */
function modelYamlOf(metadata: Record<string, string>): Record<string, unknown> | null {
  try {
    return asMapping(JSON.parse(metadata.yaml ?? 'null'));
  } catch {
    return null;
  }
}

/** How the error names a model: the options that chose it, and its class count. */
function describeModel(opt: Record<string, unknown>, yaml: Record<string, unknown> | null): string {
  const chosen = opt.cfg ? `cfg '${String(opt.cfg)}'` : opt.weights ? `weights '${String(opt.weights)}'` : 'the default cfg';
  return yaml && yaml.nc !== undefined ? `${chosen}, nc ${String(yaml.nc)}` : chosen;
}

function shown(v: unknown): string {
  return v === undefined || v === '' ? "''" : `'${String(v)}'`;
}

/**
 * Throws when `file`'s model differs from its run folder's. "Differs" is checked two ways, each when the run folder
 * has what it needs:
 * - opt.yaml (written when the run started): its `cfg` and `weights`, the options that chose the model, must equal
 *   the checkpoint's own options — a genuine checkpoint carries the very options opt.yaml was written from;
 * - the run's other checkpoint (last.safetensors / best.safetensors beside it): the model YAMLs both store (the
 *   architecture: rows, multiples, anchors, nc, ch) must be equal, key order aside.
 * A checkpoint outside any run folder (neither present) is accepted: its folder becomes the run's.
 */
export function checkResumeModel(file: string, state: TrainState): void {
  const weightsDir = dirname(resolve(file));
  const runDir = dirname(weightsDir);
  const ckYaml = asMapping(state.opt.modelYaml);
  const ours = describeModel(state.opt, ckYaml);
  const refuse = (theirs: string, detail: string): never => {
    throw new Error(
      `--resume: ${file} holds another model than the run in ${runDir}: the checkpoint's is ${ours}, the run's is ${theirs} (${detail}). ` +
        `Resuming would mix the two in results.csv; resume the run's own weights/last.safetensors, or start a new run from it with --weights ${file}`,
    );
  };

  const optYaml = join(runDir, 'opt.yaml');
  if (existsSync(optYaml)) {
    let runOpt: unknown = null;
    try {
      runOpt = parseYaml(readFileSync(optYaml, 'utf8'));
    } catch {
      runOpt = null; // unreadable: nothing to compare against
    }
    const o = asMapping(runOpt);
    if (o) {
      for (const k of MODEL_OPTIONS) {
        if ((o[k] ?? '') !== (state.opt[k] ?? '')) refuse(describeModel(o, null), `${optYaml} has ${k}: ${shown(o[k])}, the checkpoint ${shown(state.opt[k])}`);
      }
    }
  }

  if (!ckYaml) return;
  for (const name of RUN_CHECKPOINTS) {
    const other = join(weightsDir, name);
    if (other === resolve(file) || !existsSync(other)) continue;
    let meta: Record<string, string>;
    try {
      meta = readSafetensors(other).metadata;
    } catch {
      continue; // a damaged sibling says nothing about the model
    }
    const otherYaml = modelYamlOf(meta);
    if (!otherYaml) continue;
    const diff = modelYamlDifferences(ckYaml, otherYaml);
    if (diff.length > 0) {
      let otherOpt: Record<string, unknown> = {};
      try {
        otherOpt = JSON.parse(meta.opt ?? '{}') as Record<string, unknown>;
      } catch {
        // described by its YAML alone
      }
      refuse(describeModel(otherOpt, otherYaml), `its model YAML differs from ${basename(other)}'s in ${diff.map((k) => `'${k}'`).join(', ')}`);
    }
  }
}
