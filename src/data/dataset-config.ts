// Dataset YAML (YOLOv5's data/*.yaml) → resolved paths, class names and count, as check_dataset does.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
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

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** `names` as a list, or a map {0: a, 1: b} whose keys must be exactly 0..n-1. */
function parseNames(raw: unknown, yamlPath: string): string[] {
  if (Array.isArray(raw)) return raw.map((n) => String(n));
  if (isRecord(raw)) {
    const entries = Object.entries(raw).map(([k, v]) => {
      if (!/^\d+$/.test(k)) throw new Error(`${yamlPath}: names keys must be integers, i.e. 2: car (got '${k}')`);
      return [Number(k), String(v)] as const;
    });
    entries.sort((a, b) => a[0] - b[0]);
    entries.forEach(([k], i) => {
      if (k !== i) throw new Error(`${yamlPath}: names keys must run 0..${entries.length - 1} without gaps (missing ${i})`);
    });
    return entries.map(([, v]) => v);
  }
  throw new Error(`${yamlPath}: 'names:' must be a list or a map {0: name, ...}`);
}

/** A split's entries (a string or a list of strings) resolved against the dataset root. */
function resolveSplit(raw: unknown, key: SplitKey, root: string, yamlPath: string): string[] {
  const items = Array.isArray(raw) ? raw : [raw];
  return items.map((item) => {
    if (typeof item !== 'string' || item.length === 0) {
      throw new Error(`${yamlPath}: '${key}:' must be a path or a list of paths (got ${JSON.stringify(item)})`);
    }
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
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`dataset YAML ${file} cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new Error(`dataset YAML ${file} is not valid YAML: ${(e as Error).message}`);
  }
  if (!isRecord(doc)) throw new Error(`dataset YAML ${file} must be a mapping with train, val and names`);
  for (const key of ['train', 'val', 'names']) {
    if (doc[key] === undefined || doc[key] === null || doc[key] === '') throw new Error(`dataset YAML ${file}: '${key}:' field missing`);
  }

  // YOLOv5 resolves a relative `path` against its own repository folder; we resolve it against the YAML's
  // folder, which is what users expect when they keep data.yaml next to (or inside) the dataset.
  const rawRoot = doc.path;
  if (rawRoot !== undefined && rawRoot !== null && typeof rawRoot !== 'string') {
    throw new Error(`dataset YAML ${file}: 'path:' must be a string`);
  }
  const yamlDir = dirname(file);
  const root = !rawRoot ? yamlDir : isAbsolute(rawRoot) ? rawRoot : resolve(yamlDir, rawRoot);

  const names = parseNames(doc.names, file);
  const nc = names.length;
  if (doc.nc !== undefined && doc.nc !== null && doc.nc !== nc) {
    throw new Error(`dataset YAML ${file}: nc: ${String(doc.nc)} disagrees with the ${nc} names listed`);
  }

  const splits: Partial<Record<SplitKey, string[]>> = {};
  for (const key of ['train', 'val', 'test'] as const) {
    const raw = doc[key];
    if (raw === undefined || raw === null || raw === '') continue;
    const paths = resolveSplit(raw, key, root, file);
    for (const p of paths) {
      if (!isGlobPattern(p) && !existsSync(p)) {
        const hint = doc.download ? " (its 'download:' is not run; fetch the dataset first)" : '';
        throw new Error(`dataset YAML ${file}: ${key} path ${p} does not exist${hint}`);
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
