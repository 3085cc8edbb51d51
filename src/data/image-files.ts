// Listing a dataset's image files the way YOLOv5's LoadImagesAndLabels does, and the images/ → labels/ rule
// that finds each image's label file.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';

/** YOLOv5's IMG_FORMATS (extensions, lower case, no dot). */
export const IMG_FORMATS: readonly string[] = ['bmp', 'dng', 'jpeg', 'jpg', 'mpo', 'png', 'tif', 'tiff', 'webp', 'pfm'];

const IMG_FORMAT_SET = new Set(IMG_FORMATS);

/** YOLOv5's VID_FORMATS: what detect reads as video (through ffmpeg). */
export const VID_FORMATS: readonly string[] = ['asf', 'avi', 'gif', 'm4v', 'mkv', 'mov', 'mp4', 'mpeg', 'mpg', 'ts', 'wmv'];

const VID_FORMAT_SET = new Set(VID_FORMATS);

/** True when the file name's extension (any case) is one of VID_FORMATS. */
export function hasVideoExtension(path: string): boolean {
  return VID_FORMAT_SET.has(extname(path).slice(1).toLowerCase());
}

/** True when the file name's extension (any case) is one of IMG_FORMATS. */
export function hasImageExtension(path: string): boolean {
  return IMG_FORMAT_SET.has(extname(path).slice(1).toLowerCase());
}

/** Python's sorted() order for str: by code point (JS's default sort compares UTF-16 units instead). */
export function compareCodePoints(a: string, b: string): number {
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done || cb.done) return ca.done && cb.done ? 0 : ca.done ? -1 : 1;
    const d = ca.value.codePointAt(0)! - cb.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** True when the path holds glob syntax: *, ? or [...]. */
export function isGlobPattern(path: string): boolean {
  return /[*?[]/.test(path);
}

/**
 * The label path of an image: the last `/images/` becomes `/labels/` and the extension becomes `.txt`
 * (YOLOv5's img2label_paths). Without an `/images/` folder the label sits next to the image.
 */
export function img2labelPath(imagePath: string): string {
  const imagesDir = `${sep}images${sep}`;
  const labelsDir = `${sep}labels${sep}`;
  const at = imagePath.lastIndexOf(imagesDir);
  const swapped = at < 0 ? imagePath : imagePath.slice(0, at) + labelsDir + imagePath.slice(at + imagesDir.length);
  const dot = swapped.lastIndexOf('.');
  return (dot < 0 ? swapped : swapped.slice(0, dot)) + '.txt';
}

/** Files under `dir`, recursively, skipping hidden entries as Python's glob('**\/*.*') does. */
function walkFiles(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      // glob follows links; a dangling one is simply not listed
      try {
        const st = statSync(full);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch {
        continue;
      }
    }
    if (isDir) walkFiles(full, out);
    else if (isFile) out.push(full);
  }
}

/** Regex for a glob over '/'-separated paths: `**` spans folders, `*` and `?` stay within one, `[!x]` negates. */
function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slashAfter = pattern[i + 2] === '/';
        re += slashAfter ? '(?:[^/]*/)*' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
      } else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else {
      re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
  }
  return new RegExp('^' + re + '$');
}

/** Files matching a glob pattern (absolute or relative to the working directory). */
function globFiles(pattern: string): string[] {
  const absolute = resolve(pattern).split(sep).join('/');
  const parts = absolute.split('/');
  const firstMagic = parts.findIndex((p) => isGlobPattern(p));
  const base = parts.slice(0, firstMagic).join('/') || '/';
  const matcher = globToRegExp(absolute);
  let candidates: string[] = [];
  try {
    if (statSync(base).isDirectory()) walkFiles(base, candidates);
  } catch {
    candidates = [];
  }
  return candidates.filter((f) => matcher.test(f.split(sep).join('/')));
}

/**
 * Image paths listed by a `.txt` file, one per line. As in YOLOv5, a line starting with `./` is relative to the
 * txt file's folder; other relative lines are relative to the working directory.
 */
function readImageList(listPath: string): string[] {
  const parent = dirname(listPath);
  return readFileSync(listPath, 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => (line.startsWith('./') ? join(parent, line.slice(2)) : isAbsolute(line) ? line : resolve(line)));
}

/**
 * All image files named by `sources`: folders (searched recursively), `.txt` lists of images, globs, or single
 * image files. Only IMG_FORMATS extensions are kept; the result is absolute, de-duplicated and sorted like
 * Python's sorted(). A source that does not exist (and is not a glob) is an Error naming it.
 */
export function listImageFiles(sources: string[]): string[] {
  return listFiles(sources, hasImageExtension);
}

/** Video files named by `sources`, found as listImageFiles finds images (VID_FORMATS extensions). */
export function listVideoFiles(sources: string[]): string[] {
  return listFiles(sources, hasVideoExtension);
}

function listFiles(sources: string[], keep: (path: string) => boolean): string[] {
  const found: string[] = [];
  for (const source of sources) {
    const p = resolve(source);
    let stat;
    try {
      stat = statSync(p);
    } catch {
      if (isGlobPattern(source)) {
        found.push(...globFiles(source));
        continue;
      }
      throw new Error(`${source} does not exist`);
    }
    if (stat.isDirectory()) walkFiles(p, found);
    else if (hasImageExtension(p) || hasVideoExtension(p)) found.push(p);
    else found.push(...readImageList(p)); // YOLOv5 reads any other file as a list of images
  }
  const kept = found.filter(keep).map((f) => resolve(f));
  return [...new Set(kept)].sort(compareCodePoints);
}
