import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { verifyImageLabel } from '../../src/data/label-verify.ts';

const root = mkdtempSync(join(tmpdir(), 'tsyolo-verify-'));
mkdirSync(join(root, 'images'));
mkdirSync(join(root, 'labels'));

async function image(name: string, w = 32, h = 24): Promise<string> {
  const file = join(root, 'images', name);
  await sharp({ create: { width: w, height: h, channels: 3, background: { r: 90, g: 40, b: 10 } } }).png().toFile(file);
  return file;
}

function label(name: string, text: string): string {
  const file = join(root, 'labels', name);
  writeFileSync(file, text);
  return file;
}

const f32 = (xs: number[]): number[] => xs.map(Math.fround);
const corruptLine = (im: string, reason: string): string => `WARNING ⚠️ ${im}: ignoring corrupt image/label: ${reason}`;

test('a good pair: rows as float32, shape [w, h], status found', async () => {
  const im = await image('good.png', 32, 24);
  const lb = label('good.txt', '0 0.5 0.5 0.25 0.125\n3 0.1 0.9 0.2 0.05\n');
  const v = await verifyImageLabel(im, lb, 4);
  assert.equal(v.status, 'found');
  assert.deepEqual(v.shape, [32, 24]);
  assert.deepEqual(Array.from(v.labels), f32([0, 0.5, 0.5, 0.25, 0.125, 3, 0.1, 0.9, 0.2, 0.05]));
  assert.equal(v.message, undefined);
  assert.equal(v.duplicates, 0);
  assert.equal(v.labelFound, true);
});

test('missing label file → background (missing); empty or blank file → empty', async () => {
  const im = await image('bg.png');
  const missing = await verifyImageLabel(im, join(root, 'labels', 'nothing.txt'));
  assert.equal(missing.status, 'missing');
  assert.equal(missing.labelFound, false);
  assert.equal(missing.labels.length, 0);
  assert.deepEqual(missing.shape, [32, 24]);
  for (const text of ['', '\n  \n\t\n']) {
    const v = await verifyImageLabel(im, label('empty.txt', text));
    assert.equal(v.status, 'empty');
    assert.equal(v.labelFound, true);
    assert.equal(v.labels.length, 0);
  }
});

