// One image + label file pair checked the way YOLOv5's verify_image_label does: the image must decode and be at
// least 10 px on each side; label rows are `cls cx cy w h` (normalised) or polygon segments `cls x1 y1 x2 y2 ...`.
import { readFile, stat } from 'node:fs/promises';
import { ImageReadError, probeImage } from './image-decode.ts';

export type LabelStatus = 'found' | 'missing' | 'empty' | 'corrupt';

export interface LabelVerification {
  /** n×5 rows (cls, cx, cy, w, h), normalised; empty for backgrounds and corrupt pairs. */
  labels: Float32Array;
  /** Original [width, height] with EXIF orientation applied; [0, 0] when the image is unreadable. */
  shape: [number, number];
  status: LabelStatus;
  /** YOLOv5-style warning line (corrupt pair, duplicate rows removed, repaired JPEG). */
  message?: string;
  /** The label file existed and was read (YOLOv5 counts such files as "found" even when empty or corrupt). */
  labelFound: boolean;
  /** Duplicate rows removed. */
  duplicates: number;
}

/** A problem with the pair; its message is the reason alone, the file goes into the warning line. */
class CorruptPair extends Error {}

/** Decimal numbers as Python's float() reads them (plus nan/inf, which the finiteness check then rejects). */
const NUMBER = /^[+-]?(?:\d+(?:_\d+)*\.?(?:\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+)?$|^[+-]?(?:nan|inf|infinity)$/i;

function parseFloat32(token: string): number {
  if (!NUMBER.test(token)) throw new CorruptPair(`could not convert string to float: '${token}'`);
  const lower = token.toLowerCase().replace(/^[+]/, '');
  if (lower.endsWith('nan')) return NaN;
  if (lower.endsWith('inf') || lower.endsWith('infinity')) return lower.startsWith('-') ? -Infinity : Infinity;
  return Math.fround(Number(token.replace(/_/g, '')));
}

/** Values as numpy prints a float32 array, e.g. [-0.1 1.2]. */
function formatValues(values: number[]): string {
  return '[' + values.map((v) => (Number.isFinite(v) ? String(Number(v.toPrecision(8))) : String(v).toLowerCase().replace('infinity', 'inf'))).join(' ') + ']';
}

/** A polygon row (cls x1 y1 x2 y2 ...) → its bounding box as (cls, cx, cy, w, h), float32 like segments2boxes. */
function segmentToBox(values: number[]): number[] {
  const coords = values.length - 1;
  if (coords % 2 !== 0) throw new CorruptPair(`segment has an odd number of coordinates (${coords})`);
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (let i = 1; i < values.length; i += 2) {
    x1 = Math.min(x1, values[i]!);
    x2 = Math.max(x2, values[i]!);
    y1 = Math.min(y1, values[i + 1]!);
    y2 = Math.max(y2, values[i + 1]!);
  }
  const f = Math.fround;
  return [values[0]!, f(f(x1 + x2) / 2), f(f(y1 + y2) / 2), f(x2 - x1), f(y2 - y1)];
}

/**
 * Label text → n×5 rows. Rows with more than 6 columns are segments turned into boxes. (YOLOv5 converts every
 * row of a file as a segment as soon as one row is; we decide per row so a mixed file keeps its boxes right.)
 */
function parseLabelRows(text: string): number[][] {
  const rows: number[][] = [];
  for (const line of text.trim().split(/\r\n|\r|\n/)) {
    const tokens = line.trim().split(/\s+/).filter((t) => t.length > 0);
    if (tokens.length === 0) continue;
    const values = tokens.map(parseFloat32);
    if (values.length > 6) rows.push(segmentToBox(values));
    else if (values.length === 5) rows.push(values);
    else throw new CorruptPair(`labels require 5 columns, ${values.length} columns detected`);
  }
  return rows;
}

function checkRows(rows: number[][], nc: number | undefined): void {
  const all = rows.flat();
  const nonFinite = all.filter((v) => !Number.isFinite(v));
  if (nonFinite.length) throw new CorruptPair(`non-finite label values ${formatValues(nonFinite)}`);
  const negative = all.filter((v) => v < 0);
  if (negative.length) throw new CorruptPair(`negative label values ${formatValues(negative)}`);
  const outOfBounds = rows.flatMap((r) => r.slice(1).filter((v) => v > 1));
  if (outOfBounds.length) {
    throw new CorruptPair(`non-normalized or out of bounds coordinates ${formatValues(outOfBounds)}`);
  }
  for (const r of rows) {
    const cls = r[0]!;
    if (!Number.isInteger(cls)) throw new CorruptPair(`class ${cls} is not an integer`);
    if (nc !== undefined && cls >= nc) {
      throw new CorruptPair(`Label class ${cls} exceeds nc=${nc}. Possible class labels are 0-${nc - 1}`);
    }
  }
}

function compareRows(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/**
 * Unique rows. Like numpy's unique(axis=0) in YOLOv5, the rows come out sorted when duplicates were dropped;
 * a file without duplicates keeps its order.
 */
function dropDuplicates(rows: number[][]): { rows: number[][]; removed: number } {
  const sorted = [...rows].sort(compareRows);
  const unique = sorted.filter((r, i) => i === 0 || compareRows(r, sorted[i - 1]!) !== 0);
  return unique.length === rows.length ? { rows, removed: 0 } : { rows: unique, removed: rows.length - unique.length };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * Verifies one image/label pair. Never throws for bad data: a bad image or label gives status 'corrupt' with
 * `WARNING ⚠️ <image>: ignoring corrupt image/label: <reason>`. A missing label file is a background
 * ('missing'); a label file without rows is 'empty'. With `nc`, class ids must be below it.
 */
export async function verifyImageLabel(
  imagePath: string,
  labelPath: string,
  nc?: number,
  prefix = '',
): Promise<LabelVerification> {
  let shape: [number, number] = [0, 0];
  let labelFound = false;
  const warnings: string[] = [];
  try {
    let probe;
    try {
      probe = await probeImage(imagePath);
    } catch (e) {
      throw new CorruptPair(e instanceof ImageReadError ? e.reason : (e as Error).message);
    }
    shape = [probe.width, probe.height];
    if (probe.width < 10 || probe.height < 10) {
      throw new CorruptPair(`image size (${probe.width}, ${probe.height}) <10 pixels`);
    }
    if (probe.warning) warnings.push(`${prefix}WARNING ⚠️ ${imagePath}: ${probe.warning}`);

    if (!(await isFile(labelPath))) {
      return { labels: new Float32Array(0), shape, status: 'missing', message: joinWarnings(warnings), labelFound, duplicates: 0 };
    }
    labelFound = true;
    let text: string;
    try {
      text = await readFile(labelPath, 'utf8');
    } catch (e) {
      throw new CorruptPair(`cannot read ${labelPath}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    const rows = parseLabelRows(text);
    if (rows.length === 0) {
      return { labels: new Float32Array(0), shape, status: 'empty', message: joinWarnings(warnings), labelFound, duplicates: 0 };
    }
    checkRows(rows, nc);
    const { rows: unique, removed } = dropDuplicates(rows);
    if (removed) warnings.push(`${prefix}WARNING ⚠️ ${imagePath}: ${removed} duplicate labels removed`);
    return {
      labels: Float32Array.from(unique.flat()),
      shape,
      status: 'found',
      message: joinWarnings(warnings),
      labelFound,
      duplicates: removed,
    };
  } catch (e) {
    const reason = e instanceof CorruptPair ? e.message : `unexpected error: ${(e as Error).message}`;
    return {
      labels: new Float32Array(0),
      shape,
      status: 'corrupt',
      message: `${prefix}WARNING ⚠️ ${imagePath}: ignoring corrupt image/label: ${reason}`,
      labelFound,
      duplicates: 0,
    };
  }
}

function joinWarnings(warnings: string[]): string | undefined {
  return warnings.length ? warnings.join('\n') : undefined;
}
