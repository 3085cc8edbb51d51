// letterbox() against YOLOv5's formulas worked by hand for several shapes and option combinations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createImage, fillRect } from '../../src/data/image-buffer.ts';
import { letterbox, letterboxGeometry } from '../../src/data/letterbox.ts';

interface Case {
  name: string;
  h: number;
  w: number;
  newShape: number | [number, number];
  opts: Parameters<typeof letterboxGeometry>[3];
  unpad: [number, number];
  ratio: [number, number];
  pad: [number, number];
  tblr: [number, number, number, number];
  out: [number, number]; // [w, h]
}

const cases: Case[] = [
  // r = min(640/480, 640/640) = 1; dh = 160 → 160 % 32 = 0.
  { name: '640×480 auto', h: 480, w: 640, newShape: 640, opts: {}, unpad: [640, 480], ratio: [1, 1], pad: [0, 0], tblr: [0, 0, 0, 0], out: [640, 480] },
  // r = 0.5 → 640×360; dh = 280 % 32 = 24 → 12 per side.
  { name: '1280×720 auto', h: 720, w: 1280, newShape: 640, opts: {}, unpad: [640, 360], ratio: [0.5, 0.5], pad: [0, 12], tblr: [12, 12, 0, 0], out: [640, 384] },
  // Same without auto: dh = 280 / 2 = 140.
  { name: '1280×720 square', h: 720, w: 1280, newShape: 640, opts: { auto: false }, unpad: [640, 360], ratio: [0.5, 0.5], pad: [0, 140], tblr: [140, 140, 0, 0], out: [640, 640] },
  // r = min(640/500, 640/375) = 1.28 → 480×640; dw = 160 → 80.
  { name: '375×500 upscaled', h: 500, w: 375, newShape: 640, opts: { auto: false }, unpad: [480, 640], ratio: [1.28, 1.28], pad: [80, 0], tblr: [0, 0, 80, 80], out: [640, 640] },
  // scaleup=False: r = 1; dw = 265 → 132.5: left = round(132.4) = 132, right = round(132.6) = 133.
  { name: '375×500 no scaleup', h: 500, w: 375, newShape: 640, opts: { auto: false, scaleup: false }, unpad: [375, 500], ratio: [1, 1], pad: [132.5, 70], tblr: [70, 70, 132, 133], out: [640, 640] },
  // Banker's rounding: w·r = 2.5 → 2 (Math.round would give 3); dw = 3 → 1.5: left 1, right 2.
  { name: 'half-even unpad', h: 10, w: 5, newShape: 5, opts: {}, unpad: [2, 5], ratio: [0.5, 0.5], pad: [1.5, 0], tblr: [0, 0, 1, 2], out: [5, 5] },
  // scaleFill stretches: ratio = (256/640, 320/480), no padding.
  { name: 'scaleFill', h: 480, w: 640, newShape: [320, 256], opts: { auto: false, scaleFill: true }, unpad: [256, 320], ratio: [0.4, 320 / 480], pad: [0, 0], tblr: [0, 0, 0, 0], out: [256, 320] },
  // Rect validation shape (h, w) = (384, 640), scaleup=False: r = 0.8 → 512×384; dw = 128 → 64.
  { name: 'rect val shape', h: 480, w: 640, newShape: [384, 640], opts: { auto: false, scaleup: false }, unpad: [512, 384], ratio: [0.8, 0.8], pad: [64, 0], tblr: [0, 0, 64, 64], out: [640, 384] },
  // Odd padding with auto and stride 32: 500×333 → r = min(640/333, 640/500) = 1.28 → (640, round(426.24) = 426);
  // dh = 214 % 32 = 22 → 11 per side.
  { name: '500×333 auto', h: 333, w: 500, newShape: 640, opts: {}, unpad: [640, 426], ratio: [1.28, 1.28], pad: [0, 11], tblr: [11, 11, 0, 0], out: [640, 448] },
  // dh = 19 with stride 64 (auto): 19 → 9.5: top = round(9.4) = 9, bottom = round(9.6) = 10.
  { name: 'odd auto pad', h: 45, w: 64, newShape: 64, opts: { stride: 64 }, unpad: [64, 45], ratio: [1, 1], pad: [0, 9.5], tblr: [9, 10, 0, 0], out: [64, 64] },
];

for (const c of cases) {
  test(`letterbox geometry: ${c.name}`, () => {
    const g = letterboxGeometry(c.h, c.w, c.newShape, c.opts);
    assert.deepEqual(g.newUnpad, c.unpad);
    assert.ok(Math.abs(g.ratio[0] - c.ratio[0]) < 1e-12 && Math.abs(g.ratio[1] - c.ratio[1]) < 1e-12, `ratio ${g.ratio}`);
    assert.deepEqual(g.pad, c.pad);
    assert.deepEqual([g.top, g.bottom, g.left, g.right], c.tblr);
  });
}

test('letterbox image: output size, grey borders, content placement', () => {
  for (const c of cases) {
    const im = createImage(c.w, c.h, 200);
    const { image, ratio, pad } = letterbox(im, c.newShape, c.opts);
    assert.deepEqual([image.width, image.height], c.out, c.name);
    assert.deepEqual(pad, c.pad);
    assert.ok(Math.abs(ratio[0] - c.ratio[0]) < 1e-12);
    const [top, bottom, left, right] = c.tblr;
    const px = (x: number, y: number) => image.data[(y * image.width + x) * 3]!;
    if (top > 0) assert.equal(px(Math.floor(image.width / 2), 0), 114, `${c.name}: top border`);
    if (bottom > 0) assert.equal(px(Math.floor(image.width / 2), image.height - 1), 114, `${c.name}: bottom border`);
    if (left > 0) assert.equal(px(0, Math.floor(image.height / 2)), 114, `${c.name}: left border`);
    if (right > 0) assert.equal(px(image.width - 1, Math.floor(image.height / 2)), 114, `${c.name}: right border`);
    // Interior is the (uniform) resized content.
    assert.equal(px(left, top), 200, `${c.name}: first content pixel`);
    assert.equal(px(image.width - 1 - right, image.height - 1 - bottom), 200, `${c.name}: last content pixel`);
    if (top > 0) assert.equal(px(left, top - 1), 114);
    if (left > 0) assert.equal(px(left - 1, top), 114);
  }
});

test('letterbox without resize copies pixels exactly to the padded position', () => {
  const im = createImage(40, 20, 10);
  fillRect(im, 5, 3, 9, 8, [250, 20, 30]);
  const { image } = letterbox(im, 64, { auto: false, scaleup: false });
  // r = 1, dw = 24 → 12, dh = 44 → 22.
  assert.equal(image.width, 64);
  assert.equal(image.height, 64);
  for (let y = 0; y < 20; y++) {
    for (let x = 0; x < 40; x++) {
      for (let c = 0; c < 3; c++) {
        assert.equal(image.data[((y + 22) * 64 + x + 12) * 3 + c], im.data[(y * 40 + x) * 3 + c]);
      }
    }
  }
  // The source is not modified or shared.
  image.data[(22 * 64 + 12) * 3] = 0;
  assert.equal(im.data[0], 10);
});
