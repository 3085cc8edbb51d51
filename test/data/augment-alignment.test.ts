// Boxes stay aligned with pixels through the whole training augmentation (mosaic + random perspective + flips):
// images carry solid rectangles whose class id names their colour; after augmentation every output label must
// frame the pixels of its colour.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createImage, fillRect, type RgbImage } from '../../src/data/image-buffer.ts';
import { SeededRandom } from '../../src/data/seeded-random.ts';
import { YoloDataset, type DatasetItem, type LabelledImages } from '../../src/data/yolo-dataset.ts';
import type { AugmentationHyp } from '../../src/data/hyp.ts';

const PALETTE: Array<[number, number, number]> = [
  [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [255, 0, 255], [0, 255, 255],
  [255, 128, 0], [128, 0, 255], [0, 128, 255], [255, 255, 255], [128, 255, 0], [255, 0, 128],
];
const BACKGROUND: [number, number, number] = [20, 20, 20];

/** Six images of different sizes, two rectangles each (≥ 10 px from the borders), in memory. */
function syntheticSet(): { source: LabelledImages; images: Map<string, RgbImage> } {
  const sizes: Array<[number, number]> = [[200, 150], [150, 200], [160, 160], [240, 120], [110, 180], [180, 180]];
  const images = new Map<string, RgbImage>();
  const source: LabelledImages = { imFiles: [], labels: [], shapes: [] };
  sizes.forEach(([w, h], i) => {
    const im = createImage(w, h);
    for (let p = 0; p < w * h; p++) im.data.set(BACKGROUND, p * 3);
    const rects: Array<[number, number, number, number]> = [
      [10 + 3 * i, 12, Math.floor(w * 0.45), Math.floor(h * 0.4)],
      [Math.floor(w * 0.55), Math.floor(h * 0.5), w - 12, h - 10 - 2 * i],
    ];
    const labels: number[] = [];
    rects.forEach(([x1, y1, x2, y2], k) => {
      const cls = i * 2 + k;
      fillRect(im, x1, y1, x2, y2, PALETTE[cls]!);
      labels.push(cls, (x1 + x2) / 2 / w, (y1 + y2) / 2 / h, (x2 - x1) / w, (y2 - y1) / h);
    });
    const path = `mem://image${i}.png`;
    images.set(path, im);
    source.imFiles.push(path);
    source.labels.push(Float32Array.from(labels));
    source.shapes.push([w, h]);
  });
  return { source, images };
}

interface Region {
  count: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Bounding box (pixel edges) of the pixels of `rgb` inside the window [x1, x2) × [y1, y2). */
function colourRegion(item: DatasetItem, rgb: readonly number[], x1: number, y1: number, x2: number, y2: number): Region {
  const { width: W, height: H, image } = item;
  const plane = W * H;
  const r: Region = { count: 0, x1: Infinity, y1: Infinity, x2: -Infinity, y2: -Infinity };
  for (let y = Math.max(0, Math.floor(y1)); y < Math.min(H, Math.ceil(y2)); y++) {
    for (let x = Math.max(0, Math.floor(x1)); x < Math.min(W, Math.ceil(x2)); x++) {
      const p = y * W + x;
      if (
        Math.abs(image[p]! - rgb[0]!) <= 24 &&
        Math.abs(image[plane + p]! - rgb[1]!) <= 24 &&
        Math.abs(image[2 * plane + p]! - rgb[2]!) <= 24
      ) {
        r.count++;
        r.x1 = Math.min(r.x1, x);
        r.y1 = Math.min(r.y1, y);
        r.x2 = Math.max(r.x2, x + 1);
        r.y2 = Math.max(r.y2, y + 1);
      }
    }
  }
  return r;
}

function labelBoxes(item: DatasetItem): Array<{ cls: number; x1: number; y1: number; x2: number; y2: number }> {
  const out = [];
  for (let r = 0; r < item.labels.length; r += 5) {
    const [cls, cx, cy, w, h] = Array.from(item.labels.subarray(r, r + 5));
    assert.ok([cx, cy, w, h].every((v) => v! >= 0 && v! <= 1), `label outside [0, 1]: ${[cx, cy, w, h]}`);
    out.push({
      cls: cls!,
      x1: (cx! - w! / 2) * item.width,
      y1: (cy! - h! / 2) * item.height,
      x2: (cx! + w! / 2) * item.width,
      y2: (cy! + h! / 2) * item.height,
    });
  }
  return out;
}

const NO_COLOUR: Partial<AugmentationHyp> = { hsv_h: 0, hsv_s: 0, hsv_v: 0, mixup: 0 };

async function run(hyp: Partial<AugmentationHyp>, seeds: number, check: (item: DatasetItem, seed: number) => void): Promise<number> {
  const { source, images } = syntheticSet();
  const dataset = new YoloDataset(source, {
    imgSize: 160,
    augment: true,
    hyp,
    readImage: async (p) => images.get(p)!,
    cache: 'ram',
  });
  let labelsSeen = 0;
  for (let seed = 0; seed < seeds; seed++) {
    const item = await dataset.getItem(seed % dataset.size, new SeededRandom(seed, 0, seed));
    assert.equal(item.image.length, 3 * item.width * item.height);
    check(item, seed);
    labelsSeen += item.labels.length / 5;
  }
  return labelsSeen;
}

test('mosaic + scale/translate + flips: every label frames its coloured pixels (±2 px)', async () => {
  const n = await run({ ...NO_COLOUR, degrees: 0, shear: 0, perspective: 0, translate: 0.1, scale: 0.5, flipud: 0.5, fliplr: 0.5, mosaic: 1 }, 24, (item, seed) => {
    assert.equal(item.width, 160);
    assert.equal(item.height, 160);
    assert.equal(item.shapes, null);
    for (const b of labelBoxes(item)) {
      const region = colourRegion(item, PALETTE[b.cls]!, b.x1 - 4, b.y1 - 4, b.x2 + 4, b.y2 + 4);
      const where = `seed ${seed}, cls ${b.cls}, label ${[b.x1, b.y1, b.x2, b.y2].map((v) => v.toFixed(1))}, region ${[region.x1, region.y1, region.x2, region.y2]}`;
      assert.ok(region.count > 0, `no pixels of the label's colour: ${where}`);
      assert.ok(Math.abs(region.x1 - b.x1) <= 2 && Math.abs(region.x2 - b.x2) <= 2, where);
      assert.ok(Math.abs(region.y1 - b.y1) <= 2 && Math.abs(region.y2 - b.y2) <= 2, where);
    }
  });
  assert.ok(n >= 24, `only ${n} labels survived`);
});

test('letterbox + random perspective path (mosaic 0): labels frame their pixels', async () => {
  const n = await run({ ...NO_COLOUR, degrees: 0, shear: 0, perspective: 0, translate: 0.1, scale: 0.5, flipud: 0.5, fliplr: 0.5, mosaic: 0 }, 12, (item, seed) => {
    assert.equal(item.width, 160);
    assert.ok(item.shapes !== null);
    for (const b of labelBoxes(item)) {
      const region = colourRegion(item, PALETTE[b.cls]!, b.x1 - 4, b.y1 - 4, b.x2 + 4, b.y2 + 4);
      const where = `seed ${seed}, cls ${b.cls}`;
      assert.ok(region.count > 0, where);
      assert.ok(Math.abs(region.x1 - b.x1) <= 2 && Math.abs(region.x2 - b.x2) <= 2, where);
      assert.ok(Math.abs(region.y1 - b.y1) <= 2 && Math.abs(region.y2 - b.y2) <= 2, where);
    }
  });
  assert.ok(n >= 12);
});

test('flips act on pixels and labels together (fliplr = 1, then flipud = 1)', async () => {
  for (const flip of [{ fliplr: 1, flipud: 0 }, { fliplr: 0, flipud: 1 }]) {
    const { source, images } = syntheticSet();
    const base = { ...NO_COLOUR, degrees: 0, shear: 0, perspective: 0, translate: 0, scale: 0, mosaic: 0 };
    const plain = new YoloDataset(source, { imgSize: 160, augment: true, hyp: { ...base, fliplr: 0, flipud: 0 }, readImage: async (p) => images.get(p)! });
    const flipped = new YoloDataset(source, { imgSize: 160, augment: true, hyp: { ...base, ...flip }, readImage: async (p) => images.get(p)! });
    const a = await plain.getItem(0, new SeededRandom(1));
    const b = await flipped.getItem(0, new SeededRandom(1));
    const W = a.width;
    const H = a.height;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < H; y += 7) {
        for (let x = 0; x < W; x += 5) {
          const src = flip.fliplr ? a.image[c * W * H + y * W + (W - 1 - x)] : a.image[c * W * H + (H - 1 - y) * W + x];
          assert.equal(b.image[c * W * H + y * W + x], src);
        }
      }
    }
    for (let r = 0; r < a.labels.length; r += 5) {
      if (flip.fliplr) assert.ok(Math.abs(b.labels[r + 1]! - (1 - a.labels[r + 1]!)) < 1e-6);
      else assert.ok(Math.abs(b.labels[r + 2]! - (1 - a.labels[r + 2]!)) < 1e-6);
    }
  }
});

