// The segmentation loader on digit scenes with polygon labels: every item's masks follow its boxes through mosaic,
// random_perspective (rotation, shear, scale), copy_paste and flips (each mask's pixels sit inside its box); overlap
// masks hold 1…n with the labels ordered by mask area; collate stacks the masks as v7.0's collate_fn (torch.cat);
// worker threads build the same batches; segment labels parse as v7.0 reads them; detection batches carry no masks.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildDatasetIndex } from '../../src/data/dataset-index.ts';
import { generateDigits } from '../../src/data/digits.ts';
import { createLoader } from '../../src/data/loader.ts';
import { polygons2masks } from '../../src/data/polygon-masks.ts';
import type { SegmentedImages } from '../../src/data/segment-dataset.ts';
import { parseSegmentLabels, resampleSegment, segment2box } from '../../src/data/segments.ts';
import { attachSegments } from '../../src/train/segment-train.ts';

let base = '';
let source: SegmentedImages;

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'tsyolo-segdata-'));
  const r = await generateDigits({ out: join(base, 'd'), train: 8, val: 0, img: 96, seed: 11, task: 'segment' });
  const index = await buildDatasetIndex([join(r.out, 'images', 'train')], { log: () => {} });
  source = attachSegments(index, 'train');
});
after(() => rmSync(base, { recursive: true, force: true }));

const HYP = { degrees: 20, shear: 5, scale: 0.5, translate: 0.1, perspective: 0, mosaic: 1, mixup: 0.5, copy_paste: 0.5, fliplr: 0.5, flipud: 0.5 };

/** Each (cls, cx, cy, w, h) label's box in mask pixels contains its mask's pixels (1 px of rounding allowed). */
function assertMasksInBoxes(labels: Float32Array, masks: Uint8Array | Int32Array, [n, h, w]: number[], overlap: boolean, W: number, H: number): number {
  let checked = 0;
  const nl = labels.length / 5;
  for (let i = 0; i < nl; i++) {
    const [cx, cy, bw, bh] = [labels[i * 5 + 1]!, labels[i * 5 + 2]!, labels[i * 5 + 3]!, labels[i * 5 + 4]!];
    const [x1, y1, x2, y2] = [(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h];
    const plane = overlap ? masks.subarray(0, h * w) : masks.subarray(i * h * w, (i + 1) * h * w);
    const value = overlap ? i + 1 : 1;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (plane[y * w + x] !== value) continue;
        checked++;
        assert.ok(x >= x1 - 1.5 && x <= x2 + 1 && y >= y1 - 1.5 && y <= y2 + 1, `label ${i}: mask pixel (${x}, ${y}) outside box [${x1}, ${y1}, ${x2}, ${y2}] (${W}×${H})`);
      }
    }
  }
  if (!overlap) assert.equal(n, nl);
  return checked;
}

for (const overlap of [false, true]) {
  test(`augmented items (mosaic, perspective, copy_paste, mixup, flips): masks inside their boxes (overlap ${overlap})`, async () => {
    const loader = createLoader({ source, batchSize: 4, imgSize: 96, stride: 32, augment: true, hyp: HYP, seed: 3, workers: 0, masks: { downsampleRatio: 4, overlap } });
    let pixels = 0;
    let labels = 0;
    for (let epoch = 0; epoch < 2; epoch++) {
      loader.setEpoch(epoch);
      for await (const b of loader) {
        assert.ok(b.masks && b.maskShape);
        const [n, h, w] = b.maskShape;
        assert.equal(h, 24);
        assert.equal(w, 24);
        assert.equal(n, overlap ? b.shape[0] : b.targets.length / 6);
        // Each image's rows and mask planes, in collate order.
        let plane = 0;
        for (let k = 0; k < b.shape[0]; k++) {
          const rows: number[] = [];
          for (let r = 0; r < b.targets.length / 6; r++) if (b.targets[r * 6] === k) rows.push(...b.targets.subarray(r * 6 + 1, r * 6 + 6));
          const nl = rows.length / 5;
          const count = overlap ? 1 : nl;
          const m = b.masks.subarray(plane * h * w, (plane + count) * h * w);
          pixels += assertMasksInBoxes(Float32Array.from(rows), m, [count, h, w], overlap, 96, 96);
          if (overlap) assert.ok(Math.max(0, ...m) <= nl);
          labels += nl;
          plane += count;
        }
      }
    }
    assert.ok(labels > 20 && pixels > 200, `${labels} labels, ${pixels} mask pixels`);
    await loader.close();
  });
}

