// val --save-json's second half (val.py's pycocotools block): save the detections, then evaluate them with COCOeval
// against the dataset's COCO annotation file when it has one, else against a GT made from the split's YOLO labels;
// print pycocotools' 12-line summary and a row of AP, AP50, AP75, APs, APm, APl under YOLOv5's table. segment val
// uses it too, with its RLE masks: 'bbox' then 'segm', as segment/val.py evaluates them.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type CocoSummary, evaluateCoco } from '../eval/coco-eval.ts';
import type { CocoDataset, CocoId } from '../eval/coco-dataset.ts';
import type { CocoIouType } from '../eval/coco-iou.ts';
import type { CocoRle } from '../eval/coco-mask.ts';
import { readCocoDataset } from '../eval/coco-json.ts';
import type { DatasetConfig } from '../data/dataset-config.ts';
import { cocoImageId, writeCocoDataset, yoloToCoco } from '../convert/yolo-to-coco.ts';
import { buildDatasetIndex } from '../data/dataset-index.ts';
import { describe, isMapping, readConfigFile } from '../io/config-file.ts';
import { type CocoDetection, writeCocoJson } from './val-outputs.ts';

/** The data YAML key naming a COCO annotation file (a path relative to the dataset root, or {val: …, test: …}). */
export const COCO_ANNOTATIONS_KEY = 'coco_annotations';

/** What val --save-json's COCO evaluation measured. */
export interface ValCocoResult {
  /** pycocotools' 12 stats (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl) of the first iouType (bbox). */
  stats: number[];
  /** The 12 summary lines as printed (first iouType). */
  lines: string[];
  /** Stats and lines per iouType evaluated (segment val: bbox and segm). */
  summaries: Partial<Record<CocoIouType, CocoSummary>>;
  /** The GT file evaluated against (the dataset's, or the one written from the YOLO labels). */
  annotations: string;
  /** The detections file written. */
  predictions: string;
}

/**
 * The COCO annotation file of a split: the data YAML's `coco_annotations` (a path, or a map by split) relative to
 * the dataset root; else for the val split `path/annotations/instances_val2017.json` when it exists (v7.0's file);
 * else null (the GT is then made from the YOLO labels).
 */
export function cocoAnnotationFile(cfg: DatasetConfig, task: 'val' | 'test' | 'train'): string | null {
  if (existsSync(cfg.yamlPath)) {
    const yaml = readConfigFile(cfg.yamlPath, 'a dataset config');
    if (yaml.has(COCO_ANNOTATIONS_KEY)) {
      const raw = yaml.values[COCO_ANNOTATIONS_KEY];
      const entry = isMapping(raw) ? raw[task] : raw;
      if (entry !== undefined && entry !== null) {
        if (typeof entry !== 'string') throw yaml.error(COCO_ANNOTATIONS_KEY, `must be a path or a map {val: path, test: path}, got ${describe(raw)}`);
        const file = resolve(cfg.path, entry);
        if (!existsSync(file)) throw yaml.error(COCO_ANNOTATIONS_KEY, `file ${file} does not exist`);
        return file;
      }
    }
  }
  const v7 = join(cfg.path, 'annotations', 'instances_val2017.json');
  return task === 'val' && existsSync(v7) ? v7 : null;
}

/** Each class index's category id in an annotation file: by name when every class name is one category's. */
function categoryIdsByName(gt: CocoDataset, names: readonly string[]): number[] | null {
  const byName = new Map<string, number[]>();
  for (const c of gt.categories) if (typeof c.name === 'string') byName.set(c.name, [...(byName.get(c.name) ?? []), c.id]);
  const ids = names.map((n) => byName.get(n));
  return ids.every((l) => l?.length === 1) ? ids.map((l) => l![0]!) : null;
}

/** What saveAndEvaluateCoco needs from the val run. */
export interface ValCocoInput {
  cfg: DatasetConfig;
  task: 'val' | 'test' | 'train';
  singleCls: boolean;
  names: readonly string[];
  saveDir: string;
  weightsFile: string | undefined;
  /** The detections, category_id = class index (segment val: with their RLE masks). */
  dicts: Array<CocoDetection & { segmentation?: CocoRle }>;
  log: (line: string) => void;
  /** Evaluated in turn (default ['bbox']; segment val: ['bbox', 'segm']). */
  iouTypes?: readonly CocoIouType[];
  /** A GT made from the labels takes their polygons as segmentations (yoloToCoco's `segments`). */
  segments?: boolean;
}

