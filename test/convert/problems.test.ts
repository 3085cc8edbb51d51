// Bad annotations are reported per file (file name + what is wrong + what was done), never dropped silently; the
// good files are still written; the CLI prints each problem on stderr, a summary line on stdout, exits 0 with
// warnings and 1 when nothing could be converted; no half-written (temporary) file is left behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { convertCoco } from '../../src/convert/coco.ts';
import { convertLabelme } from '../../src/convert/labelme.ts';
import { formatConvertSummary } from '../../src/convert/report.ts';
import { convertVoc } from '../../src/convert/voc.ts';
import { FIX, listFiles, problems, scratch } from './convert-fixture.ts';

const tmp = scratch('problems');
const BIN = join(FIX, '..', '..', '..', '..', 'bin', 'tsyolo.js');

function cocoInputs(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const ann = (id: number, image_id: number, extra: Record<string, unknown>) => ({ id, image_id, category_id: 1, iscrowd: 0, ...extra });
  writeFileSync(
    join(dir, 'good.json'),
    JSON.stringify({
      images: [
        { id: 1, file_name: 'a.jpg', width: 100, height: 50 },
        { id: 2, file_name: 'b.jpg', width: 0, height: 50 },
        { id: 3, width: 10, height: 10 },
      ],
      categories: [
        { id: 1, name: 'dog' },
        { id: 2, name: 'cat' },
      ],
      annotations: [
        ann(1, 1, { bbox: [90, 10, 20, 10] }), // past the right edge: clipped
        ann(2, 1, { bbox: [120, 10, 5, 5] }), // outside: skipped
        ann(3, 1, { bbox: [1, 1, 5, 5], category_id: 7 }), // unknown category
        ann(4, 1, { bbox: [10, 10, -5, 5], category_id: 2 }), // negative width
        ann(5, 99, { bbox: [1, 1, 5, 5] }), // no such image
        ann(6, 2, { bbox: [1, 1, 5, 5] }), // image without a size
        ann(7, 3, { bbox: [1, 1, 5, 5] }), // image without a file name
        ann(8, 1, { bbox: [0, 0, 10, 10], category_id: 2, segmentation: [[0, 0, 10, 0, 10, 10]] }), // good
        { id: 10, image_id: 1, bbox: [1, 1, 5, 5] }, // no category_id
        ann(11, 1, { bbox: 'abc' }),
        ann(12, 1, { bbox: [0, 0, 50, 25], segmentation: [[0, 0, 120, 0, 50, 25]] }), // polygon past the edge: clipped
        ann(13, 1, { bbox: [60, 30, 10, 10], segmentation: [[1, 2, 3]] }), // odd polygon: the box is written
      ],
    }),
  );
  writeFileSync(join(dir, 'broken.json'), '{"images": [');
}

test('convert coco: every bad annotation reported with its image file, the good lines written', () => {
  const dir = join(tmp, 'coco-in');
  cocoInputs(dir);
  const out = join(tmp, 'coco-out');
  const p = problems();
  const r = convertCoco(dir, { out, segments: true, onProblem: p.on });
  assert.match(p.text()[0]!, /^broken\.json: not valid JSON \(.+\): skipped$/);
  assert.deepEqual(p.text().slice(1), [
    'good.json: a.jpg: annotation 1: bbox [90, 10, 20, 10] extends past the 100×50 image: clipped to [90, 10, 10, 10]',
    'good.json: a.jpg: annotation 1: no polygon in segmentation: the box is written',
    'good.json: a.jpg: annotation 2: bbox [120, 10, 5, 5] lies outside the 100×50 image: skipped',
    "good.json: a.jpg: annotation 3: unknown category 7 (not in 'categories'): skipped",
    'good.json: a.jpg: annotation 4: bbox [10, 10, -5, 5] has zero or negative size: skipped',
    'good.json: a.jpg: annotation 10: no category_id: skipped',
    'good.json: a.jpg: annotation 11: bbox "abc" is not four numbers [x, y, width, height]: skipped',
    'good.json: a.jpg: annotation 12: the polygon extends past the 100×50 image: its points are clipped to it',
    'good.json: a.jpg: annotation 13: a polygon has an odd number of coordinates (3): the box is written',
    "good.json: image id 99 (annotation 5) is not in 'images': skipped",
    'good.json: b.jpg: image id 2: width/height 0×50 are not positive numbers: its annotations are skipped',
    'good.json: image id 3 has no file_name: its annotations are skipped',
  ]);
  assert.equal(readFileSync(join(out, 'labels', 'good', 'a.txt'), 'utf8'), ['0 0.95 0.3 0.1 0.2', '1 0 0 0.1 0 0.1 0.2', '0 0 0 1 0 0.5 0.5', '0 0.65 0.7 0.1 0.2', ''].join('\n'));
  assert.deepEqual(listFiles(out), ['good.yaml', 'labels/good/a.txt'], 'only finished files: no temporary file left');
  assert.equal(formatConvertSummary(r), `coco: 1 label file (4 lines) written to ${out}; 1 other file; 13 problems in 4 files (listed above)`);
});

