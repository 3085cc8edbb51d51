// Unit checks of the augmentation building blocks against hand-computed values and OpenCV's formulas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createImage, fillRect, type RgbImage } from '../../src/data/image-buffer.ts';
import { resizeImage } from '../../src/data/resize.ts';
import { applyHsvGains, augmentHsv, hsvLookupTables, hsvToRgb, rgbToHsv } from '../../src/data/augment/augment-hsv.ts';
import { flipImageLeftRight, flipImageUpDown, flipLabelsLeftRight, flipLabelsUpDown } from '../../src/data/augment/flip.ts';
import { mixup } from '../../src/data/augment/mixup.ts';
import { boxCandidates, randomPerspective } from '../../src/data/augment/random-perspective.ts';
import { warpAffine } from '../../src/data/augment/warp.ts';
import { computeRectBatches } from '../../src/data/rect-batches.ts';
import { SeededRandom } from '../../src/data/seeded-random.ts';
import { DEFAULT_AUGMENTATION_HYP, loadHyp, SHIPPED_HYP_DIR } from '../../src/data/hyp.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function imageFrom(width: number, height: number, values: number[]): RgbImage {
  const im = createImage(width, height);
  values.forEach((v, i) => im.data.fill(v, i * 3, i * 3 + 3));
  return im;
}
const channel0 = (im: RgbImage): number[] => Array.from({ length: im.width * im.height }, (_, i) => im.data[i * 3]!);

test('resize linear: 2×2 → 4×4 matches half-pixel bilinear with edge clamping (hand-computed)', () => {
  const out = resizeImage(imageFrom(2, 2, [0, 100, 200, 255]), 4, 4, 'linear');
  // x samples at −0.25 (clamped), 0.25, 0.75, 1.25 (clamped): row 0 = 0, 25, 75, 100; row 1 = 200, 213.75, 241.25, 255.
  // Output rows 1, 2 = 0.75/0.25 and 0.25/0.75 blends of those, rounded (e.g. 0.25·25 + 0.75·213.75 = 166.56 → 167).
  assert.deepEqual(channel0(out), [0, 25, 75, 100, 50, 72, 117, 139, 150, 167, 200, 216, 200, 214, 241, 255]);
});

test('resize linear: shrinking samples at the half-pixel-mapped source positions', () => {
  // 6 → 4: x = (d + 0.5)·1.5 − 0.5 = 0.25, 1.75, 3.25, 4.75 on a ramp 0, 40, …, 200.
  const out = resizeImage(imageFrom(6, 1, [0, 40, 80, 120, 160, 200]), 4, 1, 'linear');
  assert.deepEqual(channel0(out), [10, 70, 130, 190]);
});

test('resize area: block means for integer factors and partial-pixel weights otherwise', () => {
  const im = imageFrom(4, 4, [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150]);
  assert.deepEqual(channel0(resizeImage(im, 2, 2, 'area')), [25, 45, 105, 125]);
  // 3 → 2: cell 1.5 px: (0 + 0.5·90)/1.5 = 30, (0.5·90 + 180)/1.5 = 150.
  assert.deepEqual(channel0(resizeImage(imageFrom(3, 1, [0, 90, 180]), 2, 1, 'area')), [30, 150]);
});

test('rgb → hsv follows OpenCV 8-bit values', () => {
  const im = createImage(6, 1);
  const colours: Array<[number, number, number]> = [
    [255, 0, 0], [0, 255, 0], [0, 0, 255], [128, 64, 32], [10, 10, 10], [255, 255, 0],
  ];
  colours.forEach((c, i) => im.data.set(c, i * 3));
  const hsv = rgbToHsv(im);
  // Hue in degrees / 2; S = 255·(max − min)/max; V = max. (128, 64, 32): hue 20° → 10, S = 191.25 → 191.
  assert.deepEqual(Array.from(hsv), [0, 255, 255, 60, 255, 255, 120, 255, 255, 10, 191, 128, 0, 0, 10, 30, 255, 255]);
  assert.deepEqual(Array.from(hsvToRgb(hsv)), colours.flat());
});

test('hsv lookup tables: hue wraps modulo 180, saturation and value clip to 255', () => {
  const { hue, sat, val } = hsvLookupTables([1.5, 2, 0.5]);
  assert.equal(hue[100], 150);
  assert.equal(hue[120], 0); // 180 mod 180
  assert.equal(hue[150], 45); // 225 mod 180
  assert.equal(sat[100], 200);
  assert.equal(sat[200], 255);
  assert.equal(val[101], 50); // 50.5 truncated
});

