// `convert labelme` against ultralytics/JSON2YOLO's convert_labelme_json run on the same files
// (test/fixtures/analysis/convert/make_convert_fixtures.py): the same files (labels, the copied image, data.yaml)
// with the same lines when given the reference's class order; by default the classes are sorted, and the lines
// are the reference's with the class ids renumbered accordingly.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { convertLabelme } from '../../src/convert/labelme.ts';
import { EXPECTED, FIX, assertSameTree, listFiles, problems, scratch } from './convert-fixture.ts';

const tmp = scratch('labelme');
const referenceNames = (variant: string): string[] => Object.values((parse(readFileSync(join(EXPECTED, variant, 'data.yaml'), 'utf8')) as { names: Record<number, string> }).names);
const notPath = (line: string) => !line.startsWith('path: ');

for (const [variant, segments] of [['labelme-boxes', false], ['labelme-segments', true]] as const) {
  test(`convert labelme${segments ? ' --segments' : ''} --names <the reference's order>: JSON2YOLO's files and lines`, () => {
    const out = join(tmp, variant);
    const p = problems();
    const names = referenceNames(variant);
    assert.deepEqual(names, ['zebra', 'cat', 'ball', 'rope', 'ant', 'marker'], 'first appearance over the sorted paths');
    const r = convertLabelme(join(FIX, 'labelme'), { out, names, segments, onProblem: p.on });
    assertSameTree(out, join(EXPECTED, variant), { 'data.yaml': notPath });
    assert.equal(readFileSync(join(out, 'data.yaml'), 'utf8').split('\n')[0], `path: ${out}`);
    assert.equal(r.labelFiles.length, 3, 'c.json has no shapes: no label file');
    assert.deepEqual(p.text(), [
      'a.json: image a.jpg not found (' + join(FIX, 'labelme', 'a.jpg') + '): labels written, image not copied',
      'c.json: image c.jpg not found (' + join(FIX, 'labelme', 'c.jpg') + ')',
      "sub/b.json: shape 3 (point 'marker'): 1 point, a box needs 2: skipped",
      'sub/b.json: image ..\\images\\b.png not found (' + join(FIX, 'labelme', 'images', 'b.png') + '): labels written, image not copied',
    ]);
  });
}

test('convert labelme without --names: the labels found, sorted; the reference lines with the ids renumbered', () => {
  for (const [variant, segments] of [['labelme-boxes', false], ['labelme-segments', true]] as const) {
    const out = join(tmp, `${variant}-sorted`);
    convertLabelme(join(FIX, 'labelme'), { out, segments });
    const ref = referenceNames(variant);
    const sorted = [...ref].sort();
    assert.deepEqual(sorted, ['ant', 'ball', 'cat', 'marker', 'rope', 'zebra']);
    const yaml = parse(readFileSync(join(out, 'data.yaml'), 'utf8')) as Record<string, unknown>;
    assert.deepEqual(yaml, { path: out, train: 'images', val: 'images', names: Object.fromEntries(sorted.map((n, i) => [i, n])) });
    assert.deepEqual(listFiles(out), listFiles(join(EXPECTED, variant)));
    for (const f of listFiles(join(EXPECTED, variant)).filter((f) => f.startsWith('labels/'))) {
      const expected = readFileSync(join(EXPECTED, variant, f), 'utf8')
        .split('\n')
        .map((l) => (l ? [String(sorted.indexOf(ref[Number(l.split(' ')[0])]!)), ...l.split(' ').slice(1)].join(' ') : l));
      assert.deepEqual(readFileSync(join(out, f), 'utf8').split('\n'), expected, f);
    }
  }
});