test('convert voc: unreadable XML, missing size, out-of-image, negative and unknown objects reported per file', () => {
  const dir = join(tmp, 'voc-in');
  mkdirSync(dir);
  writeFileSync(join(dir, 'bad.xml'), '<annotation>\n<size><width>10</width>\n</annotation>\n');
  writeFileSync(join(dir, 'nosize.xml'), '<annotation><object><name>dog</name></object></annotation>');
  const obj = (name: string, b: number[], difficult = '0') =>
    `<object><name>${name}</name><difficult>${difficult}</difficult><bndbox><xmin>${b[0]}</xmin><ymin>${b[1]}</ymin><xmax>${b[2]}</xmax><ymax>${b[3]}</ymax></bndbox></object>`;
  writeFileSync(
    join(dir, 'box.xml'),
    `<?xml version="1.0"?>\n<!-- made by hand -->\n<annotation><filename>box.jpg</filename><size><width>100</width><height>50</height></size>` +
      obj('dog', [0, 5, 50, 20]) +
      obj('dog', [30, 5, 20, 20]) +
      obj('unicorn', [1, 1, 5, 5]) +
      obj('dog', [200, 5, 300, 20]) +
      obj('person', [11, 6, 51, 26]) +
      obj('person', [11, 6, 51, 26], 'x') +
      '<object><name>person</name><difficult>0</difficult></object>' +
      obj('person &amp; co', [1, 1, 5, 5]) +
      '</annotation>',
  );
  const out = join(tmp, 'voc-out');
  const p = problems();
  const r = convertVoc(dir, { out, names: ['dog', 'person'], onProblem: p.on });
  assert.deepEqual(p.text(), [
    'bad.xml: not valid XML (line 3: </annotation> closes <size>): no label file written',
    "box.xml: object 1 'dog': box (xmin 0, ymin 5, xmax 50, ymax 20) extends past the 100×50 image (VOC pixels are 1-based): clipped",
    "box.xml: object 2 'dog': box (xmin 30, ymin 5, xmax 20, ymax 20) has zero or negative size: skipped",
    "box.xml: object 3 'unicorn': class not in the class list: skipped",
    "box.xml: object 4 'dog': box (xmin 200, ymin 5, xmax 300, ymax 20) lies outside the 100×50 image: skipped",
    "box.xml: object 6 'person': <difficult> 'x' is not a whole number: skipped",
    "box.xml: object 7 'person': <bndbox> lacks a number for one of xmin, ymin, xmax, ymax: skipped",
    "box.xml: object 8 'person & co': class not in the class list: skipped",
    'nosize.xml: image size no <size> is not a positive whole width×height: no label file written',
  ]);
  assert.equal(readFileSync(join(out, 'box.txt'), 'utf8'), '0 0.245 0.23 0.49 0.3\n1 0.3 0.3 0.4 0.4\n');
  assert.deepEqual(listFiles(out), ['box.txt']);
  assert.equal(r.inputs, 1);
});