test('augment_hsv: zero gains leave the image untouched; value gain scales grey levels', () => {
  const im = createImage(16, 16);
  for (let i = 0; i < im.data.length; i++) im.data[i] = (i * 37) % 256;
  const copy = im.data.slice();
  augmentHsv(im, 0, 0, 0, new SeededRandom(1));
  assert.deepEqual(im.data, copy);

  // Greys have S = 0, so only V changes: v' = trunc(v·gain).
  const greys = imageFrom(4, 1, [0, 50, 101, 200]);
  applyHsvGains(greys, [1, 1, 0.5]);
  assert.deepEqual(Array.from(greys.data), [0, 0, 0, 25, 25, 25, 50, 50, 50, 100, 100, 100]);

  // Hue gain 1.5 turns pure green (H 60) into cyan (H 90).
  const green = imageFrom(1, 1, [0]);
  green.data.set([0, 255, 0]);
  applyHsvGains(green, [1.5, 1, 1]);
  assert.deepEqual(Array.from(green.data), [0, 255, 255]);

  // Random gains stay within 1 ± gain: V of a grey can only change by up to 40 %.
  const grey = createImage(8, 8, 100);
  augmentHsv(grey, 0.015, 0.7, 0.4, new SeededRandom(7));
  const v = grey.data[0]!;
  assert.ok(v >= 60 && v <= 140, `value ${v}`);
  assert.ok(grey.data.every((x) => x === v));
});

test('flips mirror pixels and labels', () => {
  const im = createImage(3, 2);
  for (let i = 0; i < 6; i++) im.data.set([i, i * 10, i * 20], i * 3);
  flipImageLeftRight(im);
  assert.deepEqual(channel0(im), [2, 1, 0, 5, 4, 3]);
  assert.deepEqual(Array.from(im.data.subarray(0, 3)), [2, 20, 40]);
  flipImageUpDown(im);
  assert.deepEqual(channel0(im), [5, 4, 3, 2, 1, 0]);
  const labels = Float32Array.of(3, 0.25, 0.125, 0.5, 0.25);
  flipLabelsLeftRight(labels);
  assert.deepEqual(Array.from(labels), [3, 0.75, 0.125, 0.5, 0.25]);
  flipLabelsUpDown(labels);
  assert.deepEqual(Array.from(labels), [3, 0.75, 0.875, 0.5, 0.25]);
});

test('mixup blends with a Beta(32, 32) ratio, truncates, and concatenates labels', () => {
  const a = createImage(4, 4, 200);
  const b = createImage(4, 4, 0);
  const ratios: number[] = [];
  const rng = new SeededRandom(3);
  for (let k = 0; k < 400; k++) {
    const { image, labels, ratio } = mixup(a, Float32Array.of(1, 0.5, 0.5, 0.1, 0.1), b, Float32Array.of(2, 0.2, 0.2, 0.1, 0.1), rng);
    assert.equal(image.data[0], Math.trunc(200 * ratio));
    assert.deepEqual(Array.from(labels.subarray(0, 5)).map((x) => Math.round(x * 10)), [10, 5, 5, 1, 1]);
    assert.equal(labels.length, 10);
    ratios.push(ratio);
  }
  // Beta(32, 32): mean 0.5, standard deviation 1/(2·sqrt(65)) ≈ 0.062.
  const mean = ratios.reduce((s, r) => s + r, 0) / ratios.length;
  const sd = Math.sqrt(ratios.reduce((s, r) => s + (r - mean) ** 2, 0) / ratios.length);
  assert.ok(Math.abs(mean - 0.5) < 0.015, `mean ${mean}`);
  assert.ok(Math.abs(sd - 0.062) < 0.012, `sd ${sd}`);
});

test('box_candidates: width/height > 2 px, area ratio > 0.1, aspect < 100', () => {
  const before = [0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 10, 10, 0, 0, 400, 10];
  const after = [0, 0, 10, 10, 0, 0, 2, 10, 0, 0, 3, 3, 0, 0, 400, 3.5];
  assert.deepEqual(boxCandidates(before, after), [true, false, false, false]);
  assert.deepEqual(boxCandidates([0, 0, 10, 10], [0, 0, 3.2, 3.2]), [true]); // 10.24 % of the area
});

test('warpAffine: integer translation moves pixels and fills the border with 114', () => {
  const im = createImage(8, 6, 0);
  for (let i = 0; i < 48; i++) im.data.fill(i * 5, i * 3, i * 3 + 3);
  const out = warpAffine(im, [1, 0, 2, 0, 1, 1], 8, 6);
  for (let y = 0; y < 6; y++) {
    for (let x = 0; x < 8; x++) {
      const expected = x >= 2 && y >= 1 ? im.data[((y - 1) * 8 + (x - 2)) * 3]! : 114;
      assert.equal(out.data[(y * 8 + x) * 3], expected, `(${x}, ${y})`);
    }
  }
  // A half-pixel shift averages neighbours: (a + b)/2.
  const half = warpAffine(imageFrom(2, 1, [0, 200]), [1, 0, -0.5, 0, 1, 0], 1, 1);
  assert.equal(half.data[0], 100);
});

