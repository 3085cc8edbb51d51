// `tsyolo convert coco`: COCO instances JSON → YOLO label files, as ultralytics/JSON2YOLO's convert_coco_json writes
// them: `labels/<json stem without "instances_">/<image file_name>.txt` (one file per image that has annotations,
// empty when all of them are crowd), lines `class cx cy w h` (or `class x y x y …` with segments) in '%g', class =
// category_id - 1 (or the COCO-80 index with cls91to80), crowd annotations and repeated boxes left out, multi-part
// polygons joined by merge_multi_segment; plus `<json stem>.yaml` with the class names.
// Where the reference would crash or write a label YOLOv5 rejects, this reports the problem instead (see
// docs/convert.md): unknown categories, boxes outside the image (clipped), zero-size boxes, images missing from
// 'images', malformed boxes or polygons.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { readFailure } from '../io/atomic-write.ts';
import { boxOutside, clipBox, clipNormalized, gLine, num, withTxtSuffix } from './geometry.ts';
import { mergeMultiSegment, type Points } from './merge-segments.ts';
import { namesYamlBlock } from './names.ts';
import { ConvertLog, type ConvertProblem, type ConvertResult } from './report.ts';

/** Options of {@link convertCoco}. */
export interface CocoConvertOptions {
  /** Output folder: `labels/<json stem without "instances_">/…` and `<json stem>.yaml` are written in it. */
  out: string;
  /** Write polygons (`class x1 y1 x2 y2 …`) from `segmentation` instead of boxes (JSON2YOLO's use_segments). */
  segments?: boolean;
  /** Map the 91 COCO category ids to the 80 classes (JSON2YOLO's cls91to80); ids without a class are reported. */
  cls91to80?: boolean;
  /** Called with each problem as it is found. */
  onProblem?: (p: ConvertProblem) => void;
}

/** COCO category id − 1 (0…90) → the COCO-80 class index, null for the 11 ids the 2017 sets do not use. */
export const COCO91_TO_80: ReadonlyArray<number | null> = (() => {
  const unused = new Set([12, 26, 29, 30, 45, 66, 68, 69, 71, 83, 91]);
  const out: Array<number | null> = [];
  let next = 0;
  for (let id = 1; id <= 91; id++) out.push(unused.has(id) ? null : next++);
  return out;
})();

type Json = Record<string, unknown>;

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The box JSON2YOLO takes when `bbox` is missing or empty: around the visible keypoints (or [0, 0, 0, 0]). */
function bboxFromKeypoints(ann: Json): number[] | string {
  const kp = ann.keypoints;
  if (kp === undefined) return [0, 0, 0, 0];
  if (!Array.isArray(kp) || kp.length % 3 !== 0 || !kp.every(isNumber)) return 'keypoints are not a list of x, y, v triples';
  const xs: number[] = [];
  const ys: number[] = [];
  for (let k = 0; k < kp.length; k += 3) {
    if ((kp[k + 2] as number) > 0) {
      xs.push(kp[k] as number);
      ys.push(kp[k + 1] as number);
    }
  }
  if (xs.length === 0) return [0, 0, 0, 0];
  const x = Math.min(...xs);
  const y = Math.min(...ys);
  return [x, y, Math.max(...xs) - x, Math.max(...ys) - y];
}

/** The class of a category id, or why it has none. */
function classOf(cat: number, cls91to80: boolean, categories: Map<number, string> | null): number | string {
  if (!Number.isInteger(cat)) return `category_id ${String(cat)} is not an integer`;
  if (categories && !categories.has(cat)) return `unknown category ${cat} (not in 'categories')`;
  if (cls91to80) {
    const c = cat >= 1 && cat <= 91 ? COCO91_TO_80[cat - 1]! : null;
    const name = categories?.get(cat);
    if (c === null) return `category ${cat}${name ? ` (${name})` : ''} has no COCO-80 class (--cls91to80)`;
    return c;
  }
  if (cat < 1) return `category_id ${cat} would give class ${cat - 1}`;
  return cat - 1;
}

/** The polygon line's normalised coordinates of an annotation, or why there is none (the box is written then). */
function polygonOf(ann: Json, w: number, h: number): number[] | string {
  const seg = ann.segmentation ?? [];
  if (!Array.isArray(seg)) return 'segmentation is RLE (a mask), which is not turned into a polygon: the box is written';
  if (seg.length === 0) return 'no polygon in segmentation: the box is written';
  const parts: Points[] = [];
  for (const part of seg) {
    if (!Array.isArray(part) || !part.every(isNumber)) return 'segmentation is not a list of coordinate lists: the box is written';
    if (part.length % 2 !== 0) return `a polygon has an odd number of coordinates (${part.length}): the box is written`;
    if (part.length === 0) return 'segmentation has an empty polygon: the box is written';
    const pts: Points = [];
    for (let k = 0; k < part.length; k += 2) pts.push([part[k] as number, part[k + 1] as number]);
    parts.push(pts);
  }
  const points = parts.length > 1 ? mergeMultiSegment(parts) : parts[0]!;
  return points.flatMap(([x, y]) => [x / w, y / h]);
}

