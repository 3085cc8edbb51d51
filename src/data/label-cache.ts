// The `<labels dir>.cache` file: verified labels and image sizes, so a second run skips decoding every image
// header. Like YOLOv5 it is keyed by a hash of the file paths and sizes plus a version; we also hash the
// modification times, in seconds (an edited label file of the same size would otherwise go unnoticed) and the class count
// used for the class-id check. The file is JSON, not YOLOv5's pickled numpy dict, so the two never mix.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { dirname } from 'node:path';
import type { LabelStatus } from './label-verify.ts';

/** Bumped whenever the verification rules or the file layout change, so old caches are rebuilt. */
export const LABEL_CACHE_VERSION = 'tsyolo-labels-1';

export interface LabelCacheEntry {
  /** Flattened n×5 rows (cls, cx, cy, w, h). */
  labels: number[];
  shape: [number, number];
  status: LabelStatus;
  labelFound: boolean;
  duplicates: number;
  message?: string;
}

export interface LabelCacheFile {
  version: string;
  hash: string;
  /** Image paths, in the order of `entries`. */
  imFiles: string[];
  entries: LabelCacheEntry[];
}

/** `<folder of the first label file>.cache`, e.g. `labels/train.cache` (YOLOv5's cache_path). */
export function labelCachePath(labelFiles: string[]): string {
  if (labelFiles.length === 0) throw new Error('labelCachePath: no label files');
  return dirname(labelFiles[0]!) + '.cache';
}

/** Hash of the version, the settings that change verification, and every path with its size and mtime. */
export function labelCacheHash(paths: string[], settings = ''): string {
  const h = createHash('sha256');
  h.update(`${LABEL_CACHE_VERSION}\0${settings}\0`);
  for (const p of paths) {
    let size = -1;
    let mtime = -1;
    try {
      const st = statSync(p);
      size = st.size;
      mtime = Math.trunc(st.mtimeMs / 1000); // whole seconds: copies that keep times (cp -p, rsync -t) still match
    } catch {
      // a missing file (e.g. an image without labels) hashes as such
    }
    h.update(`${p}\0${size}\0${mtime}\n`);
  }
  return h.digest('hex');
}

function isCacheFile(x: unknown): x is LabelCacheFile {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Partial<LabelCacheFile>;
  return (
    typeof c.version === 'string' &&
    typeof c.hash === 'string' &&
    Array.isArray(c.imFiles) &&
    Array.isArray(c.entries) &&
    c.imFiles.length === c.entries.length
  );
}

/** The cache at `path` when it exists, parses, and matches `hash` and the version; otherwise undefined. */
export function loadLabelCache(path: string, hash: string): LabelCacheFile | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // absent or unreadable: rebuild
  }
  if (!isCacheFile(parsed) || parsed.version !== LABEL_CACHE_VERSION || parsed.hash !== hash) return undefined;
  return parsed;
}

/**
 * Writes the cache atomically (temporary file + rename). A folder that cannot be written is a warning passed to
 * `warn`, not a failure: training goes on without a cache. Returns whether the cache was written.
 */
export function saveLabelCache(path: string, cache: LabelCacheFile, warn: (msg: string) => void, prefix = ''): boolean {
  try {
    writeFileAtomic(path, JSON.stringify(cache));
    return true;
  } catch (e) {
    const code = ((e as Error).cause as NodeJS.ErrnoException | undefined)?.code ?? String(e);
    warn(`${prefix}WARNING ⚠️ Cache directory ${dirname(path)} is not writeable: ${code}`);
    return false;
  }
}