test('random_perspective with all ranges 0 is the identity on pixels and boxes', () => {
  const im = createImage(20, 10, 50);
  fillRect(im, 2, 2, 6, 8, [255, 0, 0]);
  const targets = Float32Array.of(0, 2, 2, 6, 8);
  const zero = { degrees: 0, translate: 0, scale: 0, shear: 0, perspective: 0 };
  const out = randomPerspective(im, targets, zero, new SeededRandom(1));
  assert.deepEqual(out.image.data, im.data);
  assert.deepEqual(Array.from(out.targets), [0, 2, 2, 6, 8]);
});

test('random_perspective: scale-only warp about the centre moves boxes by the same matrix as pixels', () => {
  const im = createImage(40, 40, 0);
  fillRect(im, 10, 10, 20, 30, [255, 255, 255]);
  const targets = Float32Array.of(5, 10, 10, 20, 30);
  const rng = new SeededRandom(11);
  const out = randomPerspective(im, targets, { degrees: 0, translate: 0, scale: 0.5, shear: 0, perspective: 0 }, rng);
  // With translate 0: x' = s·(x − 20) + 20.
  const s = (out.targets[3]! - out.targets[1]!) / 10;
  assert.ok(s >= 0.5 && s <= 1.5);
  assert.ok(Math.abs(out.targets[1]! - (s * (10 - 20) + 20)) < 1e-4);
  assert.ok(Math.abs(out.targets[4]! - (s * (30 - 20) + 20)) < 1e-4);
  // Every bright output pixel lies inside the transformed box (±1 px for the bilinear edge).
  for (let y = 0; y < 40; y++) {
    for (let x = 0; x < 40; x++) {
      if (out.image.data[(y * 40 + x) * 3]! > 128) {
        assert.ok(x >= out.targets[1]! - 1 && x <= out.targets[3]! + 1 && y >= out.targets[2]! - 1 && y <= out.targets[4]! + 1);
      }
    }
  }
});

test('rect batch shapes follow ceil(ratio·img/stride + pad)·stride', () => {
  // shapes [w, h]; aspect h/w: 0.5, 0.75, 1.5, 2, 1.
  const shapes: Array<[number, number]> = [[640, 320], [400, 300], [200, 300], [100, 200], [50, 50]];
  const rb = computeRectBatches(shapes, 2, 640, 32, 0.5);
  assert.deepEqual(rb.order, [0, 1, 4, 2, 3]); // sorted by aspect ratio
  // batch 0: ar 0.5, 0.75 → [0.75, 1] → ceil(15 + 0.5)·32 = 512, ceil(20.5)·32 = 672.
  // batch 1: ar 1, 1.5 → mixed → [1, 1] → 672 × 672.
  // batch 2: ar 2 → [1, 1/2] → ceil(20.5)·32 = 672, ceil(10.5)·32 = 352.
  assert.deepEqual(rb.batchShapes, [[512, 672], [672, 672], [672, 352]]);
  assert.deepEqual(Array.from(rb.batchIndex), [0, 0, 1, 1, 2]);
  const train = computeRectBatches([[640, 480]], 16, 320, 32, 0);
  assert.deepEqual(train.batchShapes, [[256, 320]]); // 0.75·320/32 = 7.5 → 8 → 256
});

test('seeded random: reproducible, in range, shuffle is a permutation', () => {
  const a = new SeededRandom(5, 1, 2);
  const b = new SeededRandom(5, 1, 2);
  const c = new SeededRandom(5, 1, 3);
  const xs = Array.from({ length: 1000 }, () => a.random());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.random()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c.random()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.05);
  const counts = [0, 0, 0];
  for (let i = 0; i < 3000; i++) counts[a.randint(0, 2)]!++;
  assert.ok(counts.every((n) => n > 850 && n < 1150), `${counts}`);
  const p = a.shuffle(Array.from({ length: 50 }, (_, i) => i));
  assert.deepEqual([...p].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
  assert.notDeepEqual(p, Array.from({ length: 50 }, (_, i) => i));
});

test('hyp: defaults are hyp.scratch-low.yaml and a YAML file overrides them', () => {
  assert.equal(DEFAULT_AUGMENTATION_HYP.fliplr, 0.5);
  assert.equal(DEFAULT_AUGMENTATION_HYP.scale, 0.5);
  assert.equal(DEFAULT_AUGMENTATION_HYP.hsv_s, 0.7);
  const dir = mkdtempSync(join(tmpdir(), 'hyp-'));
  const f = join(dir, 'hyp.yaml');
  // A hyp file sets every v7.0 key (test/data/hyp-required.test.ts): the shipped default with two values changed.
  const scratchLow = readFileSync(join(SHIPPED_HYP_DIR, 'hyp.scratch-low.yaml'), 'utf8');
  writeFileSync(f, scratchLow.replace(/^mixup: .*$/m, 'mixup: 0.1').replace(/^scale: .*$/m, 'scale: 0.9'));
  const hyp = loadHyp(f);
  assert.equal(hyp.mixup, 0.1);
  assert.equal(hyp.scale, 0.9);
  assert.equal(hyp.translate, 0.1);
  writeFileSync(f, 'scale: big\n');
  assert.throws(() => loadHyp(f), /scale.*finite number/);
});
