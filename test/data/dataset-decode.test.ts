import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { decodeBmp } from '../../src/data/bmp-decode.ts';
import { decodeImage, ImageReadError, probeImage } from '../../src/data/image-decode.ts';
import { readNpyFile } from '../../src/io/npy.ts';

const fixtures = new URL('../fixtures/data/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tsyolo-decode-'));

function rawImage(w: number, h: number, pixel: (x: number, y: number) => [number, number, number]): Buffer {
  const b = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) b.set(pixel(x, y), (y * w + x) * 3);
  return b;
}

test('BMP 24-bit (padded rows), 8-bit palette and 32-bit match what Pillow reads', async () => {
  const expected = readNpyFile(join(fixtures, 'bmp_expected.npy'));
  assert.deepEqual(expected.shape, [3, 7, 13, 3]);
  const names = ['bmp24.bmp', 'bmp8.bmp', 'bmp32.bmp'];
  for (const [i, name] of names.entries()) {
    const im = await decodeImage(join(fixtures, name));
    assert.equal(im.width, 13);
    assert.equal(im.height, 7);
    const want = (expected.data as Uint8Array).subarray(i * 7 * 13 * 3, (i + 1) * 7 * 13 * 3);
    assert.deepEqual(Array.from(im.data), Array.from(want), name);
    assert.deepEqual(await probeImage(join(fixtures, name)), { width: 13, height: 7, format: 'bmp' });
  }
});