interface ImageEntry {
  file: string;
  width: number;
  height: number;
}

/** Converts one COCO JSON file: its names YAML, then one label file per image with annotations. */
function convertFile(jsonPath: string, o: CocoConvertOptions, log: ConvertLog): void {
  const jsonName = basename(jsonPath);
  let data: Json;
  try {
    data = JSON.parse(readFileSync(jsonPath, 'utf8')) as Json;
  } catch (err) {
    const why = err instanceof SyntaxError ? `not valid JSON (${err.message})` : readFailure(err);
    log.problem(jsonName, `${why}: skipped`);
    return;
  }
  if (!data || typeof data !== 'object' || !Array.isArray(data.images) || !Array.isArray(data.annotations)) {
    log.problem(jsonName, "no 'images' and 'annotations' lists (not a COCO instances file): skipped");
    return;
  }
  const stem = jsonName.replace(/\.[^.]*$/, '');
  const labelDir = join(o.out, 'labels', stem.replaceAll('instances_', ''));
  const cls91to80 = o.cls91to80 ?? false;

  // categories → names YAML (written first, as the reference does)
  let categories: Map<number, string> | null = null;
  if (Array.isArray(data.categories) && data.categories.length > 0) {
    categories = new Map();
    const names = new Map<number, string>();
    for (const c of data.categories as Json[]) {
      if (!c || !Number.isInteger(c.id)) {
        log.problem(jsonName, `a category without an integer id: ${JSON.stringify(c)}`);
        continue;
      }
      const id = c.id as number;
      const name = String(c.name ?? '');
      categories.set(id, name);
      const cls = classOf(id, cls91to80, null);
      if (typeof cls === 'number') names.set(cls, name);
      else if (cls91to80 && (id < 1 || id > 91)) log.problem(jsonName, `category ${id} (${name}) is outside COCO's 1…91 (--cls91to80): its annotations are skipped`);
    }
    const sorted = [...names.entries()].sort((a, b) => a[0] - b[0]);
    if (sorted.length) log.writeOther(join(o.out, `${stem}.yaml`), namesYamlBlock(sorted));
  } else {
    log.problem(jsonName, "no 'categories' list: classes are category_id - 1, unchecked, and no names file is written");
  }

  const images = new Map<unknown, Json>();
  for (const img of data.images as Json[]) {
    if (!img || typeof img !== 'object' || img.id === undefined) {
      log.problem(jsonName, `an image entry without an id: ${JSON.stringify(img)}`);
      continue;
    }
    if (images.has(img.id)) log.problem(`${jsonName}: ${String(img.file_name)}`, `image id ${String(img.id)} is listed twice in 'images': the last entry is used`);
    images.set(img.id, img);
  }
  const imgToAnns = new Map<unknown, Json[]>();
  for (const ann of data.annotations as Json[]) {
    if (!ann || typeof ann !== 'object' || ann.image_id === undefined) {
      log.problem(jsonName, `an annotation without an image_id: ${JSON.stringify(ann)?.slice(0, 120)}`);
      continue;
    }
    const list = imgToAnns.get(ann.image_id);
    if (list) list.push(ann);
    else imgToAnns.set(ann.image_id, [ann]);
  }

  const files = new Map<string, { lines: string[]; imageIds: unknown[] }>();
  for (const [imageId, anns] of imgToAnns) {
    const img = images.get(imageId);
    const annIds = anns.map((a) => String(a.id ?? '?'));
    if (!img) {
      log.problem(jsonName, `image id ${String(imageId)} (annotation${anns.length > 1 ? 's' : ''} ${annIds.join(', ')}) is not in 'images': skipped`);
      continue;
    }
    const entry = imageEntry(img, jsonName, log);
    if (!entry) continue;
    log.result.inputs++;
    const rel = isAbsolute(entry.file) ? basename(entry.file) : entry.file;
    if (rel.split('/').includes('..')) {
      log.problem(`${jsonName}: ${entry.file}`, `image id ${String(imageId)}: file_name goes outside the labels folder ('..'): skipped`);
      continue;
    }
    const labelPath = join(labelDir, withTxtSuffix(rel));
    const lines = imageLines(jsonName, entry, anns, o, categories, log);
    const prev = files.get(labelPath);
    if (prev) {
      log.problem(`${jsonName}: ${entry.file}`, `image ids ${prev.imageIds.map(String).join(', ')} and ${String(imageId)} share this file name: their lines go into one label file, as the reference appends them`);
      prev.lines.push(...lines);
      prev.imageIds.push(imageId);
    } else files.set(labelPath, { lines, imageIds: [imageId] });
  }
  for (const [path, { lines }] of files) log.writeLabels(path, lines, lines.map((l) => `${l}\n`).join(''));
}

