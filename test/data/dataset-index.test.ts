import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { buildDatasetIndex } from '../../src/data/dataset-index.ts';

async function png(file: string, w: number, h: number): Promise<void> {
  mkdirSync(join(file, '..'), { recursive: true });
  await sharp({ create: { width: w, height: h, channels: 3, background: { r: 10, g: 200, b: 30 } } }).png().toFile(file);
}

function txt(file: string, text: string): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
}

/**
 * images/train: a.png (2 boxes), b.png (1 box, 1 duplicate row), c.png (no label file), d.png (empty label),
 * e.jpg (zero bytes), f.png (label with 4 columns), g.png 40×16 (class 7 ≥ nc 5).
 */
async function makeDataset(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'tsyolo-index-'));
  const im = (n: string): string => join(root, 'images/train', n);
  const lb = (n: string): string => join(root, 'labels/train', n);
  await png(im('a.png'), 20, 30);
  txt(lb('a.txt'), '0 0.5 0.5 0.5 0.5\n1 0.2 0.2 0.1 0.1\n');
  await png(im('b.png'), 64, 48);
  txt(lb('b.txt'), '2 0.5 0.5 0.5 0.5\n2 0.5 0.5 0.5 0.5\n');
  await png(im('c.png'), 12, 12);
  await png(im('d.png'), 12, 12);
  txt(lb('d.txt'), '');
  writeFileSync(im('e.jpg'), '');
  txt(lb('e.txt'), '0 0.5 0.5 0.5 0.5\n');
  await png(im('f.png'), 12, 12);
  txt(lb('f.txt'), '0 0.5 0.5 0.5\n');
  await png(im('g.png'), 40, 16);
  txt(lb('g.txt'), '7 0.5 0.5 0.5 0.5\n');
  return root;
}

test('counts, warnings, summary and the kept pairs, as YOLOv5 reports them', async () => {
  const root = await makeDataset();
  const lines: string[] = [];
  const idx = await buildDatasetIndex([join(root, 'images/train')], { nc: 5, prefix: 'train: ', log: (l) => lines.push(l) });
  // YOLOv5 counts a label file as found even when it is empty or corrupt: a, b, d, f, g; e's image fails first.
  assert.deepEqual(idx.counts, { found: 5, missing: 1, empty: 1, corrupt: 3, duplicates: 1 });
  const cache = join(root, 'labels/train.cache');
  assert.equal(
    idx.summary,
    `train: Scanning '${cache}' images and labels... 5 found, 1 missing, 1 empty, 3 corrupt\n` +
      'train: 4 images, 2 backgrounds, 3 corrupt',
  );
  assert.deepEqual(idx.imFiles, ['a.png', 'b.png', 'c.png', 'd.png'].map((n) => join(root, 'images/train', n)));
  assert.deepEqual(idx.labelFiles, ['a.txt', 'b.txt', 'c.txt', 'd.txt'].map((n) => join(root, 'labels/train', n)));
  assert.deepEqual(idx.shapes, [[20, 30], [64, 48], [12, 12], [12, 12]]);
  assert.deepEqual(idx.labels.map((l) => Array.from(l)), [
    [0, 0.5, 0.5, 0.5, 0.5, 1, 0.2, 0.2, 0.1, 0.1].map(Math.fround),
    [2, 0.5, 0.5, 0.5, 0.5],
    [],
    [],
  ]);
  assert.ok(idx.labels.every((l) => l instanceof Float32Array));
  const warnings = lines.filter((l) => l.includes('WARNING'));
  assert.deepEqual(warnings.sort(), [
    `train: WARNING ⚠️ ${join(root, 'images/train/b.png')}: 1 duplicate labels removed`,
    `train: WARNING ⚠️ ${join(root, 'images/train/e.jpg')}: ignoring corrupt image/label: empty file (0 bytes)`,
    `train: WARNING ⚠️ ${join(root, 'images/train/f.png')}: ignoring corrupt image/label: labels require 5 columns, 4 columns detected`,
    `train: WARNING ⚠️ ${join(root, 'images/train/g.png')}: ignoring corrupt image/label: Label class 7 exceeds nc=5. Possible class labels are 0-4`,
  ]);
  assert.ok(lines.includes(idx.summary));
  assert.ok(existsSync(cache));
});