test('BMP top-down 32-bit with bit-field masks, built by hand', () => {
  // 2×2, height −2 (top-down), BI_BITFIELDS with R in the low byte (unusual order, to exercise the masks)
  const header = Buffer.alloc(14 + 40 + 12);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(header.length + 16, 2);
  header.writeUInt32LE(header.length, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(2, 18);
  header.writeInt32LE(-2, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(32, 28);
  header.writeUInt32LE(3, 30);
  header.writeUInt32LE(0x000000ff, 54); // red mask
  header.writeUInt32LE(0x0000ff00, 58); // green mask
  header.writeUInt32LE(0x00ff0000, 62); // blue mask
  const px = Buffer.from([10, 20, 30, 0, 40, 50, 60, 0, 70, 80, 90, 0, 100, 110, 120, 0]);
  const im = decodeBmp(Buffer.concat([header, px]));
  assert.deepEqual([im.width, im.height], [2, 2]);
  assert.deepEqual(Array.from(im.data), [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120]);
  assert.throws(() => decodeBmp(Buffer.concat([header, px.subarray(0, 10)])), /truncated BMP/);
});

test('PNG decodes losslessly; greyscale becomes RGB; alpha is dropped, not blended', async () => {
  const raw = rawImage(17, 11, (x, y) => [x * 15, y * 23, (x + y) % 7 * 30]);
  const png = join(dir, 'rgb.png');
  await sharp(raw, { raw: { width: 17, height: 11, channels: 3 } }).png().toFile(png);
  const im = await decodeImage(png);
  assert.deepEqual([im.width, im.height], [17, 11]);
  assert.deepEqual(Buffer.from(im.data), raw);
  assert.ok(im.data instanceof Uint8Array);

  const grey = Buffer.from(Array.from({ length: 12 * 10 }, (_, i) => i * 2));
  const greyPng = join(dir, 'grey.png');
  await sharp(grey, { raw: { width: 12, height: 10, channels: 1 } }).png().toFile(greyPng);
  const g = await decodeImage(greyPng);
  assert.equal(g.data.length, 12 * 10 * 3);
  for (let i = 0; i < 120; i++) assert.deepEqual(Array.from(g.data.subarray(i * 3, i * 3 + 3)), [i * 2, i * 2, i * 2]);

  const rgba = Buffer.alloc(10 * 10 * 4);
  for (let i = 0; i < 100; i++) rgba.set([200, 100, 50, i % 2 ? 0 : 255], i * 4);
  const rgbaPng = join(dir, 'rgba.png');
  await sharp(rgba, { raw: { width: 10, height: 10, channels: 4 } }).png().toFile(rgbaPng);
  const a = await decodeImage(rgbaPng);
  for (let i = 0; i < 100; i++) assert.deepEqual(Array.from(a.data.subarray(i * 3, i * 3 + 3)), [200, 100, 50]);
});

test('EXIF orientation 6: probe and decode give swapped width/height and the rotated content', async () => {
  // Stored 40×20: top-left quadrant green, rest of the left half red, right half blue.
  const raw = rawImage(40, 20, (x, y) => (x >= 20 ? [0, 0, 255] : y < 10 ? [0, 255, 0] : [255, 0, 0]));
  const file = join(dir, 'rot6.jpg');
  await sharp(raw, { raw: { width: 40, height: 20, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toFile(file);
  assert.deepEqual(await probeImage(file), { width: 20, height: 40, format: 'jpeg' });
  const im = await decodeImage(file);
  assert.deepEqual([im.width, im.height], [20, 40]);
  // Orientation 6: stored row 0 is the displayed right side, stored column 0 the displayed top.
  const at = (x: number, y: number): number[] => Array.from(im.data.subarray((y * 20 + x) * 3, (y * 20 + x) * 3 + 3));
  const near = (got: number[], want: number[]): boolean => got.every((v, i) => Math.abs(v - want[i]!) < 40);
  assert.ok(near(at(4, 5), [255, 0, 0]), `top-left ${at(4, 5)}`);
  assert.ok(near(at(15, 5), [0, 255, 0]), `top-right ${at(15, 5)}`);
  assert.ok(near(at(4, 30), [0, 0, 255]), `bottom-left ${at(4, 30)}`);
  assert.ok(near(at(15, 30), [0, 0, 255]), `bottom-right ${at(15, 30)}`);
});

test('probeImage: empty, truncated, non-image, unsupported format and missing files throw ImageReadError', async () => {
  const empty = join(dir, 'empty.jpg');
  writeFileSync(empty, '');
  const text = join(dir, 'text.jpg');
  writeFileSync(text, 'this is not an image\n');
  const big = rawImage(200, 150, (x, y) => [(x * 7) % 256, (y * 5) % 256, (x * y) % 256]);
  const full = await sharp(big, { raw: { width: 200, height: 150, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const truncated = join(dir, 'truncated.jpg');
  writeFileSync(truncated, full.subarray(0, Math.floor(full.length * 0.6)));
  const gif = join(dir, 'anim.jpg');
  await sharp(big, { raw: { width: 200, height: 150, channels: 3 } }).gif().toFile(gif);
  const cases: Array<[string, RegExp]> = [
    [empty, /empty file \(0 bytes\)/],
    [text, /not a readable image: .*unsupported image format/],
    [truncated, /cannot decode image: .*premature end/i],
    [gif, /invalid image format gif/],
    [join(dir, 'absent.jpg'), /file not found/],
  ];
  for (const [file, reason] of cases) {
    await assert.rejects(probeImage(file), (e: unknown) => {
      assert.ok(e instanceof ImageReadError);
      assert.equal(e.file, file);
      assert.match(e.reason, reason);
      assert.ok(e.message.startsWith(`${file}: `));
      return true;
    });
  }
  await assert.rejects(decodeImage(truncated), /premature end/i);
  await assert.rejects(decodeImage(empty), /empty file/);
});

test('a JPEG whose only fault is a missing end marker still reads, with a warning', async () => {
  const raw = rawImage(64, 48, (x, y) => [x * 4, y * 5, 128]);
  const full = await sharp(raw, { raw: { width: 64, height: 48, channels: 3 } }).jpeg({ quality: 90 }).toBuffer();
  const file = join(dir, 'noeoi.jpg');
  writeFileSync(file, full.subarray(0, full.length - 2));
  const probe = await probeImage(file);
  assert.deepEqual([probe.width, probe.height, probe.format], [64, 48, 'jpeg']);
  assert.match(probe.warning ?? '', /no end-of-image marker/);
  const a = await decodeImage(file);
  const b = await sharp(full).raw().toBuffer();
  assert.deepEqual(Buffer.from(a.data), b);
  assert.equal(readFileSync(file).length, full.length - 2); // the user's file is left alone
});