function imageEntry(img: Json, jsonName: string, log: ConvertLog): ImageEntry | null {
  const file = img.file_name;
  if (typeof file !== 'string' || file === '') {
    log.problem(jsonName, `image id ${String(img.id)} has no file_name: its annotations are skipped`);
    return null;
  }
  const { width, height } = img;
  if (!isNumber(width) || !isNumber(height) || width <= 0 || height <= 0) {
    log.problem(`${jsonName}: ${file}`, `image id ${String(img.id)}: width/height ${String(width)}×${String(height)} are not positive numbers: its annotations are skipped`);
    return null;
  }
  return { file, width, height };
}

function imageLines(jsonName: string, img: ImageEntry, anns: Json[], o: CocoConvertOptions, categories: Map<number, string> | null, log: ConvertLog): string[] {
  const { width: w, height: h } = img;
  const file = `${jsonName}: ${img.file}`;
  const bad = (ann: Json, what: string) => log.problem(file, `annotation ${String(ann.id ?? '?')}: ${what}`);
  const kept: Array<{ box: number[]; annId: unknown; line: string }> = [];
  for (const ann of anns) {
    if (ann.iscrowd) {
      log.skip('crowd');
      continue;
    }
    if (!('category_id' in ann)) {
      bad(ann, 'no category_id: skipped');
      continue;
    }
    // `ann.get("bbox") or bbox_from_keypoints(ann)`: a missing, null or empty bbox falls back to the keypoints
    const given = Array.isArray(ann.bbox) ? ann.bbox.length > 0 : Boolean(ann.bbox);
    const raw = given ? ann.bbox : bboxFromKeypoints(ann);
    if (!given && typeof raw === 'string') {
      bad(ann, `no bbox, and ${raw}: skipped`);
      continue;
    }
    if (!Array.isArray(raw) || raw.length !== 4 || !raw.every(isNumber)) {
      bad(ann, `bbox ${JSON.stringify(raw)} is not four numbers [x, y, width, height]: skipped`);
      continue;
    }
    let [bx, by, bw, bh] = raw as number[] as [number, number, number, number];
    if (bw / w <= 0 || bh / h <= 0) {
      bad(ann, `bbox [${raw.map(num).join(', ')}] has zero or negative size: skipped`);
      continue;
    }
    const cls = classOf(ann.category_id as number, o.cls91to80 ?? false, categories);
    if (typeof cls === 'string') {
      bad(ann, `${cls}: skipped`);
      continue;
    }
    if (boxOutside(bx, by, bx + bw, by + bh, w, h)) {
      const c = clipBox(bx, by, bx + bw, by + bh, w, h);
      if (!c) {
        bad(ann, `bbox [${raw.map(num).join(', ')}] lies outside the ${w}×${h} image: skipped`);
        continue;
      }
      [bx, by, bw, bh] = [c[0], c[1], c[2] - c[0], c[3] - c[1]];
      bad(ann, `bbox [${raw.map(num).join(', ')}] extends past the ${w}×${h} image: clipped to [${[bx, by, bw, bh].map(num).join(', ')}]`);
    }
    const box = [cls, (bx + bw / 2) / w, (by + bh / 2) / h, bw / w, bh / h];
    const twin = kept.find((k) => k.box.every((v, i) => v === box[i]));
    if (twin) {
      bad(ann, `same class and box as annotation ${String(twin.annId ?? '?')}: skipped as a duplicate`);
      continue;
    }
    let line = gLine(box);
    if (o.segments) {
      const poly = polygonOf(ann, w, h);
      if (typeof poly === 'string') bad(ann, poly);
      else {
        const { xy, clipped } = clipNormalized(poly);
        if (clipped) bad(ann, `the polygon extends past the ${w}×${h} image: its points are clipped to it`);
        line = gLine([cls, ...xy]);
      }
    }
    kept.push({ box, annId: ann.id, line });
  }
  return kept.map((k) => k.line);
}

/**
 * Converts a COCO instances JSON file (or every `*.json` in a folder, sorted) to YOLO label files as JSON2YOLO's
 * convert_coco_json does; problems are reported, never dropped silently. The output folder is not emptied first
 * (the reference deletes it): existing files are replaced one by one, each atomically.
 */
export function convertCoco(input: string, o: CocoConvertOptions): ConvertResult {
  let jsonFiles: string[];
  let isDir: boolean;
  try {
    isDir = statSync(input).isDirectory();
  } catch (err) {
    throw new Error(`${input}: ${readFailure(err)}`);
  }
  if (isDir) {
    jsonFiles = readdirSync(input)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(input, f));
    if (jsonFiles.length === 0) throw new Error(`no .json files in ${resolve(input)}`);
  } else jsonFiles = [input];
  const log = new ConvertLog('coco', o.out, o.onProblem);
  for (const f of jsonFiles) convertFile(f, o, log);
  return log.result;
}