test('the cache is reused while paths and sizes match, and rebuilt when a file changes size', async () => {
  const root = await makeDataset();
  const src = [join(root, 'images/train')];
  const quiet = { nc: 5, log: () => {} };
  const first = await buildDatasetIndex(src, quiet);
  const cache = join(root, 'labels/train.cache');
  const cacheTime = statSync(cache).mtimeMs;

  // Replace a.png by garbage of the same size and mtime: a reused cache cannot notice, so a.png stays good.
  const a = join(root, 'images/train/a.png');
  const st = statSync(a);
  writeFileSync(a, Buffer.alloc(st.size, 0x41));
  utimesSync(a, st.atime, st.mtime);
  const reused = await buildDatasetIndex(src, quiet);
  assert.deepEqual(reused.counts, first.counts);
  assert.deepEqual(reused.imFiles, first.imFiles);
  assert.deepEqual(reused.labels, first.labels);
  assert.deepEqual(reused.shapes, first.shapes);
  assert.equal(statSync(cache).mtimeMs, cacheTime);

  // A label file that changes size invalidates the cache: everything is verified again (a.png now corrupt).
  txt(join(root, 'labels/train/c.txt'), '4 0.5 0.5 0.9 0.9\n');
  const rebuilt = await buildDatasetIndex(src, quiet);
  // a.png's label is not counted as found: YOLOv5 checks the image first
  assert.deepEqual(rebuilt.counts, { found: 5, missing: 0, empty: 1, corrupt: 4, duplicates: 1 });
  assert.deepEqual(rebuilt.imFiles.map((f) => f.slice(-5)), ['b.png', 'c.png', 'd.png']);
  assert.deepEqual(Array.from(rebuilt.labels[1]!), [4, 0.5, 0.5, 0.9, 0.9].map(Math.fround));

  // A different class count is a different verification: class 7 passes without nc.
  const noNc = await buildDatasetIndex(src, { log: () => {} });
  assert.equal(noNc.counts.corrupt, 3);

  // A corrupt cache file is simply rebuilt.
  writeFileSync(cache, '{not json');
  const again = await buildDatasetIndex(src, quiet);
  assert.deepEqual(again.counts, rebuilt.counts);
  assert.doesNotThrow(() => JSON.parse(readFileSync(cache, 'utf8')));
});

test('a cache that cannot be written is a warning, not a failure', async () => {
  const root = await makeDataset();
  mkdirSync(join(root, 'labels/train.cache')); // a folder where the cache file should go
  const lines: string[] = [];
  const idx = await buildDatasetIndex([join(root, 'images/train')], { nc: 5, log: (l) => lines.push(l) });
  assert.equal(idx.imFiles.length, 4);
  assert.ok(lines.some((l) => l.startsWith(`WARNING ⚠️ Cache directory ${join(root, 'labels')} is not writeable`)), lines.join('\n'));
});

test('no labels folder at all: all backgrounds with a warning; an Error when labels are required', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tsyolo-index-'));
  await png(join(root, 'images/val/x.png'), 16, 16);
  await png(join(root, 'images/val/y.png'), 16, 16);
  const lines: string[] = [];
  const idx = await buildDatasetIndex([join(root, 'images/val')], { log: (l) => lines.push(l) });
  assert.deepEqual(idx.counts, { found: 0, missing: 2, empty: 0, corrupt: 0, duplicates: 0 });
  assert.ok(idx.summary.endsWith('2 images, 2 backgrounds, 0 corrupt'));
  assert.ok(lines.some((l) => l.startsWith(`WARNING ⚠️ No labels found in ${join(root, 'labels/val.cache')}`)));
  await assert.rejects(
    buildDatasetIndex([join(root, 'images/val')], { log: () => {}, requireLabels: true }),
    new RegExp(`No labels found in ${join(root, 'labels/val.cache')}, can not start training`),
  );
  // label files that are all empty: fine for validation, refused for training
  txt(join(root, 'labels/val/x.txt'), '');
  txt(join(root, 'labels/val/y.txt'), '\n');
  const empty = await buildDatasetIndex([join(root, 'images/val')], { log: () => {} });
  assert.equal(empty.counts.empty, 2);
  await assert.rejects(buildDatasetIndex([join(root, 'images/val')], { log: () => {}, requireLabels: true }), /All labels empty in .*val\.cache/);
});

test('no images, or only corrupt ones → Error naming the sources', async () => {
  const root = mkdtempSync(join(tmpdir(), 'tsyolo-index-'));
  mkdirSync(join(root, 'images/empty'), { recursive: true });
  await assert.rejects(buildDatasetIndex([join(root, 'images/empty')], { log: () => {} }), new RegExp(`No images found in ${join(root, 'images/empty')}`));
  await assert.rejects(buildDatasetIndex([join(root, 'nope')], { log: () => {} }), new RegExp(`Error loading data from ${join(root, 'nope')}: .*does not exist`));
  writeFileSync(join(root, 'images/empty/bad.jpg'), 'junk');
  await assert.rejects(buildDatasetIndex([join(root, 'images/empty')], { log: () => {} }), /No usable images in .*images\/empty: all 1 are corrupt/);
});
