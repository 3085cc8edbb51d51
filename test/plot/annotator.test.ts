import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { Annotator, annotateDetections, defaultLineWidth, labelTextColor, saveImage } from '../../src/plot/annotator.ts';
import { classColor } from '../../src/plot/colors.ts';

const W = 200, H = 240, GREY = 90;

function greyImage(): Uint8Array {
  return new Uint8Array(W * H * 3).fill(GREY);
}

function pixel(rgb: Uint8Array, x: number, y: number, width = W): number[] {
  const i = (y * width + x) * 3;
  return [rgb[i]!, rgb[i + 1]!, rgb[i + 2]!];
}

test('defaultLineWidth is max(round((h + w + 3) / 2 * 0.003), 2) as YOLOv5', () => {
  assert.equal(defaultLineWidth(640, 480), 2); // 1123 / 2 * 0.003 = 1.68 -> 2
  assert.equal(defaultLineWidth(1920, 1080), 5); // 3003 / 2 * 0.003 = 4.50 -> 5
  assert.equal(defaultLineWidth(3000, 3000), 9); // 6003 / 2 * 0.003 = 9.00 -> 9
  assert.equal(defaultLineWidth(100, 100), 2);
});

test('boxLabel draws the edges in the class colour and leaves the inside untouched', () => {
  const color = classColor(0);
  const a = new Annotator(greyImage(), W, H, { lineWidth: 3 });
  a.boxLabel([40, 80, 160, 220], 'person 0.87', color);
  const out = a.result();
  for (const [x, y] of [[40, 150], [160, 150], [100, 80], [100, 220], [39, 150], [41, 150]] as const) {
    assert.deepEqual(pixel(out, x, y), [...color], `edge pixel (${x}, ${y})`);
  }
  for (const [x, y] of [[100, 150], [60, 100], [140, 200]] as const) {
    assert.deepEqual(pixel(out, x, y), [GREY, GREY, GREY], `inside pixel (${x}, ${y})`);
  }
  assert.deepEqual(pixel(out, 10, 10), [GREY, GREY, GREY], 'far outside');
});

test('the label sits on a filled background above the box, with text in a contrasting colour', () => {
  const color = classColor(0); // FF3838: dark enough for white text
  assert.deepEqual(labelTextColor(color), [255, 255, 255]);
  assert.deepEqual(labelTextColor(classColor(3)), [0, 0, 0]); // FFB21D is light
  const a = new Annotator(greyImage(), W, H, { lineWidth: 3, fontSize: 16 });
  a.boxLabel([40, 80, 160, 220], 'person 0.87', color);
  const out = a.result();
  let background = 0, text = 0;
  for (let y = 55; y < 79; y++) {
    for (let x = 40; x < 120; x++) {
      const [r, g, b] = pixel(out, x, y);
      if (r === color[0] && g === color[1] && b === color[2]) background++;
      else if (r > 200 && g > 200 && b > 200) text++;
    }
  }
  assert.ok(background > 300, `label background pixels: ${background}`);
  assert.ok(text > 30, `label text pixels: ${text}`);
  assert.deepEqual(pixel(out, 150, 60), [GREY, GREY, GREY], 'right of the short label');
});

test('a box at the top edge gets its label inside the box', () => {
  const color = classColor(2);
  const a = new Annotator(greyImage(), W, H, { lineWidth: 2, fontSize: 14 });
  a.boxLabel([20, 0, 180, 120], 'car', color);
  const out = a.result();
  assert.deepEqual(pixel(out, 24, 6), [...color]);
  assert.deepEqual(pixel(out, 100, 60), [GREY, GREY, GREY]);
});

test('annotateDetections colours each box by class and does not modify its input', () => {
  const input = greyImage();
  const dets = new Float32Array([10, 60, 90, 200, 0.9, 5, 110, 60, 190, 200, 0.4, 7]);
  const out = annotateDetections(input, W, H, dets, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']);
  assert.deepEqual(pixel(out, 10, 150), [...classColor(5)]);
  assert.deepEqual(pixel(out, 190, 150), [...classColor(7)]);
  assert.deepEqual(pixel(input, 10, 150), [GREY, GREY, GREY]);
  assert.throws(() => annotateDetections(input, W, H, new Float32Array(5), []), /6-value rows/);
  assert.throws(() => new Annotator(new Uint8Array(10), W, H), /200x240x3/);
});

test('saveImage writes PNG losslessly and JPEG by extension', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tsyolo-plot-'));
  try {
    const rgb = new Uint8Array(W * H * 3);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7) % 251;
    await saveImage(join(dir, 'a.png'), rgb, W, H);
    const png = await sharp(join(dir, 'a.png')).raw().toBuffer({ resolveWithObject: true });
    assert.equal(png.info.format, 'raw');
    assert.deepEqual([png.info.width, png.info.height, png.info.channels], [W, H, 3]);
    assert.deepEqual(new Uint8Array(png.data), rgb);
    await saveImage(join(dir, 'sub', 'b.jpg'), rgb, W, H);
    const meta = await sharp(join(dir, 'sub', 'b.jpg')).metadata();
    assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', W, H]);
    await assert.rejects(saveImage(join(dir, 'c.bmp'), rgb, W, H), /\.jpg, \.jpeg or \.png/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