/**
 * Writes `<weights>_predictions.json` and evaluates it (v7.0: only when there are detections). Against a COCO
 * annotation file the evaluated images are the split's (v7.0 does so for COCO) and class k becomes the category
 * whose name is names[k] when all names are found (else category k, v7.0's ids); otherwise the GT is made from the
 * YOLO labels (yoloToCoco) and written beside the predictions as `<split>_labels_coco.json`. A failure is logged as
 * v7.0 logs "pycocotools unable to run" and gives null: YOLOv5's own metrics stand.
 */
export async function saveAndEvaluateCoco(v: ValCocoInput): Promise<ValCocoResult | null> {
  const { log } = v;
  const unable = (e: unknown): null => {
    log(`COCO evaluation unable to run: ${(e as Error).message}`);
    return null;
  };
  let dicts = v.dicts;
  let annotations: string | null;
  let gt: CocoDataset | null = null;
  let imgIds: CocoId[] | undefined;
  try {
    annotations = cocoAnnotationFile(v.cfg, v.task);
    if (annotations) {
      gt = readCocoDataset(annotations);
      const ids = v.singleCls ? null : categoryIdsByName(gt, v.names);
      if (ids) dicts = v.dicts.map((d) => ({ ...d, category_id: ids[d.category_id] ?? d.category_id }));
      const sources = v.task === 'test' ? v.cfg.test : v.task === 'train' ? v.cfg.train : v.cfg.val;
      const index = await buildDatasetIndex(sources ?? [], { nc: v.singleCls ? undefined : v.cfg.nc, log: () => {} });
      imgIds = index.imFiles.map(cocoImageId);
    }
  } catch (e) {
    log(`Saving ${writeCocoJson(v.saveDir, v.weightsFile, dicts)}...`);
    return unable(e);
  }
  const predictions = writeCocoJson(v.saveDir, v.weightsFile, dicts);
  if (dicts.length === 0) {
    log(`Saving ${predictions}... (no detections: no COCO evaluation)`);
    return null;
  }
  try {
    if (!gt) {
      gt = await yoloToCoco(v.cfg, { task: v.task, singleCls: v.singleCls, segments: v.segments });
      annotations = join(v.saveDir, `${v.task}_labels_coco.json`);
      writeCocoDataset(annotations, gt);
    }
    log(`\nEvaluating COCO mAP (pycocotools' COCOeval) against ${annotations}... saving ${predictions}...`);
    const iouTypes = v.iouTypes ?? ['bbox'];
    const summaries: Partial<Record<CocoIouType, CocoSummary>> = {};
    // All types are evaluated before any is printed: a failure in one leaves them all out (v7.0's single try).
    for (const iouType of iouTypes) summaries[iouType] = evaluateCoco(gt, dicts, { imgIds, source: predictions, iouType });
    for (const iouType of iouTypes) {
      const summary = summaries[iouType]!;
      if (iouTypes.length > 1) log(`Evaluate annotation type *${iouType}*`);
      for (const line of summary.lines) log(line);
      log(formatCocoRow(summary.stats, iouTypes.length > 1 ? `COCO ${iouType}` : 'COCO'));
    }
    const first = summaries[iouTypes[0]!]!;
    return { ...first, summaries, annotations: annotations!, predictions };
  } catch (e) {
    return unable(e);
  }
}

/** The AP, AP50, AP75, APs, APm, APl header and row in the widths of YOLOv5's table ('%22s' + '%11s' * 6). */
export function formatCocoRow(stats: readonly number[], label = 'COCO'): string {
  const head = [label, 'AP', 'AP50', 'AP75', 'APs', 'APm', 'APl'];
  const values = stats.slice(0, 6).map((s) => s.toFixed(3).padStart(11));
  return `${head[0]!.padStart(22)}${head.slice(1).map((h) => h.padStart(11)).join('')}\n${'all'.padStart(22)}${values.join('')}`;
}
