// `tsyolo convert labelme`: labelme JSON → YOLO labels, in the output format of ultralytics/JSON2YOLO's
// convert_labelme_json: `labels/<imagePath>.txt` ('..' and absolute paths reduced to the file name, backslashes as
// folders), lines in '%g' — boxes (`class cx cy w h`, a shape's points' bounding box, scaled by imageWidth /
// imageHeight) or with segments polygons (`class x y x y …`, polygon and linestrip shapes of ≥ 3 points; rectangles
// stay boxes); circles as their bounding square; a file only for JSONs with a usable shape; the image copied to
// `images/` when it exists; and `data.yaml`. Differences from the reference (docs/convert.md): classes are the
// `--names` list or every label found, sorted (the reference numbers them in order of first appearance), mask
// shapes are reported and skipped (the reference decodes them with OpenCV), and out-of-image points are clipped.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { readFailure } from '../io/atomic-write.ts';
import { boxOutside, clipBox, gLine } from './geometry.ts';
import { namesYamlBlock, pyYamlScalar } from './names.ts';
import { ConvertLog, type ConvertProblem, type ConvertResult } from './report.ts';

/** Options of {@link convertLabelme}. */
export interface LabelmeConvertOptions {
  /** Output folder (labels/, images/, data.yaml); default: `<dir>_yolo` beside the input folder. */
  out?: string;
  /** Class list; default: every label in the input files, sorted. Shapes with other labels are reported and skipped. */
  names?: readonly string[];
  /** Polygon and linestrip shapes as polygons (`class x y x y …`) instead of boxes. */
  segments?: boolean;
  /** Called with each problem as it is found. */
  onProblem?: (p: ConvertProblem) => void;
}

type Json = Record<string, unknown>;
type Pt = [number, number];

/** Every `*.json` under `dir`, sorted as Python sorts the Path objects (part by part). */
function jsonFiles(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (resolve(p) !== skip) walk(p);
      } else if (e.name.endsWith('.json')) out.push(p);
    }
  };
  walk(dir);
  const parts = (p: string) => relative(dir, p).split(/[\\/]/);
  return out.sort((a, b) => {
    const pa = parts(a);
    const pb = parts(b);
    for (let k = 0; k < Math.min(pa.length, pb.length); k++) if (pa[k] !== pb[k]) return pa[k]! < pb[k]! ? -1 : 1;
    return pa.length - pb.length;
  });
}

/** JSON2YOLO's safe_relative_path: the image path as a relative path inside the output folder. */
function safeRelativePath(imagePath: string, fallback: string): string {
  const raw = (imagePath || fallback).replace(/\\/g, '/');
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  if (raw.startsWith('/') || parts.includes('..')) {
    const name = parts.at(-1);
    return name && name !== '..' ? name : fallback;
  }
  return parts.length ? parts.join('/') : fallback;
}

/** Python's Path(p).with_suffix(s) for a '/'-separated relative path. */
function withSuffix(path: string, suffix: string): string {
  const slash = path.lastIndexOf('/');
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 && dot < name.length - 1 ? name.slice(0, dot) : name;
  return `${path.slice(0, slash + 1)}${stem}${suffix}`;
}

interface ParsedFile {
  path: string;
  rel: string;
  data: Json;
  width: number;
  height: number;
}

