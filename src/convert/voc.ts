// `tsyolo convert voc`: Pascal VOC XML → YOLO label files, as convert_label in YOLOv5 v7.0's data/VOC.yaml download
// script writes them: one `<xml stem>.txt` per XML (empty when no object is kept), lines `class cx cy w h` with each
// value as Python's str() prints it, centre = (min + max) / 2 − 1 (VOC pixels are 1-based), scaled by 1/width and
// 1/height; objects marked difficult and classes outside the list left out. Where the script would crash or write a
// label YOLOv5 rejects (no size, unknown class, zero-size or out-of-image boxes), this reports the problem instead.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { pyFloatRepr, pyStr } from '../compat/python.ts';
import { readFailure } from '../io/atomic-write.ts';
import { boxOutside, clipBox, num } from './geometry.ts';
import { ConvertLog, type ConvertProblem, type ConvertResult } from './report.ts';
import { type XmlElement, parseXml, xmlChild, xmlIter } from './xml.ts';

/** The 20 classes of YOLOv5 v7.0's data/VOC.yaml, in its order (the default class list). */
export const VOC_NAMES: readonly string[] = [
  'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow',
  'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor',
];

/** Options of {@link convertVoc}. */
export interface VocConvertOptions {
  /** Output folder for the label files; default: `labels` beside the annotation folder. */
  out?: string;
  /** Class list (default {@link VOC_NAMES}); objects of other classes are reported and skipped. */
  names?: readonly string[];
  /** Called with each problem as it is found. */
  onProblem?: (p: ConvertProblem) => void;
}

/** The XML folder of `dir`: its `Annotations` sub-folder when it has one (a VOC year folder), else itself. */
export function vocAnnotationFolder(dir: string): string {
  const ann = join(dir, 'Annotations');
  return existsSync(ann) && statSync(ann).isDirectory() ? ann : dir;
}

function xmlFiles(dir: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (resolve(p) !== skip) walk(p);
      } else if (e.name.toLowerCase().endsWith('.xml')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Python's int() of an element's text (surrounding whitespace allowed), or NaN. */
function pyInt(text: string | undefined): number {
  const t = (text ?? '').trim().replace(/_/g, '');
  return /^[-+]?\d+$/.test(t) ? Number(t) : NaN;
}

/** Python's float() of an element's text, or NaN for text it refuses (and for nan/inf, refused here). */
function pyFloat(text: string | undefined): number {
  const t = (text ?? '').trim();
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) ? Number(t) : NaN;
}

