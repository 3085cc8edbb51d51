// Dataset YAML (YOLOv5's data/*.yaml) → resolved paths, class names and count, as check_dataset does.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { type ConfigMap, describe, isMapping, readConfigFile } from '../io/config-file.ts';
import { isGlobPattern } from './image-files.ts';

export interface DatasetConfig {
  /** Dataset root, absolute. */
  path: string;
  /** Image sources (folders, .txt lists, globs), absolute. */
  train: string[];
  val: string[];
  test?: string[];
  /** Class names, index = class id. */
  names: string[];
  /** Number of classes, = names.length. */
  nc: number;
  /** The YAML file, absolute. */
  yamlPath: string;
}

type SplitKey = 'train' | 'val' | 'test';

/** `names` as a list, or a map {0: a, 1: b} whose keys must be exactly 0..n-1. */
function parseNames(cfg: ConfigMap): string[] {
  const raw = cfg.require('names');
  if (Array.isArray(raw)) return raw.map((n) => String(n));
  if (isMapping(raw)) {
    const entries = Object.entries(raw).map(([k, v]) => {
      if (!/^\d+$/.test(k)) throw cfg.error('names', `keys must be integers, i.e. 2: car (got '${k}')`);
      return [Number(k), String(v)] as const;
    });
    entries.sort((a, b) => a[0] - b[0]);
    entries.forEach(([k], i) => {
      if (k !== i) throw cfg.error('names', `keys must run 0..${entries.length - 1} without gaps (missing ${i})`);
    });
    return entries.map(([, v]) => v);
  }
  throw cfg.error('names', `must be a list or a map {0: name, ...}, got ${describe(raw)}`);
}

/** A split's entries (a string or a list of strings) resolved against the dataset root. */
function resolveSplit(cfg: ConfigMap, key: SplitKey, root: string): string[] {
  const raw = cfg.values[key];
  const items = Array.isArray(raw) ? raw : [raw];
  return items.map((item) => {
    if (typeof item !== 'string' || item.length === 0) throw cfg.error(key, `must be a path or a list of paths, got ${describe(item)}`);
    return resolve(root, item);
  });
}

/**
 * Loads a dataset YAML: `path` (root), `train`, `val` (required) and `test` (optional), each a folder, a `.txt`
 * list of images, a glob, or a list of those, relative to the root; `names` as a list or an index map.
 * `nc` is len(names); a stated `nc` that disagrees is an Error. Split paths that do not exist are an Error.
 */
export function loadDatasetConfig(yamlPath: string): DatasetConfig {
  const file = resolve(yamlPath);
  const cfg = readConfigFile(file, 'a dataset config with train, val and names');
  for (const key of ['train', 'val', 'names']) cfg.require(key);

  // YOLOv5 resolves a relative `path` against its own repository folder; we resolve it against the YAML's
  // folder, which is what users expect when they keep data.yaml next to (or inside) the dataset.
  const rawRoot = cfg.optionalString('path');
  const yamlDir = dirname(file);
  const root = !rawRoot ? yamlDir : isAbsolute(rawRoot) ? rawRoot : resolve(yamlDir, rawRoot);

  const names = parseNames(cfg);
  const nc = names.length;
  if (cfg.has('nc') && cfg.values.nc !== nc) throw cfg.error('nc', `is ${describe(cfg.values.nc)}, which disagrees with the ${nc} names listed`);

  const splits: Partial<Record<SplitKey, string[]>> = {};
  for (const key of ['train', 'val', 'test'] as const) {
    if (!cfg.has(key)) continue;
    const paths = resolveSplit(cfg, key, root);
    for (const p of paths) {
      if (!isGlobPattern(p) && !existsSync(p)) {
        const hint = cfg.has('download') ? " (its 'download:' is not run; fetch the dataset first)" : '';
        throw cfg.error(key, `path ${p} does not exist${hint}`);
      }
    }
    splits[key] = paths;
  }

  return {
    path: root,
    train: splits.train!,
    val: splits.val!,
    ...(splits.test ? { test: splits.test } : {}),
    names,
    nc,
    yamlPath: file,
  };
}
