import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareCodePoints, IMG_FORMATS, img2labelPath, listImageFiles } from '../../src/data/image-files.ts';

function touch(root: string, ...rel: string[]): void {
  for (const r of rel) {
    mkdirSync(join(root, r, '..'), { recursive: true });
    writeFileSync(join(root, r), 'x');
  }
}

test('IMG_FORMATS is YOLOv5’s list', () => {
  assert.deepEqual([...IMG_FORMATS], ['bmp', 'dng', 'jpeg', 'jpg', 'mpo', 'png', 'tif', 'tiff', 'webp', 'pfm']);
});

test('img2labelPath: last /images/ → /labels/, extension → .txt', () => {
  assert.equal(img2labelPath('/d/images/train/a.jpg'), '/d/labels/train/a.txt');
  assert.equal(img2labelPath('/images/d/images/train/b.PNG'), '/images/d/labels/train/b.txt');
  assert.equal(img2labelPath('/d/images/x.y.jpeg'), '/d/labels/x.y.txt');
  // no /images/ folder: the label sits next to the image
  assert.equal(img2labelPath('/d/pics/c.jpg'), '/d/pics/c.txt');
  // "images" must be a whole folder name
  assert.equal(img2labelPath('/d/myimages/c.jpg'), '/d/myimages/c.txt');
});

test('folders are searched recursively; non-images and hidden entries skipped; sorted like Python', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsyolo-files-'));
  touch(root, 'images/b.jpg', 'images/B.png', 'images/10.jpg', 'images/2.JPG', 'images/sub/deep/c.webp');
  touch(root, 'images/notes.txt', 'images/clip.mp4', 'images/.hidden.jpg', 'images/.cache/d.jpg', 'images/noext');
  const files = listImageFiles([join(root, 'images')]);
  assert.deepEqual(
    files.map((f) => f.slice(root.length + 1)),
    // code-point order: digits < upper case < lower case; "10" before "2"
    ['images/10.jpg', 'images/2.JPG', 'images/B.png', 'images/b.jpg', 'images/sub/deep/c.webp'],
  );
});

test('txt lists: ./ lines relative to the list, absolute lines kept, blank lines ignored, duplicates merged', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsyolo-files-'));
  touch(root, 'set/images/a.jpg', 'set/images/b.jpg', 'other/z.png');
  writeFileSync(
    join(root, 'set/train.txt'),
    `./images/b.jpg\n\n./images/a.jpg\r\n${join(root, 'other/z.png')}\n./images/a.jpg\n./images/readme.md\n`,
  );
  const files = listImageFiles([join(root, 'set/train.txt'), join(root, 'set/images/a.jpg')]);
  assert.deepEqual(files, [join(root, 'other/z.png'), join(root, 'set/images/a.jpg'), join(root, 'set/images/b.jpg')]);
});

test('globs: * within a folder, ** across folders, ? and [..] classes', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsyolo-files-'));
  touch(root, 'g/a1.jpg', 'g/a2.png', 'g/b1.jpg', 'g/x/a3.jpg', 'g/x/y/a4.jpg');
  const rel = (fs: string[]): string[] => fs.map((f) => f.slice(root.length + 1));
  assert.deepEqual(rel(listImageFiles([join(root, 'g/*.jpg')])), ['g/a1.jpg', 'g/b1.jpg']);
  assert.deepEqual(rel(listImageFiles([join(root, 'g/**/a*.jpg')])), ['g/a1.jpg', 'g/x/a3.jpg', 'g/x/y/a4.jpg']);
  assert.deepEqual(rel(listImageFiles([join(root, 'g/a?.*')])), ['g/a1.jpg', 'g/a2.png']);
  assert.deepEqual(rel(listImageFiles([join(root, 'g/[!a]1.jpg')])), ['g/b1.jpg']);
  assert.deepEqual(listImageFiles([join(root, 'g/*.tif')]), []);
});

test('a source that does not exist is an Error naming it', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsyolo-files-'));
  assert.throws(() => listImageFiles([join(root, 'nope')]), new RegExp(`${join(root, 'nope')} does not exist`));
});

test('compareCodePoints orders astral characters by code point, unlike UTF-16 sort', () => {
  const a = '\u{1F600}.jpg'; // surrogate pair, code point 0x1F600
  const b = '\uFF21.jpg'; // code point 0xFF21
  assert.ok(compareCodePoints(b, a) < 0);
  assert.ok([a, b].sort()[0] === a); // the default sort gets it the other way round
  assert.equal(compareCodePoints('ab', 'ab'), 0);
  assert.ok(compareCodePoints('ab', 'abc') < 0);
});