function convertXml(xmlPath: string, rel: string, labelPath: string, names: readonly string[], imageDir: string | null, log: ConvertLog): void {
  let root: XmlElement;
  try {
    root = parseXml(readFileSync(xmlPath, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    log.problem(rel, `${code ? readFailure(err) : `not valid XML (${(err as Error).message})`}: no label file written`);
    return;
  }
  const size = xmlChild(root, 'size');
  const w = pyInt(size && xmlChild(size, 'width')?.text);
  const h = pyInt(size && xmlChild(size, 'height')?.text);
  if (!(w > 0) || !(h > 0)) {
    const got = size ? `${xmlChild(size, 'width')?.text?.trim() ?? '?'}×${xmlChild(size, 'height')?.text?.trim() ?? '?'}` : 'no <size>';
    log.problem(rel, `image size ${got} is not a positive whole width×height: no label file written`);
    return;
  }
  log.result.inputs++;
  if (imageDir) {
    const fileName = xmlChild(root, 'filename')?.text.trim();
    const candidates = [fileName, `${basename(xmlPath).replace(/\.xml$/i, '')}.jpg`].filter((f): f is string => !!f);
    if (!candidates.some((f) => existsSync(join(imageDir, f)))) log.problem(rel, `image ${candidates[0]} not found in ${imageDir} (labels written anyway)`);
  }
  const dw = 1 / w;
  const dh = 1 / h;
  const lines: string[] = [];
  xmlIter(root, 'object').forEach((obj, k) => {
    const cls = xmlChild(obj, 'name')?.text.trim() ?? '';
    const what = `object ${k + 1} '${cls}'`;
    const id = names.indexOf(cls);
    if (id < 0) {
      log.problem(rel, `${what}: ${cls === '' ? 'no <name>' : 'class not in the class list'}: skipped`);
      return;
    }
    const difficultText = xmlChild(obj, 'difficult')?.text;
    if (difficultText !== undefined && difficultText.trim() !== '') {
      const difficult = pyInt(difficultText);
      if (Number.isNaN(difficult)) {
        log.problem(rel, `${what}: <difficult> '${difficultText.trim()}' is not a whole number: skipped`);
        return;
      }
      if (difficult === 1) {
        log.skip('difficult');
        return;
      }
    }
    const bnd = xmlChild(obj, 'bndbox');
    const b = ['xmin', 'xmax', 'ymin', 'ymax'].map((t) => pyFloat(bnd && xmlChild(bnd, t)?.text));
    if (!bnd || b.some((v) => Number.isNaN(v))) {
      log.problem(rel, `${what}: <bndbox> lacks a number for one of xmin, ymin, xmax, ymax: skipped`);
      return;
    }
    let [x1, x2, y1, y2] = b as [number, number, number, number];
    const given = `(xmin ${num(x1)}, ymin ${num(y1)}, xmax ${num(x2)}, ymax ${num(y2)})`;
    if (x2 - x1 <= 0 || y2 - y1 <= 0) {
      log.problem(rel, `${what}: box ${given} has zero or negative size: skipped`);
      return;
    }
    let values: number[];
    // the script's corners in 0-based pixels are (min - 1, max - 1)
    if (boxOutside(x1 - 1, y1 - 1, x2 - 1, y2 - 1, w, h)) {
      const c = clipBox(x1 - 1, y1 - 1, x2 - 1, y2 - 1, w, h);
      if (!c) {
        log.problem(rel, `${what}: box ${given} lies outside the ${w}×${h} image: skipped`);
        return;
      }
      log.problem(rel, `${what}: box ${given} extends past the ${w}×${h} image (VOC pixels are 1-based): clipped`);
      [x1, y1, x2, y2] = c;
      values = [((x1 + x2) / 2.0) * dw, ((y1 + y2) / 2.0) * dh, (x2 - x1) * dw, (y2 - y1) * dh];
    } else {
      values = [((x1 + x2) / 2.0 - 1) * dw, ((y1 + y2) / 2.0 - 1) * dh, (x2 - x1) * dw, (y2 - y1) * dh];
    }
    lines.push([pyStr(id), ...values.map(pyFloatRepr)].join(' '));
  });
  log.writeLabels(labelPath, lines, lines.map((l) => `${l}\n`).join(''));
}

/**
 * Converts the Pascal VOC XMLs under `dir` (or `dir/Annotations`), sub-folders included, to YOLO label files as
 * YOLOv5 v7.0's VOC.yaml convert_label does, one per XML at the same relative path; problems are reported, never
 * dropped silently. When a `JPEGImages` folder sits beside the XML folder, each XML's image is looked for there.
 */
export function convertVoc(dir: string, o: VocConvertOptions = {}): ConvertResult {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a folder`);
  const annDir = vocAnnotationFolder(dir);
  const out = o.out || join(dirname(resolve(annDir)), 'labels');
  const names = o.names ?? VOC_NAMES;
  const images = join(dirname(resolve(annDir)), 'JPEGImages');
  const imageDir = existsSync(images) ? images : null;
  const files = xmlFiles(annDir, resolve(out));
  if (files.length === 0) throw new Error(`no .xml files in ${resolve(annDir)}`);
  const log = new ConvertLog('voc', out, o.onProblem);
  for (const f of files) {
    const rel = relative(annDir, f);
    convertXml(f, rel, join(out, rel.replace(/\.xml$/i, '.txt')), names, imageDir, log);
  }
  return log.result;
}