test('rotation, shear and perspective: each label box contains its coloured pixels', async () => {
  const n = await run({ ...NO_COLOUR, degrees: 15, shear: 8, perspective: 0.0005, translate: 0.1, scale: 0.5, flipud: 0.5, fliplr: 0.5, mosaic: 1 }, 16, (item, seed) => {
    for (const b of labelBoxes(item)) {
      const region = colourRegion(item, PALETTE[b.cls]!, b.x1 - 6, b.y1 - 6, b.x2 + 6, b.y2 + 6);
      const where = `seed ${seed}, cls ${b.cls}, label ${[b.x1, b.y1, b.x2, b.y2].map((v) => v.toFixed(1))}, region ${[region.x1, region.y1, region.x2, region.y2]}`;
      assert.ok(region.count > 0, where);
      assert.ok(region.x1 >= b.x1 - 2 && region.x2 <= b.x2 + 2 && region.y1 >= b.y1 - 2 && region.y2 <= b.y2 + 2, where);
    }
  });
  assert.ok(n >= 16);
});

test('augmentation hyps take effect: hsv changes colours, zero hyps leave a letterboxed copy', async () => {
  const { source, images } = syntheticSet();
  const zero: Partial<AugmentationHyp> = { hsv_h: 0, hsv_s: 0, hsv_v: 0, degrees: 0, translate: 0, scale: 0, shear: 0, perspective: 0, flipud: 0, fliplr: 0, mosaic: 0, mixup: 0 };
  const aug = new YoloDataset(source, { imgSize: 160, augment: true, hyp: zero, readImage: async (p) => images.get(p)! });
  const val = new YoloDataset(source, { imgSize: 160, augment: false, readImage: async (p) => images.get(p)! });
  const a = await aug.getItem(2, new SeededRandom(4));
  const b = await val.getItem(2, new SeededRandom(4));
  assert.deepEqual(a.image, b.image); // 160×160 source: no resize, so linear vs area cannot differ
  assert.deepEqual(a.labels, b.labels);
  const hsv = new YoloDataset(source, { imgSize: 160, augment: true, hyp: { ...zero, hsv_h: 0.5, hsv_s: 0.7, hsv_v: 0.4 }, readImage: async (p) => images.get(p)! });
  const c = await hsv.getItem(2, new SeededRandom(4));
  assert.notDeepEqual(c.image, a.image);
  assert.deepEqual(c.labels, a.labels);
  // MixUp draws the same first mosaic, then blends a second one in and appends its labels.
  const mosaicOnly = new YoloDataset(source, { imgSize: 160, augment: true, hyp: { ...zero, mosaic: 1 }, readImage: async (p) => images.get(p)! });
  const mix = new YoloDataset(source, { imgSize: 160, augment: true, hyp: { ...zero, mosaic: 1, mixup: 1 }, readImage: async (p) => images.get(p)! });
  let grew = 0;
  for (let seed = 0; seed < 6; seed++) {
    const plain = await mosaicOnly.getItem(0, new SeededRandom(seed));
    const mixed = await mix.getItem(0, new SeededRandom(seed));
    assert.deepEqual(mixed.labels.subarray(0, plain.labels.length), plain.labels);
    assert.notDeepEqual(mixed.image, plain.image);
    if (mixed.labels.length > plain.labels.length) grew++;
  }
  assert.ok(grew > 0, 'the second mosaic never contributed labels');
});