test('bad images → corrupt with YOLOv5’s warning line naming the file', async () => {
  const lb = label('any.txt', '0 0.5 0.5 0.2 0.2\n');
  const zero = join(root, 'images', 'zero.jpg');
  writeFileSync(zero, '');
  const text = join(root, 'images', 'text.jpg');
  writeFileSync(text, 'not really a jpeg');
  const big = await sharp({ create: { width: 300, height: 200, channels: 3, background: 'black', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    .jpeg()
    .toBuffer();
  const truncated = join(root, 'images', 'truncated.jpg');
  writeFileSync(truncated, big.subarray(0, big.length >> 1));
  const tiny = await image('tiny.png', 9, 30);
  const cases: Array<[string, RegExp]> = [
    [zero, /^empty file \(0 bytes\)$/],
    [text, /^not a readable image: /],
    [truncated, /^cannot decode image: .*premature end/i],
    [tiny, /^image size \(9, 30\) <10 pixels$/],
  ];
  for (const [im, reason] of cases) {
    const v = await verifyImageLabel(im, lb);
    assert.equal(v.status, 'corrupt', im);
    assert.equal(v.labels.length, 0);
    assert.equal(v.labelFound, false); // the image fails before the label is read
    const prefix = `WARNING ⚠️ ${im}: ignoring corrupt image/label: `;
    assert.ok(v.message?.startsWith(prefix), v.message);
    assert.match(v.message!.slice(prefix.length), reason);
  }
});

test('bad labels → corrupt with the reason YOLOv5 gives', async () => {
  const im = await image('lab.png');
  const cases: Array<[string, string, number | undefined]> = [
    ['0 0.5 0.5 0.2\n', 'labels require 5 columns, 4 columns detected', undefined],
    ['0 0.5 0.5 0.2 0.2 0.9\n', 'labels require 5 columns, 6 columns detected', undefined],
    // comma-separated labels, a common mistake: numpy fails on the float conversion first
    ['0,0.5,0.5,0.2,0.2\n', "could not convert string to float: '0,0.5,0.5,0.2,0.2'", undefined],
    ['cat 0.5 0.5 0.2 0.2\n', "could not convert string to float: 'cat'", undefined],
    ['0 nan 0.5 0.2 0.2\n', 'non-finite label values [nan]', undefined],
    ['0 0.5 0.5 0.2 inf\n', 'non-finite label values [inf]', undefined],
    ['0 0.5 -0.1 0.2 0.2\n', 'negative label values [-0.1]', undefined],
    ['-1 0.5 0.5 0.2 0.2\n', 'negative label values [-1]', undefined],
    ['0 0.5 0.5 1.2 0.2\n1 0.5 0.5 0.2 0.2\n', 'non-normalized or out of bounds coordinates [1.2]', undefined],
    ['0 0.5 0.5 0.2 0.2\n3 0.5 0.5 0.2 0.2\n', 'Label class 3 exceeds nc=3. Possible class labels are 0-2', 3],
    ['1.5 0.5 0.5 0.2 0.2\n', 'class 1.5 is not an integer', undefined],
    ['0 0.1 0.1 0.2 0.1 0.3 0.3 0.4\n', 'segment has an odd number of coordinates (7)', undefined],
  ];
  for (const [text, reason, nc] of cases) {
    const v = await verifyImageLabel(im, label('bad.txt', text), nc);
    assert.equal(v.status, 'corrupt', text);
    assert.equal(v.message, corruptLine(im, reason));
    assert.equal(v.labelFound, true);
    assert.equal(v.labels.length, 0);
    assert.deepEqual(v.shape, [32, 24]); // the image itself was fine
  }
  // class 3 is fine without a class count, and coordinates of exactly 0 and 1 are in bounds
  const ok = await verifyImageLabel(im, label('edge.txt', '3 0 1 1 0\n'));
  assert.equal(ok.status, 'found');
  assert.deepEqual(Array.from(ok.labels), [3, 0, 1, 1, 0]);
});

test('duplicate rows are removed with a warning (unique rows sorted, as numpy.unique)', async () => {
  const im = await image('dup.png');
  const v = await verifyImageLabel(im, label('dup.txt', '2 0.5 0.5 0.2 0.2\n1 0.3 0.3 0.1 0.1\n2 0.5 0.5 0.2 0.2\n2 0.5 0.5 0.2 0.2\n'));
  assert.equal(v.status, 'found');
  assert.equal(v.duplicates, 2);
  assert.equal(v.message, `WARNING ⚠️ ${im}: 2 duplicate labels removed`);
  assert.deepEqual(Array.from(v.labels), f32([1, 0.3, 0.3, 0.1, 0.1, 2, 0.5, 0.5, 0.2, 0.2]));
  // prefix is put in front of the warning
  const p = await verifyImageLabel(im, join(root, 'labels', 'dup.txt'), undefined, 'train: ');
  assert.ok(p.message?.startsWith('train: WARNING ⚠️ '));
});

test('polygon rows (more than 6 columns) become their min/max box; box rows beside them stay boxes', async () => {
  const im = await image('seg.png');
  const v = await verifyImageLabel(im, label('seg.txt', '4 0.1 0.2 0.5 0.2 0.3 0.6\n1 0.5 0.5 0.2 0.2\n'));
  assert.equal(v.status, 'found');
  // x ∈ {0.1, 0.5, 0.3}, y ∈ {0.2, 0.2, 0.6} → xyxy (0.1, 0.2, 0.5, 0.6) → xywh in float32 arithmetic
  const f = Math.fround;
  const [x1, y1, x2, y2] = [f(0.1), f(0.2), f(0.5), f(0.6)];
  const box = [4, f(f(x1 + x2) / 2), f(f(y1 + y2) / 2), f(x2 - x1), f(y2 - y1)];
  assert.deepEqual(Array.from(v.labels), [...box, ...f32([1, 0.5, 0.5, 0.2, 0.2])]);
});

test('CRLF line endings and extra spaces are fine', async () => {
  const im = await image('crlf.png');
  const v = await verifyImageLabel(im, label('crlf.txt', '  0   0.5 0.5\t0.2 0.2 \r\n1 0.25 0.25 0.1 0.1\r\n'));
  assert.equal(v.status, 'found');
  assert.deepEqual(Array.from(v.labels), f32([0, 0.5, 0.5, 0.2, 0.2, 1, 0.25, 0.25, 0.1, 0.1]));
});