test('convert labelme: bad JSON, missing size, unknown labels, outside and degenerate shapes reported per file', () => {
  const dir = join(tmp, 'labelme-in');
  mkdirSync(dir);
  writeFileSync(join(dir, 'broken.json'), 'not json');
  writeFileSync(join(dir, 'nosize.json'), JSON.stringify({ shapes: [], imagePath: 'x.jpg' }));
  const shape = (label: string, shape_type: string, points: number[][]) => ({ label, shape_type, points });
  writeFileSync(
    join(dir, 'ok.json'),
    JSON.stringify({
      imagePath: 'ok.jpg',
      imageWidth: 100,
      imageHeight: 50,
      shapes: [
        shape('dog', 'rectangle', [[90, 10], [110, 20]]),
        shape('unicorn', 'rectangle', [[1, 1], [5, 5]]),
        shape('cat', 'polygon', [[200, 0], [300, 0], [250, 40]]),
        shape('cat', 'rectangle', [[5, 5], [5, 9]]),
        shape('cat', 'mask', [[1, 1], [5, 5]]),
        shape('cat', 'polygon', [[0, 0], [120, 0], [50, 25]]),
      ],
    }),
  );
  writeFileSync(join(dir, 'ok.jpg'), 'jpeg bytes');
  const out = join(tmp, 'labelme-out');
  const p = problems();
  convertLabelme(dir, { out, names: ['dog', 'cat'], segments: true, onProblem: p.on });
  assert.equal(p.list.length, 8, p.text().join('\n'));
  assert.match(p.text()[0]!, /^broken\.json: not valid JSON \(.+\): skipped$/);
  assert.deepEqual(p.text().slice(1), [
    'nosize.json: imageWidth/imageHeight undefined×undefined missing or not positive: skipped',
    "ok.json: shape 1 (rectangle 'dog'): extends past the 100×50 image: clipped",
    "ok.json: shape 2 (rectangle 'unicorn'): label not in the class list: skipped",
    "ok.json: shape 3 (polygon 'cat'): lies outside the 100×50 image: skipped",
    "ok.json: shape 4 (rectangle 'cat'): zero width or height: skipped",
    "ok.json: shape 5 (mask 'cat'): mask shapes are not converted (the reference decodes the mask with OpenCV): skipped",
    "ok.json: shape 6 (polygon 'cat'): points outside the 100×50 image: clipped to it",
  ]);
  assert.equal(readFileSync(join(out, 'labels', 'ok.txt'), 'utf8'), '0 0.95 0.3 0.1 0.2\n1 0 0 1 0 0.5 0.5\n');
  assert.equal(readFileSync(join(out, 'images', 'ok.jpg'), 'utf8'), 'jpeg bytes');
  assert.deepEqual(listFiles(out), ['data.yaml', 'images/ok.jpg', 'labels/ok.txt']);
});

test('tsyolo convert: problems on stderr with their file, a summary on stdout, exit 0 with warnings, 1 when nothing converted', () => {
  const dir = join(tmp, 'cli-in');
  cocoInputs(dir);
  const out = join(tmp, 'cli-out');
  const r = spawnSync(process.execPath, [BIN, 'convert', 'coco', dir, '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const warnings = r.stderr.trim().split('\n');
  assert.equal(warnings.length, 10, r.stderr); // the 13 less the three about polygons (no --segments)
  assert.ok(warnings.every((w) => /^WARNING ⚠️ (broken|good)\.json(: [ab]\.jpg)?: /.test(w)), r.stderr);
  assert.ok(warnings.includes('WARNING ⚠️ good.json: a.jpg: annotation 2: bbox [120, 10, 5, 5] lies outside the 100×50 image: skipped'), r.stderr);
  assert.equal(r.stdout.trim(), `coco: 1 label file (4 lines) written to ${out}; 1 other file; 10 problems in 4 files (listed above)`);

  const bad = join(tmp, 'cli-bad');
  mkdirSync(bad);
  writeFileSync(join(bad, 'broken.json'), '{');
  const r2 = spawnSync(process.execPath, [BIN, 'convert', 'coco', bad, '--out', join(tmp, 'cli-bad-out')], { encoding: 'utf8' });
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /^WARNING ⚠️ broken\.json: not valid JSON/m);
  assert.match(r2.stderr, /tsyolo: error: convert coco: nothing converted \(0 inputs read; 1 problem listed above\)/);
});