function readLabelme(path: string, rel: string, log: ConvertLog): ParsedFile | null {
  let data: Json;
  try {
    data = JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (err) {
    log.problem(rel, `${err instanceof SyntaxError ? `not valid JSON (${err.message})` : readFailure(err)}: skipped`);
    return null;
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    log.problem(rel, 'not a labelme file (no JSON object): skipped');
    return null;
  }
  const { imageWidth: width, imageHeight: height } = data;
  if (typeof width !== 'number' || typeof height !== 'number' || !(width > 0) || !(height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) {
    log.problem(rel, `imageWidth/imageHeight ${String(width)}×${String(height)} missing or not positive: skipped`);
    return null;
  }
  if (data.shapes !== undefined && !Array.isArray(data.shapes)) {
    log.problem(rel, "'shapes' is not a list: skipped");
    return null;
  }
  return { path, rel, data, width, height };
}

/** A shape's points as JSON2YOLO's labelme_points gives them (a circle as its bounding square's corners), or why not. */
function shapePoints(shape: Json): Pt[] | string {
  const raw = shape.points ?? [];
  if (!Array.isArray(raw) || !raw.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
    return 'points are not a list of [x, y] numbers';
  }
  const points = raw as Pt[];
  if (shape.shape_type === 'mask') return 'mask shapes are not converted (the reference decodes the mask with OpenCV)';
  if (shape.shape_type === 'circle' && points.length >= 2) {
    const [c, e] = points as [Pt, Pt];
    const dx = e[0] - c[0];
    const dy = e[1] - c[1];
    const r = Math.sqrt(dx * dx + dy * dy);
    return [
      [c[0] - r, c[1] - r],
      [c[0] + r, c[1] + r],
    ];
  }
  return points;
}

function fileLines(f: ParsedFile, classOf: Map<string, number>, o: LabelmeConvertOptions, log: ConvertLog): string[] {
  const { width: w, height: h } = f;
  const lines: string[] = [];
  ((f.data.shapes ?? []) as Json[]).forEach((shape, k) => {
    const label = shape?.label === undefined ? 'object' : shape.label;
    const kind = shape?.shape_type === undefined ? 'polygon' : String(shape.shape_type);
    const what = `shape ${k + 1} (${kind} '${String(label)}')`;
    if (typeof label !== 'string') {
      log.problem(f.rel, `${what}: label is not a string: skipped`);
      return;
    }
    const cls = classOf.get(label);
    if (cls === undefined) {
      log.problem(f.rel, `${what}: label not in the class list: skipped`);
      return;
    }
    const points = shapePoints(shape);
    if (typeof points === 'string') {
      log.problem(f.rel, `${what}: ${points}: skipped`);
      return;
    }
    if (points.length < 2) {
      log.problem(f.rel, `${what}: ${points.length} point${points.length === 1 ? '' : 's'}, a box needs 2: skipped`);
      return;
    }
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    const x1 = Math.min(...xs);
    const x2 = Math.max(...xs);
    const y1 = Math.min(...ys);
    const y2 = Math.max(...ys);
    const outside = boxOutside(x1, y1, x2, y2, w, h);
    const clipped = outside ? clipBox(x1, y1, x2, y2, w, h) : null;
    if (outside && !clipped) {
      log.problem(f.rel, `${what}: lies outside the ${w}×${h} image: skipped`);
      return;
    }
    if (o.segments && (kind === 'polygon' || kind === 'linestrip') && points.length >= 3) {
      if (outside) log.problem(f.rel, `${what}: points outside the ${w}×${h} image: clipped to it`);
      const clip = (v: number, hi: number) => Math.min(hi, Math.max(0, v));
      const xy = points.flatMap(([x, y]) => (outside ? [clip(x, w) / w, clip(y, h) / h] : [x / w, y / h]));
      lines.push(gLine([cls, ...xy]));
      return;
    }
    let box: [number, number, number, number] = [x1, y1, x2, y2];
    if (clipped) {
      log.problem(f.rel, `${what}: extends past the ${w}×${h} image: clipped`);
      box = clipped;
    }
    const [bx1, by1, bx2, by2] = box;
    const values = [(bx1 + bx2) / 2 / w, (by1 + by2) / 2 / h, (bx2 - bx1) / w, (by2 - by1) / h];
    if (!(values[2]! > 0 && values[3]! > 0)) {
      log.problem(f.rel, `${what}: zero width or height: skipped`);
      return;
    }
    lines.push(gLine([cls, ...values]));
  });
  return lines;
}

/**
 * Converts the labelme JSON files under `dir` (sub-folders included) to a YOLO dataset folder in the format of
 * JSON2YOLO's convert_labelme_json (labels/, images/, data.yaml); problems are reported, never dropped silently.
 */
export function convertLabelme(dir: string, o: LabelmeConvertOptions = {}): ConvertResult {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder`);
  const out = o.out || `${resolve(dir)}_yolo`;
  const files = jsonFiles(dir, resolve(out));
  if (files.length === 0) throw new Error(`no .json files in ${resolve(dir)}`);
  const log = new ConvertLog('labelme', out, o.onProblem);
  const parsed = files.map((p) => readLabelme(p, relative(dir, p), log)).filter((f): f is ParsedFile => f !== null);
  let names: string[];
  if (o.names) names = [...o.names];
  else {
    const found = new Set<string>();
    for (const f of parsed) {
      for (const s of (f.data.shapes ?? []) as Json[]) {
        const label = s?.label === undefined ? 'object' : s.label;
        if (typeof label === 'string') found.add(label);
      }
    }
    names = [...found].sort();
  }
  const classOf = new Map(names.map((n, i) => [n, i]));
  const written = new Map<string, string>();
  for (const f of parsed) {
    log.result.inputs++;
    const stem = basename(f.path).replace(/\.json$/, '');
    const imageName = typeof f.data.imagePath === 'string' && f.data.imagePath ? f.data.imagePath : `${stem}.jpg`;
    const outputName = safeRelativePath(imageName, `${stem}.jpg`);
    const lines = fileLines(f, classOf, o, log);
    if (lines.length) {
      const labelPath = join(out, 'labels', withSuffix(outputName, '.txt'));
      const before = written.get(labelPath);
      if (before) log.problem(f.rel, `writes the same label file as ${before} (${relative(out, labelPath)}): it replaces that one's labels, as in the reference`);
      written.set(labelPath, f.rel);
      log.writeLabels(labelPath, lines, `${lines.join('\n')}\n`);
    }
    const imageRef = imageName.replace(/\\/g, '/');
    const imageFile = isAbsolute(imageRef) ? imageRef : join(dirname(f.path), imageRef);
    if (existsSync(imageFile) && statSync(imageFile).isFile()) log.copyOther(imageFile, join(out, 'images', outputName));
    else log.problem(f.rel, `image ${imageName} not found (${imageFile})${lines.length ? ': labels written, image not copied' : ''}`);
  }
  if (log.result.labelFiles.length === 0) return log.result; // nothing converted: no data.yaml for an empty set
  const yaml = `path: ${pyYamlScalar(resolve(out))}\ntrain: images\nval: images\n${namesYamlBlock(names.map((n, i) => [i, n] as const))}`;
  log.writeOther(join(out, 'data.yaml'), yaml);
  return log.result;
}
