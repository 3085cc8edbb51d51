// Reading COCO JSON files for evaluation: a ground-truth dataset (instances_*.json) and a detections list
// (YOLOv5's *_predictions.json). Every problem is an Error naming the file and the entry.
import { readFileSync } from 'node:fs';
import { readFailure } from '../io/atomic-write.ts';
import type { CocoAnnotation, CocoCategory, CocoDataset, CocoId, CocoImage, CocoResult } from './coco-dataset.ts';

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${file}: cannot read ${what} (${readFailure(e)})`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is CocoId => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string';
const isBox = (v: unknown): v is number[] => Array.isArray(v) && v.length === 4 && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function listOf(file: string, data: Record<string, unknown>, key: string): unknown[] {
  if (!(key in data)) throw new Error(`${file}: no '${key}' list (a COCO dataset has images, annotations and categories)`);
  const v = data[key];
  if (!Array.isArray(v)) throw new Error(`${file}: '${key}' must be a list`);
  return v;
}

/**
 * A COCO ground-truth dataset, checked: `images` (id), `categories` (numeric id), `annotations` (numeric id,
 * image_id, category_id, bbox [x, y, w, h], area; iscrowd defaults to 0). `source` names it in errors.
 */
export function parseCocoDataset(data: unknown, source: string): CocoDataset {
  if (!isRecord(data)) throw new Error(`${source}: a COCO dataset must be a JSON object with images, annotations and categories`);
  listOf(source, data, 'annotations'); // the key a detections file or other JSON lacks: named first
  const images = listOf(source, data, 'images').map((img, i): CocoImage => {
    if (!isRecord(img) || !isId(img.id)) throw new Error(`${source}: images[${i}] has no id`);
    return img as CocoImage;
  });
  const categories = listOf(source, data, 'categories').map((cat, i): CocoCategory => {
    if (!isRecord(cat) || typeof cat.id !== 'number') throw new Error(`${source}: categories[${i}] has no numeric id`);
    return cat as CocoCategory;
  });
  const annotations = listOf(source, data, 'annotations').map((ann, i): CocoAnnotation => {
    const at = `${source}: annotations[${i}]`;
    if (!isRecord(ann)) throw new Error(`${at} is not an object`);
    if (typeof ann.id !== 'number') throw new Error(`${at} has no numeric id`);
    if (!isId(ann.image_id)) throw new Error(`${at} has no image_id`);
    if (typeof ann.category_id !== 'number') throw new Error(`${at} has no numeric category_id`);
    if (!isBox(ann.bbox)) throw new Error(`${at}: bbox must be [x, y, width, height]`);
    if (typeof ann.area !== 'number') throw new Error(`${at} has no numeric area`);
    const iscrowd = ann.iscrowd === undefined ? 0 : Number(ann.iscrowd);
    return { ...(ann as CocoAnnotation), iscrowd };
  });
  return { ...(data as Partial<CocoDataset>), images, annotations, categories };
}

/**
 * A detections list, checked: each {image_id, category_id, bbox [x, y, w, h], score}, or with a `segmentation`
 * (segment val's RLE masks) beside the bbox or instead of it. `source` names it in errors.
 */
export function parseCocoResults(data: unknown, source: string): CocoResult[] {
  if (!Array.isArray(data)) throw new Error(`${source}: detections must be a JSON list of {image_id, category_id, bbox, score}`);
  return data.map((d, i): CocoResult => {
    const at = `${source}: detection ${i}`;
    if (!isRecord(d)) throw new Error(`${at} is not an object`);
    if (!isId(d.image_id)) throw new Error(`${at} has no image_id`);
    if (typeof d.category_id !== 'number') throw new Error(`${at} has no numeric category_id`);
    const segm = d.segmentation;
    if (segm !== undefined && (typeof segm !== 'object' || segm === null)) throw new Error(`${at}: segmentation must be an RLE {size, counts} or polygons`);
    const noBox = d.bbox === undefined || (Array.isArray(d.bbox) && d.bbox.length === 0);
    if (!(isBox(d.bbox) || (noBox && segm !== undefined))) throw new Error(`${at}: bbox must be [x, y, width, height]`);
    if (typeof d.score !== 'number' || !Number.isFinite(d.score)) throw new Error(`${at} has no numeric score`);
    return d as unknown as CocoResult;
  });
}

/** Reads a COCO ground-truth file (see parseCocoDataset); errors name the file. */
export function readCocoDataset(file: string): CocoDataset {
  return parseCocoDataset(readJson(file, 'the COCO annotations'), file);
}

/** Reads a COCO detections file (see parseCocoResults); errors name the file. */
export function readCocoResults(file: string): CocoResult[] {
  return parseCocoResults(readJson(file, 'the detections'), file);
}
