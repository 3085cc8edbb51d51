// Dataset YAML (YOLOv5's data/*.yaml) → resolved paths, class names and count, as check_dataset does.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, resolve, sep } from 'node:path';
import { type ConfigMap, describe, isMapping, readConfigFile } from '../io/config-file.ts';
import { isGlobPattern } from './image-files.ts';

/** A dataset YAML, resolved: absolute image sources per split, class names and count. */
export interface DatasetConfig {
  /** Dataset root, absolute. */
  path: string;
  /** Image sources (folders, .txt lists, globs), absolute. */
  train: string[];
  /** Validation image sources, absolute. */
  val: string[];
  /** Test image sources, absolute (optional). */
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

/** A split's entries (a string or a list of strings), checked, not yet resolved. */
function splitItems(cfg: ConfigMap, key: SplitKey): string[] {
  const raw = cfg.values[key];
  const items = Array.isArray(raw) ? raw : [raw];
  return items.map((item) => {
    if (typeof item !== 'string' || item.length === 0) throw cfg.error(key, `must be a path or a list of paths, got ${describe(item)}`);
    return item;
  });
}

/** Whether a split source is there: the file or folder, or for a glob the folder its pattern starts in. */
function sourceExists(p: string): boolean {
  if (!isGlobPattern(p)) return existsSync(p);
  const parts = p.split(sep);
  return existsSync(parts.slice(0, parts.findIndex((part) => isGlobPattern(part))).join(sep) || sep);
}

/** A place the dataset root may be: the folder and how the error names it. */
interface RootCandidate {
  root: string;
  from: string;
}

/** Each split resolved against one candidate root, and the entries not found there. */
interface ResolvedRoot {
  candidate: RootCandidate;
  splits: Partial<Record<SplitKey, string[]>>;
  missing: Array<{ key: SplitKey; item: string; path: string }>;
}

/**
 * check_dataset's split paths under `root`: each entry joined to it (an absolute entry stays as it is); a single
 * string entry that is not found and starts with `../` is tried again without it, as v7.0 does.
 */
function resolveUnder(cfg: ConfigMap, items: Partial<Record<SplitKey, string[]>>, candidate: RootCandidate): ResolvedRoot {
  const out: ResolvedRoot = { candidate, splits: {}, missing: [] };
  for (const key of ['train', 'val', 'test'] as const) {
    const list = items[key];
    if (!list) continue;
    const single = !Array.isArray(cfg.values[key]);
    out.splits[key] = list.map((item) => {
      let p = resolve(candidate.root, item);
      if (single && !sourceExists(p) && item.startsWith('../') && sourceExists(resolve(candidate.root, item.slice(3)))) p = resolve(candidate.root, item.slice(3));
      if (!sourceExists(p)) out.missing.push({ key, item, path: p });
      return p;
    });
  }
  return out;
}

/**
 * Where a relative (or absent) `path:` may point, in order. YOLOv5 v7.0 joins it to its repository folder, the
 * folder its users run from (coco128.yaml's `path: ../datasets/coco128`); tsyolo has no such folder, so the working
 * directory stands for it, and the YAML's own folder is the fallback (a data.yaml kept inside its dataset).
 */
function rootCandidates(rawRoot: string | undefined, yamlDir: string): RootCandidate[] {
  if (rawRoot && isAbsolute(rawRoot)) return [{ root: rawRoot, from: '' }];
  const rel = rawRoot ?? '';
  const shown = rel ? `path '${rel}' ` : '';
  const cwd = { root: resolve(process.cwd(), rel), from: `${shown}from the working directory` };
  const beside = { root: resolve(yamlDir, rel), from: `${shown}from the YAML's folder` };
  return cwd.root === beside.root ? [cwd] : [cwd, beside];
}

/**
 * Loads a dataset YAML: `path` (root), `train`, `val` (required) and `test` (optional), each a folder, a `.txt`
 * list of images, a glob, or a list of those, relative to the root; `names` as a list or an index map.
 * `nc` is len(names); a stated `nc` that disagrees is an Error. A relative or absent `path` is the working
 * directory's (YOLOv5 v7.0's rule, its repository folder read as the folder you run from), else the YAML folder's:
 * the first under which every split exists. Split paths found under neither are an Error naming each place tried.
 */
export function loadDatasetConfig(yamlPath: string): DatasetConfig {
  const file = resolve(yamlPath);
  const cfg = readConfigFile(file, 'a dataset config with train, val and names');
  for (const key of ['train', 'val', 'names']) cfg.require(key);

  const yamlDir = dirname(file);
  const names = parseNames(cfg);
  const nc = names.length;
  if (cfg.has('nc') && cfg.values.nc !== nc) throw cfg.error('nc', `is ${describe(cfg.values.nc)}, which disagrees with the ${nc} names listed`);

  const items: Partial<Record<SplitKey, string[]>> = {};
  for (const key of ['train', 'val', 'test'] as const) if (cfg.has(key)) items[key] = splitItems(cfg, key);
  const tried = rootCandidates(cfg.optionalString('path'), yamlDir).map((c) => resolveUnder(cfg, items, c));
  const found = tried.find((t) => t.missing.length === 0);
  if (!found) throw missingSplit(cfg, tried);
  const { root } = found.candidate;
  const splits = found.splits;
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

/** The error for splits found under no candidate root: the first missing entry, with every path tried for it. */
function missingSplit(cfg: ConfigMap, tried: ResolvedRoot[]): Error {
  const closest = tried.reduce((a, b) => (b.missing.length < a.missing.length ? b : a));
  const { key, item } = closest.missing[0]!;
  const paths = tried.map((t) => ({ path: resolve(t.candidate.root, item), from: t.candidate.from }));
  const unique = paths.filter((p, i) => paths.findIndex((q) => q.path === p.path) === i);
  const hint = cfg.has('download') ? " (its 'download:' is not run; fetch the dataset first)" : '';
  if (isAbsolute(item) || (unique.length === 1 && !unique[0]!.from)) return cfg.error(key, `path ${unique[0]!.path} does not exist${hint}`);
  return cfg.error(key, `path ${item} does not exist (tried ${unique.map((p) => `${p.path}, ${p.from}`).join('; ')})${hint}`);
}
