// The verified list of a split's images with their labels and sizes (the first half of YOLOv5's
// LoadImagesAndLabels.__init__): list the images, find each label file, verify every pair (or reuse the
// `.cache`), drop corrupt pairs, and report counts the way YOLOv5 prints them.
import { img2labelPath, listImageFiles } from './image-files.ts';
import {
  LABEL_CACHE_VERSION,
  labelCacheHash,
  labelCachePath,
  loadLabelCache,
  saveLabelCache,
  type LabelCacheEntry,
} from './label-cache.ts';
import { verifyImageLabel } from './label-verify.ts';

export interface DatasetIndex {
  imFiles: string[];
  labelFiles: string[];
  /** Per image n×5: cls, cx, cy, w, h normalised. */
  labels: Float32Array[];
  /** [w, h] original, EXIF applied. */
  shapes: Array<[number, number]>;
  /** As YOLOv5 counts them: `found` = label files read (empty and corrupt ones included). */
  counts: { found: number; missing: number; empty: number; corrupt: number; duplicates: number };
  summary: string;
}

export interface DatasetIndexOptions {
  /** Class count: label classes must be below it. */
  nc?: number;
  /** Put before every line, e.g. 'train: '. */
  prefix?: string;
  /** Receives warnings and the summary (default console.log). */
  log?: (line: string) => void;
  /**
   * Training needs labels: YOLOv5 refuses a training set without any label file ("No labels found") or without
   * any box ("All labels empty"). Otherwise (validation) background-only sets are only a warning. Default false.
   */
  requireLabels?: boolean;
  /** Pairs verified at once (default 8; sharp decodes on libuv's thread pool). */
  concurrency?: number;
  /** Read and write the `<labels dir>.cache` file (default true). */
  cache?: boolean;
}

/** Runs `fn` over `items` with at most `limit` calls in flight, keeping the results in order. */
async function mapWithConcurrency<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

async function verifyAll(imFiles: string[], labelFiles: string[], opts: DatasetIndexOptions): Promise<LabelCacheEntry[]> {
  return mapWithConcurrency(imFiles, opts.concurrency ?? 8, async (im, i) => {
    const v = await verifyImageLabel(im, labelFiles[i]!, opts.nc, opts.prefix ?? '');
    const entry: LabelCacheEntry = {
      labels: Array.from(v.labels),
      shape: v.shape,
      status: v.status,
      labelFound: v.labelFound,
      duplicates: v.duplicates,
    };
    if (v.message) entry.message = v.message;
    return entry;
  });
}

/**
 * Lists the images of `sources` (folders, .txt lists, globs), verifies each image/label pair (reusing
 * `<labels dir>.cache` when its hash matches) and returns the usable pairs. Corrupt pairs are dropped with a
 * warning. Throws when no images are found or none is usable, and — with `requireLabels` — when there are no
 * labels at all.
 */
export async function buildDatasetIndex(sources: string[], opts: DatasetIndexOptions = {}): Promise<DatasetIndex> {
  const prefix = opts.prefix ?? '';
  const log = opts.log ?? ((line: string) => console.log(line));
  const named = sources.join(', ');

  let allImages: string[];
  try {
    allImages = listImageFiles(sources);
  } catch (e) {
    throw new Error(`${prefix}Error loading data from ${named}: ${(e as Error).message}`);
  }
  if (allImages.length === 0) throw new Error(`${prefix}No images found in ${named}`);
  const allLabels = allImages.map(img2labelPath);

  const cachePath = labelCachePath(allLabels);
  const useCache = opts.cache ?? true;
  const hash = labelCacheHash([...allLabels, ...allImages], `nc=${opts.nc ?? ''}`);
  const cached = useCache ? loadLabelCache(cachePath, hash) : undefined;
  let entries: LabelCacheEntry[];
  if (cached && cached.imFiles.every((f, i) => f === allImages[i]) && cached.imFiles.length === allImages.length) {
    entries = cached.entries;
  } else {
    entries = await verifyAll(allImages, allLabels, opts);
    if (useCache) {
      saveLabelCache(cachePath, { version: LABEL_CACHE_VERSION, hash, imFiles: allImages, entries }, log, prefix);
    }
  }

  const counts = { found: 0, missing: 0, empty: 0, corrupt: 0, duplicates: 0 };
  const index: Omit<DatasetIndex, 'counts' | 'summary'> = { imFiles: [], labelFiles: [], labels: [], shapes: [] };
  let backgrounds = 0;
  let boxes = 0;
  entries.forEach((e, i) => {
    if (e.labelFound) counts.found++;
    if (e.status === 'missing') counts.missing++;
    if (e.status === 'empty') counts.empty++;
    counts.duplicates += e.duplicates;
    if (e.message) log(e.message);
    if (e.status === 'corrupt') {
      counts.corrupt++;
      return;
    }
    if (e.labels.length === 0) backgrounds++;
    boxes += e.labels.length / 5;
    index.imFiles.push(allImages[i]!);
    index.labelFiles.push(allLabels[i]!);
    index.labels.push(Float32Array.from(e.labels));
    index.shapes.push([e.shape[0], e.shape[1]]);
  });

  const summary =
    `${prefix}Scanning '${cachePath}' images and labels... ` +
    `${counts.found} found, ${counts.missing} missing, ${counts.empty} empty, ${counts.corrupt} corrupt\n` +
    `${prefix}${index.imFiles.length} images, ${backgrounds} backgrounds, ${counts.corrupt} corrupt`;
  log(summary);

  if (index.imFiles.length === 0) {
    throw new Error(`${prefix}No usable images in ${named}: all ${allImages.length} are corrupt (see the warnings above)`);
  }
  if (counts.found === 0) {
    if (opts.requireLabels) throw new Error(`${prefix}No labels found in ${cachePath}, can not start training.`);
    log(`${prefix}WARNING ⚠️ No labels found in ${cachePath}: every image is a background.`);
  } else if (boxes === 0 && opts.requireLabels) {
    throw new Error(`${prefix}All labels empty in ${cachePath}, can not start training.`);
  }
  return { ...index, counts, summary };
}