test('without augmentation an item\'s masks are polygons2masks of its letterboxed polygons; workers build the same batch', async () => {
  const opts = { source, batchSize: 4, imgSize: 96, stride: 32, augment: false, seed: 0, masks: { downsampleRatio: 4, overlap: false } };
  const inThread = createLoader({ ...opts, workers: 0 });
  const b = (await inThread[Symbol.asyncIterator]().next()).value!;
  const [n, h, w] = b.maskShape!;
  // The scenes are 96 px squares: letterbox is the identity, so the polygons are the label file's times 96.
  const polys = source.segments.slice(0, 4).flat().map((p) => Float32Array.from(p, (v) => v * 96));
  assert.equal(n, polys.length);
  assert.deepEqual(Array.from(b.masks!), Array.from(polygons2masks(96, 96, polys, 1, 4)));
  assert.deepEqual([h, w], [24, 24]);
  const workers = createLoader({ ...opts, workers: 2 });
  const bw = (await workers[Symbol.asyncIterator]().next()).value!;
  assert.deepEqual(Array.from(bw.masks!), Array.from(b.masks!));
  assert.deepEqual(bw.maskShape, b.maskShape);
  await inThread.close();
  await workers.close();
});

test('detection batches carry no masks (the detection loader is unchanged)', async () => {
  const loader = createLoader({ source, batchSize: 4, imgSize: 96, stride: 32, augment: true, seed: 0, workers: 0 });
  const b = (await loader[Symbol.asyncIterator]().next()).value!;
  assert.equal(b.masks, undefined);
  assert.equal(b.maskShape, undefined);
  await loader.close();
});

test('segment labels: boxes as segments2boxes; v7.0 reads a 5-column row in a polygon file as 2 points (refused)', () => {
  const s = parseSegmentLabels('1 0.1 0.2 0.5 0.2 0.3 0.6\n', 'a.txt');
  // v7.0's verify_image_label (segments2boxes on float32 points) gives these float32 values.
  assert.deepEqual(Array.from(s.labels), [1, 0.30000001192092896, 0.4000000059604645, 0.4000000059604645, 0.40000003576278687]);
  assert.equal(s.segments.length, 1);
  assert.throws(() => parseSegmentLabels('0 0.1 0.1 0.2 0.1 0.2 0.3\n1 0.5 0.5 0.1 0.1\n', 'b.txt'), /b\.txt:2: a polygon needs at least 3 points, got 2/);
  assert.throws(() => parseSegmentLabels('0 0.5 0.5 0.1 0.1\n', 'c.txt'), /c\.txt:1: a box row .*detection dataset/);
  assert.throws(() => parseSegmentLabels('0 0.1 0.1 0.2 0.1 0.2 0.3 0.4\n', 'd.txt'), /d\.txt:1: a polygon needs x y pairs/);
});

test('resample_segments and segment2box: 1000 points along the closed outline; the box of the inside points', () => {
  const r = resampleSegment([0, 0, 10, 0, 10, 10]);
  assert.equal(r.length, 2000);
  assert.deepEqual([r[0], r[1], r[1998], r[1999]], [0, 0, 0, 0]); // closed: ends where it starts
  // np.linspace(0, 3, 1000)[333] = 1: the second vertex; [500] ≈ 1.5015 lies on the edge (10,0)→(10,10).
  assert.ok(Math.abs(r[666]! - 10) < 1e-9 && Math.abs(r[667]!) < 1e-9);
  assert.ok(Math.abs(r[1000]! - 10) < 1e-9 && Math.abs(r[1001]! - 10 * (500 * (3 / 999) - 1)) < 1e-9);
  assert.deepEqual(segment2box([-5, 2, 4, 3, 8, 20], 10, 10), [4, 3, 4, 3]);
  assert.deepEqual(segment2box([-5, 2, 0, 3], 10, 10), [0, 0, 0, 0]);
});

test('data digits --task segment: the same scenes as detection; each polygon\'s box is the detection label', async () => {
  const det = await generateDigits({ out: join(base, 'det'), train: 4, val: 0, img: 96, seed: 11 });
  const seg = await generateDigits({ out: join(base, 'seg'), train: 4, val: 0, img: 96, seed: 11, task: 'segment' });
  for (let i = 0; i < 4; i++) {
    const stem = String(i).padStart(5, '0');
    assert.deepEqual(readFileSync(join(det.out, 'images', 'train', `${stem}.jpg`)), readFileSync(join(seg.out, 'images', 'train', `${stem}.jpg`)));
    const boxes = readFileSync(join(det.out, 'labels', 'train', `${stem}.txt`), 'utf8').trim().split('\n').map((l) => l.split(' ').map(Number));
    const s = parseSegmentLabels(readFileSync(join(seg.out, 'labels', 'train', `${stem}.txt`), 'utf8'), stem);
    assert.equal(s.segments.length, boxes.length);
    boxes.forEach((b, r) => b.forEach((v, k) => assert.ok(Math.abs(s.labels[r * 5 + k]! - v) < 2e-6, `${stem} row ${r}: ${Array.from(s.labels.subarray(r * 5, r * 5 + 5))} vs ${b}`)));
  }
});
