// ImageNet-style folders as v7.0's ClassificationDataset (torchvision ImageFolder) reads them: classes are the
// sub-folders of a split in sorted order, samples every image under each (recursively, sorted), labelled by folder.
// Bad layouts are refused with the path: no split folder, a class folder without images, a detection dataset.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { compareCodePoints } from '../data/image-files.ts';

/** torchvision's IMG_EXTENSIONS (what ImageFolder admits), lower-case. */
export const CLASSIFY_IMG_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];

/** One split (train/val/test) of a folder dataset. */
export interface ClassFolderSplit {
  /** The split's folder. */
  root: string;
  /** Class names: the sub-folders, sorted. */
  classes: string[];
  /** (file, class index) in ImageFolder's order. */
  samples: Array<[file: string, label: number]>;
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function walkImages(dir: string, out: string[]): void {
  const entries = readdirSync(dir).sort(compareCodePoints);
  for (const name of entries) {
    const p = join(dir, name);
    if (isDir(p)) walkImages(p, out);
    else if (CLASSIFY_IMG_EXTENSIONS.includes(extname(name).toLowerCase())) out.push(p);
  }
}

/** Reads a split folder: `<root>/<class>/**.jpg`. Errors name the folder at fault. */
export function readClassFolders(root: string): ClassFolderSplit {
  const dir = resolve(root);
  if (!isDir(dir)) throw new Error(`${dir}: no such folder (a classification split holds one folder per class: ${join(dir, '<class>', '*.jpg')})`);
  const classes = readdirSync(dir).filter((n) => isDir(join(dir, n))).sort(compareCodePoints);
  if (classes.length === 0) {
    const detection = ['images', 'labels'].every((n) => isDir(join(dir, '..', n)) || isDir(join(dir, n)));
    throw new Error(`${dir}: no class folders${detection ? ' (this looks like a YOLO detection dataset with images/ and labels/; classification needs train/<class>/*.jpg)' : ` (expected ${join(dir, '<class>', '*.jpg')})`}`);
  }
  const samples: Array<[string, number]> = [];
  classes.forEach((c, i) => {
    const files: string[] = [];
    walkImages(join(dir, c), files);
    if (files.length === 0) throw new Error(`${join(dir, c)}: class folder '${c}' has no images (${CLASSIFY_IMG_EXTENSIONS.join(', ')})`);
    for (const f of files) samples.push([f, i]);
  });
  return { root: dir, classes, samples };
}

/** A dataset folder's splits as classify/train.py picks them: `train`, and `test` when it exists, else `val`. */
export function resolveClassifyData(data: string): { dir: string; train: string; test: string; testName: string } {
  const dir = resolve(data);
  if (/\.ya?ml$/i.test(data)) throw new Error(`${data}: a dataset YAML is a detection dataset; classification takes a folder with train/<class>/*.jpg and val/<class>/*.jpg`);
  if (!existsSync(dir)) throw new Error(`${dir}: dataset folder not found (expected train/<class>/*.jpg and val/<class>/*.jpg under it)`);
  if (!isDir(dir)) throw new Error(`${dir}: not a folder (classification takes a folder with train/ and val/)`);
  const train = join(dir, 'train');
  if (!isDir(train)) {
    const detection = isDir(join(dir, 'images')) || isDir(join(dir, 'labels'));
    throw new Error(`${train}: no train folder${detection ? ' (this looks like a YOLO detection dataset with images/ and labels/; classification needs train/<class>/*.jpg)' : ' (expected train/<class>/*.jpg and val/<class>/*.jpg)'}`);
  }
  const testName = isDir(join(dir, 'test')) ? 'test' : 'val';
  return { dir, train, test: join(dir, testName), testName };
}

/** The split val.py reads from a dataset folder: `test` when it exists, else `val`. */
export function resolveTestSplit(data: string): string {
  const dir = resolve(data);
  if (!isDir(dir)) throw new Error(`${dir}: dataset folder not found (expected val/<class>/*.jpg under it)`);
  return isDir(join(dir, 'test')) ? join(dir, 'test') : join(dir, 'val');
}
