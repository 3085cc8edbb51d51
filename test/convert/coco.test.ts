// `convert coco` against ultralytics/JSON2YOLO's convert_coco_json run on the same file
// (test/fixtures/analysis/convert/make_convert_fixtures.py): the same files with the same bytes, for boxes, segments,
// cls91to80 and both; plus what is reported for the annotations the reference leaves out.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { COCO91_TO_80, convertCoco } from '../../src/convert/coco.ts';
import { mergeMultiSegment } from '../../src/convert/merge-segments.ts';
import { EXPECTED, FIX, assertSameTree, listFiles, problems, scratch } from './convert-fixture.ts';

const ANN = join(FIX, 'coco', 'instances_tiny.json');
const tmp = scratch('coco');

const variants = [
  { name: 'coco-boxes', segments: false, cls91to80: false },
  { name: 'coco-segments', segments: true, cls91to80: false },
  { name: 'coco-cls91to80', segments: false, cls91to80: true },
  { name: 'coco-segments-cls91to80', segments: true, cls91to80: true },
];

for (const v of variants) {
  test(`convert coco${v.segments ? ' --segments' : ''}${v.cls91to80 ? ' --cls91to80' : ''}: the files and lines JSON2YOLO writes`, () => {
    const out = join(tmp, v.name);
    const p = problems();
    const r = convertCoco(ANN, { out, segments: v.segments, cls91to80: v.cls91to80, onProblem: p.on });
    assertSameTree(out, join(EXPECTED, v.name));
    assert.equal(r.labelFiles.length, 4);
    assert.equal(r.skipped.crowd, 2, 'the RLE crowd on image 2 and the polygon crowd on image 4');
    // What the reference drops without a word is reported, by image file and annotation id.
    const text = p.text();
    assert.ok(text.includes('instances_tiny.json: 000000000001.jpg: annotation 4: same class and box as annotation 3: skipped as a duplicate'), text.join('\n'));
    assert.ok(text.includes('instances_tiny.json: 000000000001.jpg: annotation 7: bbox [50, 50, 0, 10] has zero or negative size: skipped'), text.join('\n'));
    const unmapped = 'instances_tiny.json: 000000000001.jpg: annotation 5: category 12 (street sign) has no COCO-80 class (--cls91to80): skipped';
    assert.equal(text.includes(unmapped), v.cls91to80);
    const noPolygon = text.filter((t) => t.includes('no polygon in segmentation: the box is written'));
    assert.equal(noPolygon.length, v.segments ? 2 : 0, 'annotation 6 (segmentation []) and 13 (none)');
    assert.equal(text.length, 2 + (v.cls91to80 ? 1 : 0) + (v.segments ? 2 : 0), text.join('\n'));
  });
}

test("'%g' rounds exact halves to even as Python does (325/640 = 0.5078125 → 0.507812, 65/640 → 0.101562)", () => {
  const lines = readFileSync(join(EXPECTED, 'coco-boxes', 'labels', 'tiny', '000000000001.txt'), 'utf8').split('\n');
  assert.equal(lines[0], '0 0.507812 0.251302 0.078125 0.0838542');
  assert.match(lines[2]!, / 0\.101562 /);
  const out = join(tmp, 'halves');
  convertCoco(ANN, { out });
  assert.equal(readFileSync(join(out, 'labels', 'tiny', '000000000001.txt'), 'utf8').split('\n')[0], lines[0]);
});

test('a folder of JSON files converts each one, as JSON2YOLO takes a json_dir', () => {
  const out = join(tmp, 'folder');
  convertCoco(join(FIX, 'coco'), { out });
  assertSameTree(out, join(EXPECTED, 'coco-boxes'));
});

test('an image whose annotations are all crowd gets an empty label file; an image without annotations gets none', () => {
  const files = listFiles(join(EXPECTED, 'coco-boxes'));
  assert.ok(files.includes('labels/tiny/000000000004.txt'));
  assert.equal(readFileSync(join(EXPECTED, 'coco-boxes', 'labels', 'tiny', '000000000004.txt'), 'utf8'), '');
  assert.ok(!files.some((f) => f.includes('000000000005')));
});

test('COCO91_TO_80 is the 80 classes over the 91 ids, with the 11 unused ids null', () => {
  assert.equal(COCO91_TO_80.length, 91);
  assert.equal(COCO91_TO_80.filter((c) => c !== null).length, 80);
  assert.deepEqual(
    COCO91_TO_80.flatMap((c, i) => (c === null ? [i + 1] : [])),
    [12, 26, 29, 30, 45, 66, 68, 69, 71, 83, 91],
  );
  assert.equal(COCO91_TO_80[89], 79); // toothbrush
});

test('mergeMultiSegment reverses a middle part whose link to the previous part comes after its link to the next', () => {
  // part 1's point nearest part 0 is index 3 ([60, 230]); nearest part 2 is index 0 ([120, 260]): reversed
  const merged = mergeMultiSegment([
    [[10, 200], [40, 200], [40, 240], [10, 240]],
    [[120, 260], [90, 260], [90, 230], [60, 230], [60, 260]],
    [[130, 280], [160, 280], [160, 300], [130, 300]],
  ]);
  // the reference's own output for this annotation (image 2, dog), in pixels
  const line = readFileSync(join(EXPECTED, 'coco-segments', 'labels', 'tiny', '000000000002.txt'), 'utf8').trim().split('\n')[2]!;
  const xy = line.split(' ').slice(1).map(Number);
  assert.equal(merged.length * 2, xy.length);
  merged.forEach(([x, y], k) => {
    assert.ok(Math.abs(x / 500 - xy[2 * k]!) < 1e-6 && Math.abs(y / 375 - xy[2 * k + 1]!) < 1e-6, `point ${k}`);
  });
});
